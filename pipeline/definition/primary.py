"""Builder: a primary model. Transform, Tuner, Trainer, and the Evaluator
that gates it against the last blessed model."""
from tfx import v1 as tfx
from tfx.types import standard_component_specs as specs

from pipeline.definition import node_ids, resolvers, training


def build(settings, run, examples, schema, after, served_model) -> training.Trained:
  """`examples`: the training window; `after`: the node training waits for."""
  transform = training.transform(settings, examples, schema, node_ids.TRANSFORM)
  transform.add_upstream_node(after)
  tuner = tfx.components.Tuner(
      examples=transform.outputs[specs.TRANSFORMED_EXAMPLES_KEY],
      transform_graph=transform.outputs[specs.TRANSFORM_GRAPH_KEY],
      tuner_fn=settings.tuner_fn,
      train_args=tfx.proto.TrainArgs(num_steps=settings.tuner_train_steps),
      eval_args=tfx.proto.EvalArgs(num_steps=settings.eval_steps),
      custom_config={**training.custom_config(settings), "max_trials": settings.tuner_max_trials},
  ).with_id(node_ids.TUNER)
  trainer = training.trainer(settings, transform.outputs[specs.TRANSFORMED_EXAMPLES_KEY],
                             transform.outputs[specs.TRANSFORM_GRAPH_KEY], schema,
                             tuner.outputs[specs.BEST_HYPERPARAMETERS_KEY], served_model,
                             node_ids.TRAINER)
  baseline = tfx.dsl.Resolver(
      strategy_class=(resolvers.BaselineModelStrategy if run.mlmd_resolvers
                      else tfx.dsl.experimental.LatestBlessedModelStrategy),
      model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
      model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
  ).with_id(node_ids.LATEST_BLESSED_MODEL_RESOLVER)
  baseline.add_upstream_node(trainer)
  evaluator = tfx.components.Evaluator(
      examples=examples,
      model=trainer.outputs[specs.MODEL_KEY],
      baseline_model=baseline.outputs[specs.MODEL_KEY],
      eval_config=training.eval_config(settings, gated=True),
      example_splits=["eval"]).with_id(node_ids.EVALUATOR)
  return training.Trained([transform, tuner, trainer, baseline, evaluator],
                          trainer.outputs[specs.MODEL_KEY], evaluator.outputs[specs.BLESSING_KEY],
                          transform.outputs[specs.TRANSFORM_GRAPH_KEY],
                          evaluator.outputs[specs.EVALUATION_KEY], schema)
