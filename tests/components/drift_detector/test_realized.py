"""The served model's realized metric on a new span for the tasks without a
label-free estimate: multiclass accuracy and regression MAE, on synthetic
outputs."""
import numpy as np

from components.drift_detector import performance

THRESHOLDS = {"metric_drop": 0.02}


def _multiclass(rng, n, right_share):
  labels = rng.integers(0, 3, n)
  predicted = np.where(rng.random(n) < right_share, labels, (labels + 1) % 3)
  return np.eye(3)[predicted] * 0.8 + 0.2 / 3, labels


def test_a_multiclass_accuracy_drop_is_drift_and_the_same_accuracy_is_not():
  rng = np.random.default_rng(0)
  reference = _multiclass(rng, 2000, 0.9)
  same = performance.assess_realized("multiclass", *reference, *_multiclass(rng, 2000, 0.9),
                                     THRESHOLDS, 0.01)
  worse = performance.assess_realized("multiclass", *reference, *_multiclass(rng, 2000, 0.7),
                                      THRESHOLDS, 0.01)
  assert same["status"] == "ok" and abs(same["realized_drop"]) < 0.03
  assert worse["status"] == "drift" and worse["realized_drop"] > 0.15
  assert worse["metric"] == "accuracy" and not worse["trusted"]


def test_a_regression_error_rise_is_drift_relative_to_the_reference_error():
  rng = np.random.default_rng(1)
  labels = rng.normal(100, 20, 3000)
  reference = (labels + rng.normal(0, 5, 3000), labels)
  later = rng.normal(100, 20, 3000)
  same = performance.assess_realized("regression", *reference, later + rng.normal(0, 5, 3000),
                                     later, THRESHOLDS, 0.01)
  worse = performance.assess_realized("regression", *reference, later + rng.normal(0, 8, 3000),
                                      later, THRESHOLDS, 0.01)
  assert same["status"] == "ok"
  assert worse["status"] == "drift" and worse["allowed_drop"] == THRESHOLDS["metric_drop"] * (
      worse["reference_value"])


def test_without_labels_the_metric_is_not_known_and_nothing_drifts():
  rng = np.random.default_rng(2)
  result = performance.assess_realized("multiclass", *_multiclass(rng, 500, 0.9),
                                       _multiclass(rng, 500, 0.2)[0], None, THRESHOLDS, 0.01)
  assert result["status"] == "ok" and "realized_value" not in result
