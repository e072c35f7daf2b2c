"""What `rollback` and `approve` share: the compatibility check of an
archived model against the current schema, an atomic copy of a model folder
into a new served version, and the MLMD record that makes that copy read as
a push (Pusher's input and output keys) in lineage."""
import pathlib
import shutil

import tensorflow_data_validation as tfdv
from ml_metadata.proto import metadata_store_pb2
from tfx.types import standard_component_specs as specs

from components.compatibility_guard import executor as guard
from components.contracts import artifacts as contract
from components.contracts import compatibility

# A promotion decision (pipeline/operations/promotion.py) in MLMD: its
# execution type, its properties, their values, and the key of the input
# event for the candidate's PushedModel (lineage reads them too).
PROMOTION_TYPE = "model_factory.Promotion"
DECISION, BY, NOTE, CANDIDATE_VERSION = "decision", "decided_by", "note", "candidate_version"
APPROVED, REJECTED, REFUSED = "approved", "rejected", "refused"
CANDIDATE_KEY = "candidate"


def compatibility_problems(facts: dict, schema_path) -> list:
  """The guard's feature checks for an archived model (lineage facts)
  against the schema of the data it would serve."""
  trained = guard.read_schema(facts["schema"])
  return compatibility.check_features(trained, tfdv.load_schema_text(str(schema_path)),
                                      guard.serving_features(facts["transform_graph"], trained))


def next_version(serving_dir: pathlib.Path, wanted: int) -> str:
  """`wanted`, or one above the highest served version if that is higher:
  TF Serving serves the highest number."""
  served = [int(p.name) for p in serving_dir.iterdir() if p.name.isdigit()] if serving_dir.is_dir() else []
  return str(max([int(wanted)] + [v + 1 for v in served]))


def copy_in(source: pathlib.Path, serving_dir: pathlib.Path, version: str) -> pathlib.Path:
  """Copies `source` to serving_dir/version through a staging folder and one
  rename, so serving sees all of it or nothing; a staging folder left by an
  interrupted copy is replaced."""
  staging = serving_dir / f".staging-{version}.tmp"
  shutil.rmtree(staging, ignore_errors=True)
  try:
    shutil.copytree(source, staging)
    staging.rename(serving_dir / version)
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return serving_dir / version


def _event(store, artifact_id, key, kind):
  event = metadata_store_pb2.Event(artifact_id=artifact_id, type=kind)
  event.path.steps.add().key = key
  return store.get_artifacts_by_id([artifact_id])[0], event


def record(store, execution_type: str, properties: dict, facts: dict, inputs=None,
           served=None) -> None:
  """An execution of `execution_type` (string `properties`) that read the
  model and its blessing (and `inputs`: {key: artifact id}) and, when
  `served` = (version, destination, {property: value}), output a PushedModel
  there, under the Pusher's keys so that lineage reads it as a push."""
  execution = metadata_store_pb2.Execution(
      type_id=store.put_execution_type(metadata_store_pb2.ExecutionType(name=execution_type)),
      last_known_state=metadata_store_pb2.Execution.COMPLETE)
  for key, value in properties.items():
    execution.custom_properties[key].string_value = str(value)
  events = [_event(store, facts["model"]["mlmd_id"], specs.MODEL_KEY, metadata_store_pb2.Event.INPUT),
            _event(store, facts["blessing"]["mlmd_id"], specs.MODEL_BLESSING_KEY,
                   metadata_store_pb2.Event.INPUT)]
  events += [_event(store, i, key, metadata_store_pb2.Event.INPUT) for key, i in (inputs or {}).items()]
  if served:
    version, destination, extra = served
    pushed = metadata_store_pb2.Artifact(type_id=store.get_artifact_type("PushedModel").id,
                                         uri=str(destination), state=metadata_store_pb2.Artifact.LIVE)
    for key, value in {contract.PUSHED_VERSION: version,
                       contract.PUSHED_DESTINATION: str(destination), **extra}.items():
      pushed.custom_properties[key].string_value = str(value)
    pushed.custom_properties[contract.PUSHED].int_value = 1
    (pushed_id,) = store.put_artifacts([pushed])
    events.append(_event(store, pushed_id, specs.PUSHED_MODEL_KEY, metadata_store_pb2.Event.OUTPUT))
  store.put_execution(execution, events, contexts=[])
