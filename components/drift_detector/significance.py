"""How unusual a drift measure is for the sample sizes at hand. Pure.

A measure only means drift when it is both large enough to matter (the
practical thresholds in settings) and larger than chance alone makes it
between two samples of the same distribution of these sizes. Chance is the
null distribution of each measure under "nothing changed":
- PSI: a parametric bootstrap. Both samples are drawn (multinomial) from
  the reference's own bin shares at the real sample sizes, and the PSI of
  each pair computed exactly as for the real data (same epsilon, same bins).
- A share that rises (missing values, values out of range, unseen levels):
  a one-sided two-proportion z-test around the reference share.
Every test runs at the per-test level `alpha` (the caller divides its
false-alarm budget over features and measures, Bonferroni).
"""
import math

import numpy as np
from scipy import stats

from components.drift_detector import measures

# Bootstrap draws per null distribution: enough for a 1st-percentile tail
# of 1e-4 (alpha 1% over 100 tests) to be read at about 10 draws.
BOOTSTRAP_DRAWS = 100_000
_SEED = 0


def psi_null_quantile(reference_shares, n_reference: int, n_current: int, alpha: float,
                      draws: int = BOOTSTRAP_DRAWS) -> float:
  """The (1 - alpha) quantile of the PSI between two samples of sizes
  n_reference and n_current drawn from `reference_shares`."""
  shares = np.asarray(reference_shares, float)
  shares = shares / shares.sum()
  if n_reference < 1 or n_current < 1:
    return math.inf
  rng = np.random.default_rng(_SEED)
  reference = rng.multinomial(n_reference, shares, size=draws) / n_reference
  current = rng.multinomial(n_current, shares, size=draws) / n_current
  ref = np.maximum(reference, measures.PSI_EPSILON)
  cur = np.maximum(current, measures.PSI_EPSILON)
  values = np.sum((cur - ref) * np.log(cur / ref), axis=1)
  return float(np.quantile(values, 1.0 - alpha))


def share_rise_bound(reference_share: float, n_reference: int, n_current: int,
                     alpha: float) -> float:
  """How far a share may rise by chance alone (one-sided, level alpha)
  between samples of these sizes, when it truly is `reference_share`."""
  if n_reference < 1 or n_current < 1:
    return math.inf
  # A share never seen in the reference still has an uncertain true value:
  # at least the rule-of-three bound, so that zero does not mean certainty.
  p = min(max(reference_share, 3.0 / n_reference), 1.0)
  z = stats.norm.ppf(1.0 - alpha)
  return float(z * math.sqrt(p * (1.0 - p) * (1.0 / n_reference + 1.0 / n_current)))


def unusualness(value: float, bound: float) -> float:
  """How many times the chance bound a measure is (inf if the bound is 0)."""
  return value / bound if bound > 0 else math.inf
