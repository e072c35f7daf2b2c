"""Real taxi rows from the bundled CSV spans, typed by the curated schema."""
import csv

import tensorflow as tf
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from pipeline import configs

_CASTS = {schema_pb2.INT: lambda v: int(float(v)), schema_pb2.FLOAT: float,
          schema_pb2.BYTES: str.encode}


def schema():
  return tfdv.load_schema_text(str(configs.SCHEMA_PATH))


def read_rows(span: int, count: int) -> list:
  """The first `count` rows of a span as {column: raw string}."""
  with open(configs.DATA_ROOT / f"span-{span}" / "trips.csv", newline="") as f:
    return [row for _, row in zip(range(count), csv.DictReader(f))]


def typed(row: dict) -> dict:
  """{feature: [value]} (or [] when the cell is empty), as TFT's instance dicts."""
  types = {f.name: f.type for f in schema().feature}
  return {name: [_CASTS[types[name]](value)] if value != "" else []
          for name, value in row.items()}


def to_example(row: dict) -> bytes:
  """A serialized tf.Example holding the non-empty cells of a CSV row."""
  feature = {}
  for name, values in typed(row).items():
    if not values:
      continue
    if isinstance(values[0], bytes):
      feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    elif isinstance(values[0], int):
      feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    else:
      feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
  return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()
