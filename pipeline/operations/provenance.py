"""Who ran the pipeline, where, with which code, libraries and settings:
recorded in MLMD as a context associated with every execution of a run."""
import dataclasses
import getpass
import hashlib
import importlib.metadata
import json
import pathlib
import socket
import subprocess

from ml_metadata.proto import metadata_store_pb2

CONTEXT_TYPE = "model_factory.Provenance"
_LIBRARIES = ("tfx", "tensorflow", "tensorflow-data-validation", "tensorflow-transform",
              "tensorflow-model-analysis", "apache-beam")


# The repository whose commit is recorded.
_REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _git(*args) -> str:
  try:
    return subprocess.run(["git", *args], cwd=_REPO_ROOT, capture_output=True, text=True,
                          check=True, timeout=10).stdout.strip()
  except (OSError, subprocess.SubprocessError):
    return ""


def config_sha256(settings) -> str:
  """Hash of every field of the Settings object (the effective config)."""
  values = dataclasses.asdict(settings)
  return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def collect(settings) -> dict:
  facts = {"git_commit": _git("rev-parse", "HEAD") or "unknown (not a git checkout)",
           "git_dirty": int(bool(_git("status", "--porcelain", "--untracked-files=no"))),
           "user": getpass.getuser(), "host": socket.gethostname(),
           "config_sha256": config_sha256(settings)}
  for library in _LIBRARIES:
    facts[f"version_{library}"] = importlib.metadata.version(library)
  return facts


def record(store, run_id: str, facts: dict) -> None:
  """Attaches `facts` to every execution of the pipeline run `run_id`."""
  type_id = store.put_context_type(metadata_store_pb2.ContextType(name=CONTEXT_TYPE))
  context = metadata_store_pb2.Context(type_id=type_id, name=run_id)
  for key, value in facts.items():
    if isinstance(value, int):
      context.custom_properties[key].int_value = value
    else:
      context.custom_properties[key].string_value = str(value)
  (context_id,) = store.put_contexts([context])
  run = store.get_context_by_type_and_name("pipeline_run", run_id)
  associations = [metadata_store_pb2.Association(execution_id=e.id, context_id=context_id)
                  for e in store.get_executions_by_context(run.id)]
  store.put_attributions_and_associations([], associations)


def of_execution(store, execution_id: int) -> dict:
  """The provenance facts recorded for an execution's run ({} if none)."""
  for context in store.get_contexts_by_execution(execution_id):
    if context.type_id == store.get_context_type(CONTEXT_TYPE).id:
      return {k: getattr(v, v.WhichOneof("value")) for k, v in context.custom_properties.items()}
  return {}
