"""Re-serve an earlier pushed version, atomically, only if it still fits the
current data schema; the rollback is recorded in MLMD."""
import pathlib
import shutil
import time

import tensorflow_data_validation as tfdv
from ml_metadata.proto import metadata_store_pb2
from tfx.types import standard_component_specs as specs

from components.compatibility_guard import executor as guard
from components.contracts import artifacts as contract
from components.contracts import compatibility
from components.serving_manifest import executor as manifest
from pipeline.operations import lineage, predict

EXECUTION_TYPE = "model_factory.Rollback"


class RollbackRefused(RuntimeError):
  """The version is unknown or does not fit the current schema."""


def _artifact(store, artifact_id):
  (artifact,) = store.get_artifacts_by_id([artifact_id])
  return artifact


def compatibility_problems(store, facts: dict, current_schema) -> list:
  """The guard's feature checks for an archived model, by its lineage."""
  return compatibility.check_features(guard.read_schema(facts["schema"]), current_schema,
                               guard.serving_features(facts["transform_graph"]))


def rollback(store, serving_dir: pathlib.Path, version: str, schema_path) -> str:
  """Copies `version` to a new, higher version folder (what TF Serving and
  `predict` serve) through a temporary folder and one rename; returns it."""
  try:
    facts = lineage.explain(store, version)
  except lineage.LineageError as error:
    raise RollbackRefused(str(error)) from error
  problems = compatibility_problems(store, facts, tfdv.load_schema_text(str(schema_path)))
  if problems:
    raise RollbackRefused(f"version {version} does not fit the current schema "
                          f"({schema_path}): " + "; ".join(problems))
  newest = int(predict.latest_version(serving_dir).name)
  new_version = str(max(int(time.time()), newest + 1))
  staging = serving_dir / f".rollback-{new_version}.tmp"
  try:
    shutil.copytree(serving_dir / version, staging)
    staging.rename(serving_dir / new_version)  # atomic: serving sees all or nothing
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  _record(store, facts, serving_dir / new_version, new_version, version)
  manifest.write(str(serving_dir), manifest.build(
      version=new_version, model_path=serving_dir / new_version, role="rollback",
      model_id=facts["model"]["mlmd_id"], reason=f"rollback to version {version}",
      previous=manifest.read(str(serving_dir))))
  return new_version


def _record(store, facts, destination, new_version, from_version):
  """A Rollback execution: input the old model and blessing, output a PushedModel."""
  execution_type = metadata_store_pb2.ExecutionType(name=EXECUTION_TYPE)
  execution = metadata_store_pb2.Execution(
      type_id=store.put_execution_type(execution_type),
      last_known_state=metadata_store_pb2.Execution.COMPLETE)
  execution.custom_properties["rolled_back_to"].string_value = from_version
  pushed_type = store.get_artifact_type("PushedModel")
  pushed = metadata_store_pb2.Artifact(type_id=pushed_type.id, uri=str(destination),
                                       state=metadata_store_pb2.Artifact.LIVE)
  for key, value in ((contract.PUSHED_VERSION, new_version),
                     (contract.PUSHED_DESTINATION, str(destination)),
                     (contract.ROLLED_BACK_FROM, from_version)):
    pushed.custom_properties[key].string_value = value
  pushed.custom_properties[contract.PUSHED].int_value = 1
  (pushed_id,) = store.put_artifacts([pushed])
  blessing_id = facts["blessing"]["mlmd_id"]
  events = []
  # The Pusher's input and output keys, so that lineage reads a rollback as a push.
  for artifact_id, key, kind in (
      (facts["model"]["mlmd_id"], specs.MODEL_KEY, metadata_store_pb2.Event.INPUT),
      (blessing_id, specs.MODEL_BLESSING_KEY, metadata_store_pb2.Event.INPUT),
      (pushed_id, specs.PUSHED_MODEL_KEY, metadata_store_pb2.Event.OUTPUT)):
    event = metadata_store_pb2.Event(artifact_id=artifact_id, type=kind)
    event.path.steps.add().key = key
    events.append((_artifact(store, artifact_id), event))
  store.put_execution(execution, events, contexts=[])

