"""The anomaly gate over real TFDV anomalies written as a real artifact."""
import pytest
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.types import artifact_utils, standard_artifacts

from components.anomaly_gate import executor
from tests import project_data

SETTINGS = project_data.SETTINGS
SPAN = project_data.window()[1]


def _artifact(tmp_path, anomalies_by_split):
  artifact = standard_artifacts.ExampleAnomalies()
  artifact.uri = str(tmp_path / "anomalies")
  artifact.split_names = artifact_utils.encode_split_names(sorted(anomalies_by_split))
  for split, anomalies in anomalies_by_split.items():
    split_dir = tmp_path / "anomalies" / f"Split-{split}"
    split_dir.mkdir(parents=True)
    (split_dir / executor.ANOMALIES_FILE).write_bytes(anomalies.SerializeToString())
  return artifact


@pytest.fixture(scope="module")
def corrupted_anomalies(tmp_path_factory):
  path = project_data.write_corrupted_span(SPAN, tmp_path_factory.mktemp("data"), rows=300)
  stats = tfdv.generate_statistics_from_csv(str(path))
  return tfdv.validate_statistics(stats, project_data.schema())


def test_names_each_broken_feature_and_its_anomaly(corrupted_anomalies):
  lines = executor.describe_anomalies({"train": corrupted_anomalies})
  text = "\n".join(lines)
  assert f"feature '{project_data.bad_value_column()}'" in text
  assert "Unexpected data type" in text
  assert f"feature '{project_data.dropped_column()}'" in text
  assert "Column dropped" in text
  assert all(line.startswith("split 'train'") for line in lines)


def test_check_raises_with_the_data_description(tmp_path, corrupted_anomalies):
  artifact = _artifact(tmp_path, {"train": corrupted_anomalies,
                                  "eval": anomalies_pb2.Anomalies()})
  description = SETTINGS.span_glob(SPAN)
  with pytest.raises(executor.DataAnomaliesError) as error:
    executor.check(artifact, description)
  assert description in str(error.value)
  assert "nothing was pushed" in str(error.value)


def test_clean_span_passes(tmp_path):
  stats = tfdv.generate_statistics_from_csv(str(SETTINGS.data_root / SETTINGS.span_glob(SPAN)))
  clean = tfdv.validate_statistics(stats, project_data.schema())
  assert executor.describe_anomalies({"train": clean}) == []
  executor.check(_artifact(tmp_path, {"train": clean}), SETTINGS.span_folder(SPAN))
