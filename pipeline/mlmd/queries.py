"""Read-only questions answered from MLMD: runs, executions, events, lineage."""
import dataclasses

from ml_metadata.proto import metadata_store_pb2
from tfx.types import standard_component_specs as specs

from components.contracts import artifacts as contract
from components.serving_manifest import executor as manifest

_RUN_CONTEXT = "pipeline_run"
_NODE_CONTEXT = "node"
_STATE = metadata_store_pb2.Execution.State


@dataclasses.dataclass
class NodeExecution:
  node_id: str
  state: str  # COMPLETE (ran), CACHED (reused), FAILED, ...
  seconds: float
  execution: metadata_store_pb2.Execution


def latest_run_id(store) -> str:
  """Name of the newest pipeline run in the store (one store per output dir)."""
  runs = run_ids(store)
  if not runs:
    raise LookupError("MLMD holds no pipeline run yet.")
  return runs[-1]


def run_executions(store, pipeline_name: str, run_id: str) -> list:
  """Every execution of a run, in order, with its node id, state and time."""
  run = store.get_context_by_type_and_name(_RUN_CONTEXT, run_id)
  result = []
  for execution in sorted(store.get_executions_by_context(run.id), key=lambda e: e.id):
    seconds = (execution.last_update_time_since_epoch - execution.create_time_since_epoch) / 1000
    result.append(NodeExecution(node_id(store, pipeline_name, execution.id),
                                _STATE.Name(execution.last_known_state), seconds, execution))
  return result


def run_ids(store) -> list:
  """Names of every pipeline run in the store, oldest first."""
  return [c.name for c in sorted(store.get_contexts_by_type(_RUN_CONTEXT), key=lambda c: c.id)]


def node_id(store, pipeline_name: str, execution_id: int) -> str:
  """The pipeline node an execution ran ("?" if MLMD does not say)."""
  node_type = store.get_context_type(_NODE_CONTEXT).id
  names = [c.name[len(pipeline_name) + 1:] for c in store.get_contexts_by_execution(execution_id)
           if c.type_id == node_type]
  return names[0] if names else "?"


_OUTPUT_EVENTS = (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.DECLARED_OUTPUT)
_INPUT_EVENTS = (metadata_store_pb2.Event.INPUT, metadata_store_pb2.Event.DECLARED_INPUT)


def output_artifacts(store, execution_id: int) -> dict:
  """{output key: [Artifact proto]} produced (or reused) by an execution."""
  return _artifacts(store, execution_id, _OUTPUT_EVENTS)


def input_artifacts(store, execution_id: int) -> dict:
  """{input key: [Artifact proto]} an execution read."""
  return _artifacts(store, execution_id, _INPUT_EVENTS)


def _artifacts(store, execution_id, event_types):
  events = [e for e in store.get_events_by_execution_ids([execution_id])
            if e.type in event_types]
  artifacts = {a.id: a for a in store.get_artifacts_by_id([e.artifact_id for e in events])}
  result = {}
  for event in events:
    # An artifact fed to several inputs has one event whose path names every
    # key (steps alternate key, index).
    for key in {step.key for step in event.path.steps if step.HasField("key")} or {""}:
      result.setdefault(key, []).append(artifacts[event.artifact_id])
  return result


def custom(artifact, name, default=None):
  """A custom property of an MLMD artifact proto, whatever its value type."""
  if name not in artifact.custom_properties:
    return default
  value = artifact.custom_properties[name]
  return getattr(value, value.WhichOneof("value"))


def producer_execution_id(store, artifact_id: int):
  """The execution that first output the artifact (caching adds later ones)."""
  ids = sorted(e.execution_id for e in store.get_events_by_artifact_ids([artifact_id])
               if e.type in _OUTPUT_EVENTS)
  return ids[0] if ids else None


def consumer_execution_ids(store, artifact_id: int) -> list:
  return sorted({e.execution_id for e in store.get_events_by_artifact_ids([artifact_id])
                 if e.type in _INPUT_EVENTS})


def evaluations_behind(store, blessing_id: int) -> list:
  """The ModelEvaluation a blessing rests on: the Evaluator's own output, or
  what a fallback's ChampionChallenger read (the FallbackEvaluator's)."""
  judge = producer_execution_id(store, blessing_id)
  if judge is None:
    return []
  return output_artifacts(store, judge).get(specs.EVALUATION_KEY) or input_artifacts(store, judge).get(
      specs.EVALUATION_KEY, [])


def training_examples(store, model_id: int) -> list:
  """Ids of the raw Examples (one per span) a model was trained on, by lineage:
  Model <- Trainer <- transformed examples <- Transform <- raw examples, or
  (a fallback, which transforms as it trains) Model <- Trainer <- raw examples."""
  trainer = producer_execution_id(store, model_id)
  if trainer is None:
    return []
  raw = set()
  for examples in input_artifacts(store, trainer).get(specs.EXAMPLES_KEY, []):
    producer = producer_execution_id(store, examples.id)
    read = input_artifacts(store, producer).get(specs.EXAMPLES_KEY, []) if producer else []
    if read:
      raw.update(a.id for a in read)
    else:
      raw.add(examples.id)
  return sorted(raw)


def statistics_of(store, examples_ids) -> set:
  """Ids of the ExampleStatistics computed from the given Examples."""
  result = set()
  for examples_id in examples_ids:
    for execution in consumer_execution_ids(store, examples_id):
      result.update(a.id for a in output_artifacts(store, execution).get(specs.STATISTICS_KEY, []))
  return result


def pushed_model_ids(store) -> list:
  """Ids of the models that were served (pushed by a Pusher, a rollback or an
  approval), the most recently served first: what serving actually saw,
  unlike "blessed" (a blessed model may still have been refused by the
  CompatibilityGuard) or a candidate still waiting for approval."""
  result = []
  for pushed in sorted(store.get_artifacts_by_type("PushedModel"), key=lambda a: a.id, reverse=True):
    if (not custom(pushed, contract.PUSHED, 0)
        or manifest.is_candidate(custom(pushed, contract.PUSHED_DESTINATION, ""))):
      continue
    for model in input_artifacts(
        store, producer_execution_id(store, pushed.id)).get(specs.MODEL_KEY, []):
      if model.id not in result:
        result.append(model.id)
  return result
