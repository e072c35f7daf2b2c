"""The Model Factory pipeline definition: one create_pipeline(...)."""
import contextlib
import dataclasses
import hashlib
import json
import pathlib

import tensorflow_data_validation as tfdv
import tensorflow_model_analysis as tfma
from tfx import v1 as tfx
from tfx.proto import example_gen_pb2, range_config_pb2

from components.anomaly_gate.component import AnomalyGate
from components.champion_challenger import component as deciding
from components.champion_challenger.component import ChampionChallenger
from components.compatibility_guard.component import CompatibilityGuard
from components.drift_detector.component import DriftDetector
from components.fallback_planner import component as planning
from components.fallback_planner.component import FallbackPlanner
from components.serving_manifest.component import ServingManifest
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


def _eval_config(slice_features, min_auc=None, max_auc_drop=None) -> tfma.EvalConfig:
  """AUC gates on the overall slice; without `min_auc`, metrics only (TFX's
  Evaluator then blesses nothing)."""
  auc = tfma.MetricConfig(class_name="AUC")
  if min_auc is not None:
    auc_threshold = tfma.MetricThreshold(
        value_threshold=tfma.GenericValueThreshold(lower_bound={"value": min_auc}),
        change_threshold=tfma.GenericChangeThreshold(
            direction=tfma.MetricDirection.HIGHER_IS_BETTER,
            absolute={"value": -max_auc_drop}))
    # The gate applies to the overall slice; per-slice AUCs are reported
    # but small slices (e.g. a rare payment type) must not veto a model.
    auc.per_slice_thresholds.append(tfma.PerSliceMetricThreshold(
        slicing_specs=[tfma.SlicingSpec()], threshold=auc_threshold))
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
          auc,
      ])])


# What a run does after ingesting and checking its span.
STAGES = ("ingest", "train", "monitor")
# What a monitoring run does when the DriftDetector finds drift.
DRIFT_POLICIES = ("alert", "fallback", "retrain")


def create_pipeline(
    *,
    pipeline_name: str,
    pipeline_root: str,
    data_root: str,
    span_pattern: str,
    schema_path: str,
    ingest_span: int,
    train_spans: tuple,
    stage: str,
    drift_policy: str,
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
    fallback_auc_tolerance: float,
    broken_input_share: float,
    slice_features: tuple,
    beam_pipeline_args: list,
    metadata_connection_config,
    mlmd_resolvers: bool = True,
    enable_cache: bool = True,
) -> tfx.dsl.Pipeline:
  """Builds the pipeline.

  Every run ingests one span (`ingest_span`), validates it and checks it for
  drift against the served model's training data. Then, by `stage`:
  "ingest" stops; "train" trains a primary model on the spans `train_spans`
  (first, last), resolved from MLMD, evaluates it and pushes it if blessed;
  "monitor" acts on drift by `drift_policy`: "alert" only reports,
  "retrain" trains a primary model as "train" does, "fallback" trains a
  model without the drifted features and serves it if it beats the served
  model on the new span (or the served model's inputs are broken there).

  `mlmd_resolvers=False` builds the variant that Kubeflow Pipelines v2 and
  Vertex can run: KFP v2 supports only TFX's latest-artifact and
  latest-blessed-model resolvers, so that variant trains on the ingested
  span alone, and its DriftDetector has no served-model baseline.
  """
  if stage not in STAGES or drift_policy not in DRIFT_POLICIES:
    raise ValueError(f"stage must be one of {STAGES} and drift_policy one of {DRIFT_POLICIES}; "
                     f"got {stage!r} and {drift_policy!r}")
  if not mlmd_resolvers and (stage != "train" or tuple(train_spans) != (ingest_span, ingest_span)):
    raise ValueError("without MLMD resolvers the pipeline can only train, on the ingested span; "
                     f"got stage={stage!r}, train_spans={train_spans}, ingest_span={ingest_span}")
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
  if stage == "ingest" or (stage == "monitor" and drift_policy == "alert"):
    return _pipeline(pipeline_name, pipeline_root, components, enable_cache,
                     metadata_connection_config, beam_pipeline_args)

  drifted = drift_detector.outputs["drift_report"].future()[0].custom_property(
      "drift_detected") == 1
  code = {"seed": seed, "model_code": model_code_fingerprint()}
  schema = schema_gen.outputs["schema"]
  fallback = stage == "monitor" and drift_policy == "fallback"
  # The served model: the fallback's challenger-of and every Trainer's
  # warm-start candidate (used only if it passes the compatibility check).
  served_model = served.outputs["model"] if mlmd_resolvers else None
  # Only training sits in the drift condition. The guard runs in every run
  # (refusing when nothing was trained), so the Pusher's condition always has
  # a verdict to read: TFX fails, rather than skips, a Pusher whose condition
  # reads an artifact that a skipped node never wrote.
  with tfx.dsl.Cond(drifted) if stage == "monitor" else contextlib.nullcontext():
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
    if fallback:
      trained = _fallback(
          examples=examples, schema=schema, code=code, train_steps=train_steps,
          eval_steps=eval_steps, slice_features=slice_features,
          new_examples=example_gen.outputs["examples"],
          drift_report=drift_detector.outputs["drift_report"], served_model=served_model,
          min_auc=min_auc, tolerance=fallback_auc_tolerance, broken_share=broken_input_share)
    else:
      trained = _primary(
          examples=examples, schema=schema, code=code, train_steps=train_steps,
          eval_steps=eval_steps, slice_features=slice_features, mlmd_resolvers=mlmd_resolvers,
          tuner_max_trials=tuner_max_trials, tuner_train_steps=tuner_train_steps,
          min_auc=min_auc, max_auc_drop=max_auc_drop, after=drift_detector,
          served_model=served_model)
  components += trained.nodes
  prefix = "Fallback" if fallback else ""
  if mlmd_resolvers:
    lineage = tfx.dsl.Resolver(
        strategy_class=resolvers.CandidateLineageStrategy,
        model=trained.model,
        schema=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Schema),
        transform_graph=tfx.dsl.Channel(type=tfx.types.standard_artifacts.TransformGraph),
    ).with_id("fallback_lineage_resolver" if fallback else "candidate_lineage_resolver")
    components.append(lineage)
    trained_with = {"trained_schema": lineage.outputs["schema"],
                    "transform_graph": lineage.outputs["transform_graph"]}
  else:  # KFP v2: no custom resolvers, so the wiring stands in for lineage.
    trained_with = {"trained_schema": schema, "transform_graph": trained.transform_graph}
  guard = CompatibilityGuard(
      model=trained.model, model_blessing=trained.blessing, current_schema=schema,
      fallback_plan=trained.plan, **trained_with).with_id(f"{prefix}CompatibilityGuard")
  with tfx.dsl.Cond(guard.outputs["verdict"].future()[0].custom_property("compatible") == 1):
    pusher = tfx.components.Pusher(
        model=trained.model, model_blessing=trained.blessing,
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(base_directory=serving_dir)),
    ).with_id(f"{prefix}Pusher")
    manifest = ServingManifest(
        pushed_model=pusher.outputs["pushed_model"], model=trained.model,
        blessing=trained.blessing, serving_dir=serving_dir, plan=trained.plan,
    ).with_id(f"{prefix}ServingManifest")
  components += [guard, pusher, manifest]
  return _pipeline(pipeline_name, pipeline_root, components, enable_cache,
                   metadata_connection_config, beam_pipeline_args)


@dataclasses.dataclass
class _Trained:
  """A training branch: its nodes and the channels the guard and Pusher read."""
  nodes: list
  model: object
  blessing: object
  transform_graph: object
  plan: object = None  # a fallback's FallbackPlan


def _primary(*, examples, schema, code, train_steps, eval_steps, slice_features,
             mlmd_resolvers, tuner_max_trials, tuner_train_steps, min_auc, max_auc_drop,
             after, served_model) -> _Trained:
  """Transform, Tuner, Trainer and Evaluator of a primary model."""
  transform = _transform(examples, schema, code)
  transform.add_upstream_node(after)
  tuner = tfx.components.Tuner(
      examples=transform.outputs["transformed_examples"],
      transform_graph=transform.outputs["transform_graph"],
      tuner_fn=f"{_MODEL_PACKAGE}.model.tuner_fn",
      train_args=tfx.proto.TrainArgs(num_steps=tuner_train_steps),
      eval_args=tfx.proto.EvalArgs(num_steps=eval_steps),
      custom_config={**code, "max_trials": tuner_max_trials})
  trainer = _trainer(transform, schema, tuner.outputs["best_hyperparameters"], code,
                     train_steps, eval_steps, served_model)
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
      eval_config=_eval_config(slice_features, min_auc, max_auc_drop),
      example_splits=["eval"])
  return _Trained([transform, tuner, trainer, baseline, evaluator], trainer.outputs["model"],
                  evaluator.outputs["blessing"], transform.outputs["transform_graph"])


def _fallback(*, examples, schema, code, train_steps, eval_steps, slice_features, new_examples,
              drift_report, served_model, min_auc, tolerance, broken_share) -> _Trained:
  """A model without the drifted features, trained with the last Tuner's best
  hyperparameters (no re-tuning), compared by TFMA with the served model on
  the new span's eval split; ChampionChallenger blesses it or not."""
  planner = FallbackPlanner(
      drift_report=drift_report, schema=schema,
      model_inputs=json.dumps(list(features.raw_input_features())),
      keep=json.dumps(list(features.LABEL_SOURCES)), broken_share=broken_share)
  training_schema = planner.outputs[planning.TRAINING_SCHEMA_KEY]
  tuned = tfx.dsl.Resolver(
      strategy_class=tfx.dsl.experimental.LatestArtifactStrategy,
      hyperparameters=tfx.dsl.Channel(
          type=tfx.types.standard_artifacts.HyperParameters,
          producer_component_id="Tuner", output_key="best_hyperparameters"),
  ).with_id("last_tuner_resolver")
  transform = _transform(examples, training_schema, code).with_id("FallbackTransform")
  trainer = _trainer(transform, training_schema, tuned.outputs["hyperparameters"], code,
                     train_steps, eval_steps, served_model).with_id("FallbackTrainer")
  evaluator = tfx.components.Evaluator(
      examples=new_examples, model=trainer.outputs["model"], baseline_model=served_model,
      eval_config=_eval_config(slice_features), example_splits=["eval"],
  ).with_id("FallbackEvaluator")
  decision = ChampionChallenger(
      evaluation=evaluator.outputs["evaluation"], model=trainer.outputs["model"],
      plan=planner.outputs[planning.PLAN_KEY], baseline_model=served_model,
      min_auc=min_auc, tolerance=tolerance)
  return _Trained([planner, tuned, transform, trainer, evaluator, decision],
                  trainer.outputs["model"], decision.outputs[deciding.BLESSING_KEY],
                  transform.outputs["transform_graph"], planner.outputs[planning.PLAN_KEY])


def _transform(examples, schema, code):
  return tfx.components.Transform(
      examples=examples,
      schema=schema,
      preprocessing_fn=f"{_MODEL_PACKAGE}.preprocessing.preprocessing_fn",
      custom_config=code,
      # Pre/post-transform statistics cost about a third of Transform's time;
      # the input statistics already come from StatisticsGen.
      disable_statistics=True, force_tf_compat_v1=True)


def _trainer(transform, schema, hyperparameters, code, train_steps, eval_steps, base_model):
  return tfx.components.Trainer(
      base_model=base_model,
      examples=transform.outputs["transformed_examples"],
      transform_graph=transform.outputs["transform_graph"],
      schema=schema,
      hyperparameters=hyperparameters,
      run_fn=f"{_MODEL_PACKAGE}.model.run_fn",
      train_args=tfx.proto.TrainArgs(num_steps=train_steps),
      eval_args=tfx.proto.EvalArgs(num_steps=eval_steps),
      custom_config=code)


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
