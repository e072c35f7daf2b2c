"""The Model Factory pipeline definition: one create_pipeline(...)."""
import hashlib
import pathlib

import tensorflow_data_validation as tfdv
import tensorflow_model_analysis as tfma
from tfx import v1 as tfx
from tfx.proto import example_gen_pb2, range_config_pb2

from components.anomaly_gate.component import AnomalyGate
from components.compatibility_guard.component import CompatibilityGuard
from components.drift_detector.component import DriftDetector
from pipeline import resolvers
from pipeline.model import features

_MODEL_PACKAGE = "pipeline.model"
_MODEL_DIR = pathlib.Path(__file__).resolve().parent / "model"


def model_code_fingerprint() -> str:
  """Hash of the model code. Passed to Transform, Tuner and Trainer so that
  editing the code invalidates their cache (they name functions by module
  path, which alone would not) and MLMD records which code built a model."""
  digest = hashlib.sha256()
  for path in sorted(_MODEL_DIR.glob("*.py")):
    digest.update(path.name.encode() + path.read_bytes())
  return digest.hexdigest()[:16]


def _eval_config(min_auc: float, max_auc_drop: float, slice_features) -> tfma.EvalConfig:
  auc_threshold = tfma.MetricThreshold(
      value_threshold=tfma.GenericValueThreshold(lower_bound={"value": min_auc}),
      change_threshold=tfma.GenericChangeThreshold(
          direction=tfma.MetricDirection.HIGHER_IS_BETTER,
          absolute={"value": -max_auc_drop}))
  return tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(
          signature_name="serving_default",
          label_key=features.transformed_name(features.LABEL_KEY),
          preprocessing_function_names=["transform_features"])],
      slicing_specs=[tfma.SlicingSpec()] + [
          tfma.SlicingSpec(feature_keys=list(keys)) for keys in slice_features],
      metrics_specs=[tfma.MetricsSpec(metrics=[
          tfma.MetricConfig(class_name="ExampleCount"),
          tfma.MetricConfig(class_name="BinaryAccuracy"),
          tfma.MetricConfig(class_name="Precision"),
          tfma.MetricConfig(class_name="Recall"),
          # The gate applies to the overall slice; per-slice AUCs are reported
          # but small slices (e.g. a rare payment type) must not veto a model.
          tfma.MetricConfig(class_name="AUC", per_slice_thresholds=[
              tfma.PerSliceMetricThreshold(slicing_specs=[tfma.SlicingSpec()],
                                           threshold=auc_threshold)]),
      ])])


def create_pipeline(
    *,
    pipeline_name: str,
    pipeline_root: str,
    data_root: str,
    span_pattern: str,
    schema_path: str,
    ingest_span: int,
    train_spans: tuple,
    ingest_only: bool,
    split_buckets: dict,
    stats_quantile_buckets: int,
    stats_rank_buckets: int,
    drift_config: dict,
    drift_fallback_span: int,
    serving_dir: str,
    seed: int,
    tuner_max_trials: int,
    tuner_train_steps: int,
    train_steps: int,
    eval_steps: int,
    min_auc: float,
    max_auc_drop: float,
    slice_features: tuple,
    beam_pipeline_args: list,
    metadata_connection_config,
    mlmd_resolvers: bool = True,
    enable_cache: bool = True,
) -> tfx.dsl.Pipeline:
  """Builds the pipeline.

  Each run ingests and validates one span (`ingest_span`). Unless
  `ingest_only`, it then trains on the validated spans `train_spans`
  (first, last), resolved from MLMD, and evaluates and pushes the model.

  `mlmd_resolvers=False` builds the variant that Kubeflow Pipelines v2 and
  Vertex can run: KFP v2 supports only TFX's latest-artifact and
  latest-blessed-model resolvers, so that variant trains on the ingested
  span alone, and its DriftDetector has no served-model baseline.
  """
  if not mlmd_resolvers and tuple(train_spans) != (ingest_span, ingest_span):
    raise ValueError("without MLMD resolvers the pipeline trains on the ingested span only; "
                     f"got train_spans={train_spans} and ingest_span={ingest_span}")
  example_gen = tfx.components.CsvExampleGen(
      input_base=data_root,
      input_config=example_gen_pb2.Input(splits=[
          example_gen_pb2.Input.Split(name="all", pattern=span_pattern)]),
      output_config=example_gen_pb2.Output(split_config=example_gen_pb2.SplitConfig(
          splits=[example_gen_pb2.SplitConfig.Split(name=name, hash_buckets=buckets)
                  for name, buckets in split_buckets.items()])),
      range_config=range_config_pb2.RangeConfig(static_range=range_config_pb2.StaticRange(
          start_span_number=ingest_span, end_span_number=ingest_span)))
  statistics_gen = tfx.components.StatisticsGen(
      examples=example_gen.outputs["examples"],
      stats_options=tfdv.StatsOptions(num_quantiles_histogram_buckets=stats_quantile_buckets,
                                      num_rank_histogram_buckets=stats_rank_buckets))
  schema_gen = tfx.components.ImportSchemaGen(schema_file=schema_path)
  example_validator = tfx.components.ExampleValidator(
      statistics=statistics_gen.outputs["statistics"],
      schema=schema_gen.outputs["schema"])
  gate = AnomalyGate(
      anomalies=example_validator.outputs["anomalies"],
      data_description=f"{data_root}/{span_pattern.replace('{SPAN}', str(ingest_span))}")
  components = [example_gen, statistics_gen, schema_gen, example_validator, gate]
  baseline_inputs = {}
  if mlmd_resolvers:
    served = tfx.dsl.Resolver(
        strategy_class=resolvers.ServedModelBaselineStrategy,
        config={"current_span": ingest_span, "fallback_span": drift_fallback_span},
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
        evaluation=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelEvaluation),
        statistics=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ExampleStatistics),
        examples=_ingested_examples(example_gen),
    ).with_id("served_model_baseline_resolver")
    served.add_upstream_node(gate)
    components.append(served)
    baseline_inputs = dict(
        baseline_statistics=served.outputs["statistics"],
        baseline_examples=served.outputs["examples"],
        model=served.outputs["model"], evaluation=served.outputs["evaluation"])
  drift_detector = DriftDetector(
      current_statistics=statistics_gen.outputs["statistics"],
      current_examples=example_gen.outputs["examples"],
      schema=schema_gen.outputs["schema"], config=drift_config, **baseline_inputs)
  drift_detector.add_upstream_node(gate)
  components.append(drift_detector)
  if ingest_only:
    return _pipeline(pipeline_name, pipeline_root, components, enable_cache,
                     metadata_connection_config, beam_pipeline_args)

  if mlmd_resolvers:
    window = tfx.dsl.Resolver(
        strategy_class=resolvers.SpanWindowStrategy,
        config={"start_span": train_spans[0], "end_span": train_spans[1]},
        examples=_ingested_examples(example_gen),
    ).with_id("training_window_resolver")
    # Training starts after this run's span passed the gate and drift check.
    window.add_upstream_node(drift_detector)
    components.append(window)
    examples = window.outputs["examples"]
  else:
    examples = example_gen.outputs["examples"]
  code = {"seed": seed, "model_code": model_code_fingerprint()}

  transform = tfx.components.Transform(
      examples=examples,
      schema=schema_gen.outputs["schema"],
      preprocessing_fn=f"{_MODEL_PACKAGE}.preprocessing.preprocessing_fn",
      custom_config=code,
      # Pre/post-transform statistics cost about a third of Transform's time;
      # the input statistics already come from StatisticsGen.
      disable_statistics=True, force_tf_compat_v1=True)
  tuner = tfx.components.Tuner(
      examples=transform.outputs["transformed_examples"],
      transform_graph=transform.outputs["transform_graph"],
      tuner_fn=f"{_MODEL_PACKAGE}.model.tuner_fn",
      train_args=tfx.proto.TrainArgs(num_steps=tuner_train_steps),
      eval_args=tfx.proto.EvalArgs(num_steps=eval_steps),
      custom_config={**code, "max_trials": tuner_max_trials})
  trainer = tfx.components.Trainer(
      examples=transform.outputs["transformed_examples"],
      transform_graph=transform.outputs["transform_graph"],
      schema=schema_gen.outputs["schema"],
      hyperparameters=tuner.outputs["best_hyperparameters"],
      run_fn=f"{_MODEL_PACKAGE}.model.run_fn",
      train_args=tfx.proto.TrainArgs(num_steps=train_steps),
      eval_args=tfx.proto.EvalArgs(num_steps=eval_steps),
      custom_config=code)
  baseline = tfx.dsl.Resolver(
      strategy_class=(resolvers.BaselineModelStrategy if mlmd_resolvers
                      else tfx.dsl.experimental.LatestBlessedModelStrategy),
      model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
      model_blessing=tfx.dsl.Channel(type=tfx.types.standard_artifacts.ModelBlessing),
  ).with_id("latest_blessed_model_resolver")
  baseline.add_upstream_node(trainer)
  evaluator = tfx.components.Evaluator(
      examples=examples,
      model=trainer.outputs["model"],
      baseline_model=baseline.outputs["model"],
      eval_config=_eval_config(min_auc, max_auc_drop, slice_features),
      example_splits=["eval"])
  if mlmd_resolvers:
    lineage = tfx.dsl.Resolver(
        strategy_class=resolvers.CandidateLineageStrategy,
        model=trainer.outputs["model"],
        schema=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Schema),
        transform_graph=tfx.dsl.Channel(type=tfx.types.standard_artifacts.TransformGraph),
    ).with_id("candidate_lineage_resolver")
    trained_with = {"trained_schema": lineage.outputs["schema"],
                    "transform_graph": lineage.outputs["transform_graph"]}
  else:  # KFP v2: no custom resolvers, so the wiring stands in for lineage.
    trained_with = {"trained_schema": schema_gen.outputs["schema"],
                    "transform_graph": transform.outputs["transform_graph"]}
  guard = CompatibilityGuard(
      model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
      current_schema=schema_gen.outputs["schema"], **trained_with)
  with tfx.dsl.Cond(guard.outputs["verdict"].future()[0].custom_property("compatible") == 1):
    pusher = tfx.components.Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(base_directory=serving_dir)))
  transform.add_upstream_node(drift_detector)
  components += [transform, tuner, trainer, baseline, evaluator]
  components += [lineage] if mlmd_resolvers else []
  components += [guard, pusher]
  return _pipeline(pipeline_name, pipeline_root, components, enable_cache,
                   metadata_connection_config, beam_pipeline_args)


def _ingested_examples(example_gen):
  """Every span ExampleGen ingested in any run of this pipeline (from MLMD)."""
  return tfx.dsl.Channel(type=tfx.types.standard_artifacts.Examples,
                         producer_component_id=example_gen.id, output_key="examples")


def _pipeline(name, root, components, enable_cache, metadata_connection_config,
              beam_pipeline_args):
  return tfx.dsl.Pipeline(
      pipeline_name=name, pipeline_root=root, components=components,
      enable_cache=enable_cache, metadata_connection_config=metadata_connection_config,
      beam_pipeline_args=beam_pipeline_args)
