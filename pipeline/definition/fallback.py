"""Builder: a fallback model without the drifted features, trained with the
last Tuner's best hyperparameters (no re-tuning) on the window's raw
examples through the served model's Transform graph (no Transform of its
own: pipeline/modeling/raw_inputs.py), compared by TFMA with the served
model on a bounded sample of the new span's eval split (EvalSample);
ChampionChallenger blesses it or not, with the difference's interval."""
import json

from tfx import v1 as tfx
from tfx.types import standard_component_specs as specs

from components.champion_challenger import component as deciding
from components.champion_challenger.component import ChampionChallenger
from components.contracts import model_io
from components.eval_sample import component as sampling
from components.eval_sample.component import EvalSample
from components.fallback_planner import component as planning
from components.fallback_planner.component import FallbackPlanner
from pipeline.definition import node_ids, training

_EVAL_SPLIT = "eval"


def build(settings, examples, schema, new_examples, drift_report, served_model,
          served_transform) -> training.Trained:
  """`examples`: the training window's raw examples; `new_examples`: the new
  span; `served_transform`: the served model's Transform graph."""
  planner = FallbackPlanner(
      drift_report=drift_report, schema=schema,
      model_inputs=json.dumps(list(settings.model_inputs)),
      keep=json.dumps(list(settings.label_source_columns)),
      broken_share=settings.broken_input_share).with_id(node_ids.FALLBACK_PLANNER)
  training_schema = planner.outputs[planning.TRAINING_SCHEMA_KEY]
  tuned = tfx.dsl.Resolver(
      strategy_class=tfx.dsl.experimental.LatestArtifactStrategy,
      hyperparameters=tfx.dsl.Channel(
          type=tfx.types.standard_artifacts.HyperParameters,
          producer_component_id=node_ids.TUNER, output_key=specs.BEST_HYPERPARAMETERS_KEY),
  ).with_id(node_ids.LAST_TUNER_RESOLVER)
  trainer = training.trainer(settings, examples, served_transform, training_schema,
                             tuned.outputs[specs.HYPERPARAMETERS_KEY], served_model,
                             node_ids.FALLBACK_TRAINER, raw_examples=True)
  sample = EvalSample(examples=new_examples, split=_EVAL_SPLIT, rows=settings.fallback_eval_rows,
                      seed=settings.seed).with_id(node_ids.EVAL_SAMPLE)
  evaluator = tfx.components.Evaluator(
      examples=sample.outputs[sampling.SAMPLE_KEY], model=trainer.outputs[specs.MODEL_KEY],
      baseline_model=served_model,
      eval_config=training.eval_config(settings, gated=False),
      example_splits=[_EVAL_SPLIT],
  ).with_id(node_ids.FALLBACK_EVALUATOR)
  decision = ChampionChallenger(
      evaluation=evaluator.outputs[specs.EVALUATION_KEY], model=trainer.outputs[specs.MODEL_KEY],
      plan=planner.outputs[planning.PLAN_KEY], baseline_model=served_model,
      examples=sample.outputs[sampling.SAMPLE_KEY], task=settings.task,
      label_key=model_io.transformed_name(settings.label_key),
      metric=settings.metric, threshold=settings.metric_threshold,
      tolerance=settings.fallback_metric_tolerance,
  ).with_id(node_ids.CHAMPION_CHALLENGER)
  return training.Trained([planner, tuned, trainer, sample, evaluator, decision],
                          trainer.outputs[specs.MODEL_KEY], decision.outputs[deciding.BLESSING_KEY],
                          served_transform,
                          evaluator.outputs[specs.EVALUATION_KEY], training_schema,
                          planner.outputs[planning.PLAN_KEY])
