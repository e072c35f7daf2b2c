"""preprocessing_fn run for real through tf.Transform's Beam implementation."""
import numpy as np
import pytest
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, schema_utils

from pipeline.project import features
from pipeline.project.preprocessing import preprocessing_fn
from tests import project_data

ROW_COUNT = 40


def _transform(raw_rows, schema, temp_dir):
  spec = schema_utils.schema_as_feature_spec(schema).feature_spec
  metadata = dataset_metadata.DatasetMetadata.from_feature_spec(spec)
  typed = [{k: v for k, v in project_data.typed(r).items() if k in spec} for r in raw_rows]
  with tft_beam.Context(temp_dir=str(temp_dir)):
    (data, _), _ = ((typed, metadata) | tft_beam.AnalyzeAndTransformDataset(preprocessing_fn))
  return data


@pytest.fixture(scope="module")
def transformed(tmp_path_factory):
  raw_rows = project_data.read_rows(2013, ROW_COUNT)
  # One trip with an impossible hour and no company, as a client might send.
  raw_rows[0]["trip_start_hour"] = "99"
  raw_rows[0]["company"] = ""
  return raw_rows, _transform(raw_rows, project_data.schema(), tmp_path_factory.mktemp("tft"))


def test_a_fallback_schema_without_a_feature_gives_a_graph_without_it(tmp_path):
  schema = project_data.schema()
  kept = [f for f in schema.feature if f.name not in ("company", "trip_miles")]
  del schema.feature[:]
  schema.feature.extend(kept)
  data = _transform(project_data.read_rows(2013, ROW_COUNT), schema, tmp_path)
  assert "company_xf" not in data[0] and "trip_miles_xf" not in data[0]
  assert "fare_xf" in data[0] and "big_tipper_xf" in data[0]


def test_label_is_big_tipper(transformed):
  raw_rows, data = transformed
  expected = [int(float(r["tips"]) > 0.2 * float(r["fare"])) for r in raw_rows]
  assert [d["big_tipper_xf"] for d in data] == expected
  assert 0 < sum(expected) < len(expected), "the sample should hold both classes"


def test_dense_features_are_z_scores(transformed):
  _, data = transformed
  for key in features.DENSE_FLOAT_FEATURES:
    values = np.array([d[features.transformed_name(key)] for d in data])
    assert abs(values.mean()) < 1e-4 and abs(values.std() - 1) < 1e-3, key


def test_categorical_ids_stay_in_range(transformed):
  _, data = transformed
  for name, size in features.categorical_sizes().items():
    ids = [d[name] for d in data]
    assert min(ids) >= 0 and max(ids) < size, name
  # The out-of-range hour folds into code 0 instead of failing.
  assert data[0]["trip_start_hour_xf"] == 0


def test_the_outcome_is_never_a_model_input():
  assert not set(features.OUTCOME_COLUMNS) & set(features.raw_input_features())
  assert set(features.OUTCOME_COLUMNS) <= set(features.LABEL_SOURCE_COLUMNS)
