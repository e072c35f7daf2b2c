"""How unusual a measured change is if nothing changed: p-values of the drift
measures for the sample sizes at hand. Pure functions over counts and shares.

A measure decides only when its change is both large (its threshold in
settings) and unlikely under "same distribution" at the stated false-alarm
rate. At thousands of rows sampling noise alone crosses practical
thresholds now and then; at millions every change is "significant". Each
condition covers the other's blind spot.
"""
import numpy as np
from scipy import stats


def test_level(false_alarm_rate: float, n_tests: int) -> float:
  """Per-test level so that all tests of a report together raise a false
  alarm with at most `false_alarm_rate` (Bonferroni)."""
  return false_alarm_rate / max(n_tests, 1)


def psi_p_value(value: float, n_bins: int, n_reference: int, n_current: int) -> float:
  """P(PSI >= value) between two samples of one distribution over fixed bins.

  Under that hypothesis PSI / (1/n_reference + 1/n_current) is asymptotically
  chi-square with n_bins - 1 degrees of freedom (PSI is the symmetric
  Kullback-Leibler divergence, whose second-order term is Pearson's
  statistic). Empty bins, floored at a small epsilon, contribute less than
  that term, so the p-value errs on the side of "not unusual".
  """
  if n_bins < 2 or not n_reference or not n_current:
    return 1.0
  return float(stats.chi2.sf(value / (1.0 / n_reference + 1.0 / n_current), n_bins - 1))


def ks_p_value(statistic: float, n_reference: int, n_current: int,
               tolerance: float = 0.0) -> float:
  """Two-sample Kolmogorov-Smirnov p-value, asymptotic (Kolmogorov's limit
  distribution); exact enough from a few hundred values per side, and
  conservative when values repeat (integer codes). `tolerance`: the CDFs'
  own error (sketches); only the gap beyond it counts."""
  if not n_reference or not n_current:
    return 1.0
  effective = n_reference * n_current / (n_reference + n_current)
  return float(stats.kstwobign.sf(max(statistic - tolerance, 0.0) * np.sqrt(effective)))


def rise_p_value(share_reference: float, n_reference: int, share_current: float,
                 n_current: int, expected: float = None, tolerance: float = 0.0) -> float:
  """One-sided two-proportion z-test: P(a share rises this much by chance).

  `expected` replaces the reference share as the no-change rate where the
  reference cannot show it (new levels: a sample never holds levels it has not
  seen; out of its own min/max: by construction none). `tolerance`: how much
  the shares may be off whatever the sample size (read off a sketch); only
  the rise beyond it counts.
  """
  if not n_reference or not n_current:
    return 1.0
  base = share_reference if expected is None else max(expected, share_reference)
  pooled = (base * n_reference + share_current * n_current) / (n_reference + n_current)
  # A share of exactly zero on both sides carries no variance: floor it at
  # one value in the pooled sample.
  pooled = min(max(pooled, 1.0 / (n_reference + n_current)), 1.0 - 1e-12)
  spread = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_reference + 1.0 / n_current))
  return float(stats.norm.sf((share_current - base - tolerance) / spread))


def share_change_p_value(reference_shares, current_shares, n_reference: int,
                         n_current: int) -> float:
  """P(the largest level-share change is this large by chance): two-sided
  two-proportion z-test of each level, Bonferroni over the levels."""
  ref, cur = np.asarray(reference_shares, float), np.asarray(current_shares, float)
  if not len(ref) or not n_reference or not n_current:
    return 1.0
  pooled = (ref * n_reference + cur * n_current) / (n_reference + n_current)
  pooled = np.clip(pooled, 1.0 / (n_reference + n_current), 1.0 - 1e-12)
  z = np.abs(cur - ref) / np.sqrt(pooled * (1 - pooled) * (1.0 / n_reference + 1.0 / n_current))
  return float(min(1.0, 2.0 * stats.norm.sf(z.max()) * len(ref)))


def unseen_share(level_counts, n_values: int) -> float:
  """Good-Turing estimate of the share of new draws whose level a sample of
  `n_values` has not seen: levels seen once / n_values. A level can be "new"
  in a same-distribution sample only through such rare levels."""
  if not n_values:
    return 0.0
  return sum(1 for count in level_counts if count == 1) / n_values


def auc_standard_error(auc: float, n_positive: int, n_negative: int) -> float:
  """Standard error of an AUC measured on n_positive and n_negative rows
  (Hanley and McNeil, 1982)."""
  if not n_positive or not n_negative:
    return float("inf")
  q1, q2 = auc / (2.0 - auc), 2.0 * auc * auc / (1.0 + auc)
  variance = (auc * (1.0 - auc) + (n_positive - 1) * (q1 - auc * auc)
              + (n_negative - 1) * (q2 - auc * auc)) / (n_positive * n_negative)
  return float(np.sqrt(max(variance, 0.0)))


def drop_p_value(drop: float, *standard_errors: float) -> float:
  """One-sided P(a figure falls by `drop` by chance) between independent
  measurements with these standard errors."""
  spread = float(np.sqrt(sum(se * se for se in standard_errors)))
  if not np.isfinite(spread):
    return 1.0
  if spread == 0.0:
    return 0.0 if drop > 0 else 1.0
  return float(stats.norm.sf(drop / spread))
