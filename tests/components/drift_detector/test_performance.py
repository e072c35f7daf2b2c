"""CBPE: the AUC and accuracy a calibrated model will realize, from its
scores alone, within the stated interval; calibration error seen."""
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from components.drift_detector import performance, significance

THRESHOLD = 0.5


def _calibrated(seed, rows=3000):
  """Scores of a calibrated model and labels drawn from them."""
  rng = np.random.default_rng(seed)
  scores = np.round(rng.beta(1.2, 3.0, rows), 3)  # rounded: ties, as real scores have
  return scores, (rng.random(rows) < scores).astype(int)


def test_realized_auc_matches_sklearn_with_ties():
  scores, labels = _calibrated(0)
  assert performance.realized_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))


def test_estimated_accuracy_by_hand():
  # Predicted positive: right with p (0.9, 0.6); negative: right with 1 - p (0.8).
  assert performance.estimated_accuracy([0.9, 0.6, 0.2], THRESHOLD) == pytest.approx((0.9 + 0.6 + 0.8) / 3)


def test_estimate_is_within_its_interval_for_a_calibrated_model():
  inside_auc = inside_accuracy = 0
  seeds = range(20)
  for seed in seeds:
    scores, labels = _calibrated(seed)
    result = performance.estimate(scores, THRESHOLD, seed=seed)
    low, high = result["estimated_auc_interval"]
    inside_auc += low <= roc_auc_score(labels, scores) <= high
    low, high = result["estimated_accuracy_interval"]
    inside_accuracy += low <= np.mean((scores >= THRESHOLD) == labels) <= high
    assert abs(result["estimated_auc"] - roc_auc_score(labels, scores)) < 0.03
  # 95% intervals: at least 17 of 20 (a miss of more than 3 has odds below 2%).
  assert inside_auc >= 17 and inside_accuracy >= 17


def test_calibration_error_tells_calibrated_from_overconfident():
  scores, labels = _calibrated(1)
  assert performance.calibration_error(scores, labels)["error"] < 0.03
  overconfident = np.clip(0.5 + 2.5 * (scores - 0.5), 0, 1)
  result = performance.calibration_error(overconfident, labels)
  assert result["error"] > 0.1
  assert len(result["curve"]) == 10


LIMITS = {"metric_drop": 0.02, "calibration_error": 0.05}


def _assess(reference, current, labelled=True, act_on_estimate=True):
  return performance.assess(*reference, current[0], current[1] if labelled else None, LIMITS,
                            THRESHOLD, act_on_estimate=act_on_estimate, false_alarm_rate=0.01)


def test_same_distribution_is_no_performance_drift():
  alarms = sum(_assess(_calibrated(seed), _calibrated(seed + 100, rows=1000))["status"] == "drift"
               for seed in range(20))
  assert alarms <= 1


def test_a_model_that_sees_noise_is_caught_with_and_without_labels():
  """On the new span the scores carry less signal (pulled toward the base
  rate): the model is still calibrated, and its AUC falls."""
  reference = _calibrated(0)
  rng = np.random.default_rng(5)
  weak = np.round(0.3 + 0.35 * (rng.beta(1.2, 3.0, 2000) - 0.3), 3)
  current = weak, (rng.random(2000) < weak).astype(int)
  labelled = _assess(reference, current)
  assert labelled["status"] == "drift" and labelled["realized_drop"] > 0.1
  unlabelled = _assess(reference, current, labelled=False)
  assert unlabelled["status"] == "drift" and "realized_auc" not in unlabelled
  assert unlabelled["estimated_drop"] == pytest.approx(labelled["realized_drop"], abs=0.05)
  assert _assess(reference, current, labelled=False, act_on_estimate=False)["status"] == "ok"


def test_an_uncalibrated_model_is_not_trusted_to_estimate():
  scores, labels = _calibrated(0)
  overconfident = np.clip(0.5 + 2.5 * (scores - 0.5), 0, 1)
  result = _assess((overconfident, labels), (overconfident[:500] * 0.5, None), labelled=False)
  assert not result["trusted"] and result["status"] == "ok"


def test_auc_standard_error_matches_resampling():
  scores, labels = _calibrated(3, rows=800)
  rng = np.random.default_rng(0)
  resampled = [roc_auc_score(labels[rows], scores[rows])
               for rows in (rng.integers(0, 800, 800) for _ in range(400))]
  auc, positives = roc_auc_score(labels, scores), int(labels.sum())
  expected = significance.auc_standard_error(auc, positives, 800 - positives)
  assert np.std(resampled) == pytest.approx(expected, rel=0.2)


def test_an_estimator_that_misses_the_reference_auc_is_not_trusted():
  # High scores pushed up (an overconfident model's pattern): the reliability
  # error stays under 0.05, yet the estimated AUC on the reference itself
  # overshoots what its labels show.
  scores, labels = _calibrated(4)
  sharpened = np.clip(np.where(scores > 0.5, 0.5 + (scores - 0.5) * 1.8, scores), 0, 1)
  result = _assess((sharpened, labels), (sharpened[:800], None), labelled=False)
  assert result["calibration_error"] <= 0.05
  assert result["reference_gap"] > 0.02
  assert not result["trusted"] and "off its realized AUC" in result["untrusted_because"][0]
