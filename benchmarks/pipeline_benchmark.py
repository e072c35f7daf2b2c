"""Times `python -m pipeline run` on the bundled data: cold run (wall time and
peak RSS of the whole process tree), rerun with nothing changed, and the
time of each component as MLMD recorded it.

Usage: python benchmarks/pipeline_benchmark.py [--workers N] [--output-dir DIR]
"""
import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import psutil

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# pylint: disable=wrong-import-position
from pipeline.definition import beam, settings as settings_lib
from pipeline.mlmd import queries, store as mlmd_store
from pipeline.runners import local


def timed_run(output_dir, options=(), also=()):
  """Runs `python -m pipeline run` with `options`; returns (seconds, peak RSS
  in MiB summed over its process tree and the processes `also`)."""
  command = [sys.executable, "-m", "pipeline", "run", "--output-dir", str(output_dir), *options]
  start = time.monotonic()
  process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
  peak = peak_rss_until_done(process, also)
  if process.returncode:
    raise SystemExit(f"pipeline run failed with exit code {process.returncode}")
  return time.monotonic() - start, peak


def peak_rss_until_done(process, also=()) -> float:
  """Waits for `process`; returns the peak RSS in MiB summed over its
  process tree and the processes `also`, sampled every 0.1 s."""
  root, peak = psutil.Process(process.pid), 0
  while process.poll() is None:
    try:
      tree = [root] + root.children(recursive=True) + [psutil.Process(pid) for pid in also]
      peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
    except psutil.Error:
      pass  # a worker exited between listing and reading
    time.sleep(0.1)
  return peak / 2**20


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workers", type=int, default=None,
                      help="Beam workers (default: the CLI's default)")
  parser.add_argument("--output-dir", type=pathlib.Path, default=None)
  args = parser.parse_args()
  output_dir = args.output_dir or pathlib.Path(tempfile.mkdtemp(prefix="mf-bench-"))
  shutil.rmtree(output_dir, ignore_errors=True)

  options = ("--workers", str(args.workers)) if args.workers else ()
  cold_seconds, cold_rss = timed_run(output_dir, options)
  settings = settings_lib.load()
  store = mlmd_store.open_store(local.Paths(output_dir.resolve()).metadata_config())
  cold_runs = queries.run_ids(store)
  rerun_seconds, rerun_rss = timed_run(output_dir, options)

  workers = args.workers or settings.default_beam_workers
  print(f"Beam: {beam.Beam(settings.default_beam_profile, workers).args(settings)}")
  print(f"cold run:   {cold_seconds:6.1f} s wall, peak RSS {cold_rss:6.0f} MiB (process tree)")
  print(f"rerun:      {rerun_seconds:6.1f} s wall, peak RSS {rerun_rss:6.0f} MiB (nothing changed)")
  print("cold run, per component (MLMD create -> last update):")
  for run_id in cold_runs:
    print(f"  run {run_id}")
    for execution in queries.run_executions(store, settings.pipeline_name, run_id):
      print(f"    {execution.node_id:<32} {execution.seconds:6.1f} s  {execution.state}")


if __name__ == "__main__":
  main()
