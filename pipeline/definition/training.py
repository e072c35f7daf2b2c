"""What the primary and fallback training branches share: the Transform and
Trainer nodes, the TFMA config, and the fingerprint of the model code."""
import dataclasses
import hashlib
import importlib.util

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx

from components.contracts import metrics, model_io
from pipeline.definition import settings as settings_lib
from pipeline.modeling import raw_inputs

# Factory code that the project's run_fn calls: part of what builds a model.
_MODEL_HELPERS = ("pipeline.modeling.raw_inputs", "pipeline.modeling.warm_start")


@dataclasses.dataclass
class Trained:
  """A training branch: its nodes and the channels the push branch reads."""
  nodes: list
  model: object
  blessing: object
  transform_graph: object
  evaluation: object  # what the blessing rests on
  schema: object  # the training schema
  plan: object = None  # a fallback's FallbackPlan


def code_fingerprint(settings) -> str:
  """Hash of the model code (the entry points' modules, features.py and the
  helpers they call). Passed to Transform, Tuner and Trainer so that editing
  the code invalidates their cache (they name functions by module path,
  which alone would not) and MLMD records which code built a model."""
  modules = sorted({fn.rsplit(".", 1)[0] for fn in (settings.preprocessing_fn,
                                                     settings.tuner_fn, settings.run_fn)}
                   | {f"{settings_lib.PROJECT_PACKAGE}.features", *_MODEL_HELPERS})
  digest = hashlib.sha256()
  for module in modules:
    with open(importlib.util.find_spec(module).origin, "rb") as source:
      digest.update(module.encode() + source.read())
  return digest.hexdigest()[:16]


def custom_config(settings) -> dict:
  return {"seed": settings.seed, "model_code": code_fingerprint(settings)}


def eval_config(settings, gated: bool) -> tfma.EvalConfig:
  """The task's metrics (components/contracts/metrics.py), gated on the
  overall slice's METRIC when `gated`; otherwise metrics only (TFX's
  Evaluator then blesses nothing)."""
  gate = metrics.check(settings.task, settings.metric)
  configs = [tfma.MetricConfig(class_name="ExampleCount")]
  for key in metrics.TASK_METRICS[settings.task]:
    configs.append(tfma.MetricConfig(class_name=metrics.METRICS[key].tfma_class))
  for class_name, config in metrics.TASK_EXTRAS[settings.task]:
    configs.append(tfma.MetricConfig(class_name=class_name, config=config or ""))
  if gated:
    bound = "lower_bound" if gate.higher_is_better else "upper_bound"
    direction = (tfma.MetricDirection.HIGHER_IS_BETTER if gate.higher_is_better
                 else tfma.MetricDirection.LOWER_IS_BETTER)
    worse = -settings.max_metric_drop if gate.higher_is_better else settings.max_metric_drop
    threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(**{bound: {"value": settings.metric_threshold}}),
        change_threshold=tfma.GenericChangeThreshold(direction=direction,
                                                     absolute={"value": worse}))
    # The gate applies to the overall slice; per-slice metrics are reported
    # but small slices must not veto a model.
    gated_config = next(c for c in configs if c.class_name == gate.tfma_class)
    gated_config.per_slice_thresholds.append(tfma.PerSliceMetricThreshold(
        slicing_specs=[tfma.SlicingSpec()], threshold=threshold))
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(
          signature_name=model_io.SERVING_SIGNATURE,
          label_key=model_io.transformed_name(settings.label_key),
          preprocessing_function_names=[model_io.TRANSFORM_SIGNATURE])],
      slicing_specs=[tfma.SlicingSpec()] + [
          tfma.SlicingSpec(feature_keys=list(keys)) for keys in settings.slice_features],
      metrics_specs=[tfma.MetricsSpec(metrics=configs)])


def transform(settings, examples, schema, node_id):
  return tfx.components.Transform(
      examples=examples,
      schema=schema,
      preprocessing_fn=settings.preprocessing_fn,
      custom_config=custom_config(settings),
      # Pre/post-transform statistics cost about a third of Transform's time;
      # the input statistics already come from StatisticsGen.
      disable_statistics=True, force_tf_compat_v1=True).with_id(node_id)


def trainer(settings, examples, transform_graph, schema, hyperparameters, base_model, node_id,
            raw_examples=False):
  """`base_model`: the served model, the warm-start candidate (run_fn loads
  it only if it passes the compatibility check). `raw_examples`: `examples`
  are ExampleGen's, which run_fn transforms with `transform_graph` itself
  (pipeline/modeling/raw_inputs.py), rather than Transform's output."""
  config = custom_config(settings)
  if raw_examples:
    config[raw_inputs.RAW_EXAMPLES] = 1
  return tfx.components.Trainer(
      base_model=base_model,
      examples=examples,
      transform_graph=transform_graph,
      schema=schema,
      hyperparameters=hyperparameters,
      run_fn=settings.run_fn,
      train_args=tfx.proto.TrainArgs(num_steps=settings.train_steps),
      eval_args=tfx.proto.EvalArgs(num_steps=settings.eval_steps),
      custom_config=config).with_id(node_id)
