"""The interval ChampionChallenger states: paired bootstrap of the metric
difference over scored rows, for every task metric."""
import numpy as np
import pytest
import tensorflow as tf

from components.contracts import metrics, scoring


def _rows(seed=0, n=2000):
  rng = np.random.default_rng(seed)
  labels = rng.integers(0, 2, n)
  informed = np.clip(labels * 0.3 + rng.uniform(0, 0.7, n), 0, 1)
  return labels, informed, rng.uniform(0, 1, n)


def test_a_clearly_better_model_gets_an_interval_above_zero_and_a_tie_contains_zero():
  labels, better, noise = _rows()
  low, high = scoring.difference_interval("auc", labels, better, noise)
  assert 0 < low < high
  assert scoring.difference_interval("auc", labels, better, better) == (0.0, 0.0)
  low, high = scoring.difference_interval("auc", labels, noise, _rows(seed=1)[2])
  assert low < 0 < high


def test_the_interval_narrows_with_more_rows():
  widths = []
  for n in (500, 8000):
    labels, better, noise = _rows(n=n)
    low, high = scoring.difference_interval("auc", labels, better, noise)
    widths.append(high - low)
  assert widths[1] < widths[0] / 2  # about 1/sqrt(16) = 1/4


@pytest.mark.parametrize("metric", sorted(metrics.METRICS))
def test_every_task_metric_has_a_function(metric):
  rng = np.random.default_rng(0)
  labels = rng.integers(0, 3 if metric == "sparse_categorical_accuracy" else 2, 300)
  if metric == "sparse_categorical_accuracy":
    outputs = rng.dirichlet(np.ones(3), 300)
  else:
    outputs = rng.uniform(0, 1, 300)
  low, high = scoring.difference_interval(metric, labels, outputs, outputs[::-1])
  assert np.isfinite(low) and low <= high


def _records(count):
  return tf.data.Dataset.from_tensor_slices([f"row {i}".encode() for i in range(count)])


def test_a_sample_keeps_about_max_rows_uniformly_and_the_same_rows_each_time():
  kept = [int(r.decode().split()[1]) for r in scoring.sample(_records(20000), 2000).as_numpy_iterator()]
  assert 1800 < len(kept) < 2200
  assert kept == [int(r.decode().split()[1])
                  for r in scoring.sample(_records(20000), 2000).as_numpy_iterator()]
  # Uniform over the rows' order: as many from the first half as from the second.
  first_half = sum(k < 10000 for k in kept)
  assert abs(first_half - len(kept) / 2) < 4 * np.sqrt(len(kept) / 4)


def test_rows_within_the_bound_are_all_kept():
  assert len(list(scoring.sample(_records(500), 2000))) == 500
  assert len(list(scoring.sample(_records(500), None))) == 500
