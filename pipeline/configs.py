"""Every setting of the pipeline, in one place. Runners read these; the
pipeline definition (pipeline.py) reads none of them itself."""
import os
import pathlib

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent

PIPELINE_NAME = "model-factory"
# Yearly spans built by data/build_spans.py; ExampleGen reads span-{SPAN}.
DATA_ROOT = REPO_ROOT / "data" / "spans"
SPAN_PATTERN = "span-{SPAN}/*.csv"
# Train on 2013-2014 by default: 2015 and 2016 are the "future" that the
# drift tooling compares against.
DEFAULT_SPANS = (2013, 2014)
# Curated schema imported by ImportSchemaGen (see schema/build_schema.py).
SCHEMA_PATH = REPO_ROOT / "schema" / "schema.pbtxt"
# Everything a run writes: pipeline root, metadata DB, serving folder.
OUTPUT_DIR = REPO_ROOT / "output"
# MLMD is SQLite in the output folder unless these environment variables
# name a MySQL/MariaDB server (the password is never stored in a file).
MLMD_MYSQL_ENV = {"host": "MLMD_MYSQL_HOST", "port": "MLMD_MYSQL_PORT",
                  "database": "MLMD_MYSQL_DATABASE", "user": "MLMD_MYSQL_USER",
                  "password": "MLMD_MYSQL_PASSWORD"}
MLMD_MYSQL_DEFAULT_DATABASE = "model_factory"
# Rows hashed 3:1 into train and eval; the eval split also feeds the Evaluator.
SPLIT_BUCKETS = {"train": 3, "eval": 1}

# Seed for hashing-independent randomness: Tuner trials and weights.
SEED = 42
# Tuner search budget: trials x steps is the main cost of a cold run.
TUNER_MAX_TRIALS = 3
TUNER_TRAIN_STEPS = 150
# Final training (batch 64); about 3 epochs over the 2013-2014 train split.
TRAIN_STEPS = 400
EVAL_STEPS = 20

# Evaluator gates. A model is blessed when its AUC on the eval split is at
# least MIN_AUC and at most MAX_AUC_DROP below the last blessed model's.
MIN_AUC = 0.75
MAX_AUC_DROP = 0.01
# Slices reported by TFMA (payment type: the leakage-prone feature).
SLICE_FEATURES = (("payment_type",), ("trip_start_hour",))

# Beam: DirectRunner in multi-processing mode, one worker process per core.
# Each Beam stage then pays a few seconds to start its workers, which
# dominates on the bundled 15k rows; `--workers 1` runs in-process instead.
DEFAULT_BEAM_WORKERS = os.cpu_count() or 1


def beam_pipeline_args(workers: int) -> list:
  """All Beam arguments of a local run."""
  if workers < 1:
    raise ValueError(f"--workers must be at least 1, got {workers}")
  mode = "multi_processing" if workers > 1 else "in_memory"
  return [
      "--runner=DirectRunner",
      f"--direct_running_mode={mode}",
      f"--direct_num_workers={workers}",
  ]

# Drift detection (components/drift_detector). A feature drifts when any
# measure crosses its threshold; "warn" only reports.
DRIFT_THRESHOLDS = {
    "psi_warn": 0.1,  # population stability index at or above: warn
    "psi_drift": 0.25,  # ... at or above: drift
    "new_level_share": 0.05,  # share of current values in levels never seen
    "missing_increase": 0.05,  # rise of the missing fraction, absolute
    "out_of_range_k": 2.0,  # the "normal" band is reference mean +- k * std
    "out_of_range_excess": 0.05,  # current share outside band or min/max, minus reference's
    # TFDV's distances, as TFDV and Vertex Model Monitoring report them.
    "tfdv_linf": 0.1,  # L-infinity of level frequencies (categorical)
    "tfdv_js": 0.3,  # Jensen-Shannon divergence of histograms (numeric)
    "prediction_psi": 0.25,  # PSI of the served model's scores, no labels needed
    "metric_drop": 0.02,  # AUC drop of the served model on labelled new data
}
# Per-feature overrides of DRIFT_THRESHOLDS, e.g. {"company": {"new_level_share": 0.1}}.
DRIFT_FEATURE_THRESHOLDS = {}
# Not monitored: the trip timestamp moves forward by construction; the census
# tract is an 11-digit ID that TFDV's floating-point quantile sketch cannot
# resolve, so numeric PSI on it measures rounding, not drift.
DRIFT_IGNORED_FEATURES = ("trip_start_timestamp", "dropoff_census_tract")
# Finer quantiles than TFDV's default 10 make the PSI bins of a later span
# (read off its own CDF) accurate to about one percent of the data.
STATS_QUANTILE_BUCKETS = 100
STATS_RANK_BUCKETS = 1000
# Baseline when no served model exists yet (0: none, the verdict is
# "no baseline"). Set to a span number to compare every new span with it.
DRIFT_FALLBACK_SPAN = 0

# --- Continuous learning: what `python -m pipeline monitor` does on drift ---
# "alert": report only. "fallback": train a model without the drifted
# features (last Tuner's hyperparameters, no re-tuning) and serve it if it
# wins. "retrain": Tuner + Trainer on the newest window, as `run` does.
DRIFT_POLICY = "fallback"
# Spans a monitoring run trains on: the new span and the ones just before it.
TRAINING_WINDOW_SPANS = 2
# A fallback is served when its AUC on the new span's eval split is at least
# the served model's minus this (0: at least as good) ...
FALLBACK_AUC_TOLERANCE = 0.0
# ... or when the served model's inputs are broken there: a feature it reads
# is missing, outside its training min/max, or an unseen level in at least
# this share of the new rows. It must still reach MIN_AUC.
BROKEN_INPUT_SHARE = 0.5
# `python -m pipeline simulate`: the first training window; every later span
# up to the last is then fed in as new data, one monitoring run each.
SIMULATE_FIRST_WINDOW = (2013, 2013)
SIMULATE_LAST_SPAN = 2016


def drift_config() -> dict:
  """The DriftDetector's config: thresholds, and how to find labels."""
  from pipeline.model import features  # pylint: disable=import-outside-toplevel
  return {
      "thresholds": DRIFT_THRESHOLDS,
      "feature_thresholds": DRIFT_FEATURE_THRESHOLDS,
      "ignored_features": list(DRIFT_IGNORED_FEATURES),
      "label_key": features.transformed_name(features.LABEL_KEY),
      # The served model's AUC is re-assessed only where these columns exist.
      "label_sources": list(features.ANSWER_KEYS),
  }

# --- Deployment: `python -m pipeline compile|submit` (flags override these) ---
# Container image holding this repository (see Dockerfile); every component
# runs in it and imports its code by module path.
PIPELINE_IMAGE = "us-docker.pkg.dev/YOUR_PROJECT/model-factory/pipeline:latest"
# Where the Dockerfile copies the repository inside the image.
CONTAINER_REPO_ROOT = "/app"
# Artifact store and input data of cloud runs (GCS for Vertex; for Kubeflow
# any store the cluster mounts, e.g. minio's s3:// or gs://).
CLOUD_PIPELINE_ROOT = "gs://YOUR_BUCKET/model-factory/pipeline_root"
CLOUD_DATA_ROOT = "gs://YOUR_BUCKET/model-factory/data/spans"
CLOUD_SERVING_DIR = "gs://YOUR_BUCKET/model-factory/serving"
# Vertex AI project and region; the project may also come from GOOGLE_CLOUD_PROJECT.
GCP_PROJECT = ""
GCP_REGION = "us-central1"
# Kubeflow Pipelines API endpoint; may also come from KFP_ENDPOINT.
KFP_ENDPOINT = ""
# Span a cloud run ingests and trains on (KFP v2 cannot resolve a window).
CLOUD_SPAN = 2014

# Beam profiles for cloud runs, each with the arguments its runner needs.
# {project}, {region}, {pipeline_root} and {image} are filled in at compile time.
BEAM_PROFILES = {
    # In-container DirectRunner: fine for small spans, no extra service.
    "direct": ["--runner=DirectRunner", "--direct_running_mode=multi_processing",
               "--direct_num_workers=0"],
    # Google Cloud Dataflow: a staging/temp bucket and the same image for workers.
    "dataflow": ["--runner=DataflowRunner", "--project={project}", "--region={region}",
                 "--temp_location={pipeline_root}/beam/tmp",
                 "--staging_location={pipeline_root}/beam/staging",
                 "--sdk_container_image={image}", "--experiments=use_runner_v2"],
    # Apache Flink: a Flink cluster and a Beam job server next to it.
    "flink": ["--runner=PortableRunner", "--job_endpoint=flink-jobserver:8099",
              "--environment_type=EXTERNAL", "--environment_config=localhost:50000"],
    # Apache Spark: a Spark cluster and a Beam Spark job server.
    "spark": ["--runner=PortableRunner", "--job_endpoint=spark-jobserver:8099",
              "--environment_type=EXTERNAL", "--environment_config=localhost:50000"],
}


def beam_profile_args(profile: str, **values) -> list:
  """The Beam arguments of a named profile, placeholders filled from values."""
  if profile not in BEAM_PROFILES:
    raise ValueError(f"unknown Beam profile {profile!r}; choose one of {sorted(BEAM_PROFILES)}")
  return [arg.format(**values) for arg in BEAM_PROFILES[profile]]
