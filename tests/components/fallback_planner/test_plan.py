"""FallbackPlanner's pure logic (what is excluded, what counts as broken) and
its file I/O, on made-up feature names; what it calls broken in a report
the DriftDetector wrote."""
import json

import numpy as np
import pandas as pd
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.utils import io_utils

from components.contracts import artifacts
from components.drift_detector import adhoc
from components.fallback_planner import executor
from pipeline.definition import settings as settings_lib

MODEL_INPUTS = ["num_a", "num_b", "cat_b", "cat_c"]


def _report(drifted, measures):
  return {"drifted_features": drifted,
          "features": [{"feature": name, "measures": m} for name, m in measures.items()]}


def _schema(*names):
  schema = schema_pb2.Schema()
  for name in names:
    schema.feature.add(name=name, type=schema_pb2.BYTES if name.startswith("cat") else schema_pb2.FLOAT)
  return schema


def test_drifted_model_inputs_are_excluded_but_label_sources_kept():
  report = _report(["cat_b", "num_a", "time_t"], {})
  found = executor.plan(report, MODEL_INPUTS, keep=["outcome_y", "num_a"], broken_share=0.5)
  assert found["excluded_features"] == ["cat_b"]  # not a model input: time_t
  assert found["kept_drifted_features"] == ["num_a"]
  assert found["broken_inputs"] == {}


def test_inputs_mostly_missing_out_of_range_or_unseen_are_broken():
  report = _report(["cat_b", "num_b"], {
      "cat_b": {artifacts.NEW_LEVEL_SHARE: 1.0, artifacts.MISSING_SHARE: 0.0},
      "num_b": {artifacts.ABOVE_MAX_SHARE: 0.57, artifacts.BELOW_MIN_SHARE: 0.4,
                artifacts.MISSING_SHARE: 0.0},
      "num_a": {artifacts.ABOVE_MAX_SHARE: 0.2, artifacts.MISSING_SHARE: 0.49},
      "id_z": {artifacts.MISSING_SHARE: 0.9},  # not read by the model
  })
  found = executor.plan(report, MODEL_INPUTS, keep=["num_a"], broken_share=0.5)
  assert found["broken_inputs"] == {"cat_b": "100% unseen levels",
                                    "num_b": "97% outside the training range"}


def test_a_unit_change_unseen_levels_and_gaps_in_a_detector_report_are_broken():
  """On a report the DriftDetector computed: x100 on a mostly nonzero
  number with negative values (beyond both the minimum and the maximum),
  only unseen levels, a column mostly emptied; a merely shifted number is
  drifted, not broken."""
  rng = np.random.default_rng(0)
  rows = 2000
  reference = pd.DataFrame({"num_a": rng.normal(0.0, 1.0, rows), "num_b": rng.normal(5.0, 2.0, rows),
                            "cat_b": rng.choice(["red", "blue"], rows),
                            "cat_c": rng.choice(["x", "y"], rows)})
  current = reference.assign(num_a=reference.num_a * 100, num_b=reference.num_b + 1.0,
                             cat_b=[f"unseen {i % 7}" for i in range(rows)],
                             cat_c=reference.cat_c.where(np.arange(rows) % 4 == 0))
  settings = settings_lib.load()
  features = adhoc.compare_tables(reference, current, settings.drift_config(),
                                  **settings.summary_buckets())
  report = _report([f.feature for f in features if f.status == "drift"],
                   {f.feature: f.measures for f in features})
  found = executor.plan(report, MODEL_INPUTS, keep=[], broken_share=0.5)
  assert set(found["excluded_features"]) == set(MODEL_INPUTS)
  # x100 leaves values within 1% of the maximum |value| inside the range.
  assert {name: what.split("% ")[1] for name, what in found["broken_inputs"].items()} == {
      "num_a": "outside the training range", "cat_b": "unseen levels", "cat_c": "missing"}
  assert found["broken_inputs"]["cat_b"] == "100% unseen levels"
  assert found["broken_inputs"]["cat_c"] == "75% missing"
  assert int(found["broken_inputs"]["num_a"].split("%")[0]) >= 90


def test_the_training_schema_lacks_exactly_the_excluded_features():
  schema = _schema(*MODEL_INPUTS, "outcome_y", "time_t")
  reduced = executor.without(schema, ["cat_b", "num_b"])
  assert {f.name for f in schema.feature} - {f.name for f in reduced.feature} == {"cat_b", "num_b"}
  assert len(schema.feature) == len(reduced.feature) + 2  # the input is left intact


def test_run_writes_the_reduced_schema_and_the_plan(tmp_path):
  for folder in ("report", "schema", "schema_out", "plan"):
    (tmp_path / folder).mkdir()
  (tmp_path / "report" / artifacts.REPORT_JSON).write_text(json.dumps(
      _report(["cat_b"], {"cat_b": {artifacts.NEW_LEVEL_SHARE: 0.9}})))
  io_utils.write_pbtxt_file(str(tmp_path / "schema" / "schema.pbtxt"),
                            _schema(*MODEL_INPUTS, "outcome_y"))
  found = executor.run(str(tmp_path / "report"), str(tmp_path / "schema"),
                       str(tmp_path / "schema_out"), str(tmp_path / "plan"), MODEL_INPUTS,
                       keep=["outcome_y"], broken_share=0.5)
  assert artifacts.read_plan(str(tmp_path / "plan")) == found
  assert found["excluded_features"] == ["cat_b"] and found["broken_inputs"] == {
      "cat_b": "90% unseen levels"}
  written = io_utils.SchemaReader().read(
      io_utils.get_only_uri_in_dir(str(tmp_path / "schema_out")))
  assert [f.name for f in written.feature] == ["num_a", "num_b", "cat_c", "outcome_y"]


def test_a_plan_that_would_leave_no_input_keeps_the_schema_whole_and_says_so(tmp_path):
  report = _report(list(MODEL_INPUTS), {})
  assert executor.plan(report, MODEL_INPUTS, keep=[], broken_share=0.5)["no_input_left"]
  assert not executor.plan(_report(["num_a"], {}), MODEL_INPUTS, [], 0.5)["no_input_left"]
  (tmp_path / "report").mkdir()
  (tmp_path / "schema").mkdir()
  (tmp_path / "out").mkdir()
  (tmp_path / "plan").mkdir()
  (tmp_path / "report" / artifacts.REPORT_JSON).write_text(json.dumps(report))
  io_utils.write_pbtxt_file(str(tmp_path / "schema" / "schema.pbtxt"), _schema(*MODEL_INPUTS))
  found = executor.run(str(tmp_path / "report"), str(tmp_path / "schema"), str(tmp_path / "out"),
                       str(tmp_path / "plan"), MODEL_INPUTS, [], 0.5)
  assert found["no_input_left"] and found["excluded_features"] == MODEL_INPUTS
  written = io_utils.SchemaReader().read(str(tmp_path / "out" / "schema.pbtxt"))
  assert [f.name for f in written.feature] == MODEL_INPUTS
