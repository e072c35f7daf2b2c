"""Compares a current span with a baseline, feature by feature; decides."""
import dataclasses

import numpy as np

from components.contracts import artifacts
from components.drift_detector import measures, significance

NO_BASELINE = "no baseline"
NO_DRIFT = "no drift"
WARN = "warn"
DRIFT = "drift"


# Measures checked per feature (numeric: psi, distance, missing, out of
# range; categorical: psi, share shift, new levels, missing): the Bonferroni
# count of a report's tests.
CHECKS_PER_FEATURE = 4


@dataclasses.dataclass
class FeatureDrift:
  feature: str
  kind: str  # numeric | categorical
  status: str  # ok | warn | drift
  reasons: list
  measures: dict
  p_values: dict  # measure -> P(a change this large | same distribution)
  bins: dict  # labels/edges with reference and current fractions, for plots
  score: float  # largest measure/threshold ratio, for ordering


def thresholds_for(feature, thresholds, overrides) -> dict:
  return {**thresholds, **overrides.get(feature, {})}


def compare_feature(name, reference, current, limits, level) -> FeatureDrift:
  """All measures of one feature, their p-values, and its status under
  `limits` at test level `level`."""
  found = {"missing_reference": measures.missing_fraction(reference),
           artifacts.MISSING_SHARE: measures.missing_fraction(current)}
  found["missing_increase"] = found[artifacts.MISSING_SHARE] - found["missing_reference"]
  p_values = {"missing_increase": significance.rise_p_value(
      found["missing_reference"], reference.n_examples, found[artifacts.MISSING_SHARE],
      current.n_examples)}
  n_ref, n_cur = reference.n_values, current.n_values
  if isinstance(reference, measures.NumericSummary):
    kind = "numeric"
    edges, ref_bins, cur_bins = measures.numeric_bins(reference, current)
    bins = {"edges": edges.tolist(), "reference": ref_bins.tolist(), "current": cur_bins.tolist()}
    found["distance"] = measures.wasserstein(reference, current, limits["normal_range"])
    found["ks"] = measures.ks_statistic(reference, current)
    # Shares read off two step CDFs at one sample's points differ by about
    # half a quantile bucket whatever the sample size.
    tolerance = max(reference.resolution, current.resolution) / 2
    p_values["distance"] = significance.ks_p_value(found["ks"], n_ref, n_cur, tolerance)
    found.update(_out_of_range(reference, current, limits["normal_range"], tolerance, p_values))
  else:
    kind = "categorical"
    labels, ref_bins, cur_bins = measures.categorical_bins(reference, current)
    bins = {"labels": labels, "reference": ref_bins.tolist(), "current": cur_bins.tolist()}
    found["share_shift"] = measures.share_shift(ref_bins, cur_bins)
    found["share_shift_level"] = labels[int(np.argmax(np.abs(cur_bins - ref_bins)))]
    p_values["share_shift"] = significance.share_change_p_value(ref_bins, cur_bins, n_ref, n_cur)
    found[artifacts.NEW_LEVEL_SHARE] = measures.new_level_share(reference, current)
    unseen = significance.unseen_share(reference.counts.values(), n_ref) + ref_bins[-1]
    p_values[artifacts.NEW_LEVEL_SHARE] = significance.rise_p_value(
        0.0, n_ref, found[artifacts.NEW_LEVEL_SHARE], n_cur, expected=unseen)
  found["psi"] = measures.psi(ref_bins, cur_bins)
  p_values["psi"] = significance.psi_p_value(
      found["psi"], int(np.sum((ref_bins > 0) | (cur_bins > 0))), n_ref, n_cur)
  status, reasons, score = _judge(found, p_values, limits, level)
  return FeatureDrift(name, kind, status, reasons, found, p_values, bins, score)


def _out_of_range(reference, current, tail, tolerance, p_values) -> dict:
  """Shares out of the reference's central range or min/max, and the largest
  rise over what the reference itself has there (p-value Bonferroni over the
  bands)."""
  shares = measures.out_of_range(reference, current, tail)
  # A same-distribution sample falls beyond the reference's own minimum (or
  # maximum) with probability 1 / (n + 1).
  floor = 1.0 / (reference.n_values + 1)
  rises = []
  for band in measures.RANGE_BANDS:
    before, after = shares[f"{band}_reference"], shares[f"{band}_current"]
    p_value = significance.rise_p_value(
        before, reference.n_values, after, current.n_values,
        expected=floor if band in ("below_min", "above_max") else None, tolerance=tolerance)
    rises.append((after - before, min(1.0, p_value * len(measures.RANGE_BANDS)), band))
  excess, p_values["out_of_range_excess"], band = max(rises)
  return {**shares, "out_of_range_excess": excess, "out_of_range_band": _BAND_WORDS[band]}


_BAND_WORDS = {"below_range": "below the reference's central range",
               "above_range": "above the reference's central range",
               "below_min": "below the reference's minimum",
               "above_max": "above the reference's maximum"}


# (measure, threshold key, effect size in words) of every measure that can mean drift.
_RULES = (
    ("psi", "psi_drift", "PSI {v:.3f} >= {t}"),
    ("distance", "distance", "moved {v:.2f} reference SDs (Wasserstein; KS {ks:.3f}) >= {t}"),
    ("share_shift", "share_shift",
     "share of level '{share_shift_level}' changed {v:.1%} points >= {t:.0%}"),
    (artifacts.NEW_LEVEL_SHARE, "new_level_share", "{v:.1%} of values are new levels >= {t:.0%}"),
    ("missing_increase", "missing_increase", "missing fraction up {v:.1%} >= {t:.0%}"),
    ("out_of_range_excess", "out_of_range_excess",
     "{v:.1%} more values {out_of_range_band} >= {t:.0%}"),
)


def _judge(found, p_values, limits, level):
  """drift: a measure at or above its threshold and unusual at `level`;
  warn: PSI at or above psi_warn and unusual, or a measure above its
  threshold that the sample is too small to tell from noise."""
  drifts, warns, score = [], [], 0.0
  for measure, key, text in _RULES:
    if measure not in found:
      continue
    value, p_value = found[measure], p_values[measure]
    score = max(score, value / limits[key])
    if value < limits[key]:
      continue
    words = text.format(v=value, t=limits[key], **found)
    if p_value <= level:
      drifts.append(f"{words}; p = {p_value:.1e} if unchanged (test level {level:.1e})")
    else:
      warns.append(f"{words}, but p = {p_value:.1e} if unchanged (test level {level:.1e}): "
                   "too few rows to tell from noise")
  if drifts:
    return "drift", drifts, score
  if found["psi"] >= limits["psi_warn"] and p_values["psi"] <= level:
    warns.insert(0, f"PSI {found['psi']:.3f} >= {limits['psi_warn']} (drift from "
                 f"{limits['psi_drift']}); p = {p_values['psi']:.1e} if unchanged "
                 f"(test level {level:.1e})")
  return ("warn" if warns else "ok"), warns, score


def compare(reference: dict, current: dict, config: dict) -> list:
  """FeatureDrift of every feature in both summaries, most drifting first,
  under the DriftDetector's `config` (Settings.drift_config()).

  config["false_alarm_rate"]: the chance that a report on unchanged data
  calls any feature drifting, split evenly over all its tests.
  """
  thresholds, overrides = config["thresholds"], config["feature_thresholds"]
  ignored, false_alarm_rate = config["ignored_features"], config["false_alarm_rate"]
  names = sorted(set(reference) & set(current) - set(ignored))
  level = significance.test_level(false_alarm_rate, CHECKS_PER_FEATURE * len(names))
  results = []
  for name in names:
    limits = thresholds_for(name, thresholds, overrides)
    ref, cur = reference[name], current[name]
    if type(ref) is not type(cur):
      results.append(FeatureDrift(name, "changed type", "drift",
                                  [f"type changed: {type(ref).__name__} -> {type(cur).__name__}"],
                                  {}, {}, {}, float("inf")))
      continue
    results.append(compare_feature(name, ref, cur, limits, level))
  order = {"drift": 0, "warn": 1, "ok": 2}
  return sorted(results, key=lambda r: (order[r.status], -r.score))


def verdict(features: list, prediction=None, performance=None) -> str:
  if any(f.status == "drift" for f in features) or any(
      p and p.get("status") == "drift" for p in (prediction, performance)):
    return DRIFT
  if any(f.status == "warn" for f in features):
    return WARN
  return NO_DRIFT
