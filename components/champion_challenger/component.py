"""ChampionChallenger: the push decision for a fallback model, written as a
ModelBlessing that the CompatibilityGuard and the Pusher read like the
Evaluator's. TFMA computes both models' metrics (FallbackEvaluator, without
thresholds so that it blesses nothing itself); this gate adds the rule TFMA
cannot express: a worse fallback still wins when the served model's inputs
are broken on the new data."""
import os

import tensorflow as tf
import tensorflow_model_analysis as tfma
from absl import logging
from tfx import v1 as tfx
from tfx.types import artifact_utils
from tfx.utils import path_utils

from components.champion_challenger import executor
from components.contracts import artifacts, scoring, tfma_results
from components.contracts.artifacts import FallbackPlan

# I/O keys (the function's parameter names), read by reports and tests.
MODEL_KEY = "model"
BASELINE_MODEL_KEY = "baseline_model"
BLESSING_KEY = "blessing"
# TFMA's name for the ExampleCount metric: the rows the models were compared on.
_EXAMPLE_COUNT = "example_count"
# The split of `examples` the Evaluator compared the models on.
_SPLIT = "eval"


@tfx.dsl.components.component
def ChampionChallenger(  # pylint: disable=invalid-name
    evaluation: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.ModelEvaluation],
    model: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.Model],
    plan: tfx.dsl.components.InputArtifact[FallbackPlan],
    blessing: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.ModelBlessing],
    metric: tfx.dsl.components.Parameter[str],
    threshold: tfx.dsl.components.Parameter[float],
    tolerance: tfx.dsl.components.Parameter[float],
    task: tfx.dsl.components.Parameter[str],
    label_key: tfx.dsl.components.Parameter[str],
    baseline_model: tfx.dsl.components.InputArtifact[
        tfx.types.standard_artifacts.Model] = None,
    examples: tfx.dsl.components.InputArtifact[
        tfx.types.standard_artifacts.Examples] = None,
) -> None:
  """`examples`: the rows the Evaluator compared the models on (its eval
  split), scored again here for the interval of the difference."""
  found = artifacts.read_plan(plan.uri)
  measured = tfma_results.overall(evaluation.uri, tfma.CANDIDATE_KEY if baseline_model else None)
  challenger = measured[metric]
  champion = (tfma_results.overall(evaluation.uri, tfma.BASELINE_KEY)[metric]
              if baseline_model else None)
  interval = (_interval(model, baseline_model, examples, metric, task, label_key)
              if baseline_model and examples else None)
  serve, reason = executor.decide(challenger=challenger, champion=champion,
                                  broken_inputs=found["broken_inputs"], metric=metric,
                                  threshold=threshold, tolerance=tolerance,
                                  no_input_left=found.get("no_input_left", False),
                                  rows=measured.get(_EXAMPLE_COUNT), interval=interval)
  # The properties TFX's Evaluator sets, so Pusher and resolvers read it alike.
  blessing.set_int_custom_property(artifacts.BLESSED, int(serve))
  blessing.set_int_custom_property(artifacts.CURRENT_MODEL_ID, model.id)
  blessing.set_string_custom_property(artifacts.CURRENT_MODEL, model.uri)
  if baseline_model:
    blessing.set_int_custom_property(artifacts.BASELINE_MODEL_ID, baseline_model.id)
    blessing.set_float_custom_property(artifacts.BASELINE_METRIC, champion)
  blessing.set_float_custom_property(artifacts.CANDIDATE_METRIC, challenger)
  if interval:
    blessing.set_float_custom_property(artifacts.DIFFERENCE_LOW, interval[0])
    blessing.set_float_custom_property(artifacts.DIFFERENCE_HIGH, interval[1])
  blessing.set_string_custom_property(artifacts.REASON, reason)
  marker = artifacts.BLESSED_FILE if serve else artifacts.NOT_BLESSED_FILE
  with tf.io.gfile.GFile(os.path.join(blessing.uri, marker), "w") as f:
    f.write("")
  logging.info("ChampionChallenger: %s", reason)


def _interval(model, baseline_model, examples, metric, task, label_key) -> tuple:
  """The 95% interval of (fallback - served) `metric` on `examples`' eval
  split, by paired bootstrap over its rows."""
  files = tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([examples], _SPLIT), "*"))
  (challenger, labels), (champion, _) = (
      scoring.score(tf.saved_model.load(path_utils.serving_model_path(m.uri)), files, task, label_key)
      for m in (model, baseline_model))
  return scoring.difference_interval(metric, labels, challenger, champion)
