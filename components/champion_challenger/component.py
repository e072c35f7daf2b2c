"""ChampionChallenger: the push decision for a fallback model, written as a
ModelBlessing that the CompatibilityGuard and the Pusher read like the
Evaluator's. TFMA computes both models' metrics (FallbackEvaluator, without
thresholds so that it blesses nothing itself); this gate adds the rule TFMA
cannot express: a worse fallback still wins when the served model's inputs
are broken on the new data."""
import pathlib

import tensorflow_model_analysis as tfma
from absl import logging
from tfx import v1 as tfx

from components import tfma_results
from components.champion_challenger import executor
from components.fallback_planner.component import FallbackPlan
from components.fallback_planner.executor import read_plan

# I/O keys (the function's parameter names), read by reports and tests.
MODEL_KEY = "model"
BASELINE_MODEL_KEY = "baseline_model"
BLESSING_KEY = "blessing"


@tfx.dsl.components.component
def ChampionChallenger(  # pylint: disable=invalid-name
    evaluation: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.ModelEvaluation],
    model: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.Model],
    plan: tfx.dsl.components.InputArtifact[FallbackPlan],
    blessing: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.ModelBlessing],
    min_auc: tfx.dsl.components.Parameter[float],
    tolerance: tfx.dsl.components.Parameter[float],
    baseline_model: tfx.dsl.components.InputArtifact[
        tfx.types.standard_artifacts.Model] = None,
) -> None:
  found = read_plan(plan.uri)
  challenger = tfma_results.overall(
      evaluation.uri, tfma.CANDIDATE_KEY if baseline_model else None)["auc"]
  champion = (tfma_results.overall(evaluation.uri, tfma.BASELINE_KEY)["auc"]
              if baseline_model else None)
  serve, reason = executor.decide(challenger_auc=challenger, champion_auc=champion,
                                  broken_inputs=found["broken_inputs"], min_auc=min_auc,
                                  tolerance=tolerance)
  # The properties TFX's Evaluator sets, so Pusher and resolvers read it alike.
  blessing.set_int_custom_property("blessed", int(serve))
  blessing.set_int_custom_property("current_model_id", model.id)
  blessing.set_string_custom_property("current_model", model.uri)
  if baseline_model:
    blessing.set_int_custom_property("baseline_model_id", baseline_model.id)
    blessing.set_float_custom_property("baseline_auc", champion)
  blessing.set_float_custom_property("candidate_auc", challenger)
  blessing.set_string_custom_property("reason", reason)
  (pathlib.Path(blessing.uri) / ("BLESSED" if serve else "NOT_BLESSED")).write_text("")
  logging.info("ChampionChallenger: %s", reason)
