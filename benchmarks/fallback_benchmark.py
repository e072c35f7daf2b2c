"""Times a fallback model against a full retrain on the same window.

Trains a primary model on every span but the last of the project's data
(bundled: 2013-2015), then monitors the last span twice, from copies of
that output: once with policy `fallback` (FallbackTrainer on the served
model's Transform graph with the last Tuner's hyperparameters, then
EvalSample + FallbackEvaluator) and once with `retrain` (Transform + Tuner +
Trainer + Evaluator). Both train on the window of the last two spans and
find the last span drifted. Each monitoring run is a child process, so its
wall time and peak memory (VmHWM, in-process Beam included) are its own.

Prints each component's seconds side by side, the training ratio (fallback
training / retrain training, as MLMD recorded them) and the whole-run ratio.

--rows N replaces the last span by N rows drawn with replacement from it,
each non-integral float column multiplied by N(1, 0.02) noise so that rows
stay distinct (ExampleGen splits by a hash of the row).

Usage: python benchmarks/fallback_benchmark.py [--workers N] [--rows N] [--output-dir DIR]
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# pylint: disable=wrong-import-position
from pipeline import quiet

quiet.libraries()  # before TensorFlow loads: figures, not library chatter
from pipeline.definition import beam, node_ids, settings as settings_lib
from pipeline.runners import local

_TRAINING = {"fallback": (node_ids.FALLBACK_TRAINER,),
             "retrain": (node_ids.TRANSFORM, node_ids.TUNER, node_ids.TRAINER)}
_QUIET = lambda line: None  # pylint: disable=unnecessary-lambda-assignment


def _spans(settings, data_root):
  spans = settings.spans_in(data_root)
  if len(spans) < 3:
    raise SystemExit(f"needs at least three spans under {data_root}, found {spans}")
  return spans


def _big_data_root(settings, root: pathlib.Path, rows: int) -> pathlib.Path:
  """The project's spans, the last one replaced by `rows` jittered draws from it."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  import pandas as pd  # pylint: disable=import-outside-toplevel
  source = pathlib.Path(settings.data_root)
  spans = _spans(settings, source)
  data_root = root / "data"
  for span in spans[:-1]:
    (data_root / settings.span_folder(span)).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(source / settings.span_folder(span), data_root / settings.span_folder(span))
  last = source / settings.span_folder(spans[-1])
  files = sorted(last.glob("*.csv"))
  frame = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
  rng = np.random.default_rng(0)
  frame = frame.sample(n=rows, replace=True, random_state=0).reset_index(drop=True)
  for column in frame.select_dtypes("float").columns:
    values = frame[column].dropna()
    if (values == values.round()).all():  # integers with gaps: keep them integers
      frame[column] = frame[column].astype("Int64")
    else:
      frame[column] = frame[column] * rng.normal(1.0, 0.02, len(frame))
  target = data_root / settings.span_folder(spans[-1]) / files[0].name
  target.parent.mkdir(parents=True)
  frame.to_csv(target, index=False)
  return data_root


def _status_mib(field: str) -> float:
  """A memory figure of this process from /proc (VmHWM: peak resident
  memory of the process image itself, unlike getrusage's maxrss, which
  keeps the forking parent's size; VmRSS: resident now)."""
  with open("/proc/self/status", encoding="utf-8") as status:
    kib = next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
  return kib / 1024


class _RssSampler(threading.Thread):
  """Resident memory every half second, to attribute the peak to a component."""

  def __init__(self):
    super().__init__(daemon=True)
    self.samples = []

  def run(self):
    while True:
      self.samples.append((time.time() * 1000, _status_mib("VmRSS")))
      time.sleep(0.5)

  def peak_during(self, execution) -> float:
    inside = [mib for ms, mib in self.samples
              if execution.create_time_since_epoch <= ms <= execution.last_update_time_since_epoch]
    return max(inside, default=None)  # None: over before the next sample


def _monitor_child(args):
  """In the child: one monitoring run; prints its figures as one JSON line."""
  settings = settings_lib.load()
  spans = _spans(settings, args.data_root)
  sampler = _RssSampler()
  sampler.start()
  start = time.monotonic()
  result = local.monitor(settings, data_root=args.data_root, span=spans[-1],
                         window=(spans[-2], spans[-1]), output_dir=args.output_dir,
                         policy=args.monitor, beam=beam.Beam(workers=args.workers), write=_QUIET)
  ran = [e for e in result.executions if e.seconds is not None and e.state != "CACHED"]
  outcome = (result.fallback or {}).get("reason") or (
      f"pushed {result.pushed_version}" if result.pushed_version else "not pushed")
  print(json.dumps({"wall": time.monotonic() - start, "drift": result.drift_verdict,
                    "outcome": outcome, "peak_mib": _status_mib("VmHWM"),
                    "seconds": {e.node_id: e.seconds for e in ran},
                    "peak_mib_by_node": {e.node_id: sampler.peak_during(e.execution) for e in ran}}))


def _monitor(policy, output, data_root, workers) -> dict:
  child = subprocess.run(
      [sys.executable, __file__, "--monitor", policy, "--output-dir", str(output),
       "--data-root", str(data_root), "--workers", str(workers)],
      stdout=subprocess.PIPE, text=True, check=False)
  if child.returncode:
    raise SystemExit(f"the {policy} monitoring run failed (exit code {child.returncode})")
  return json.loads(child.stdout.strip().splitlines()[-1])


def _table(results) -> str:
  """Seconds and peak resident MiB per component, a pair of columns per policy."""
  nodes = list(dict.fromkeys(n for r in results.values() for n in r["seconds"]))
  lines = [f"{'component':<30} " + " ".join(f"{p + ' s':>10} {'peak MiB':>9}" for p in results)]
  for node in nodes:
    cells = []
    for figures in results.values():
      seconds, peak = figures["seconds"].get(node), figures["peak_mib_by_node"].get(node)
      cells.append((f"{seconds:10.1f}" if seconds is not None else f"{'-':>10}") + " "
                   + (f"{peak:9,.0f}" if peak is not None else f"{'-':>9}"))
    lines.append(f"{node:<30} " + " ".join(cells))
  return "\n".join(lines)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--workers", type=int, default=1)
  parser.add_argument("--rows", type=int, default=0, help="rows of the synthetic new span (0: bundled)")
  parser.add_argument("--output-dir", type=pathlib.Path, default=None)
  parser.add_argument("--monitor", help=argparse.SUPPRESS)
  parser.add_argument("--data-root", help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.monitor:
    return _monitor_child(args)
  root = args.output_dir or pathlib.Path(tempfile.mkdtemp(prefix="mf-fallback-bench-"))
  shutil.rmtree(root, ignore_errors=True)
  root.mkdir(parents=True)
  settings = settings_lib.load()
  data_root = _big_data_root(settings, root, args.rows) if args.rows else settings.data_root
  spans = _spans(settings, data_root)
  local.run(settings, data_root=data_root, spans=(spans[0], spans[-2]), output_dir=root / "primary",
            beam=beam.Beam(workers=args.workers), write=_QUIET)
  print(f"workers {args.workers}; primary trained on {spans[0]}-{spans[-2]}; new span {spans[-1]}"
        f" ({args.rows or 'bundled'} rows); window {spans[-2]}-{spans[-1]}")
  results = {}
  for policy in _TRAINING:
    shutil.copytree(root / "primary", root / policy)
    results[policy] = _monitor(policy, root / policy, data_root, args.workers)
  print(_table(results))
  training = {p: sum(results[p]["seconds"].get(n, 0.0) for n in nodes) for p, nodes in _TRAINING.items()}
  for policy, figures in results.items():
    print(f"{policy:<8}: training {training[policy]:6.1f} s; whole monitoring run "
          f"{figures['wall']:6.1f} s wall, peak {figures['peak_mib']:,.0f} MiB; drift "
          f"{figures['drift']}; {figures['outcome']}")
  print(f"ratio fallback/retrain: training {training['fallback'] / training['retrain']:.2f}, "
        f"whole monitoring run {results['fallback']['wall'] / results['retrain']['wall']:.2f}")
  return 0


if __name__ == "__main__":
  sys.exit(main())
