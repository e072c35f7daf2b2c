"""What a guardrail's `exclude` costs and buys: the project's default window
trained twice, once with every finding on `warn` (the model reads every
input) and once with `exclude` for the findings about one feature (the model
trains without them). Prints the findings, then the gate metric overall and
on each slice of SLICE_FEATURES, side by side, from each run's TFMA
evaluation.

Usage: python -m benchmarks.guardrails_benchmark [--output-dir DIR]
"""
import argparse
import pathlib
import tempfile

from pipeline import quiet

quiet.libraries()  # before TensorFlow loads: figures, not library chatter
# pylint: disable=wrong-import-position
from components.contracts import artifacts as contract
from components.contracts import tfma_results
from pipeline.definition import beam, settings as settings_lib
from pipeline.runners import local


def _train(settings, output_dir):
  """The run's report; its model need not pass the gate (no push needed)."""
  return local.run(settings, data_root=settings.data_root, spans=settings.default_spans,
                   output_dir=output_dir, beam=beam.Beam(workers=1), write=lambda line: None)


def _by_slice(evaluation_uri, metric) -> dict:
  return {" & ".join(f"{k} = {v}" for k, v in key) or "overall": (values.get(metric),
                                                                   values.get("example_count"))
          for key, values in tfma_results.by_slice(evaluation_uri)}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--output-dir", type=pathlib.Path, default=None)
  args = parser.parse_args()
  root = args.output_dir or pathlib.Path(tempfile.mkdtemp(prefix="mf-guardrails-bench-"))
  warned = settings_lib.load(guardrail_actions={})  # every finding: warn
  warn = _train(warned, root / "warn")
  excluding = settings_lib.load(guardrail_actions={
      name: "exclude" for name in ("target_leakage", "level_fixes_label")})
  exclude = _train(excluding, root / "exclude")
  print(f"Window {warned.default_spans}; findings:")
  for line in warn.guardrails:
    print(f"  {line}")
  excluded = contract.read_guardrails(exclude.guardrails_uri)["excluded_features"]
  print(f"Excluded by `exclude`: {', '.join(excluded) or 'nothing'}; blessed (gate "
        f"{warned.metric_threshold}): warn {warn.blessed}, exclude {exclude.blessed}")
  metric = warned.metric
  left, right = (_by_slice(run.evaluation_uri, metric) for run in (warn, exclude))
  print(f"\n{'slice':<40} {'examples':>8} {metric + ' warn':>12} {metric + ' exclude':>14}")
  for name in left:
    value, count = left[name]
    other = right.get(name, (None, None))[0]
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # pylint: disable=unnecessary-lambda-assignment
    print(f"{name:<40} {int(count or 0):>8} {fmt(value):>12} {fmt(other):>14}")


if __name__ == "__main__":
  main()
