"""The one settings object the factory reads, and the description of one run.

`load()` reads the project (pipeline/project/settings.py and the label and
input columns of pipeline/project/features.py) once into a frozen Settings;
the runners pass it, with a RunSpec, to create_pipeline. Field names are the
project settings' names in lower case."""
import dataclasses
import importlib
import os
import pathlib
import re
import typing

from components.contracts import metrics

PROJECT_PACKAGE = "pipeline.project"
# What a run does after ingesting and checking its span.
STAGES = ("ingest", "train", "monitor")
# What a monitoring run does when the DriftDetector finds drift.
DRIFT_POLICIES = ("alert", "fallback", "retrain")
# What can notify, and how (pipeline/operations/notify.py sends them).
NOTIFY_EVENTS = ("drift", "data_refused", "fallback_served", "fallback_refused", "run_failed",
                 "pending_approval")
NOTIFY_CHANNELS = ("webhook", "email")
# How a blessed, compatible model goes live (see PROMOTION in the project settings).
PROMOTIONS = ("auto", "manual")


@dataclasses.dataclass(frozen=True)
class Settings:
  """Every setting of the project; see pipeline/project/settings.py."""
  pipeline_name: str
  data_root: pathlib.Path
  span_pattern: str
  default_spans: tuple
  schema_path: pathlib.Path
  output_dir: pathlib.Path
  split_buckets: dict
  input_new_columns: str
  input_duplicates: str
  input_duplicate_share: float
  seed: int
  tuner_max_trials: int
  tuner_train_steps: int
  train_steps: int
  eval_steps: int
  metric: str
  metric_threshold: float
  max_metric_drop: float
  slice_features: tuple
  weak_slice_gap: float
  default_beam_profile: str
  default_beam_workers: int
  multi_process_from_bytes: typing.Optional[int]
  drift_thresholds: dict
  drift_feature_thresholds: dict
  drift_ignored_features: tuple
  drift_false_alarm_rate: float
  drift_on_estimated_drop: bool
  stats_quantile_buckets: int
  stats_rank_buckets: int
  drift_fallback_span: int
  drift_policy: str
  drift_scored_rows: int
  training_window_spans: int
  fallback_metric_tolerance: float
  fallback_eval_rows: int
  broken_input_share: float
  simulate_first_window: tuple
  simulate_last_span: int
  watch_quiet_seconds: float
  watch_interval_seconds: float
  watch_attempts: int
  notify: dict
  notify_attempts: int
  notify_backoff_seconds: float
  promotion: str
  model_card_title: str
  model_card_intended_use: str
  model_card_caveats: tuple
  guardrail_actions: dict
  guardrail_limits: dict
  guardrail_sample_rows: int
  preprocessing_fn: str
  label_fn: str
  tuner_fn: str
  run_fn: str
  pipeline_image: str
  container_repo_root: str
  cloud_pipeline_root: str
  cloud_data_root: str
  cloud_serving_dir: str
  gcp_project: str
  gcp_region: str
  kfp_endpoint: str
  cloud_span: int
  beam_profiles: dict
  beam_job_endpoints: dict
  # From features.py: the task, the label and the raw columns around it.
  task: str
  classes: tuple
  label_key: str
  label_derived: bool  # computed from raw columns (LABEL_EXPRESSION), not a column
  outcome_columns: tuple
  label_source_columns: tuple
  model_inputs: tuple
  categorical_inputs: tuple

  def __post_init__(self):
    metrics.check(self.task, self.metric)
    wrong = {f"{event}: {channels}" for event, channels in self.notify.items()
             if event not in NOTIFY_EVENTS or not set(channels) <= set(NOTIFY_CHANNELS)}
    if wrong:
      raise ValueError(f"NOTIFY: {sorted(wrong)}; events are {NOTIFY_EVENTS}, channels "
                       f"{NOTIFY_CHANNELS}")
    if self.promotion not in PROMOTIONS:
      raise ValueError(f"PROMOTION: {self.promotion!r} is not one of {PROMOTIONS}")
    unknown = {a for a in self.guardrail_actions.values() if a not in ("warn", "exclude", "refuse")}
    if unknown:
      raise ValueError(f"GUARDRAIL_ACTIONS: {sorted(unknown)} is not one of warn, exclude, refuse")
    if self.task == "multiclass" and len(self.classes) < 3:
      raise ValueError(f"a multiclass task needs CLASSES in features.py (3 or more); got {self.classes}")

  def span_glob(self, span: int) -> str:
    """SPAN_PATTERN for one span, relative to the data root."""
    return self.span_pattern.replace("{SPAN}", str(span))

  def span_folder(self, span: int) -> str:
    """The span's folder under the data root (the pattern's first part)."""
    return self.span_glob(span).split("/")[0]

  def spans_in(self, data_root, first=None, last=None) -> list:
    """The span numbers that have a folder under `data_root`, in order,
    within [first, last]. Numbers need not be consecutive (month spans go
    201312, 201401), so windows list folders instead of counting."""
    before, _, after = self.span_pattern.split("/")[0].partition("{SPAN}")
    folder = re.compile(re.escape(before) + r"(\d+)" + re.escape(after) + "$")
    root = pathlib.Path(data_root)
    found = sorted(int(m.group(1)) for m in map(folder.match, os.listdir(root) if root.is_dir()
                                                  else []) if m)
    return [s for s in found if (first is None or s >= first) and (last is None or s <= last)]

  def stats_options(self):
    """TFDV's options for every statistics the factory computes, so that the
    pipeline's and the ad-hoc check's figures are alike."""
    import tensorflow_data_validation as tfdv  # pylint: disable=import-outside-toplevel
    return tfdv.StatsOptions(num_quantiles_histogram_buckets=self.stats_quantile_buckets,
                             num_rank_histogram_buckets=self.stats_rank_buckets)

  def summary_buckets(self) -> dict:
    """The same bucket counts for the ad-hoc drift check's own summaries."""
    return {"quantile_buckets": self.stats_quantile_buckets, "rank_buckets": self.stats_rank_buckets}

  def guardrails_config(self) -> dict:
    """The Guardrails' config: the task, the label, the inputs, the actions."""
    return {
        "task": self.task, "label_fn": self.label_fn,
        # The raw label column; "" when the label is derived (then never missing).
        "label_column": "" if self.label_derived else self.label_key,
        "features": list(self.model_inputs), "categorical": list(self.categorical_inputs),
        "outcome_columns": list(self.outcome_columns), "actions": dict(self.guardrail_actions),
        "label_sources": list(self.label_source_columns),
        "limits": dict(self.guardrail_limits), "sample_rows": self.guardrail_sample_rows,
    }

  def drift_config(self) -> dict:
    """The DriftDetector's config: thresholds, and how to find labels."""
    from components.contracts.model_io import transformed_name  # pylint: disable=import-outside-toplevel
    return {
        "thresholds": dict(self.drift_thresholds),
        "feature_thresholds": dict(self.drift_feature_thresholds),
        "ignored_features": list(self.drift_ignored_features),
        "false_alarm_rate": self.drift_false_alarm_rate,
        "on_estimated_drop": self.drift_on_estimated_drop,
        "label_key": transformed_name(self.label_key),
        "task": self.task,
        "metric": self.metric,
        # The served model's metric is re-assessed only where these exist.
        "outcome_columns": list(self.outcome_columns),
        "scored_rows": self.drift_scored_rows,
    }


_DERIVED = {"task", "classes", "categorical_inputs", "label_key", "label_derived", "outcome_columns", "label_source_columns", "model_inputs"}


def load(**overrides) -> Settings:
  """The project's Settings; `overrides` replace fields (tests, CLI flags)."""
  module = importlib.import_module(f"{PROJECT_PACKAGE}.settings")
  features = importlib.import_module(f"{PROJECT_PACKAGE}.features")
  values = {field.name: getattr(module, field.name.upper())
            for field in dataclasses.fields(Settings) if field.name not in _DERIVED}
  values.update(
      task=features.TASK, classes=tuple(features.CLASSES), label_key=features.LABEL_KEY,
      label_derived=bool(features.LABEL_EXPRESSION), outcome_columns=tuple(features.OUTCOME_COLUMNS),
      label_source_columns=tuple(features.LABEL_SOURCE_COLUMNS),
      model_inputs=tuple(features.raw_input_features()),
      categorical_inputs=tuple(features.CATEGORICAL_INT_FEATURES) + tuple(features.VOCAB_FEATURES))
  values.update(overrides)
  return Settings(**values)


@dataclasses.dataclass(frozen=True)
class RunSpec:
  """One pipeline run: what it ingests and does, and where it writes.

  "ingest" stops after the drift check; "train" trains a primary model on
  `train_spans` (first, last); "monitor" acts on drift by `drift_policy`.
  `mlmd_resolvers=False` is the variant Kubeflow Pipelines v2 and Vertex can
  run (only TFX's latest-artifact and latest-blessed-model resolvers): the
  served model and the training window (the last `window_spans` spans
  ingested, up to this one) come from the artifact store (ServedState), and
  `ingest_span` None ingests the newest span folder (a scheduled run)."""
  stage: str
  ingest_span: typing.Optional[int]
  train_spans: tuple
  data_root: str
  pipeline_root: str
  serving_dir: str
  schema_path: str
  beam_pipeline_args: tuple
  drift_policy: str = "fallback"
  metadata_connection_config: typing.Any = None
  mlmd_resolvers: bool = True
  window_spans: int = 0  # without MLMD resolvers: spans in the training window
  enable_cache: bool = True

  def __post_init__(self):
    if self.stage not in STAGES or self.drift_policy not in DRIFT_POLICIES:
      raise ValueError(f"stage must be one of {STAGES} and drift_policy one of "
                       f"{DRIFT_POLICIES}; got {self.stage!r} and {self.drift_policy!r}")
    if self.mlmd_resolvers and (self.ingest_span is None or len(self.train_spans) != 2):
      raise ValueError("with MLMD resolvers a run names its span and its training window "
                       f"(first, last); got ingest_span={self.ingest_span}, "
                       f"train_spans={self.train_spans}")
    if not self.mlmd_resolvers and self.trains and self.window_spans < 1:
      raise ValueError("without MLMD resolvers a run that trains needs window_spans >= 1")

  @property
  def trains(self) -> bool:
    return self.stage == "train" or (self.stage == "monitor" and self.drift_policy != "alert")

  @property
  def fallback(self) -> bool:
    return self.stage == "monitor" and self.drift_policy == "fallback"
