"""The Guardrails executor on the first shared run's own artifacts (its
training window and curated schema): what each action does to a finding.
The finding is made on purpose and for any project: an outcome column (the
label is computed from it) listed among the model inputs."""
import json
import pathlib

import pytest
import tensorflow_data_validation as tfdv
from tfx.types import standard_artifacts

from components.contracts import artifacts as contract
from components.guardrails import checks, component as c, executor
from pipeline.definition import node_ids
from tests import conftest, project_data

SETTINGS = project_data.SETTINGS
OUTCOME = SETTINGS.outcome_columns[0]


@pytest.fixture(scope="module")
def window(first_run):
  """The Guardrails' inputs as MLMD recorded them in the first run's training run."""
  inputs = conftest.training_run_inputs(first_run, node_ids.GUARDRAILS)
  return {key: inputs[key] for key in (c.EXAMPLES_KEY, c.SCHEMA_KEY)}


def _run(window, tmp_path, action, check=checks.OUTCOME_AS_INPUT, limits=None):
  config = SETTINGS.guardrails_config()
  config["features"] = config["features"] + [OUTCOME]
  config["actions"] = dict(config["actions"], **{check: action})
  config["limits"] = dict(config["limits"], **(limits or {}))
  report, schema = contract.GuardrailsReport(), standard_artifacts.Schema()
  report.uri, schema.uri = str(tmp_path / "report"), str(tmp_path / "schema")
  for folder in (report.uri, schema.uri):
    pathlib.Path(folder).mkdir()
  error = None
  try:
    executor.Executor().Do(window, {c.REPORT_KEY: [report], c.TRAINING_SCHEMA_KEY: [schema]},
                           {c.CONFIG_KEY: json.dumps(config)})
  except executor.GuardrailsRefusedError as refused:
    error = str(refused)
  trained = tfdv.load_schema_text(str(pathlib.Path(schema.uri) / "schema.pbtxt"))
  return report, {f.name for f in trained.feature}, error


def test_refuse_stops_before_training_and_names_the_column_and_the_way_out(window, tmp_path):
  report, _, error = _run(window, tmp_path, "refuse")
  assert error and f'"{OUTCOME}"' in error and "GUARDRAIL_ACTIONS" in error
  assert report.get_int_custom_property(contract.REFUSED) == 1
  found = contract.read_guardrails(report.uri)
  assert found["refused"] and any(f["check"] == checks.OUTCOME_AS_INPUT and f["action"] == "refuse"
                                  for f in found["findings"])


def test_exclude_writes_a_training_schema_without_the_features(window, tmp_path):
  # Every input "mostly missing" (limit below 0), excluded; the outcome
  # column stays (refused by default, here: warn) for the label.
  report, features, error = _run(window, tmp_path, "exclude", checks.MOSTLY_MISSING,
                                 {"max_missing_share": -1.0})
  excluded = [f for f in SETTINGS.model_inputs if f not in SETTINGS.label_source_columns]
  assert error is not None and f'"{OUTCOME}"' in error  # outcome_as_input: refuse
  assert not set(excluded) & features and set(SETTINGS.label_source_columns) <= features
  assert contract.split_list(report.get_string_custom_property(
      contract.EXCLUDED_FEATURES)) == excluded
  page = (tmp_path / "report" / contract.GUARDRAILS_HTML).read_text()
  assert all(name in page for name in excluded)


def test_a_column_the_label_needs_cannot_be_excluded(window, tmp_path):
  _, features, error = _run(window, tmp_path, "exclude")
  assert error and "cannot be excluded: the label is computed from it" in error
  assert OUTCOME in features


def test_warn_keeps_the_feature_and_records_one_line(window, tmp_path):
  report, features, error = _run(window, tmp_path, "warn")
  assert error is None and OUTCOME in features
  lines = contract.split_lines(report.get_string_custom_property(contract.FINDINGS))
  assert any(line.startswith("warn: ") and OUTCOME in line for line in lines)
