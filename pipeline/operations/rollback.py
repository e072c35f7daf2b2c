"""Re-serve an earlier pushed version, atomically, only if it still fits the
current data schema; the rollback is recorded in MLMD."""
import pathlib
import time

from components.contracts import artifacts as contract
from components.serving_manifest import executor as manifest
from pipeline.operations import lineage, serving

EXECUTION_TYPE = "model_factory.Rollback"


class RollbackRefused(RuntimeError):
  """The version is unknown or does not fit the current schema."""


def rollback(store, serving_dir: pathlib.Path, version: str, schema_path) -> str:
  """Copies `version` to a new, higher version folder (what TF Serving and
  `predict` serve) through a temporary folder and one rename; returns it."""
  try:
    facts = lineage.explain(store, version)
  except lineage.LineageError as error:
    raise RollbackRefused(str(error)) from error
  problems = serving.compatibility_problems(facts, schema_path)
  if problems:
    raise RollbackRefused(f"version {version} does not fit the current schema "
                          f"({schema_path}): " + "; ".join(problems))
  new_version = serving.next_version(serving_dir, int(time.time()))
  destination = serving.copy_in(serving_dir / version, serving_dir, new_version)
  serving.record(store, EXECUTION_TYPE, {"rolled_back_to": version}, facts,
                 served=(new_version, destination, {contract.ROLLED_BACK_FROM: version}))
  manifest.write(str(serving_dir), manifest.build(
      manifest.read(str(serving_dir)), version=new_version, model_path=destination,
      role="rollback", model_id=facts["model"]["mlmd_id"], reason=f"rollback to version {version}"))
  return new_version
