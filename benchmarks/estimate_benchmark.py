"""How close the served model's AUC estimated from its scores alone (CBPE,
the DriftDetector's estimate) comes to the AUC it then realizes, span by
span.

Trains on the project's default window into a new output folder
(`python -m pipeline run`), ingests each later span with a monitoring run
of policy `alert` (the model in service never changes), then scores every
span from the window's last one on with the served model, exactly as the
DriftDetector does (reference: the window's eval split), and prints the
estimate with its interval next to the realized figures.

Usage: python -m benchmarks.estimate_benchmark [--output DIR] [--workers 1]
"""
import argparse
import pathlib
import tempfile

import tensorflow as tf

from components.contracts import artifacts as contract
from components.contracts import model_io
from components.drift_detector import executor, performance
from pipeline.definition import beam, settings as settings_lib
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.runners import local


def _example_files(store, split_glob: str) -> dict:
  """{span: files of ExampleGen's examples of that span (newest artifact)}."""
  found = {}
  for artifact in sorted(store.get_artifacts_by_type("Examples"), key=lambda a: a.id):
    if queries.custom(artifact, contract.INPUT_FINGERPRINT):  # ExampleGen's, not Transform's
      found[queries.custom(artifact, contract.SPAN)] = sorted(
          tf.io.gfile.glob(f"{artifact.uri}/{split_glob}/*.gz"))
  return found


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--output", type=pathlib.Path, default=None,
                      help="output folder (default: a new temporary one)")
  parser.add_argument("--workers", type=int, default=1)
  args = parser.parse_args()
  settings = settings_lib.load()
  output = args.output or pathlib.Path(tempfile.mkdtemp()) / "output"
  first, last = settings.default_spans
  served = local.run(settings, data_root=settings.data_root, spans=(first, last),
                     output_dir=output, beam=beam.Beam(workers=args.workers))
  for span in range(last + 1, settings.simulate_last_span + 1):
    local.monitor(settings, data_root=settings.data_root, span=span, output_dir=output,
                  policy="alert", beam=beam.Beam(workers=args.workers))
  store = mlmd_store.open_store(local.Paths(output).metadata_config())
  evaluation, every_split = _example_files(store, "Split-eval"), _example_files(store, "Split-*")
  model, config = tf.saved_model.load(served.pushed_path), settings.drift_config()
  ref_scores, ref_labels = executor.score(
      model, [evaluation[s] for s in range(first, last + 1)], config)
  print(f"\nModel trained on spans {first}-{last} (version {served.pushed_version}); reference: "
        f"its eval split, {len(ref_scores)} rows")
  print(f"{'span':>4} {'rows':>6} {'estimated AUC (95% interval)':>30} {'realized':>8} "
        f"{'|error|':>7} {'inside':>6} {'est. acc':>8} {'real acc':>8}")
  for span in range(last, settings.simulate_last_span + 1):
    scores, labels = executor.score(model, [every_split[span]], config)
    result = performance.assess(ref_scores, ref_labels, scores, labels, settings.drift_thresholds,
                                model_io.DECISION_THRESHOLD, act_on_estimate=True,
                                false_alarm_rate=settings.drift_false_alarm_rate)
    low, high = result["estimated_auc_interval"]
    error = abs(result["estimated_auc"] - result["realized_auc"])
    print(f"{span:>4} {len(scores):>6} {result['estimated_auc']:>10.4f} ({low:.4f}-{high:.4f}) "
          f"{result['realized_auc']:>8.4f} {error:>7.4f} {str(low <= result['realized_auc'] <= high):>6} "
          f"{result['estimated_accuracy']:>8.4f} {result['realized_accuracy']:>8.4f}")
  print(f"on the reference: realized AUC {result['reference_auc']:.4f}, estimated "
        f"{result['reference_estimated_auc']:.4f}, calibration error "
        f"{result['calibration_error']:.4f}; estimates "
        + ("trusted" if result["trusted"] else "NOT trusted: " + "; ".join(result["untrusted_because"])))

if __name__ == "__main__":
  main()
