"""Drift measures against hand-computed values."""
import math

import numpy as np
import pytest

from components.drift_detector import measures


def _numeric(values):
  """A summary with one CDF point per distinct value (exact, like a fine sketch)."""
  values = np.sort(np.asarray(values, float))
  xs, counts = np.unique(values, return_counts=True)
  return measures.numeric_from_quantiles(
      [(a, b) for a, b in zip(np.concatenate([[xs[0]], xs[:-1]]), xs)], counts,
      values.mean(), values.std(), len(values), len(values))


def test_psi_formula():
  expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
  assert measures.psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)
  assert measures.psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_psi_epsilon_keeps_empty_bins_finite():
  value = measures.psi([0.5, 0.5, 0.0], [0.5, 0.4, 0.1], epsilon=1e-4)
  expected = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
  assert value == pytest.approx(expected)


def test_numeric_bins_are_reference_deciles_with_open_outer_edges():
  reference = _numeric(np.arange(1, 101))  # 1..100
  current = _numeric(np.arange(51, 151))  # half beyond the reference max
  edges, ref, cur = measures.numeric_bins(reference, current)
  assert edges.tolist() == [10, 20, 30, 40, 50, 60, 70, 80, 90]
  assert ref == pytest.approx([0.1] * 10)
  # 51..90 fill four inner bins; 91..150 all land in the open top bin.
  assert cur == pytest.approx([0, 0, 0, 0, 0, 0.1, 0.1, 0.1, 0.1, 0.6])


def test_point_mass_stays_in_one_bin():
  reference = _numeric([0] * 50 + list(range(1, 51)))  # half the values are zero
  edges, ref, _ = measures.numeric_bins(reference, reference)
  assert edges[0] == 0 and ref[0] == pytest.approx(0.5)


def test_categorical_bins_put_unseen_levels_in_other():
  reference = measures.CategoricalSummary({"a": 60, "b": 40}, 100, 100)
  current = measures.CategoricalSummary({"a": 50, "b": 30, "new": 20}, 100, 100)
  labels, ref, cur = measures.categorical_bins(reference, current)
  assert labels == ["a", "b", measures.OTHER]
  assert ref.tolist() == pytest.approx([0.6, 0.4, 0.0])
  assert cur.tolist() == pytest.approx([0.5, 0.3, 0.2])
  assert measures.new_level_share(reference, current) == pytest.approx(0.2)


def test_missing_fraction():
  summary = measures.CategoricalSummary({"a": 70}, 100, 70)
  assert measures.missing_fraction(summary) == pytest.approx(0.3)


def test_out_of_range_against_the_reference_rate():
  reference = _numeric(np.arange(0, 101))  # min 0, max 100
  current = _numeric(np.arange(50, 151))
  result = measures.out_of_range(reference, current, tail=0.1)
  # The reference's 10-90% range is [10, 90]: 11 of its 101 values are at
  # most 10, 10 above 90; none of the current's is at most 10, 60 above 90.
  assert result["below_range_reference"] == pytest.approx(11 / 101, abs=0.02)
  assert result["above_range_reference"] == pytest.approx(10 / 101, abs=0.02)
  assert result["below_range_current"] == 0.0
  assert result["above_range_current"] == pytest.approx(60 / 101, abs=0.02)
  assert result["above_max_current"] == pytest.approx(50 / 101, abs=0.02)
  assert result["above_max_reference"] == result["below_min_current"] == 0.0


def test_merged_summary_is_the_union():
  a, b = np.arange(0, 50), np.arange(50, 150)
  merged = measures.merge_numeric([_numeric(a), _numeric(b)])
  union = np.concatenate([a, b])
  assert merged.mean == pytest.approx(union.mean())
  assert merged.std == pytest.approx(union.std(), rel=1e-6)
  assert float(merged.fraction_at_most(49)) == pytest.approx(50 / 150)


def test_psi_of_samples():
  rng = np.random.default_rng(0)
  same = measures.psi_of_samples(rng.uniform(size=5000), rng.uniform(size=5000))
  shifted = measures.psi_of_samples(rng.uniform(size=5000), rng.uniform(0.3, 1.3, size=5000))
  assert same < 0.01 and shifted > 0.25
