"""The p-values hold their stated false-alarm rate on simulated
same-distribution samples, and flag real changes of the sizes that matter."""
import numpy as np
import pytest

from components.drift_detector import measures, significance

RNG_SEED = 7
TRIALS = 2000


def _rate(p_values, level=0.05):
  return float(np.mean(np.asarray(p_values) <= level))


def test_psi_p_value_is_calibrated_for_unequal_samples():
  rng = np.random.default_rng(RNG_SEED)
  shares = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05, 0.03, 0.02])
  n_ref, n_cur = 4000, 600
  p_values = []
  for _ in range(TRIALS):
    ref = rng.multinomial(n_ref, shares) / n_ref
    cur = rng.multinomial(n_cur, shares) / n_cur
    p_values.append(significance.psi_p_value(measures.psi(ref, cur), len(shares), n_ref, n_cur))
  assert 0.03 <= _rate(p_values) <= 0.07


def test_ks_p_value_is_calibrated_and_conservative_with_ties():
  rng = np.random.default_rng(RNG_SEED)
  continuous, tied = [], []
  for _ in range(500):
    a, b = rng.normal(size=800), rng.normal(size=1200)
    continuous.append(significance.ks_p_value(_ks(a, b), len(a), len(b)))
    a, b = rng.integers(0, 5, 800), rng.integers(0, 5, 1200)
    tied.append(significance.ks_p_value(_ks(a, b), len(a), len(b)))
  assert 0.02 <= _rate(continuous) <= 0.08
  assert _rate(tied) <= 0.05


def _ks(a, b):
  grid = np.union1d(a, b)
  fa = np.searchsorted(np.sort(a), grid, side="right") / len(a)
  fb = np.searchsorted(np.sort(b), grid, side="right") / len(b)
  return float(np.max(np.abs(fa - fb)))


@pytest.mark.parametrize("share", [0.0, 0.03, 0.3])
def test_rise_p_value_is_calibrated_and_sees_real_rises(share):
  rng = np.random.default_rng(RNG_SEED)
  n_ref, n_cur = 3000, 800
  p_values = [significance.rise_p_value(rng.binomial(n_ref, share) / n_ref, n_ref,
                                        rng.binomial(n_cur, share) / n_cur, n_cur)
              for _ in range(TRIALS)]
  assert _rate(p_values) <= 0.07
  assert significance.rise_p_value(share, n_ref, share + 0.05, n_cur) < 0.01


def test_tolerance_discounts_a_rise_of_its_size():
  assert significance.rise_p_value(0.01, 10**6, 0.015, 10**6) < 1e-12
  assert significance.rise_p_value(0.01, 10**6, 0.015, 10**6, tolerance=0.005) == pytest.approx(0.5)


def test_share_change_p_value_holds_its_rate_over_many_levels():
  rng = np.random.default_rng(RNG_SEED)
  shares = np.full(20, 0.05)
  n_ref, n_cur = 2000, 2000
  p_values = [significance.share_change_p_value(rng.multinomial(n_ref, shares) / n_ref,
                                                rng.multinomial(n_cur, shares) / n_cur, n_ref, n_cur)
              for _ in range(500)]
  # Bonferroni over the levels: at most the nominal 5%, up to 2 standard
  # errors of a rate over 500 trials.
  assert _rate(p_values) <= 0.07
  moved = shares.copy()
  moved[:2] += [0.05, -0.05]
  assert significance.share_change_p_value(shares, moved, n_ref, n_cur) < 1e-4


def test_unseen_share_predicts_new_levels_in_a_second_sample():
  """Good-Turing: the share of a second sample in levels the first never saw."""
  rng = np.random.default_rng(RNG_SEED)
  weights = 1.0 / np.arange(1, 5001) ** 1.1  # a long tail of rare levels
  weights /= weights.sum()
  first, second = rng.choice(5000, 5000, p=weights), rng.choice(5000, 5000, p=weights)
  _, counts = np.unique(first, return_counts=True)
  observed = np.mean(~np.isin(second, first))
  assert significance.unseen_share(counts, len(first)) == pytest.approx(observed, rel=0.15)


def test_test_level_splits_the_rate():
  assert significance.test_level(0.01, 40) == pytest.approx(0.00025)
  assert significance.test_level(0.01, 0) == 0.01
