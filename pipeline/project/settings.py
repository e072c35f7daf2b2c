"""Your project's settings, in one module: data, gates, drift, deployment.
The factory reads them once into a frozen Settings object
(pipeline/definition/settings.py) and never reads this module elsewhere.
Features, label and model code are in features.py, preprocessing.py and
model.py beside this file."""
import pathlib

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]

# Names the pipeline in MLMD, on Vertex and on Kubeflow.
PIPELINE_NAME = "model-factory"
# TODO(step 1): Point at your data: one folder per span (a day, a month, a
# year), each holding CSV files with one header row. ExampleGen reads
# SPAN_PATTERN under DATA_ROOT, with {SPAN} replaced by the span number.
# Here: yearly taxi spans cut by `python -m pipeline init` (data/README.md).
DATA_ROOT = REPO_ROOT / "data" / "spans"
SPAN_PATTERN = "span-{SPAN}/*.csv"
# Train on 2013-2014 by default: 2015 and 2016 are the "future" that the
# drift tooling compares against.
DEFAULT_SPANS = (2013, 2014)
# TODO(step 2): Curate the schema of your columns (types, domains, required
# presence). Imported by ImportSchemaGen; written by init (init_report.md
# says how it was curated).
SCHEMA_PATH = REPO_ROOT / "schema" / "schema.pbtxt"
# Everything a run writes: pipeline root, metadata DB, serving folder.
OUTPUT_DIR = REPO_ROOT / "output"
# Rows hashed 3:1 into train and eval; the eval split also feeds the Evaluator.
SPLIT_BUCKETS = {"train": 3, "eval": 1}
# The input check before ingestion (components/input_check): a column not in
# the schema is "warn" (training ignores it) or "refuse"; so are rows that
# repeat an earlier row, once they make up INPUT_DUPLICATE_SHARE of a file.
INPUT_NEW_COLUMNS = "warn"
INPUT_DUPLICATES = "warn"
INPUT_DUPLICATE_SHARE = 0.05

# TODO(step 13): Decide what each guardrail finding does (components/guardrails):
# "warn" (training goes on; the run summary lists it), "refuse" (the run stops
# before training, exit code 2) or, for a finding about one feature,
# "exclude" (train without it; recorded in MLMD and the model card).
GUARDRAIL_ACTIONS = {
    "target_leakage": "warn",  # a feature alone predicts the label almost perfectly
    "level_fixes_label": "warn",  # a level of a category decides the label
    "outcome_as_input": "refuse",  # the model reads a column the label is computed from
    "leaky_time": "warn",  # a raw timestamp or an increasing ID is a model input
    "id_like": "warn",  # nearly unique per row
    "constant": "warn",
    "mostly_missing": "warn",  # over half the rows lack it
    "rare_class": "warn",  # a class under 1% of rows
    "label_missing": "warn",  # rows without a label
    "too_little_data": "warn",  # fewer rows per span or per class than tuning and evaluation need
}
# Overrides of the checks' limits (components/guardrails/checks.py DEFAULT_LIMITS).
GUARDRAIL_LIMITS = {}
# Rows of the training window the checks read (the same share of each span).
GUARDRAIL_SAMPLE_ROWS = 50_000

# Seed for hashing-independent randomness: Tuner trials and weights.
SEED = 42
# Tuner search budget: trials x steps is the main cost of a cold run.
# Curated after init (which chose 112 and 336): the figures in the README
# were measured with these.
TUNER_MAX_TRIALS = 3
TUNER_TRAIN_STEPS = 150
# Final training (batch 64); about 3 epochs over the 2013-2014 train split.
TRAIN_STEPS = 400
EVAL_STEPS = 20

# TODO(step 9): Set the gates and the slices that matter for your task.
# Evaluator gates. A model is blessed when its METRIC on the eval split is
# on the good side of METRIC_THRESHOLD (at least it, or at most it for a
# lower-is-better metric such as an error) and at most MAX_METRIC_DROP worse
# than the last blessed model's. The metrics of each task type are in
# components/contracts/metrics.py (binary: auc; multiclass:
# sparse_categorical_accuracy; regression: mean_absolute_error).
METRIC = "auc"
# Curated after init (0.6, better than chance): a useful tipping model
# reaches 0.75.
METRIC_THRESHOLD = 0.75
MAX_METRIC_DROP = 0.01
# Slices reported by TFMA; curated after init (which took the first two
# low-cardinality columns): payment type is the leakage-prone feature.
SLICE_FEATURES = (("payment_type",), ("trip_start_hour",))
# A slice is weak (the model card's "do not use when", `predict`'s caution)
# when its METRIC is worse than overall by more than this share of the
# overall value.
WEAK_SLICE_GAP = 0.1

# Beam for local runs: a profile of BEAM_PROFILES (below) and the
# DirectRunner's worker processes, chosen by the size of the span a run
# ingests: DEFAULT_BEAM_WORKERS (1: in-process) below MULTI_PROCESS_FROM_BYTES
# of CSV, one process per core from there (None: never). Measured on 2
# cores (benchmarks/scale_benchmark.py): in-process is faster on 15k and
# 100k rows (156 s vs 178 s), one process per core on 1M rows (618 s vs
# 950 s); the lines cross near 156k rows, about 20 MB of the bundled CSV.
DEFAULT_BEAM_PROFILE = "direct"
DEFAULT_BEAM_WORKERS = 1
MULTI_PROCESS_FROM_BYTES = 20_000_000

# TODO(step 10): Tune drift detection to your data: thresholds, and the
# columns that move by construction (timestamps, IDs) and are not monitored.
# Drift detection (components/drift_detector). A feature drifts when a
# measure reaches its threshold (the change is large enough to matter) AND a
# change that large is unusual between two same-distribution samples of the
# sizes at hand (see DRIFT_FALSE_ALARM_RATE); "warn" only reports.
DRIFT_THRESHOLDS = {
    "psi_warn": 0.1,  # population stability index at or above: warn
    "psi_drift": 0.25,  # ... at or above: drift
    "distance": 0.1,  # numeric: Wasserstein distance in reference SDs (Evidently's default)
    "share_shift": 0.05,  # categorical: a level's share moved this many points
    "new_level_share": 0.02,  # share of current values in levels never seen
    "missing_increase": 0.02,  # rise of the missing fraction, absolute
    # The reference's central range [q, 1 - q]: distances are measured inside
    # it (a few extreme values must not decide), values outside it or outside
    # the reference's min/max count as out of range.
    "normal_range": 0.01,
    "out_of_range_excess": 0.02,  # current share out of range, minus reference's
    "prediction_psi": 0.25,  # PSI of the served model's scores, no labels needed
    "metric_drop": 0.02,  # METRIC worsening of the served model (error metrics: relative); realized or estimated
    "calibration_error": 0.05,  # served model's reliability error above which estimates are untrusted
}
# Chance that a report on unchanged data calls any feature drifting, before
# the thresholds above are applied (split over all its tests: Bonferroni);
# also the level of the prediction and performance drop tests.
DRIFT_FALSE_ALARM_RATE = 0.01
# Act on the served model's AUC estimated from its own scores (no labels
# needed; binary tasks only): an estimated drop above "metric_drop" counts as drift even when no
# single feature moved. The estimate is trusted only for a calibrated model.
DRIFT_ON_ESTIMATED_DROP = True
# Prediction drift and the served model's performance are computed on a
# uniform sample of at most this many rows of each side (the served model
# scores every sampled row), so that the check takes bounded time at any span
# size.
DRIFT_SCORED_ROWS = 200_000
# Per-feature overrides of DRIFT_THRESHOLDS, e.g. {"company": {"new_level_share": 0.1}}.
DRIFT_FEATURE_THRESHOLDS = {}
# Curated after init (which monitors every column). Not monitored: the trip timestamp moves forward by construction; the census
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
# A fallback is served when its METRIC on the new span's eval split is at
# most this much worse than the served model's (0: at least as good) ...
FALLBACK_METRIC_TOLERANCE = 0.0
# The comparison runs on a uniform random sample of at most this many rows of
# the new span's eval split (EvalSample), so that it takes the same time at
# any span size; the reason states the 95% confidence interval of the
# difference (paired bootstrap), which shrinks as 1/sqrt(rows).
FALLBACK_EVAL_ROWS = 10000
# ... or when the served model's inputs are broken there: a feature it reads
# is missing, outside its training min/max, or an unseen level in at least
# this share of the new rows. It must still pass METRIC_THRESHOLD.
BROKEN_INPUT_SHARE = 0.5
# `python -m pipeline simulate`: the first training window; every later span
# up to the last is then fed in as new data, one monitoring run each.
SIMULATE_FIRST_WINDOW = (2013, 2013)
SIMULATE_LAST_SPAN = 2016

# `python -m pipeline watch`: a span folder is complete when it holds a
# _SUCCESS file, or when none of its files changed for this long; the watch
# looks every WATCH_INTERVAL_SECONDS; a span whose monitoring run failed is
# tried WATCH_ATTEMPTS times in all (one look each) before it is left.
WATCH_QUIET_SECONDS = 300
WATCH_INTERVAL_SECONDS = 600
WATCH_ATTEMPTS = 1

# TODO(step 14): Say who hears about what (pipeline/operations/notify.py):
# event -> channels. Events: "drift", "data_refused", "fallback_served",
# "fallback_refused", "run_failed", "pending_approval"; channels: "webhook" (a JSON POST with a
# Slack-compatible "text") and "email" (SMTP). Addresses and secrets come
# only from the environment: MODEL_FACTORY_WEBHOOK_URL; MODEL_FACTORY_SMTP_HOST,
# _PORT, _USER, _PASSWORD, _FROM, _TO (comma-separated), _STARTTLS ("1").
# E.g. {"drift": ["webhook", "email"], "run_failed": ["email"]}.
NOTIFY = {}
# Attempts per message, and the first wait between them (doubling after
# each); a message that still fails is logged, and the run goes on.
NOTIFY_ATTEMPTS = 3
NOTIFY_BACKOFF_SECONDS = 1.0
# How a blessed and compatible model goes live: "auto" serves it at once;
# "manual" pushes it as a candidate (archived, listed as pending in the
# serving manifest, not served) until `python -m pipeline approve VERSION
# --by NAME` serves it or `reject` refuses it, both on record in MLMD.
PROMOTION = "auto"

# TODO(step 11): Say what the model card tells its readers: what the model
# is, what it is for, and the caveats only you know (leakage, blind spots).
# Curated after init, which writes a generic text.
MODEL_CARD_TITLE = "big-tipper classifier"
MODEL_CARD_INTENDED_USE = (
    "Scores a finished Chicago taxi trip with the probability that its tip exceeds 20% of the "
    "fare, from the trip's raw fields. For analysing tipping patterns in recorded data, not for "
    "decisions about individual drivers or riders.")
MODEL_CARD_CAVEATS = (
    "Leakage: payment_type decides most predictions, because tips on cash trips are not "
    "recorded. The model predicts *recorded* tips; it says nothing about how generous cash "
    "riders are. Look at its AUC on the payment_type slices above.",)

# The model code's entry points, by module path: TFX imports them in each
# component's own process (or container), never from this process.
PREPROCESSING_FN = "pipeline.project.preprocessing.preprocessing_fn"
# The label from raw columns (the Guardrails derive it, before Transform).
LABEL_FN = "pipeline.project.preprocessing.label"
TUNER_FN = "pipeline.project.model.tuner_fn"
RUN_FN = "pipeline.project.model.run_fn"

# --- Deployment: `python -m pipeline compile|submit` (flags override these) ---
# TODO(step 12): Name your image, bucket and cloud project.
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

# Beam profiles: how the Beam stages (ExampleGen, StatisticsGen, Transform,
# Evaluator) run. Local runs (`--beam` on run, monitor, simulate) and cloud
# compiles (`--beam` on compile, submit) take the same names. Placeholders:
# {workers} and {direct_mode} from --workers; {job_endpoint} from
# --job-endpoint or BEAM_JOB_ENDPOINTS; {project}, {region}, {pipeline_root}
# and {image} at compile time.
_PORTABLE = ["--runner=PortableRunner", "--job_endpoint={job_endpoint}"]
BEAM_PROFILES = {
    # DirectRunner on this machine (or in the container): in-process with one
    # worker, else one process per worker (0: one per core).
    "direct": ["--runner=DirectRunner", "--direct_running_mode={direct_mode}",
               "--direct_num_workers={workers}"],
    # Any Beam job server (e.g. `python -m apache_beam.runners.portability.
    # local_job_service_main --port 8099`); the SDK harness runs in this process.
    "portable": _PORTABLE + ["--environment_type=LOOPBACK"],
    # Apache Flink / Spark: their Beam job server, and an SDK worker pool next
    # to each task manager / executor (the pipeline image, started with
    # --worker_pool) that runs this code.
    "flink": _PORTABLE + ["--environment_type=EXTERNAL", "--environment_config=localhost:50000"],
    "spark": _PORTABLE + ["--environment_type=EXTERNAL", "--environment_config=localhost:50000"],
    # Google Cloud Dataflow: a staging/temp bucket and the same image for workers.
    "dataflow": ["--runner=DataflowRunner", "--project={project}", "--region={region}",
                 "--temp_location={pipeline_root}/beam/tmp",
                 "--staging_location={pipeline_root}/beam/staging",
                 "--sdk_container_image={image}", "--experiments=use_runner_v2"],
}
# Default job server of each portable profile; --job-endpoint overrides.
BEAM_JOB_ENDPOINTS = {"portable": "localhost:8099", "flink": "flink-jobserver:8099",
                      "spark": "spark-jobserver:8099"}

