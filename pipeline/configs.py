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
