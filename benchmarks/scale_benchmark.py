"""The train stage at size: a cold `python -m pipeline run` on one span of N
rows resampled (seed 0, with replacement) from the bundled default window,
in-process (`--workers 1`) and multi-process (one DirectRunner worker per
core). Per run: wall seconds, peak RSS of the process tree, and every
component's seconds as MLMD recorded them. With --penguin, the bundled cold
run against TFX's own penguin example (its create_pipeline with its local
settings, minus BulkInferrer, which fails under Keras 3) on the same machine.

Usage: python -m benchmarks.scale_benchmark [--rows 100000 1000000]
           [--modes in-process multi-process] [--penguin]
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from benchmarks.pipeline_benchmark import peak_rss_until_done, timed_run
from benchmarks.runner_benchmark import large_span
from pipeline.definition import settings as settings_lib
from pipeline.mlmd import queries, store as mlmd_store
from pipeline.runners import local

MODES = {"in-process": ("--workers", "1"), "multi-process": ("--workers", str(os.cpu_count()))}
PENGUIN_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "penguins"

# TFX's penguin example (tfx/examples/penguin/penguin_pipeline_local.py), run
# as its __main__ does, with BulkInferrer off.
_PENGUIN_RUN = """
import os, sys
from absl import flags
from tfx import v1 as tfx
from tfx.examples.penguin import penguin_pipeline_local as example
flags.FLAGS(sys.argv[:1])
root = os.environ["HOME"]
tfx.orchestration.LocalDagRunner().run(example.create_pipeline(
    pipeline_name="penguin_local_keras", pipeline_root=f"{root}/tfx/pipelines",
    data_root=f"{root}/penguin/data", module_file=f"{root}/penguin/penguin_utils_keras.py",
    accuracy_threshold=0.6, serving_model_dir=f"{root}/penguin/serving_model",
    metadata_path=f"{root}/tfx/metadata.db", user_provided_schema_path=None,
    enable_tuning=True, enable_bulk_inferrer=False,
    examplegen_input_config=None, examplegen_range_config_date=None, resolver_range_config=None,
    beam_pipeline_args=example._beam_pipeline_args_by_runner["DirectRunner"],
    enable_transform_input_cache=False, enable_example_diff=False))
"""


def component_seconds(output_dir: pathlib.Path, settings) -> dict:
  """{node id: seconds} over every run in the output folder (MLMD times)."""
  store = mlmd_store.open_store(local.Paths(output_dir.resolve()).metadata_config())
  totals = {}
  for run_id in queries.run_ids(store):
    for execution in queries.run_executions(store, settings.pipeline_name, run_id):
      totals[execution.node_id] = totals.get(execution.node_id, 0.0) + execution.seconds
  return totals


def penguin_run(scratch: pathlib.Path) -> tuple:
  """(seconds, peak RSS MiB) of a cold run of TFX's penguin example."""
  import tfx.examples.penguin as penguin  # pylint: disable=import-outside-toplevel
  home = scratch / "penguin-home"
  (home / "penguin" / "data" / "labelled").mkdir(parents=True)  # where the example reads
  shutil.copy(PENGUIN_DATA / "penguins_processed.csv", home / "penguin" / "data" / "labelled")
  shutil.copy(pathlib.Path(penguin.__file__).parent / "penguin_utils_keras.py", home / "penguin")
  start = time.monotonic()
  with open(home / "run.log", "w", encoding="utf-8") as log:
    # As from a fresh shell: TensorFlow's imports here set TF_USE_LEGACY_KERAS,
    # and the example's Keras 3 model fails KerasTuner's check under tf_keras.
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    process = subprocess.Popen([sys.executable, "-c", _PENGUIN_RUN],
                               env=dict(env, HOME=str(home)), stdout=log, stderr=log)
    peak = peak_rss_until_done(process)
  if process.returncode:
    raise SystemExit(f"the penguin example failed with exit code {process.returncode}; "
                     f"see {home / 'run.log'}")
  return time.monotonic() - start, peak


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
  parser.add_argument("--modes", nargs="*", choices=sorted(MODES), default=sorted(MODES))
  parser.add_argument("--penguin", action="store_true")
  args = parser.parse_args()
  settings = settings_lib.load()
  scratch = pathlib.Path(tempfile.mkdtemp(prefix="mf-scale-"))
  if args.penguin:
    ours, ours_rss = timed_run(scratch / "bundled", MODES["in-process"])
    theirs, theirs_rss = penguin_run(scratch)
    print(f"bundled cold run: ours {ours:.1f} s ({ours_rss:,.0f} MiB), TFX penguin example "
          f"{theirs:.1f} s ({theirs_rss:,.0f} MiB): ratio {ours / theirs:.2f}", flush=True)
  for rows in args.rows:
    root, span = large_span(settings, rows, scratch / f"rows-{rows}")
    for mode in args.modes:
      output = scratch / f"run-{rows}-{mode}"
      seconds, rss = timed_run(output, ("--data-root", str(root), "--spans", str(span),
                                        *MODES[mode]))
      parts = ", ".join(f"{node} {s:.0f}" for node, s in component_seconds(output, settings).items()
                        if s >= 1)
      print(f"| {rows:,} | {mode} | {seconds:.0f} s | {rss:,.0f} MiB | {parts} |", flush=True)
      shutil.rmtree(output)


if __name__ == "__main__":
  main()
