"""Cold `python -m pipeline run` (the train stage) with each local way to run
the Beam stages: the DirectRunner in-process (`--workers 1`), the
DirectRunner with one process per core, and the PortableRunner through
Beam's local job service (the Flink/Spark code path). On the bundled default
window, and on one span of N rows resampled from it. Each run: wall seconds
and peak RSS of the process tree (with the job service's process, which
runs the portable pipeline's runner),
and the Beam components' seconds as MLMD recorded them.

Usage: python -m benchmarks.runner_benchmark [--rows 100000] [--only bundled|large]
"""
import argparse
import os
import pathlib
import tempfile

import pandas as pd

from benchmarks.pipeline_benchmark import timed_run
from pipeline.definition import beam, node_ids, settings as settings_lib
from pipeline.mlmd import queries, store as mlmd_store
from pipeline.runners import local

MODES = {
    "direct, in-process (--workers 1)": ("--beam", "direct", "--workers", "1"),
    f"direct, {os.cpu_count()} processes": ("--beam", "direct", "--workers", str(os.cpu_count())),
    "portable, local job service": ("--beam", "portable"),
}


def large_span(settings, rows: int, root: pathlib.Path) -> tuple:
  """One span of `rows` rows drawn with replacement from the default window,
  cells copied as text (no re-typing). Returns (data root, span)."""
  first, last = settings.default_spans
  frame = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False)
                     for s in range(first, last + 1)
                     for f in sorted((settings.data_root / settings.span_folder(s)).glob("*.csv"))],
                    ignore_index=True)
  target = root / settings.span_glob(last).replace("*", "sample")
  target.parent.mkdir(parents=True)
  frame.sample(n=rows, replace=True, random_state=0).to_csv(target, index=False)
  return root, last


def beam_seconds(output_dir: pathlib.Path, settings) -> str:
  store = mlmd_store.open_store(local.Paths(output_dir.resolve()).metadata_config())
  totals = {}
  for run_id in queries.run_ids(store):
    for execution in queries.run_executions(store, settings.pipeline_name, run_id):
      if execution.node_id in node_ids.BEAM_COMPONENTS:
        totals[execution.node_id] = totals.get(execution.node_id, 0.0) + execution.seconds
  return ", ".join(f"{node} {seconds:.1f} s" for node, seconds in totals.items())


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--rows", type=int, default=100_000)
  parser.add_argument("--only", choices=["bundled", "large"])
  args = parser.parse_args()
  settings = settings_lib.load()
  scratch = pathlib.Path(tempfile.mkdtemp(prefix="mf-runners-"))
  first, last = settings.default_spans
  data = {f"bundled spans {first}-{last}": ("--spans", f"{first}-{last}")}
  root, span = large_span(settings, args.rows, scratch / "large")
  data[f"one span of {args.rows:,} rows"] = ("--data-root", str(root), "--spans", str(span))
  if args.only:
    data = dict(list(data.items())[:1] if args.only == "bundled" else list(data.items())[1:])
  print("| data | Beam | cold run (wall) | peak RSS | Beam components (MLMD) |")
  print("|---|---|---|---|---|")
  for number, (label, data_options) in enumerate(data.items()):
    for mode, mode_options in MODES.items():
      output = scratch / f"run-{number}-{len(mode_options)}-{mode_options[-1]}"
      with beam.local_job_service() as service:  # started for every mode: same machine load
        options, also = (*data_options, *mode_options), ()
        if "portable" in mode_options:
          options, also = options + ("--job-endpoint", service.endpoint), (service.pid,)
        seconds, rss = timed_run(output, options, also)
      print(f"| {label} | {mode} | {seconds:.1f} s | {rss:,.0f} MiB | "
            f"{beam_seconds(output, settings)} |", flush=True)


if __name__ == "__main__":
  main()
