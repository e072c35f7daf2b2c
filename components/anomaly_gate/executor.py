"""Pure logic of the anomaly gate: read ExampleValidator's output, explain it."""
import os

from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.types import artifact_utils
from tfx.utils import io_utils

# ExampleValidator writes one binary Anomalies proto per split under this name.
ANOMALIES_FILE = "SchemaDiff.pb"


class DataAnomaliesError(RuntimeError):
  """Raised to stop the pipeline before anything trains on invalid data."""


def load_anomalies(anomalies_artifact) -> dict:
  """Returns {split name: Anomalies proto} for an ExampleAnomalies artifact."""
  result = {}
  for split in artifact_utils.decode_split_names(anomalies_artifact.split_names):
    path = os.path.join(artifact_utils.get_split_uri([anomalies_artifact], split),
                        ANOMALIES_FILE)
    result[split] = anomalies_pb2.Anomalies.FromString(io_utils.read_bytes_file(path))
  return result


def describe_anomalies(anomalies_by_split: dict, tolerated=()) -> list:
  """One line per (split, feature) anomaly, naming both and TFDV's reason;
  reasons of a `tolerated` type (AnomalyInfo.Type names) are left out."""
  lines = []
  for split, anomalies in sorted(anomalies_by_split.items()):
    for feature, info in sorted(anomalies.anomaly_info.items()):
      reasons = "; ".join(f"{r.short_description}: {r.description}" for r in info.reason
                          if anomalies_pb2.AnomalyInfo.Type.Name(r.type) not in tolerated)
      if reasons:
        lines.append(f"split '{split}', feature '{feature}': {reasons}")
    if anomalies.HasField("dataset_anomaly_info"):
      reasons = "; ".join(r.description for r in anomalies.dataset_anomaly_info.reason)
      lines.append(f"split '{split}', whole dataset: {reasons}")
  return lines


def check(anomalies_artifact, data_description: str, tolerated=()) -> None:
  """Raises DataAnomaliesError listing every anomaly not `tolerated`;
  returns if there is none."""
  lines = describe_anomalies(load_anomalies(anomalies_artifact), tolerated)
  if lines:
    raise DataAnomaliesError(
        f"Input data {data_description} does not match the schema; "
        "the run stopped before Transform and Trainer and nothing was pushed.\n  "
        + "\n  ".join(lines)
        + "\nFix the data (or, if the change is intended, update schema/schema.pbtxt).")
