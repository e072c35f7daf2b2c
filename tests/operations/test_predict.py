"""Scoring helpers that need no model: CSV cells typed by a schema, the
tf.Example they make, and which pushed version is served."""
import pytest
import tensorflow as tf
from tensorflow_metadata.proto.v0 import schema_pb2

from components.serving_manifest import executor as manifest
from pipeline.operations import predict


def _schema():
  schema = schema_pb2.Schema()
  for name, kind in (("num_a", schema_pb2.FLOAT), ("int_b", schema_pb2.INT),
                     ("cat_c", schema_pb2.BYTES)):
    schema.feature.add(name=name, type=kind)
  return schema


def test_cells_are_typed_by_the_schema_and_empty_cells_are_missing():
  typed = predict.typed_row({"num_a": "2.5", "int_b": "7.0", "cat_c": ""}, _schema())
  assert typed == {"num_a": [2.5], "int_b": [7], "cat_c": []}
  with pytest.raises(ValueError, match=r"columns \['other'\] are not in the schema"):
    predict.typed_row({"num_a": "1", "other": "x"}, _schema())


def test_an_example_holds_the_non_empty_cells_with_their_types():
  example = tf.train.Example.FromString(
      predict.to_example({"num_a": "2.5", "int_b": "7", "cat_c": "level x"}, _schema()))
  feature = example.features.feature
  assert feature["num_a"].float_list.value == [2.5]
  assert feature["int_b"].int64_list.value == [7]
  assert feature["cat_c"].bytes_list.value == [b"level x"]
  sparse = tf.train.Example.FromString(predict.to_example({"num_a": "", "int_b": "1"}, _schema()))
  assert set(sparse.features.feature) == {"int_b"}


def test_the_served_version_is_the_manifests_else_the_newest(tmp_path):
  with pytest.raises(FileNotFoundError, match="no pushed model"):
    predict.latest_version(tmp_path)
  for version in ("9", "10", "notes"):
    (tmp_path / version).mkdir()
  assert predict.latest_version(tmp_path).name == "10"  # numerically, not as text
  assert predict.active_version(tmp_path).name == "10"  # no manifest yet
  manifest.write(str(tmp_path), manifest.build(version="9", model_path=tmp_path / "9",
                                               role="rollback", model_id=1))
  assert predict.active_version(tmp_path) == tmp_path / "9"
  candidate_only = manifest.with_candidate(None, version="11", model_path=tmp_path / "c" / "11",
                                           role="primary", model_id=2)
  manifest.write(str(tmp_path), candidate_only)
  with pytest.raises(FileNotFoundError, match="candidate.s. 11 wait for .python -m pipeline approve"):
    predict.active_version(tmp_path)


ENVELOPE = {"ranges": {"num_a": [0.0, 10.0]}, "levels": {"cat_c": ["x", "y"]},
            "never_missing": ["num_a"], "metric": "auc",
            "weak_slices": [{"feature": "cat_c", "value": "y", "metric": 0.61, "examples": 40}]}


def test_a_row_inside_the_envelope_is_ok():
  assert predict.scope({"num_a": "2.5", "cat_c": "x"}, ENVELOPE) == (predict.OK, [])


def test_an_unseen_level_or_a_weak_slice_calls_for_caution():
  status, reasons = predict.scope({"num_a": "2.5", "cat_c": "z"}, ENVELOPE)
  assert status == predict.CAUTION and reasons == ["cat_c = 'z' was never seen in training"]
  status, reasons = predict.scope({"num_a": "2.5", "cat_c": "y"}, ENVELOPE)
  assert status == predict.CAUTION and "cat_c = y is a weak slice (auc 0.610)" in reasons[0]


def test_a_value_beyond_the_training_range_or_a_missing_required_input_is_out_of_scope():
  status, reasons = predict.scope({"num_a": "12", "cat_c": "z"}, ENVELOPE)
  assert status == predict.OUT_OF_SCOPE
  assert reasons == ["num_a = 12 is outside the training range 0 to 10",
                     "cat_c = 'z' was never seen in training"]
  status, reasons = predict.scope({"num_a": "", "cat_c": "x"}, ENVELOPE)
  assert status == predict.OUT_OF_SCOPE and reasons == ["num_a is missing (never missing in training)"]
