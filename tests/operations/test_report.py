"""The run summary printed after `run` and `monitor`, from a RunReport."""
import pathlib

from components.serving_manifest import executor as manifest
from pipeline.operations import report
from pipeline.runners import local

CARD = "card.md"


def _paths(tmp_path):
  return local.Paths(pathlib.Path(tmp_path))


def test_a_run_that_trained_nothing_says_so(tmp_path):
  text = report.format_summary(
      report.RunReport(run_id="r", executions=[], drift_verdict="no drift",
                       drift_report_uri="/reports/1"), _paths(tmp_path), CARD)
  assert "Nothing trained in this run" in text
  assert "Drift of the new span against the served model's training data: no drift" in text
  assert "report: /reports/1/report.html" in text
  assert "Serving now" not in text  # nothing was ever activated


def test_a_pushed_model_its_metrics_blessing_and_what_serves(tmp_path):
  paths = _paths(tmp_path)
  manifest.write(str(paths.serving_dir), manifest.build(
      version="200", model_path=paths.serving_dir / "200", role="fallback", model_id=3,
      excluded_features=["cat_b", "num_a"]))
  result = report.RunReport(
      run_id="r", executions=[], pushed_version="200", pushed_path="/serving/200", blessed=True,
      metrics={"example_count": 100.0, "auc": 0.91}, has_baseline=True, trained=True,
      fallback={"excluded_features": ["cat_b", "num_a"], "served": True, "reason": "inputs are broken",
                "fallback_metric": 0.9, "served_metric": 0.8, "seconds": 12.0})
  text = report.format_summary(result, paths, CARD)
  assert "Model pushed: version 200" in text and "model card: /serving/200/card.md" in text
  assert "Fallback model without cat_b, num_a (trained in 12.0 s): SERVED" in text
  assert "Evaluation (eval split): auc 0.91, example_count 100" in text  # in the summary's order
  assert "Blessing: BLESSED (against the last blessed model)" in text
  assert "Serving now: version 200 (fallback, without cat_b, num_a)" in text


def test_an_unblessed_candidate_lists_the_failed_thresholds(tmp_path):
  text = report.format_summary(
      report.RunReport(run_id="r", executions=[], blessed=False, trained=True,
                       not_blessed_reasons=["auc +0.6 (value; minimum: 0.75)"]),
      _paths(tmp_path), CARD)
  assert "No model pushed: the Evaluator did not bless the candidate." in text
  assert "  - auc +0.6 (value; minimum: 0.75)" in text
  assert "Blessing: NOT BLESSED (no earlier blessed model)" in text
