"""DriftDetector inside the pipeline: a first run has no baseline; a later,
drifted span is compared with the served model's training data, resolved
through MLMD lineage, with prediction and performance drift."""
import shutil

import numpy as np
import pandas as pd
import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from components.contracts import artifacts as contract
from components.drift_detector import adhoc
from components.drift_detector import component as detecting
from components.drift_detector import executor as drift_executor
from pipeline.definition import node_ids, resolvers
from pipeline.definition import settings as settings_lib
from pipeline.mlmd import queries
from pipeline.operations import notify
from pipeline.runners import local
from tests import conftest, fallback_replay, project_data

SETTINGS = project_data.SETTINGS
FIRST, LAST = project_data.window()
# The planted shift of the drift run's span, in standard deviations: far above
# any threshold, so the span drifts whatever the project's data.
SHIFT_SDS = 2.0


def _drift_reports(store, run_id):
  executions = queries.run_executions(store, SETTINGS.pipeline_name, run_id)
  detector = next(e for e in executions if e.node_id == node_ids.DRIFT_DETECTOR)
  return queries.output_artifacts(store, detector.execution.id)[detecting.DRIFT_REPORT_KEY]


def test_first_run_reports_no_baseline(first_run):
  store = first_run.store()
  for run_id in first_run.run_ids:
    (report,) = _drift_reports(store, run_id)
    assert queries.custom(report, contract.VERDICT) == "no baseline"
    assert queries.custom(report, contract.DRIFT_DETECTED) == 0
    assert contract.read_drift_report(report.uri)["verdict"] == "no baseline"


@pytest.fixture(scope="module")
def latest_span():
  """The newest bundled span: the one furthest from the training window."""
  if not project_data.later_spans():
    pytest.skip(f"no span after the default window {FIRST}-{LAST} under {SETTINGS.data_root}")
  return project_data.later_spans()[-1]


@pytest.fixture(scope="module")
def drift_data_root(latest_span, tmp_path_factory):
  """A sample of the latest span with a planted shift of one monitored input
  (a project's later spans need not drift: a fork's spans may be random
  samples of one period)."""
  root = tmp_path_factory.mktemp("drift_spans")
  frame = project_data.sample(project_data.read_span(latest_span), latest_span,
                              conftest.SAMPLE_ROWS)
  project_data.write_span(root, latest_span, project_data.shifted(
      frame, project_data.monitored_numeric_input(), SHIFT_SDS))
  return root


@pytest.fixture(scope="module")
def drift_run(first_run, drift_data_root, latest_span, tmp_path_factory):
  """A copy of the first run's output, then a monitoring run (policy alert:
  the drift check, nothing trained) on a sample of the latest span."""
  root = tmp_path_factory.mktemp("drift")
  shutil.copytree(first_run.paths.output_dir, root / "output")
  report = local.monitor(SETTINGS, data_root=drift_data_root, span=latest_span,
                         window=(latest_span, latest_span), output_dir=root / "output",
                         policy="alert", beam=fallback_replay.IN_PROCESS)
  return conftest.Run(local.Paths(root / "output"), report, [report.run_id])


def _categorical_drift(sample_data_root, drift_data_root, tmp_path) -> list:
  """String columns the ad-hoc check flags between the same two samples.
  Their measures (level shares: L-infinity, PSI, unseen levels) barely move
  when the pipeline computes statistics on a hash-split 3/4 of the rows, so
  the pipeline must flag them too; numeric histogram distances on a few
  thousand rows are too close to call either way."""
  result = adhoc.run(sample_data_root, drift_data_root, tmp_path / "adhoc", SETTINGS.drift_config(),
                     **SETTINGS.summary_buckets())
  return [f for f in result["drifted_features"]
          if project_data.column_type(f) == schema_pb2.BYTES]


def test_the_latest_span_drifts_from_the_served_models_training_data(
    first_run, drift_run, sample_data_root, drift_data_root, latest_span, tmp_path):
  store = drift_run.store()
  (artifact,) = _drift_reports(store, drift_run.run_ids[-1])
  assert queries.custom(artifact, contract.DRIFT_DETECTED) == 1
  drifted = queries.custom(artifact, contract.DRIFTED_FEATURES).split(",")
  assert project_data.monitored_numeric_input() in drifted
  assert set(_categorical_drift(sample_data_root, drift_data_root, tmp_path)) <= set(drifted)
  assert queries.custom(artifact, contract.MAX_PSI) > SETTINGS.drift_thresholds["psi_drift"]
  report = contract.read_drift_report(artifact.uri)
  assert report["baseline"]["spans"] == project_data.window_spans()
  assert report["baseline"]["model_uri"].startswith(str(first_run.paths.pipeline_root))
  assert report["current"]["span"] == latest_span
  # Prediction drift: the served model's scores of every row of the new span
  # (computed here from the CSV) against those of its training data's eval
  # split; the direction of the shift is the one the rows themselves show.
  prediction = report["prediction_drift"]
  model = first_run.report.pushed_path
  current = project_data.read_span(latest_span, drift_data_root)
  current_scores = drift_executor.prediction_scores(SETTINGS.task,
                                                    project_data.outputs(model, current))
  assert prediction["n_current"] == len(current)
  assert prediction["mean_current"] == pytest.approx(float(np.mean(current_scores)), abs=1e-3)
  reference = pd.concat([project_data.read_span(s, sample_data_root)
                         for s in project_data.window_spans()])
  reference_scores = drift_executor.prediction_scores(
      SETTINGS.task, project_data.outputs(model, reference))
  gap = np.mean(current_scores) - np.mean(reference_scores)
  # The detector's reference is the window's eval split, a subsample of
  # these rows: the direction must agree wherever the gap exceeds its noise
  # (a multiclass model's mean predicted class may barely move).
  if abs(gap) > 3 * np.std(reference_scores) / np.sqrt(prediction["n_reference"]):
    assert (prediction["mean_current"] > prediction["mean_reference"]) == (gap > 0)
  performance = report["performance_drift"]
  assert performance["at_blessing"] == pytest.approx(first_run.report.metrics[SETTINGS.metric], abs=1e-6)
  if SETTINGS.task == "binary":
    # Estimated from the scores alone (CBPE), and realized from the span's labels.
    low, high = performance["estimated_auc_interval"]
    assert 0.5 < low <= performance["estimated_auc"] <= high < 1.0
    assert 0.5 < performance["realized_auc"] < 1.0
  else:  # realized from the span's labels only
    assert performance["metric"] in ("accuracy", "mean_absolute_error")
    assert performance["realized_value"] >= 0 and "realized_drop_p_value" in performance
  assert drift_run.report.drift_verdict == "drift"


def test_without_an_eligible_model_the_baseline_falls_back_to_an_explicit_span(first_run):
  """The only blessed model was trained on the last span of the window, so
  for that span it is not a baseline; with fallback_span set to the first
  span of the window, the statistics of that span are."""
  if FIRST == LAST:
    pytest.skip("the default window holds a single span")
  store = first_run.store()
  inputs = conftest.served_model_inputs(store)
  fallback = resolvers.ServedModelBaselineStrategy(current_span=LAST, fallback_span=FIRST)
  result = fallback.resolve_artifacts(store, inputs)
  assert result["model"] == []
  (stats,) = result["statistics"]
  first_span = next(a for a in inputs["examples"]
                    if a.get_int_custom_property(contract.SPAN) == FIRST)
  assert stats.id in queries.statistics_of(store, [first_span.id])
  served = resolvers.ServedModelBaselineStrategy(current_span=LAST + 2).resolve_artifacts(
      store, inputs)
  assert [m.id for m in served["model"]] == [m.id for m in inputs["model"]]


def test_the_drift_run_notifies_the_webhook_and_the_mailbox(drift_run, webhook, smtp):
  url, posted, _ = webhook
  port, mails = smtp
  settings = settings_lib.load(notify={"drift": ["webhook", "email"]})
  env = {notify.WEBHOOK_URL: url, "MODEL_FACTORY_SMTP_HOST": "127.0.0.1",
         "MODEL_FACTORY_SMTP_PORT": str(port), "MODEL_FACTORY_SMTP_FROM": "factory@localhost",
         "MODEL_FACTORY_SMTP_TO": "oncall@localhost"}
  outcomes = notify.send(notify.events_of(drift_run.report), settings, env=env)
  assert outcomes == [("drift", "webhook", "sent"), ("drift", "email", "sent")]
  (message,) = posted
  assert message["event"] == "drift" and project_data.monitored_numeric_input() in message["text"]
  assert message["report"].startswith(drift_run.report.drift_report_uri)
  assert len(mails) == 1 and project_data.monitored_numeric_input().encode() in mails[0].content
