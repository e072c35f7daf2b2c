"""A model card (Markdown and HTML) next to every pushed model: intended use, training
window with every feature's range, metrics overall and by slice, and when
not to use the model. Built from MLMD lineage and artifact files."""
import html

import markdown
import tensorflow as tf
import tensorflow_data_validation as tfdv

from components.contracts import files, metrics, model_io, tfma_results
from components.drift_detector import measures, summaries
from pipeline.mlmd import queries
from pipeline.operations import lineage

FILE_NAME = "model_card.md"
HTML_FILE_NAME = "model_card.html"  # the same text
# The model's envelope (training ranges and levels, weak slices), beside the
# card: `predict` flags every row outside it.
ENVELOPE_FILE_NAME = "envelope.json"
# Slices with fewer examples than this are listed but not called weakest.
MIN_SLICE_EXAMPLES = 30


def _training_summaries(store, model_id) -> dict:
  stats_ids = queries.statistics_of(store, queries.training_examples(store, model_id))
  per_span = []
  for artifact in store.get_artifacts_by_id(sorted(stats_ids)):
    for path in sorted(tf.io.gfile.glob(f"{artifact.uri}/Split-*/FeatureStats.pb")):
      per_span.append(summaries.from_statistics(tfdv.load_stats_binary(path).datasets[0]))
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


def _slice_rows(evaluation_uri, slice_features, metric) -> list:
  """(feature, value, `metric` or None, examples) of the single-feature slices."""
  sliced = {keys[0] for keys in slice_features if len(keys) == 1}
  rows = []
  for slice_key, values in tfma_results.by_slice(evaluation_uri):
    if len(slice_key) != 1 or slice_key[0][0] not in sliced:
      continue
    value = values.get(metric)
    if metric == "auc" and not isinstance(values.get("recall"), float):
      value = None  # no positive example in the slice (recall is NaN): AUC means nothing
    count = values.get("example_count", 0)
    rows.append((slice_key[0][0], str(slice_key[0][1]), value, int(count)))
  return sorted(rows, key=lambda r: (r[0], -r[3]))


def _weakest(slices, metric) -> str:
  sign = 1 if metrics.METRICS[metric].higher_is_better else -1
  scored = [(sign * score, f, v, n) for f, v, score, n in slices
            if score is not None and n >= MIN_SLICE_EXAMPLES]
  if not scored:
    return ""
  score, feature, value, count = min(scored)
  return (f"- Its weakest slice with at least {MIN_SLICE_EXAMPLES} examples is {feature} = "
          f"{value} ({metrics.METRICS[metric].label} {sign * score:.3f} on {count} examples): "
          "check that slice before relying on the model there.")


def _output(settings) -> str:
  """What the served signature returns, in words."""
  key = f"`{model_io.output_key(settings.task)}`"
  if settings.task == "binary":
    return f"{key}: the probability of the positive class of `{settings.label_key}`"
  if settings.task == "multiclass":
    return (f"{key}: one probability per class of `{settings.label_key}`, in the order "
            f"{', '.join(settings.classes)}")
  return f"{key}: the predicted value of `{settings.label_key}`"


def weak_slices(slices, overall: float, settings) -> list:
  """(feature, value, metric, examples) of the slices with at least
  MIN_SLICE_EXAMPLES examples whose metric is worse than overall by more
  than WEAK_SLICE_GAP of the overall value."""
  return [(f, v, score, n) for f, v, score, n in slices
          if score is not None and n >= MIN_SLICE_EXAMPLES
          and metrics.worsening(settings.metric, overall, score)
          > settings.weak_slice_gap * abs(overall)]


def envelope(training: dict, weak: list, facts: dict, settings) -> dict:
  """What `predict` checks each row against: the inputs' training ranges
  and levels, the inputs never missing in training, and the weak slices."""
  inputs = [name for name in settings.model_inputs if name in training
            and name not in (facts.get("guardrails") or {}).get("excluded_features", [])]
  numeric = {n: [training[n].min, training[n].max] for n in inputs
             if isinstance(training[n], measures.NumericSummary)}
  return {"ranges": numeric,
          "levels": {n: sorted(training[n].counts) for n in inputs if n not in numeric},
          "never_missing": [n for n in inputs if measures.missing_fraction(training[n]) == 0.0],
          "weak_slices": [{"feature": f, "value": v, "metric": score, "examples": n}
                          for f, v, score, n in weak],
          "metric": settings.metric}


def _do_not_use(facts, weak, settings, overall) -> list:
  """Every "do not use" line, each from a computed fact."""
  name = metrics.METRICS[settings.metric].label
  lines = [f"- {f['feature'] or 'the label'}: {f['message']}"
           + (" The model was trained without it." if f["action"] == "exclude" else "")
           for f in (facts.get("guardrails") or {}).get("findings", [])]
  lines += [f"- Rows with {f} = {v}: its {name} there is {score:.3f} against {overall:.3f} "
            f"overall ({n} examples)." for f, v, score, n in weak]
  lines.append("- Inputs outside the training ranges above (the model extrapolates) or "
               "categorical levels not listed there (they share out-of-vocabulary buckets): "
               "`python -m pipeline predict` marks such rows `caution` or `out-of-scope`.")
  for report in facts["drift_reports"]:
    if report["verdict"] == "drift":
      lines.append(f"- Data like the span that drifted when it was trained (drifted: "
                   f"{report['drifted_features']}; {report['report']}), until it is retrained.")
  later = _later_drift(facts)
  if later and later["verdict"] == "drift":
    lines.append(f"- Data like the newest span checked ({later['at']}): it drifted from this "
                 f"model's training data (drifted: {later['drifted_features']}; "
                 f"{later['report']}), until it is retrained or a fallback serves.")
  lines += [f"- {caveat}" for caveat in settings.model_card_caveats]
  return lines


def _use_when(facts, slices, weak, settings, overall) -> list:
  spans = ", ".join(str(s["span"]) for s in facts["data"])
  name = metrics.METRICS[settings.metric].label
  lines = [f"- The rows come from the population of spans {spans}, with inputs inside the "
           f"ranges and levels listed under Training data ({name} {overall:.3f} overall on its "
           "eval split)."]
  strong = [f"{f} = {v}" for f, v, score, n in slices
            if score is not None and n >= MIN_SLICE_EXAMPLES and (f, v, score, n) not in weak]
  if strong:
    lines.append(f"- Its {name} is close to overall on: {', '.join(strong)}.")
  verdicts = [r["verdict"] for r in facts["drift_reports"]]
  if verdicts and verdicts[-1] != "drift":
    lines.append(f"- The drift check when it was trained found: {verdicts[-1]}.")
  later = _later_drift(facts)
  if later and later["verdict"] != "drift":
    lines.append(f"- The latest drift check ({later['at']}, {later['report']}) found: "
                 f"{later['verdict']}.")
  return lines


def _later_drift(facts):
  """The newest drift check, when it came after the model's training run."""
  latest = facts.get("latest_drift")
  known = {r["report"] for r in facts["drift_reports"]}
  return latest if latest and latest["report"] not in known else None


def render(facts: dict, training: dict, settings) -> str:
  values = facts["evaluation"]["metrics"]
  name = metrics.METRICS[settings.metric].label
  slices = _slice_rows(facts["evaluation"]["uri"], settings.slice_features, settings.metric)
  overall = values[settings.metric]
  weak = weak_slices(slices, overall, settings)
  spans = ", ".join(str(s["span"]) for s in facts["data"])
  lines = [
      f"# Model card: {settings.model_card_title}, version {facts['version']}", "",
      "## Intended use",
      f"{settings.model_card_intended_use} (serving signature `{model_io.SERVING_SIGNATURE}`, "
      f"input: serialized `tf.Example` with the training columns; output "
      f"{_output(settings)}).", "",
      "## Training data",
      f"Spans {spans}; pushed {facts['pushed_at']}; lineage: "
      f"`python -m pipeline lineage --model {facts['version']}`.", "",
      "| feature | range seen in training | missing |", "|---|---|---|",
      *_ranges(training), "",
      *(["## Approval", *[f"- {line}" for line in lineage.promotion_lines(facts["promotion"])], ""]
        if facts.get("promotion") else []),
      "## Evaluation (eval split of the training spans)",
      ", ".join(f"{k} {v:.4g}" for k, v in sorted(values.items())), "",
      f"| slice | {name} | examples |", "|---|---|---|",
      *[f"| {f} = {v} | {'n/a' if score is None else f'{score:.3f}'} | {n} |"
        for f, v, score, n in slices],
      "", "(A slice with one class only has no meaningful AUC: n/a.)" if settings.task == "binary"
      else "", "",
      "## Use this model when",
      *_use_when(facts, slices, weak, settings, overall), "",
      "## Do not use this model when",
      *_do_not_use(facts, weak, settings, overall),
  ]
  weakest = _weakest(slices, settings.metric)
  if weakest:
    lines.append(weakest)
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


def write(store, settings, version: str = "latest") -> str:
  """Writes the card into the pushed version's folder, as Markdown and as
  HTML (the same text); returns the Markdown file's path."""
  facts = {**lineage.explain(store, version), "latest_drift": lineage.latest_drift(store)}
  card = f"{facts['pushed_to']}/{FILE_NAME}"
  training = _training_summaries(store, facts["model"]["mlmd_id"])
  text = render(facts, training, settings)
  slices = _slice_rows(facts["evaluation"]["uri"], settings.slice_features, settings.metric)
  overall = facts["evaluation"]["metrics"][settings.metric]
  files.write_json(f"{facts['pushed_to']}/{ENVELOPE_FILE_NAME}", envelope(
      training, weak_slices(slices, overall, settings), facts, settings))
  with tf.io.gfile.GFile(card, "w") as f:
    f.write(text)
  with tf.io.gfile.GFile(f"{facts['pushed_to']}/{HTML_FILE_NAME}", "w") as f:
    f.write(_HTML_PAGE.format(version=html.escape(facts["version"]),
                              body=markdown.markdown(text, extensions=["tables"])))
  return card
