"""The drift report: report.json for machines, report.html (with images) for people."""
import base64
import dataclasses
import html
import io
import json
import os

# Figures without pyplot: no display backend needed, and a notebook that
# draws them (draw_feature) shows each one once.
from matplotlib.figure import Figure

from components.contracts import files
from components.drift_detector import drift

_MAX_LEVELS_PLOTTED = 12


def build(features, *, baseline: dict, current: dict, thresholds: dict, feature_thresholds: dict,
          ignored: list, prediction=None, performance=None) -> dict:
  """The machine-readable report; `baseline` None means there is none."""
  if baseline is None:
    verdict, features = drift.NO_BASELINE, []
  else:
    verdict = drift.verdict(features, prediction, performance)
  drifted = [f.feature for f in features if f.status == "drift"]
  return {
      "verdict": verdict,
      "drift_detected": verdict == drift.DRIFT,
      "drifted_features": drifted,
      "warned_features": [f.feature for f in features if f.status == "warn"],
      "max_psi": max((f.measures.get("psi", 0.0) for f in features), default=0.0),
      "baseline": baseline,
      "current": current,
      "thresholds": thresholds,
      "feature_thresholds": feature_thresholds,
      "ignored_features": list(ignored),
      "prediction_drift": prediction,
      "performance_drift": performance,
      "features": [dataclasses.asdict(f) for f in features],
  }


def write(report: dict, out_dir: str) -> None:
  """report.json and report.html into `out_dir` (any tf.io.gfile path)."""
  files.makedirs(out_dir)
  files.write_json(os.path.join(out_dir, files.REPORT_JSON), report)
  with files.open_file(os.path.join(out_dir, files.REPORT_HTML), "w") as f:
    f.write(to_html(report))


def _plot(feature: dict) -> str:
  """Side-by-side reference/current bars of one feature, as a data: URL."""
  figure = Figure(figsize=(7, 2.8), dpi=80)
  draw_feature(figure.add_subplot(), feature)
  figure.tight_layout()
  return _data_url(figure)


def draw_feature(axes, feature: dict) -> None:
  """Reference and current shares of a report feature's bins, side by side."""
  bins = feature["bins"]
  if "labels" in bins:
    labels = [str(l) for l in bins["labels"]]
    keep = list(range(min(len(labels) - 1, _MAX_LEVELS_PLOTTED))) + [len(labels) - 1]
    labels = [labels[i][:22] for i in keep]
    reference = [bins["reference"][i] for i in keep]
    current = [bins["current"][i] for i in keep]
  else:
    edges = [f"{e:.4g}" for e in bins["edges"]]
    labels = [f"<={edges[0]}"] + [f"({a},{b}]" for a, b in zip(edges, edges[1:])] + [f">{edges[-1]}"]
    reference, current = bins["reference"], bins["current"]
  positions = range(len(labels))
  axes.bar([p - 0.2 for p in positions], reference, width=0.4, label="reference", color="#4c72b0")
  axes.bar([p + 0.2 for p in positions], current, width=0.4, label="current", color="#dd8452")
  axes.set_xticks(list(positions), labels, rotation=35, ha="right", fontsize=7)
  axes.set_ylabel("share")
  axes.set_title(feature["feature"], fontsize=10)
  axes.legend(fontsize=8)


def _data_url(figure) -> str:
  buffer = io.BytesIO()
  figure.savefig(buffer, format="png")
  return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _realized_table(assessed: dict) -> str:
  """The served model's metric without a label-free estimate (multiclass,
  regression): reference and realized."""
  name = assessed["metric"].replace("_", " ")
  realized = ("not known yet (no labels)" if "realized_value" not in assessed else
              f"{assessed['realized_value']:.4g} (worse by {assessed['realized_drop']:+.4g}, "
              f"allowed {assessed['allowed_drop']:.4g}, p = {assessed['realized_drop_p_value']:.1e})")
  rows = [(f"{name} on the reference (training window's eval split)",
           f"{assessed['reference_value']:.4g}"),
          (f"{name} on this span, realized (labels)", realized),
          ("Estimates", "; ".join(assessed["untrusted_because"])),
          ("Status", assessed["status"])]
  return ("<h2>The served model's performance</h2><table>"
          + "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                    for k, v in rows) + "</table>")


def _performance_table(assessed: dict) -> str:
  """The served model's AUC and accuracy: reference, estimated, realized."""
  if "estimated_auc" not in assessed:
    return _realized_table(assessed)

  def figure(key, interval=None):
    value = assessed.get(key)
    if value is None:
      return "not known yet (no labels)"
    text = f"{value:.3f}"
    if interval:
      low, high = assessed[interval]
      text += f" ({assessed['coverage']:.0%} interval {low:.3f} to {high:.3f})"
    return text
  rows = [
      ("AUC on the reference (training window's eval split)", figure("reference_auc")),
      ("AUC on this span, estimated from the scores (CBPE)",
       figure("estimated_auc", "estimated_auc_interval")),
      ("AUC on this span, realized (labels)", figure("realized_auc")),
      ("Estimated drop (CBPE reference - CBPE span)",
       f"{assessed['estimated_drop']:+.3f} (p = {assessed['estimated_drop_p_value']:.1e})"),
      ("Realized drop (reference - span)",
       f"{assessed['realized_drop']:+.3f} (p = {assessed['realized_drop_p_value']:.1e})"
       if "realized_drop" in assessed else "not known yet (no labels)"),
      ("Accuracy on this span, estimated", figure("estimated_accuracy",
                                                  "estimated_accuracy_interval")),
      ("Accuracy on this span, realized", figure("realized_accuracy")),
      ("AUC on the reference, estimated (the estimator checked where labels are known)",
       figure("reference_estimated_auc")),
      ("Calibration error on the reference", f"{assessed['calibration_error']:.3f}"),
      ("Estimates", "trusted" if assessed["trusted"]
       else "NOT trusted: " + "; ".join(assessed["untrusted_because"])),
      ("Status", assessed["status"]),
  ]
  return ("<h2>The served model's performance</h2><table>"
          + "".join(f"<tr><td>{html.escape(name)}</td><td>{html.escape(value)}</td></tr>"
                    for name, value in rows) + "</table>"
          + f"<img alt='reliability curve' src='{_reliability_plot(assessed['reliability_curve'])}'>")


def _reliability_plot(curve) -> str:
  """Observed positive rate against mean score per score bin, on the
  reference: on the diagonal, the estimates can be trusted."""
  figure = Figure(figsize=(3.6, 3.4), dpi=80)
  axes = figure.add_subplot()
  axes.plot([0, 1], [0, 1], ":", color="grey", label="calibrated")
  axes.plot([c[0] for c in curve], [c[1] for c in curve], "o-", color="#4c72b0",
            label="served model")
  axes.set_xlabel("mean score (bin)")
  axes.set_ylabel("observed positive rate")
  axes.set_title("Reliability on the reference", fontsize=10)
  axes.legend(fontsize=8)
  figure.tight_layout()
  return _data_url(figure)


_COLUMNS = ("psi", "distance", "ks", "share_shift", "new_level_share", "missing_reference",
            "missing_current", "out_of_range_excess")


def to_html(report: dict) -> str:
  esc = html.escape
  parts = [
      "<!doctype html><html><head><meta charset='utf-8'><title>Drift report</title>",
      "<style>body{font-family:sans-serif;margin:2em}td,th{padding:3px 8px;border-bottom:1px solid #ddd}"
      ".drift{color:#b00;font-weight:bold}.warn{color:#a60}</style></head><body>",
      f"<h1>Drift report: {esc(report['verdict'].upper())}</h1>",
      f"<p>Baseline: {esc(str((report['baseline'] or {}).get('description', 'none')))}<br>"
      f"Current: {esc(str(report['current'].get('description', '')))}</p>",
  ]
  if report.get("prediction_drift"):
    parts.append("<h2>Prediction drift (no labels needed)</h2>"
                 f"<pre>{esc(json.dumps(report['prediction_drift'], indent=1, default=float))}</pre>")
  if report.get("performance_drift"):
    parts.append(_performance_table(report["performance_drift"]))
  shown = [f for f in report["features"] if f["status"] in ("drift", "warn")]
  if shown:
    parts.append("<h2>Drifting features</h2>")
  for feature in shown:
    parts.append(f"<h3 class='{feature['status']}'>{esc(feature['feature'])}: {feature['status']}</h3>"
                 f"<p>{esc('; '.join(feature['reasons']))}</p>")
    if feature["bins"]:
      parts.append(f"<img alt='{esc(feature['feature'])} histogram' src='{_plot(feature)}'>")
  parts.append("<h2>All features</h2><table><tr><th>feature</th><th>status</th>"
               + "".join(f"<th>{c}</th>" for c in _COLUMNS) + "</tr>")
  for feature in report["features"]:
    cells = "".join(f"<td>{feature['measures'][c]:.3f}</td>" if c in feature["measures"]
                    else "<td></td>" for c in _COLUMNS)
    parts.append(f"<tr><td>{esc(feature['feature'])}</td>"
                 f"<td class='{feature['status']}'>{feature['status']}</td>{cells}</tr>")
  parts.append("</table><h2>Thresholds</h2><pre>"
               + esc(json.dumps({"default": report["thresholds"],
                                 "per_feature": report["feature_thresholds"],
                                 "ignored": report["ignored_features"]}, indent=1))
               + "</pre></body></html>")
  return "\n".join(parts)
