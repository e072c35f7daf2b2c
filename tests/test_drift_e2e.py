"""DriftDetector inside the pipeline: a first run has no baseline; a later,
drifted span is compared with the served model's training data, resolved
through MLMD lineage, with prediction and performance drift."""
import json
import pathlib
import shutil

import pytest

from pipeline import configs, metadata
from tests import conftest


def _drift_reports(store, run_id):
  executions = metadata.run_executions(store, configs.PIPELINE_NAME, run_id)
  detector = next(e for e in executions if e.node_id == "DriftDetector")
  return metadata.output_artifacts(store, detector.execution.id)["drift_report"]


def test_first_run_reports_no_baseline(first_run):
  store = first_run.store()
  for run_id in first_run.run_ids:
    (report,) = _drift_reports(store, run_id)
    assert metadata.custom(report, "verdict") == "no baseline"
    assert metadata.custom(report, "drift_detected") == 0
    assert json.loads((pathlib.Path(report.uri) / "report.json").read_text())["verdict"] == "no baseline"


@pytest.fixture(scope="module")
def drift_run(first_run, tmp_path_factory):
  """A copy of the first run's output, then a run on a sample of span 2016."""
  root = tmp_path_factory.mktemp("drift")
  shutil.copytree(first_run.paths.output_dir, root / "output")
  data_root = conftest.write_sample_spans(root / "spans", spans=(2016,))
  return conftest.run_pipeline(data_root, root / "output", spans=(2016, 2016))


def test_2016_drifts_from_the_served_models_training_data(first_run, drift_run):
  store = drift_run.store()
  (artifact,) = _drift_reports(store, drift_run.run_ids[-1])
  assert metadata.custom(artifact, "drift_detected") == 1
  drifted = metadata.custom(artifact, "drifted_features").split(",")
  assert {"payment_type", "company"} <= set(drifted)
  assert metadata.custom(artifact, "max_psi") > configs.DRIFT_THRESHOLDS["psi_drift"]
  report = json.loads((pathlib.Path(artifact.uri) / "report.json").read_text())
  assert report["baseline"]["spans"] == [2013, 2014]
  assert report["baseline"]["model_uri"].startswith(str(first_run.paths.pipeline_root))
  assert report["current"]["span"] == 2016
  prediction = report["prediction_drift"]
  assert prediction["n_current"] > 0 and prediction["mean_current"] > prediction["mean_reference"]
  performance = report["performance_drift"]
  assert performance["at_blessing"] == pytest.approx(first_run.report.metrics["auc"], abs=1e-6)
  assert 0.5 < performance["current"] < 1.0
  assert drift_run.report.drift_verdict == "drift"


def test_without_an_eligible_model_the_baseline_falls_back_to_an_explicit_span(first_run):
  """The only blessed model was trained on 2014, so for span 2014 it is not a
  baseline; with fallback_span=2013 the statistics of span 2013 are."""
  from pipeline import resolvers
  store = first_run.store()
  inputs = conftest.served_model_inputs(store)
  fallback = resolvers.ServedModelBaselineStrategy(current_span=2014, fallback_span=2013)
  result = fallback.resolve_artifacts(store, inputs)
  assert result["model"] == []
  (stats,) = result["statistics"]
  span_2013 = next(a for a in inputs["examples"] if a.get_int_custom_property("span") == 2013)
  assert stats.id in resolvers.statistics_of(store, [span_2013.id])
  served = resolvers.ServedModelBaselineStrategy(current_span=2016).resolve_artifacts(store, inputs)
  assert [m.id for m in served["model"]] == [m.id for m in inputs["model"]]
