"""The drift report's performance section: estimate, interval, realized
figure and the calibration verdict, in words a reader can check."""
import numpy as np

from components.drift_detector import performance, report

LIMITS = {"metric_drop": 0.02, "calibration_error": 0.05}


def _html(scores, labels, current_labels):
  assessed = performance.assess(scores, labels, scores[:800], current_labels, LIMITS, 0.5,
                                act_on_estimate=True, false_alarm_rate=0.01)
  built = report.build([], baseline={"description": "reference"}, current={"description": "new"},
                       thresholds=LIMITS, feature_thresholds={}, ignored=[], performance=assessed)
  return assessed, report.to_html(built)


def test_the_estimate_and_the_realized_auc_are_shown_side_by_side():
  rng = np.random.default_rng(0)
  scores = rng.beta(1.2, 3.0, 3000)
  labels = (rng.random(3000) < scores).astype(int)
  assessed, page = _html(scores, labels, labels[:800])
  low, high = assessed["estimated_auc_interval"]
  assert f"{assessed['estimated_auc']:.3f} (95% interval {low:.3f} to {high:.3f})" in page
  assert f"realized (labels)</td><td>{assessed['realized_auc']:.3f}" in page
  assert "<td>Estimates</td><td>trusted</td>" in page and "reliability curve" in page


def test_an_uncalibrated_model_is_said_to_be_untrusted_and_labels_missing():
  rng = np.random.default_rng(1)
  truth = rng.beta(1.2, 3.0, 3000)
  labels = (rng.random(3000) < truth).astype(int)
  overconfident = np.clip(0.5 + 2.5 * (truth - 0.5), 0, 1)
  _, page = _html(overconfident, labels, None)
  assert "NOT trusted" in page and "not known yet (no labels)" in page
