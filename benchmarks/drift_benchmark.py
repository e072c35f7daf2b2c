"""Times the ad-hoc drift check (`python -m pipeline drift`) against
Evidently's DataDriftPreset (benchmarks/evidently_drift.py, its defaults) on
the same two CSV files of N rows: the project's default training window
resampled (baseline), and the spans after it resampled with shifts injected
(benchmarks/drift_cases.py). Each tool runs as a whole process under
/usr/bin/time: wall seconds and peak resident memory, start-up included.

Usage: python -m benchmarks.drift_benchmark [--sizes 100000 1000000]
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

from benchmarks import drift_cases, evidently_env
from pipeline.definition import settings as settings_lib

REPO = pathlib.Path(__file__).resolve().parent.parent

def make_files(settings, rows: int, out: pathlib.Path) -> None:
  first, last = settings.default_spans
  old = drift_cases.project_spans(settings, range(first, last + 1))
  new = drift_cases.project_spans(settings, range(last + 1, settings.simulate_last_span + 1))
  baseline = old.sample(n=rows, replace=True, random_state=1).reset_index(drop=True)
  current = new.sample(n=rows, replace=True, random_state=2).reset_index(drop=True)
  for kind, size in (("mean shift (SDs)", 0.25), ("missing up (points)", 0.05),
                     ("new levels (share)", 0.1)):
    column = (drift_cases.numeric_column(old) if kind in drift_cases.NUMERIC_KINDS
              else drift_cases.categorical_column(old))
    if column:
      current = drift_cases.inject(baseline, current, kind, column, size, seed=0)
  baseline.to_csv(out / "baseline.csv", index=False)
  current.to_csv(out / "current.csv", index=False)

def timed(command) -> tuple:
  """(wall seconds, peak RSS MiB, stdout) of one whole-process run."""
  done = subprocess.run(["/usr/bin/time", "-f", "%e %M", *command], cwd=REPO,
                        capture_output=True, text=True)
  wall, peak_kib = done.stderr.strip().splitlines()[-1].split()
  return float(wall), int(peak_kib) / 1024, done.stdout

def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
  args = parser.parse_args()
  settings = settings_lib.load()
  print(f"{'rows':>10} {'ours s':>7} {'Evidently s':>11} {'ratio':>6} {'ours MiB':>9} "
        f"{'Evidently MiB':>13}  ours flagged | Evidently flagged")
  for rows in args.sizes:
    with tempfile.TemporaryDirectory() as tmp:
      tmp = pathlib.Path(tmp)
      make_files(settings, rows, tmp)
      ours = timed([sys.executable, "-m", "pipeline", "drift", "--baseline", tmp / "baseline.csv",
                    "--current", tmp / "current.csv", "--output", tmp / "report"])
      theirs = timed(evidently_env.command("files", tmp / "baseline.csv", tmp / "current.csv"))
    flagged = [line.split()[0] for line in ours[2].splitlines()[2:] if " drift " in line]
    their_flagged = json.loads(theirs[2].splitlines()[-1])["drifted_columns"]
    print(f"{rows:>10} {ours[0]:>7.1f} {theirs[0]:>11.1f} {ours[0] / theirs[0]:>6.2f} "
          f"{ours[1]:>9.0f} {theirs[1]:>13.0f}  {','.join(flagged)} | {','.join(their_flagged)}")

if __name__ == "__main__":
  main()
