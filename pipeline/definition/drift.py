"""Builder: the served model's baseline and the DriftDetector that compares
the new span with it. Locally the baseline comes from MLMD lineage (a
resolver); on Vertex and KFP, from the artifact store (ServedState), which
also gives those runs their training window."""
import dataclasses

from tfx import v1 as tfx
from tfx.types import standard_component_specs as specs

from components.drift_detector.component import DriftDetector
from components.served_state import component as serving_state
from components.served_state.component import ServedState
from pipeline.definition import ingest, node_ids, resolvers


@dataclasses.dataclass
class DriftCheck:
  nodes: list
  detector: object
  served_model: object  # channel of the served model (None: no warm start, no champion)
  served_transform: object = None  # channel of the served model's Transform graph (monitor runs)
  window: object = None  # channel of the training window's Examples (ServedState only)
  state: object = None  # channel of the ServedState (Vertex and KFP)


def build(settings, run, ingested: ingest.Ingested) -> DriftCheck:
  if run.mlmd_resolvers:
    nodes, baseline_inputs, found = _resolved(settings, run, ingested)
  else:
    nodes, baseline_inputs, found = _from_store(settings, run, ingested)
  detector = DriftDetector(
      current_statistics=ingested.statistics,
      current_examples=ingested.example_gen.outputs[specs.EXAMPLES_KEY],
      config=settings.drift_config(), **baseline_inputs,
  ).with_id(node_ids.DRIFT_DETECTOR)
  detector.add_upstream_node(ingested.gate)
  return DriftCheck(nodes + [detector], detector, **found)


def _resolved(settings, run, ingested):
  served = tfx.dsl.Resolver(
      strategy_class=resolvers.ServedModelBaselineStrategy,
      config={"current_span": run.ingest_span, "fallback_span": settings.drift_fallback_span},
      model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
      transform_graph=tfx.dsl.Channel(type=tfx.types.standard_artifacts.TransformGraph),
      model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
      evaluation=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelEvaluation),
      statistics=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ExampleStatistics),
      examples=ingest.all_ingested_examples(),
  ).with_id(node_ids.SERVED_MODEL_RESOLVER)
  served.add_upstream_node(ingested.gate)
  inputs = dict(baseline_statistics=served.outputs[specs.STATISTICS_KEY],
                baseline_examples=served.outputs[specs.EXAMPLES_KEY],
                model=served.outputs[specs.MODEL_KEY], evaluation=served.outputs[specs.EVALUATION_KEY])
  return [served], inputs, {"served_model": served.outputs[specs.MODEL_KEY],
                            "served_transform": served.outputs[specs.TRANSFORM_GRAPH_KEY]}


def _from_store(settings, run, ingested):
  state = ServedState(
      examples=ingested.example_gen.outputs[specs.EXAMPLES_KEY], statistics=ingested.statistics,
      serving_dir=str(run.serving_dir), window_spans=run.window_spans if run.trains else 0,
      fallback_span=settings.drift_fallback_span, require_served=int(run.stage == "monitor"),
  ).with_id(node_ids.SERVED_STATE)
  state.add_upstream_node(ingested.gate)  # only validated spans enter the ledger
  found = {"state": state.outputs[serving_state.STATE_KEY],
           "window": state.outputs[serving_state.WINDOW_KEY],
           # A monitoring run has a served model (ServedState refuses otherwise).
           "served_model": (state.outputs[serving_state.MODEL_KEY] if run.stage == "monitor"
                            else None),
           "served_transform": (state.outputs[serving_state.TRANSFORM_GRAPH_KEY]
                                if run.stage == "monitor" else None)}
  return [state], {"served_state": found["state"]}, found
