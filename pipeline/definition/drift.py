"""Builder: the served model's baseline (by MLMD lineage) and the
DriftDetector that compares the new span with it."""
import dataclasses

from tfx import v1 as tfx
from tfx.types import standard_component_specs as specs

from components.drift_detector.component import DriftDetector
from pipeline.definition import ingest, node_ids, resolvers


@dataclasses.dataclass
class DriftCheck:
  nodes: list
  detector: object
  served_model: object  # channel of the served model; None without MLMD resolvers


def build(settings, run, ingested: ingest.Ingested) -> DriftCheck:
  nodes, baseline_inputs, served_model = [], {}, None
  if run.mlmd_resolvers:
    served = tfx.dsl.Resolver(
        strategy_class=resolvers.ServedModelBaselineStrategy,
        config={"current_span": run.ingest_span, "fallback_span": settings.drift_fallback_span},
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
        evaluation=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelEvaluation),
        statistics=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ExampleStatistics),
        examples=ingest.all_ingested_examples(),
    ).with_id(node_ids.SERVED_MODEL_RESOLVER)
    served.add_upstream_node(ingested.gate)
    nodes.append(served)
    served_model = served.outputs[specs.MODEL_KEY]
    baseline_inputs = dict(
        baseline_statistics=served.outputs[specs.STATISTICS_KEY],
        baseline_examples=served.outputs[specs.EXAMPLES_KEY],
        model=served_model, evaluation=served.outputs[specs.EVALUATION_KEY])
  detector = DriftDetector(
      current_statistics=ingested.statistics,
      current_examples=ingested.example_gen.outputs[specs.EXAMPLES_KEY],
      config=settings.drift_config(), **baseline_inputs,
  ).with_id(node_ids.DRIFT_DETECTOR)
  detector.add_upstream_node(ingested.gate)
  nodes.append(detector)
  return DriftCheck(nodes, detector, served_model)
