"""The CompatibilityGuard executor over the real model, blessing, schema and
Transform graph of the shared end-to-end run (real SQLite MLMD): each broken
case is refused with its reason recorded on the verdict artifact."""
import copy
import json
import pathlib

import pytest
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.types import standard_artifacts

from components.compatibility_guard import component as c
from components.compatibility_guard import executor
from components.contracts import artifacts as contract
from pipeline.definition import node_ids
from tests import conftest, project_data

SETTINGS = project_data.SETTINGS
# Model inputs by role: renamed, dropped and retyped in the current schema.
RENAMED = SETTINGS.model_inputs[0]
DROPPED = project_data.dropped_column()
RETYPED = project_data.numeric_input()
EXCLUDED = project_data.excludable_inputs()[0]


@pytest.fixture(scope="module")
def lineage(first_run):
  """The guard's inputs as MLMD recorded them in the first run."""
  inputs = conftest.training_run_inputs(first_run, node_ids.COMPATIBILITY_GUARD)
  return {key: inputs[key][0] for key in (c.MODEL_KEY, c.BLESSING_KEY, c.TRAINED_SCHEMA_KEY,
                                          c.TRANSFORM_GRAPH_KEY, c.CURRENT_SCHEMA_KEY)}


def _schema_artifact(tmp_path, schema):
  (tmp_path / "schema").mkdir()
  tfdv.write_schema_text(schema, str(tmp_path / "schema" / "schema.pbtxt"))
  artifact = standard_artifacts.Schema()
  artifact.uri = str(tmp_path / "schema")
  return artifact


def _plan(tmp_path, excluded):
  """A FallbackPlan artifact as FallbackPlanner writes it."""
  plan = contract.FallbackPlan()
  plan.uri = str(tmp_path / "plan")
  pathlib.Path(plan.uri).mkdir()
  (pathlib.Path(plan.uri) / contract.PLAN_JSON).write_text(json.dumps(
      {"excluded_features": list(excluded), "kept_drifted_features": [], "broken_inputs": {}}))
  return plan


def _guard(tmp_path, inputs, excluded=None):
  verdict = contract.CompatibilityVerdict()
  verdict.uri = str(tmp_path / "verdict")
  if excluded is not None:
    inputs = dict(inputs, **{c.FALLBACK_PLAN_KEY: _plan(tmp_path, excluded)})
  inputs = {key: [value] for key, value in inputs.items() if value is not None}
  executor.Executor().Do(inputs, {c.VERDICT_KEY: [verdict]}, {})
  return (verdict.get_int_custom_property(contract.COMPATIBLE),
          verdict.get_string_custom_property(contract.REASON))


def _current_schema(edit):
  schema = project_data.schema()
  edit(schema)
  return schema


def _rename(schema):
  tfdv.get_feature(schema, RENAMED).name = f"{RENAMED}_renamed"


def _drop(schema):
  kept = [f for f in schema.feature if f.name != DROPPED]
  del schema.feature[:]
  schema.feature.extend(kept)


def _retype(schema):
  feature = tfdv.get_feature(schema, RETYPED)
  feature.type = schema_pb2.BYTES


def test_the_pipelines_own_model_is_compatible(tmp_path, lineage):
  assert _guard(tmp_path, lineage) == (1, "compatible")


@pytest.mark.parametrize("edit,reason", [
    (_rename, f"feature '{RENAMED}' the model reads is missing from the current data schema"),
    (_drop, f"feature '{DROPPED}' the model reads is missing from the current data schema"),
    (_retype, f"feature '{RETYPED}' changed type: model trained on "
              f"{schema_pb2.FeatureType.Name(project_data.column_type(RETYPED))}, "
              "current data has BYTES"),
])
def test_schema_changes_are_refused(tmp_path, lineage, edit, reason):
  inputs = dict(lineage, **{c.CURRENT_SCHEMA_KEY: _schema_artifact(tmp_path, _current_schema(edit))})
  compatible, why = _guard(tmp_path, inputs)
  assert compatible == 0 and reason in why


def test_a_blessing_of_another_model_is_refused(tmp_path, lineage):
  other = copy.deepcopy(lineage[c.BLESSING_KEY])
  other.set_string_custom_property(contract.CURRENT_MODEL, lineage[c.MODEL_KEY].uri + "-other")
  compatible, why = _guard(tmp_path, dict(lineage, **{c.BLESSING_KEY: other}))
  assert compatible == 0
  assert f"not for the candidate model {lineage[c.MODEL_KEY].uri}" in why


def test_missing_lineage_is_refused(tmp_path, lineage):
  compatible, why = _guard(tmp_path, dict(lineage, **{c.TRANSFORM_GRAPH_KEY: None}))
  assert compatible == 0 and "no Transform graph produced from the model's training schema" in why


def test_a_fallback_that_reads_an_excluded_feature_is_refused(tmp_path, lineage):
  compatible, why = _guard(tmp_path, lineage, excluded=[EXCLUDED])
  assert compatible == 0 and f"reads feature '{EXCLUDED}', which it was meant to exclude" in why
