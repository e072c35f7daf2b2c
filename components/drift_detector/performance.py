"""The served model's performance on a new span estimated from its own
scores, before any label exists: confidence-based performance estimation
(CBPE, as in NannyML). Pure functions over numpy arrays.

If the model is calibrated, a row scored p is positive with probability p,
so the expected confusion counts at any threshold, and hence the expected
ROC curve and AUC, follow from the scores alone. The estimate is as good as
the calibration: check it on labelled reference data first.
"""
import numpy as np

from components.drift_detector import significance


def _auc_from_groups(scores, positives, negatives) -> np.ndarray:
  """AUC (ties count half) from per-row positive and negative weights; the
  weights may carry a leading replicate axis (one AUC per replicate)."""
  order = np.argsort(scores, kind="stable")
  _, group = np.unique(scores[order], return_inverse=True)
  n_groups = group.max() + 1

  def by_score(weights):  # summed per distinct score, in increasing score order
    rows = np.atleast_2d(weights)[:, order]
    return np.stack([np.bincount(group, row, n_groups) for row in rows])

  pos, neg = by_score(positives), by_score(negatives)
  below = np.cumsum(neg, axis=1) - neg  # negatives scored strictly lower
  concordant = np.sum(pos * (below + 0.5 * neg), axis=1)
  pairs = pos.sum(axis=1) * neg.sum(axis=1)
  with np.errstate(invalid="ignore", divide="ignore"):
    aucs = np.where(pairs > 0, concordant / pairs, np.nan)
  return aucs if np.ndim(positives) > 1 else aucs[0]


def realized_auc(scores, labels) -> float:
  labels = np.asarray(labels, float)
  return float(_auc_from_groups(np.asarray(scores, float), labels, 1.0 - labels))


def estimated_auc(probabilities) -> float:
  """Expected AUC of a calibrated model: each row is p positive, 1 - p negative."""
  p = np.asarray(probabilities, float)
  return float(_auc_from_groups(p, p, 1.0 - p))


def estimated_accuracy(probabilities, threshold: float) -> float:
  """Expected accuracy at `threshold`: a row predicted positive is right with
  probability p, one predicted negative with 1 - p."""
  p = np.asarray(probabilities, float)
  return float(np.mean(np.where(p >= threshold, p, 1.0 - p)))


def calibration_error(probabilities, labels, n_bins=10) -> dict:
  """Expected calibration error over equal-count score bins, with the
  reliability curve (mean score, observed positive rate per bin)."""
  p, y = np.asarray(probabilities, float), np.asarray(labels, float)
  order = np.argsort(p, kind="stable")
  curve = [(float(p[part].mean()), float(y[part].mean()), len(part))
           for part in np.array_split(order, min(n_bins, len(p))) if len(part)]
  error = sum(n * abs(score - rate) for score, rate, n in curve) / max(len(p), 1)
  return {"error": float(error), "curve": [[score, rate] for score, rate, _ in curve]}


def estimate(probabilities, threshold: float, replicates=200, seed=0, coverage=0.95) -> dict:
  """CBPE AUC and accuracy, each with an interval where the realized value
  falls with `coverage` if the model is calibrated.

  Each replicate resamples the rows (sampling error of the span) and draws
  every row's label from its probability (the labels not known yet); the
  interval is the central `coverage` of the realized values. The standard
  error of the estimate itself (for comparing two estimates) comes from the
  row resampling alone.
  """
  p = np.asarray(probabilities, float)
  rng = np.random.default_rng(seed)
  weights = rng.multinomial(len(p), np.full(len(p), 1.0 / len(p)), size=replicates)
  positives = rng.binomial(weights, p)
  aucs = _auc_from_groups(p, positives.astype(float), (weights - positives).astype(float))
  expected = _auc_from_groups(p, weights * p, weights * (1.0 - p))
  predicted = p >= threshold
  accuracies = np.where(predicted, positives, weights - positives).sum(axis=1) / len(p)
  tails = [(1 - coverage) / 2 * 100, (1 + coverage) / 2 * 100]
  return {
      "estimated_auc": estimated_auc(p),
      "estimated_auc_interval": np.nanpercentile(aucs, tails).tolist(),
      "estimated_auc_se": float(np.nanstd(expected)),
      "estimated_accuracy": estimated_accuracy(p, threshold),
      "estimated_accuracy_interval": np.percentile(accuracies, tails).tolist(),
      "coverage": coverage,
  }


def assess(ref_scores, ref_labels, cur_scores, cur_labels, thresholds: dict, threshold: float, *,
           act_on_estimate: bool, false_alarm_rate: float) -> dict:
  """The served model's AUC and accuracy on a new span: estimated from its
  scores, and realized when `cur_labels` is not None. Each drop is against
  the same figure on the reference (the training window's eval split), so
  like is compared with like.

  Drift: a drop above metric_drop that is also unusual at `false_alarm_rate`
  for the row counts (realized: Hanley-McNeil standard errors; estimated:
  row resampling of both sides). An estimate counts only with
  `act_on_estimate` and a trusted estimator: the model is calibrated on the
  reference (expected calibration error at most calibration_error), and the
  estimate reproduces the reference's own realized AUC within metric_drop
  (a few overconfident bins can pass the first check and still inflate the
  estimate).
  """
  calibration = calibration_error(ref_scores, ref_labels)
  reference = estimate(ref_scores, threshold)
  result = {"metric": "auc", "reference_auc": realized_auc(ref_scores, ref_labels),
            "reference_estimated_auc": reference["estimated_auc"],
            **estimate(cur_scores, threshold), "n_reference": len(ref_scores),
            "n_current": len(cur_scores), "calibration_error": calibration["error"],
            "reliability_curve": calibration["curve"]}
  result["reference_gap"] = result["reference_estimated_auc"] - result["reference_auc"]
  result["untrusted_because"] = [
      reason for reason, failed in (
          (f"calibration error {calibration['error']:.3f} > {thresholds['calibration_error']}",
           calibration["error"] > thresholds["calibration_error"]),
          (f"on the reference the estimate is {result['reference_gap']:+.3f} off its realized "
           f"AUC (tolerated: {thresholds['metric_drop']})",
           abs(result["reference_gap"]) > thresholds["metric_drop"])) if failed]
  result["trusted"] = not result["untrusted_because"]
  result["estimated_drop"] = reference["estimated_auc"] - result["estimated_auc"]
  result["estimated_drop_p_value"] = significance.drop_p_value(
      result["estimated_drop"], reference["estimated_auc_se"], result["estimated_auc_se"])
  drifted = (act_on_estimate and result["trusted"]
             and result["estimated_drop"] > thresholds["metric_drop"]
             and result["estimated_drop_p_value"] <= false_alarm_rate)
  if cur_labels is not None and len(set(cur_labels)) == 2:
    cur_labels = np.asarray(cur_labels)
    result["realized_auc"] = realized_auc(cur_scores, cur_labels)
    result["realized_accuracy"] = float(np.mean((cur_scores >= threshold) == cur_labels))
    result["realized_drop"] = result["reference_auc"] - result["realized_auc"]
    result["realized_drop_p_value"] = significance.drop_p_value(
        result["realized_drop"], *(_auc_se(result[k], labels) for k, labels in
                                   (("reference_auc", ref_labels), ("realized_auc", cur_labels))))
    drifted = drifted or (result["realized_drop"] > thresholds["metric_drop"]
                          and result["realized_drop_p_value"] <= false_alarm_rate)
  result["status"] = "drift" if drifted else "ok"
  return result


def _auc_se(auc: float, labels) -> float:
  positives = int(np.sum(labels))
  return significance.auc_standard_error(auc, positives, len(labels) - positives)


def realized_metric(task: str, outputs, labels) -> float:
  """Accuracy (multiclass: outputs are class probabilities) or mean absolute
  error (regression: outputs are values)."""
  outputs, labels = np.asarray(outputs, float), np.asarray(labels, float)
  if task == "multiclass":
    return float(np.mean(np.argmax(outputs, axis=1) == labels))
  return float(np.mean(np.abs(outputs - labels)))


def _metric_se(task: str, outputs, labels) -> float:
  outputs, labels = np.asarray(outputs, float), np.asarray(labels, float)
  if task == "multiclass":
    right = np.argmax(outputs, axis=1) == labels
    return float(np.sqrt(right.mean() * (1 - right.mean()) / max(len(right), 1)))
  errors = np.abs(outputs - labels)
  return float(errors.std(ddof=1) / np.sqrt(len(errors))) if len(errors) > 1 else float("inf")


def assess_realized(task: str, ref_outputs, ref_labels, cur_outputs, cur_labels,
                    thresholds: dict, false_alarm_rate: float) -> dict:
  """The served model's metric on a new span for the tasks without a
  label-free estimate (multiclass: accuracy; regression: mean absolute
  error), known only when `cur_labels` is not None. Drift: a worsening above
  metric_drop (absolute for accuracy, relative to the reference for an
  error) that is also unusual at `false_alarm_rate` (normal approximation:
  binomial for accuracy, the errors' standard error for MAE)."""
  metric = "accuracy" if task == "multiclass" else "mean_absolute_error"
  reference = realized_metric(task, ref_outputs, ref_labels)
  result = {"metric": metric, "reference_value": reference, "n_reference": len(ref_labels),
            "n_current": len(cur_outputs), "trusted": False,
            "untrusted_because": [f"no label-free estimate for a {task} model"]}
  drifted = False
  if cur_labels is not None and len(cur_labels):
    value = realized_metric(task, cur_outputs, cur_labels)
    drop = reference - value if task == "multiclass" else value - reference
    allowed = thresholds["metric_drop"] * (1.0 if task == "multiclass" else abs(reference))
    result.update(realized_value=value, realized_drop=drop, allowed_drop=allowed)
    result["realized_drop_p_value"] = significance.drop_p_value(
        drop, _metric_se(task, ref_outputs, ref_labels), _metric_se(task, cur_outputs, cur_labels))
    drifted = drop > allowed and result["realized_drop_p_value"] <= false_alarm_rate
  result["status"] = "drift" if drifted else "ok"
  return result
