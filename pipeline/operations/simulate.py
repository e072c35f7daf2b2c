"""python -m pipeline simulate: replays the bundled spans in time order.

Trains a primary model on the first window, then feeds every later span as
new data, one monitoring run each (same seed, same settings as `monitor`).
After each span it scores, on that span's eval split, the primary model of
the first window (never replaced: the primary-only baseline), the fallback
trained in that run (if any), the model served when the span arrived and
the model served after the run's decision, with one scorer, so the figures
compare like with like.
"""
import dataclasses
import functools
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt  # pylint: disable=wrong-import-position
import tensorflow as tf  # pylint: disable=wrong-import-position
from tfx.utils import path_utils  # pylint: disable=wrong-import-position
from tfx.types import standard_component_specs as specs

from components.contracts import artifacts as contract  # pylint: disable=wrong-import-position
from components.contracts import scoring  # pylint: disable=wrong-import-position
from components.serving_manifest import executor as manifest  # pylint: disable=wrong-import-position
from pipeline.definition import node_ids  # pylint: disable=wrong-import-position
from pipeline.mlmd import queries, store as mlmd_store  # pylint: disable=wrong-import-position
from pipeline.runners import local  # pylint: disable=wrong-import-position

PLOT_NAME = "simulation.png"
TABLE_NAME = "simulation.json"


@dataclasses.dataclass
class SpanResult:
  span: int
  verdict: str
  top_drifted: list
  action: str
  served_version: str
  served_role: str
  primary_metric: float
  fallback_metric: float  # None when no fallback was trained
  served_before_metric: float  # the model in service when the span arrived
  served_metric: float  # the model in service after the run's decision
  fallback_seconds: float = None
  # The model in service, on every row of the span, as its drift report has
  # it: estimated from its scores alone (CBPE) with the interval, and realized.
  estimated_auc: float = None
  estimated_auc_interval: tuple = None
  estimate_trusted: bool = None  # the report's check of the estimator on the reference
  realized_auc: float = None


def _eval_files(store, run_report) -> list:
  """The eval split files of the span the run ingested."""
  example_gen = next(e for e in run_report.executions if e.node_id == node_ids.EXAMPLE_GEN)
  examples = queries.output_artifacts(store, example_gen.execution.id)[specs.EXAMPLES_KEY][0]
  return tuple(sorted(tf.io.gfile.glob(f"{examples.uri}/Split-eval/*.gz")))


@functools.lru_cache(maxsize=None)
def metric(model_dir: str, files: tuple, label_key: str, task: str, name: str) -> float:
  """A model's gate metric `name` on a span; cached, since one model is
  often several of primary, served before and served after."""
  model = tf.saved_model.load(str(model_dir))
  outputs, labels = scoring.score(model, list(files), task, label_key)
  return float(scoring.METRIC_FUNCTIONS[name](labels, outputs))


def _fallback_model_dir(store, run_report):
  trainer = next((e for e in run_report.executions
                  if e.node_id == node_ids.FALLBACK_TRAINER), None)
  if trainer is None:
    return None
  model = queries.output_artifacts(store, trainer.execution.id)[specs.MODEL_KEY][0]
  return path_utils.serving_model_path(model.uri)


def _performance(run_report) -> dict:
  assessed = contract.read_drift_report(run_report.drift_report_uri).get("performance_drift") or {}
  return {"estimated_auc": assessed.get("estimated_auc"),
          "estimated_auc_interval": assessed.get("estimated_auc_interval"),
          "estimate_trusted": assessed.get("trusted"),
          "realized_auc": assessed.get("realized_auc")}


def _action(policy, run_report) -> str:
  if run_report.drift_verdict != "drift":
    return "none (no drift)"
  if policy == "alert":
    return "alert only"
  if policy == "retrain":
    return "retrained, pushed" if run_report.pushed_version else "retrained, not pushed"
  fallback = run_report.fallback
  excluded = "+".join(fallback["excluded_features"]) or "nothing"
  return f"fallback without {excluded}: {'SERVED' if fallback['served'] else 'not served'}"


def replay(settings, *, data_root, first_window, last_span, output_dir, policy, beam, write):
  """Runs the replay; returns the SpanResults, one per monitored span."""
  paths = local.Paths(pathlib.Path(output_dir))
  label_key = settings.drift_config()["label_key"]
  measure = functools.partial(metric, label_key=label_key, task=settings.task, name=settings.metric)
  first = local.run(settings, data_root=data_root, spans=first_window, output_dir=output_dir,
                    beam=beam, write=write)
  if not first.pushed_version:
    raise RuntimeError("the first window's model was not pushed; nothing to monitor")
  primary_dir = first.pushed_path  # the primary-only baseline: never replaced
  results = []
  for span in settings.spans_in(data_root, first_window[1] + 1, last_span):
    before = manifest.read(str(paths.serving_dir))
    run_report = local.monitor(settings, data_root=data_root, span=span, output_dir=output_dir,
                               policy=policy, beam=beam, write=write)
    store = mlmd_store.open_store(paths.metadata_config())
    files = _eval_files(store, run_report)
    after = manifest.read(str(paths.serving_dir))
    fallback_dir = _fallback_model_dir(store, run_report)
    result = SpanResult(
        span=span, verdict=run_report.drift_verdict,
        top_drifted=[f for f in run_report.drifted_features.split(",") if f][:3],
        action=_action(policy, run_report), served_version=after["active_version"],
        served_role=after["role"], primary_metric=measure(primary_dir, files),
        fallback_metric=measure(fallback_dir, files) if fallback_dir else None,
        served_before_metric=measure(before["model_path"], files),
        served_metric=measure(after["model_path"], files),
        fallback_seconds=(run_report.fallback or {}).get("seconds"),
        **_performance(run_report))
    write(span_line(result))
    results.append(result)
  return results, first


def _f(value) -> str:
  return "   -  " if value is None else f"{value:.4f}"


def _estimate(r: SpanResult) -> str:
  if r.estimated_auc is None:
    return "-"
  low, high = r.estimated_auc_interval
  untrusted = "" if r.estimate_trusted else "*"
  return f"{r.estimated_auc:.4f} ({low:.3f}-{high:.3f}){untrusted}"


def span_line(r: SpanResult) -> str:
  drifted = ", ".join(r.top_drifted) or "-"
  return (f"== span {r.span}: verdict {r.verdict} [{drifted}]; action: {r.action}; serving "
          f"{r.served_version} ({r.served_role}); primary {_f(r.primary_metric)}, fallback "
          f"{_f(r.fallback_metric)}, served {_f(r.served_metric)}")


def summary_table(results) -> str:
  header = (f"{'span':>4}  {'verdict':<10} {'served':<9} {'primary':>7} {'fallback':>8} "
            f"{'served':>7} {'in service':>10} {'estimated (interval)':>24} {'realized':>8}  action")
  lines = [header, "-" * len(header)]
  for r in results:
    lines.append(f"{r.span:>4}  {r.verdict:<10} {r.served_role:<9} {_f(r.primary_metric):>7} "
                 f"{_f(r.fallback_metric):>8} {_f(r.served_metric):>7} {_f(r.served_before_metric):>10} "
                 f"{_estimate(r):>24} {_f(r.realized_auc):>8}  {r.action}")
  if any(r.estimated_auc is not None and not r.estimate_trusted for r in results):
    lines.append("* estimate not trusted: its drift report says why (calibration, or the "
                 "estimate misses the reference's own AUC)")
  return "\n".join(lines)


def plot(results, path: pathlib.Path, settings) -> None:
  spans = [r.span for r in results]
  fig, ax = plt.subplots(figsize=(7, 5))
  ax.plot(spans, [r.primary_metric for r in results], "o--", label="primary only (no action)")
  ax.plot(spans, [r.served_metric for r in results], "s-", label="served after the decision")
  ax.plot(spans, [r.served_before_metric for r in results], "^:",
          label="in service when the span arrived")
  trained = [r for r in results if r.fallback_metric is not None]
  ax.plot([r.span for r in trained], [r.fallback_metric for r in trained], "x", markersize=9,
          label="fallback trained on drift")
  for r in trained:
    ax.annotate("served" if r.served_role == "fallback" else "not served",
                (r.span, r.fallback_metric), textcoords="offset points", xytext=(0, 8), ha="center")
  ax.axhline(settings.metric_threshold, color="gray", linestyle=":",
             label="METRIC_THRESHOLD (the gate every served model passes)")
  ax.set_xticks(spans)
  ax.set_xlabel("span (new data)")
  ax.set_ylabel(f"{settings.metric} on the span's eval split")
  ax.set_title("Model Factory replay: served model vs primary only")
  ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small")
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def main(settings, *, data_root, first_window, last_span, output_dir, policy, beam) -> int:
  write = functools.partial(print, file=sys.stdout, flush=True)
  results, first = replay(settings, data_root=data_root, first_window=first_window, last_span=last_span,
                          output_dir=output_dir, policy=policy, beam=beam, write=write)
  write("\n" + summary_table(results))
  tuned = [e.seconds for e in first.executions
           if e.node_id in (node_ids.TRANSFORM, node_ids.TUNER, node_ids.TRAINER)]
  timed = [r.fallback_seconds for r in results if r.fallback_seconds]
  if timed:
    write(f"\nFallback training (Trainer only: the served Transform graph, the last Tuner's "
          f"hyperparameters): "
          f"{min(timed):.1f}-{max(timed):.1f} s; the first window's Transform + Tuner + Trainer: "
          f"{sum(tuned):.1f} s")
  plot(results, pathlib.Path(output_dir) / PLOT_NAME, settings)
  (pathlib.Path(output_dir) / TABLE_NAME).write_text(
      json.dumps([dataclasses.asdict(r) for r in results], indent=2))
  write(f"plot: {pathlib.Path(output_dir) / PLOT_NAME}\ntable: {pathlib.Path(output_dir) / TABLE_NAME}")
  return 0
