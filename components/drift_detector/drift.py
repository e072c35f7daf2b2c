"""Compares a current span with a baseline, feature by feature; decides."""
import dataclasses

from components.drift_detector import measures

NO_BASELINE = "no baseline"
NO_DRIFT = "no drift"
WARN = "warn"
DRIFT = "drift"


@dataclasses.dataclass
class FeatureDrift:
  feature: str
  kind: str  # numeric | categorical
  status: str  # ok | warn | drift
  reasons: list
  measures: dict
  bins: dict  # labels/edges with reference and current fractions, for plots
  score: float  # largest measure/threshold ratio, for ordering


def thresholds_for(feature, thresholds, overrides) -> dict:
  return {**thresholds, **overrides.get(feature, {})}


def compare_feature(name, reference, current, limits) -> FeatureDrift:
  """All measures of one feature and its status under `limits`."""
  found = {"missing_reference": measures.missing_fraction(reference),
           "missing_current": measures.missing_fraction(current)}
  if isinstance(reference, measures.NumericSummary):
    kind = "numeric"
    edges, ref_bins, cur_bins = measures.numeric_bins(reference, current)
    bins = {"edges": edges.tolist(), "reference": ref_bins.tolist(), "current": cur_bins.tolist()}
    outside = measures.out_of_range(reference, current, limits["out_of_range_k"])
    found.update(outside)
    found["out_of_range_excess"] = max(outside["sigma_current"] - outside["sigma_reference"],
                                       outside["minmax_current"] - outside["minmax_reference"])
  else:
    kind = "categorical"
    labels, ref_bins, cur_bins = measures.categorical_bins(reference, current)
    bins = {"labels": labels, "reference": ref_bins.tolist(), "current": cur_bins.tolist()}
    found["new_level_share"] = measures.new_level_share(reference, current)
  found["psi"] = measures.psi(ref_bins, cur_bins)
  found["missing_increase"] = found["missing_current"] - found["missing_reference"]
  status, reasons, score = _judge(found, limits)
  return FeatureDrift(name, kind, status, reasons, found, bins, score)


# (measure, threshold key, description) of every measure that can mean drift.
_RULES = (
    ("psi", "psi_drift", "PSI {v:.3f} >= {t}"),
    ("new_level_share", "new_level_share", "{v:.1%} of values are new levels (> {t:.0%})"),
    ("missing_increase", "missing_increase", "missing fraction up {v:.1%} (> {t:.0%})"),
    ("out_of_range_excess", "out_of_range_excess", "{v:.1%} more values out of range (> {t:.0%})"),
    ("tfdv_linf", "tfdv_linf", "TFDV L-infinity distance {v:.3f} > {t}"),
    ("tfdv_js", "tfdv_js", "TFDV Jensen-Shannon divergence {v:.3f} > {t}"),
)


def _judge(found, limits):
  reasons, score = [], 0.0
  for measure, key, text in _RULES:
    value = found.get(measure)
    if value is None:
      continue
    score = max(score, value / limits[key])
    crossed = value >= limits[key] if measure == "psi" else value > limits[key]
    if crossed:
      reasons.append(text.format(v=value, t=limits[key]))
  if reasons:
    return "drift", reasons, score
  if found["psi"] >= limits["psi_warn"]:
    return "warn", [f"PSI {found['psi']:.3f} >= {limits['psi_warn']}"], score
  return "ok", [], score


def compare(reference: dict, current: dict, thresholds: dict, overrides: dict,
            ignored=(), tfdv_distances=None) -> list:
  """FeatureDrift of every feature in both summaries, most drifting first."""
  results = []
  for name in sorted(set(reference) & set(current) - set(ignored)):
    limits = thresholds_for(name, thresholds, overrides)
    ref, cur = reference[name], current[name]
    if type(ref) is not type(cur):
      results.append(FeatureDrift(name, "changed type", "drift",
                                  [f"type changed: {type(ref).__name__} -> {type(cur).__name__}"],
                                  {}, {}, float("inf")))
      continue
    result = compare_feature(name, ref, cur, limits)
    if tfdv_distances and name in tfdv_distances:
      result.measures.update(tfdv_distances[name])
      result.status, result.reasons, result.score = _judge(result.measures, limits)
    results.append(result)
  order = {"drift": 0, "warn": 1, "ok": 2}
  return sorted(results, key=lambda r: (order[r.status], -r.score))


def verdict(features: list, prediction=None, performance=None) -> str:
  if any(f.status == "drift" for f in features) or any(
      p and p.get("status") == "drift" for p in (prediction, performance)):
    return DRIFT
  if any(f.status == "warn" for f in features):
    return WARN
  return NO_DRIFT
