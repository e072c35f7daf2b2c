"""CompatibilityGuard executor: loads the artifacts, runs the pure checks,
records the verdict on its output artifact (and in the log)."""
import tensorflow_transform as tft
from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.utils import io_utils

from components.contracts import artifacts
from components.contracts import compatibility as checks


NOTHING_TRAINED = "no candidate model: nothing was trained in this run"


def read_schema(schema_dir: str):
  """The schema in a Schema artifact's folder."""
  return io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_dir))


def serving_features(transform_graph_dir: str, trained_schema) -> list:
  """The raw features a model's serving signature parses: those of its
  Transform graph's raw feature spec that its training schema holds (all of
  them for a primary; a fallback, which reuses the served model's graph,
  neither parses nor reads the features its training schema lacks)."""
  kept = {f.name for f in trained_schema.feature}
  return sorted(k for k in tft.TFTransformOutput(transform_graph_dir).raw_feature_spec() if k in kept)


def verdict_problems(*, model, blessing, trained_schema, transform_graph, current_schema,
                     excluded) -> list:
  """Every reason to refuse the push; empty when the model is compatible."""
  problems = checks.check_blessing(blessing.get_string_custom_property(artifacts.CURRENT_MODEL),
                                   blessing.get_int_custom_property(artifacts.BLESSED), model.uri,
                                   blessing.get_string_custom_property(artifacts.REASON))
  if trained_schema is None:
    problems.append("MLMD lineage shows no training schema for the model")
  if transform_graph is None:
    problems.append("MLMD lineage shows no Transform graph produced from the model's "
                    "training schema")
  if trained_schema is not None and transform_graph is not None:
    trained = read_schema(trained_schema.uri)
    required = serving_features(transform_graph.uri, trained)
    problems += checks.check_features(trained, read_schema(current_schema.uri), required)
    problems += checks.check_excluded(required, excluded)
  return problems


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    from components.compatibility_guard import component as c  # keys; avoids a cycle
    verdict = output_dict[c.VERDICT_KEY][0]
    if not input_dict.get(c.MODEL_KEY) or not input_dict.get(c.BLESSING_KEY):
      verdict.set_int_custom_property(artifacts.COMPATIBLE, 0)
      verdict.set_string_custom_property(artifacts.REASON, NOTHING_TRAINED)
      logging.info("CompatibilityGuard: %s", NOTHING_TRAINED)
      return
    model = input_dict[c.MODEL_KEY][0]
    problems = verdict_problems(
        model=model, blessing=input_dict[c.BLESSING_KEY][0],
        trained_schema=(input_dict.get(c.TRAINED_SCHEMA_KEY) or [None])[0],
        transform_graph=(input_dict.get(c.TRANSFORM_GRAPH_KEY) or [None])[0],
        current_schema=input_dict[c.CURRENT_SCHEMA_KEY][0],
        excluded=[name for plan in input_dict.get(c.FALLBACK_PLAN_KEY, [])
                  for name in artifacts.read_plan(plan.uri)["excluded_features"]])
    verdict.set_int_custom_property(artifacts.COMPATIBLE, int(not problems))
    verdict.set_int_custom_property(artifacts.MODEL_ID, model.id)
    verdict.set_string_custom_property(artifacts.REASON, "; ".join(problems) or "compatible")
    if problems:
      logging.error("CompatibilityGuard refuses to push model %d: %s", model.id, "; ".join(problems))
    else:
      logging.info("CompatibilityGuard: model %d is compatible", model.id)
