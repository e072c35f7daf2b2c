"""Times the drift step (`python -m pipeline drift`) on large spans made by
resampling the taxi data with shifts; prints wall time and peak RSS for
each size, so growth from 100k to 1M rows shows.

Usage: python benchmarks/drift_benchmark.py [--sizes 100000 1000000]
"""
import argparse
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

REPO = pathlib.Path(__file__).resolve().parent.parent


def make_spans(rows: int, out: pathlib.Path):
  """Baseline: 2013-2014 resampled. Current: 2015-2016 resampled, with a
  fare shift, 10% new companies and 5 points more missing trip_seconds."""
  spans = REPO / "data" / "spans"
  rng = np.random.default_rng(0)
  old = pd.concat([pd.read_csv(spans / f"span-{y}" / "trips.csv") for y in (2013, 2014)])
  new = pd.concat([pd.read_csv(spans / f"span-{y}" / "trips.csv") for y in (2015, 2016)])
  baseline = old.sample(n=rows, replace=True, random_state=1)
  current = new.sample(n=rows, replace=True, random_state=2)
  current["fare"] = current["fare"] * 1.15
  current.loc[rng.random(rows) < 0.10, "company"] = "Resampled New Cab Co"
  current.loc[rng.random(rows) < 0.05, "trip_seconds"] = np.nan
  baseline.to_csv(out / "baseline.csv", index=False)
  current.to_csv(out / "current.csv", index=False)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
  args = parser.parse_args()
  print(f"{'rows':>10} {'columns':>8} {'wall s':>8} {'peak RSS MiB':>13}  verdict")
  for rows in args.sizes:
    with tempfile.TemporaryDirectory() as tmp:
      tmp = pathlib.Path(tmp)
      make_spans(rows, tmp)
      columns = len(pd.read_csv(tmp / "baseline.csv", nrows=1).columns)
      before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
      start = time.monotonic()
      done = subprocess.run(
          [sys.executable, "-m", "pipeline", "drift", "--baseline", str(tmp / "baseline.csv"),
           "--current", str(tmp / "current.csv"), "--output", str(tmp / "report")],
          cwd=REPO, capture_output=True, text=True)
      seconds = time.monotonic() - start
      peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
      # ru_maxrss of children is the largest child so far; sizes run in
      # increasing order, so a larger value is this run's peak.
      verdict = done.stdout.splitlines()[0] if done.stdout else done.stderr[-200:]
      print(f"{rows:>10} {columns:>8} {seconds:>8.1f} {max(peak, before) / 1024:>13.0f}  "
            f"{verdict} (exit {done.returncode})")


if __name__ == "__main__":
  main()
