"""The model card's use/do-not-use lines about drift: the check of the
training run, and a later monitoring run's check of the served model."""
from pipeline.operations import model_card
from tests import project_data

SETTINGS = project_data.SETTINGS
TRAINED = {"verdict": "no_drift", "drifted_features": "", "report": "run-1/report.html"}


def _facts(latest):
  return {"guardrails": None, "drift_reports": [TRAINED], "latest_drift": latest,
          "data": [{"span": 1}]}


def test_a_later_drift_is_a_reason_not_to_use_the_model():
  later = {"verdict": "drift", "drifted_features": "a,b", "report": "run-2/report.html",
           "at": "2026-12-08T00:00:00+00:00"}
  lines = model_card._do_not_use(_facts(later), [], SETTINGS, 0.8)  # pylint: disable=protected-access
  (line,) = [l for l in lines if "run-2/report.html" in l]
  assert "2026-12-08T00:00:00+00:00" in line and "drifted: a,b" in line
  use = model_card._use_when(_facts(later), [], [], SETTINGS, 0.8)  # pylint: disable=protected-access
  assert not any("latest drift check" in l for l in use)


def test_a_later_quiet_check_is_said_under_use_when():
  later = {"verdict": "no_drift", "drifted_features": "", "report": "run-3/report.html",
           "at": "2026-12-08T01:00:00+00:00"}
  use = model_card._use_when(_facts(later), [], [], SETTINGS, 0.8)  # pylint: disable=protected-access
  assert "- The latest drift check (2026-12-08T01:00:00+00:00, run-3/report.html) found: no_drift." in use
  assert not any("run-3" in l for l in model_card._do_not_use(  # pylint: disable=protected-access
      _facts(later), [], SETTINGS, 0.8))


def test_the_training_runs_own_check_is_not_repeated_as_a_later_one():
  facts = _facts({**TRAINED, "at": "2026-12-08T00:00:00+00:00"})
  assert not any("latest drift check" in l for l in model_card._use_when(  # pylint: disable=protected-access
      facts, [], [], SETTINGS, 0.8))
