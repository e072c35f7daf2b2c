"""Times a fallback model against a full retrain on the same window.

Trains a primary model on 2013-2015 (bundled data), then monitors span 2016
twice from copies of that output: once with policy `fallback` (Transform +
Trainer with the last Tuner's hyperparameters) and once with `retrain`
(Transform + Tuner + Trainer). Both train on the window 2015-2016 and find
2016 drifted. Prints each policy's training time as MLMD recorded it and the
wall time of the whole monitoring run.

Usage: python benchmarks/fallback_benchmark.py [--workers N] [--output-dir DIR]
"""
import argparse
import pathlib
import shutil
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# pylint: disable=wrong-import-position
from pipeline.definition import beam, node_ids, settings as settings_lib
from pipeline.runners import local

_TRAINING = {"fallback": (node_ids.FALLBACK_TRANSFORM, node_ids.FALLBACK_TRAINER),
             "retrain": (node_ids.TRANSFORM, node_ids.TUNER, node_ids.TRAINER)}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workers", type=int, default=1)
  parser.add_argument("--output-dir", type=pathlib.Path, default=None)
  args = parser.parse_args()
  root = args.output_dir or pathlib.Path(tempfile.mkdtemp(prefix="mf-fallback-bench-"))
  shutil.rmtree(root, ignore_errors=True)
  quiet = lambda line: None  # pylint: disable=unnecessary-lambda-assignment
  settings = settings_lib.load()
  beam_choice = beam.Beam(workers=args.workers)
  local.run(settings, data_root=settings.data_root, spans=(2013, 2015),
            output_dir=root / "primary", beam=beam_choice, write=quiet)
  print(f"Beam: {beam_choice.args(settings)}; window 2015-2016, new span 2016")
  for policy, nodes in _TRAINING.items():
    output = root / policy
    shutil.copytree(root / "primary", output)
    start = time.monotonic()
    result = local.monitor(settings, data_root=settings.data_root, span=2016,
                           window=(2015, 2016), output_dir=output, policy=policy,
                           beam=beam_choice, write=quiet)
    wall = time.monotonic() - start
    seconds = {e.node_id: e.seconds for e in result.executions if e.node_id in nodes}
    detail = ", ".join(f"{node} {seconds.get(node, float('nan')):.1f} s" for node in nodes)
    outcome = (result.fallback or {}).get("reason") or (
        f"pushed {result.pushed_version}" if result.pushed_version else "not pushed")
    print(f"{policy:<8}: training {sum(seconds.values()):6.1f} s ({detail}); whole monitoring "
          f"run {wall:6.1f} s wall; drift {result.drift_verdict}; {outcome}")


if __name__ == "__main__":
  main()
