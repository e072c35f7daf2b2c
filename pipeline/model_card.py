"""A model card (Markdown and HTML) next to every pushed model: intended use, training
window with every feature's range, metrics overall and by slice, and when
not to use the model. Built from MLMD lineage and artifact files."""
import html
import pathlib

import markdown
import tensorflow_data_validation as tfdv
import tensorflow_model_analysis as tfma

from components.drift_detector import measures, summaries
from pipeline import lineage, resolvers
from pipeline.model import features

FILE_NAME = "model_card.md"
_SLICE_FEATURES = ("payment_type", "trip_start_hour")


def _training_summaries(store, model_id) -> dict:
  stats_ids = resolvers.statistics_of(store, resolvers.training_examples(store, model_id))
  per_span = []
  for artifact in store.get_artifacts_by_id(sorted(stats_ids)):
    for path in sorted(pathlib.Path(artifact.uri).glob("Split-*/FeatureStats.pb")):
      per_span.append(summaries.from_statistics(tfdv.load_stats_binary(str(path)).datasets[0]))
  return summaries.merge(per_span) if per_span else {}


def _ranges(training: dict) -> list:
  rows = []
  for name in sorted(training):
    summary = training[name]
    missing = f"{measures.missing_fraction(summary):.0%}"
    if isinstance(summary, measures.NumericSummary):
      rows.append(f"| {name} | {summary.min:.6g} to {summary.max:.6g} (mean {summary.mean:.4g}) | {missing} |")
    else:
      top = sorted(summary.counts, key=lambda level: -summary.counts[level])
      shown = ", ".join(top[:6]) + (f" and {len(top) - 6} more" if len(top) > 6 else "")
      rows.append(f"| {name} | {shown} | {missing} |")
  return rows


def _slice_rows(evaluation_uri) -> list:
  """(feature, value, AUC or None, examples) of the single-feature slices."""
  rows = []
  for slice_key, metrics in tfma.load_eval_result(evaluation_uri).slicing_metrics:
    if len(slice_key) != 1 or slice_key[0][0] not in _SLICE_FEATURES:
      continue
    values = metrics[""][""]
    auc = values.get("auc", {}).get("doubleValue")
    count = values.get("example_count", {}).get("doubleValue", 0)
    rows.append((slice_key[0][0], str(slice_key[0][1]), auc, int(count)))
  return sorted(rows, key=lambda r: (r[0], -r[3]))


def render(facts: dict, training: dict) -> str:
  metrics = facts["evaluation"]["metrics"]
  slices = _slice_rows(facts["evaluation"]["uri"])
  card_auc = next((auc for f, v, auc, _ in slices if (f, v) == ("payment_type", "Credit Card")), None)
  spans = ", ".join(str(s["span"]) for s in facts["data"])
  lines = [
      f"# Model card: big-tipper classifier, version {facts['version']}", "",
      "## Intended use",
      "Scores a finished Chicago taxi trip with the probability that its tip exceeds "
      f"{features.BIG_TIP_SHARE:.0%} of the fare, from the trip's raw fields (serving signature "
      "`serving_default`, input: serialized `tf.Example`). For analysing tipping patterns in "
      "recorded data, not for decisions about individual drivers or riders.", "",
      "## Training data",
      f"Spans (years) {spans}; pushed {facts['pushed_at']}; lineage: "
      f"`python -m pipeline lineage --model {facts['version']}`.", "",
      "| feature | range seen in training | missing |", "|---|---|---|",
      *_ranges(training), "",
      "## Evaluation (eval split of the training spans)",
      ", ".join(f"{k} {v:.4g}" for k, v in sorted(metrics.items())), "",
      "| slice | AUC | examples |", "|---|---|---|",
      *[f"| {f} = {v} | {'n/a' if auc is None else f'{auc:.3f}'} | {n} |" for f, v, auc, n in slices],
      "", "(A slice with one class only, such as cash trips, has no meaningful AUC.)", "",
      "## When not to use this model",
      "- Inputs outside the ranges above (e.g. fares or distances beyond the training maximum):"
      " the model extrapolates.",
      "- Unseen levels (a new taxi company, a new payment type) fall into shared out-of-vocabulary "
      "buckets: their scores rest on little evidence.",
      f"- Leakage: {', '.join(features.LEAKY_FEATURES)} decides most predictions, because tips on "
      "cash trips are not recorded. The model predicts *recorded* tips; it says nothing about how "
      "generous cash riders are."
      + (f" Among credit-card trips, where tips are recorded, its AUC is {card_auc:.3f}."
         if card_auc is not None else ""),
  ]
  if facts["fallback"]:
    fallback = facts["fallback"]
    lines.append(f"- This is a **fallback model**: it does not read "
                 f"{', '.join(fallback['excluded_features'])}, which drifted (drift report "
                 f"{fallback['drift_report_id']}). It was served because {fallback['reason']}. "
                 "Retrain a primary model once the drift is understood.")
  for report in facts["drift_reports"]:
    drifted = report["drifted_features"] or "none"
    lines.append(f"- Drift verdict when it was trained: {report['verdict']} (drifted: {drifted}); "
                 f"see {report['report']}. Re-check drift before using it on newer data.")
  return "\n".join(lines) + "\n"


_HTML_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Model card {version}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse}} th,td{{border:1px solid #ccc;padding:.2em .6em}}</style>
</head><body>
{body}
</body></html>
"""


def write(store, version: str = "latest") -> pathlib.Path:
  """Writes the card into the pushed version's folder, as Markdown and as
  HTML (the same text); returns the Markdown file's path."""
  facts = lineage.explain(store, version)
  card = pathlib.Path(facts["pushed_to"]) / FILE_NAME
  text = render(facts, _training_summaries(store, facts["model"]["mlmd_id"]))
  card.write_text(text)
  card.with_suffix(".html").write_text(_HTML_PAGE.format(
      version=html.escape(facts["version"]), body=markdown.markdown(text, extensions=["tables"])))
  return card
