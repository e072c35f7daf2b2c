"""Querying a pushed model: raw CSV rows in, the model's scores out."""
import csv
import os
import pathlib

import tensorflow as tf
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from components.contracts import files, model_io
from components.serving_manifest import executor as manifest
from pipeline.operations import model_card

_CASTS = {schema_pb2.INT: lambda v: int(float(v)), schema_pb2.FLOAT: float,
          schema_pb2.BYTES: str.encode}


def typed_row(row: dict, schema) -> dict:
  """{column: [value]} from a CSV row of strings; an empty cell gives []."""
  types = {f.name: f.type for f in schema.feature}
  unknown = set(row) - set(types)
  if unknown:
    raise ValueError(f"columns {sorted(unknown)} are not in the schema")
  return {name: [_CASTS[types[name]](value)] if value != "" else []
          for name, value in row.items()}


def to_example(row: dict, schema) -> bytes:
  """A serialized tf.Example holding the non-empty cells of a CSV row."""
  feature = {}
  for name, values in typed_row(row, schema).items():
    if not values:
      continue
    if isinstance(values[0], bytes):
      feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    elif isinstance(values[0], int):
      feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    else:
      feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=values))
  return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def latest_version(serving_dir: pathlib.Path) -> pathlib.Path:
  versions = sorted((p for p in serving_dir.iterdir() if p.name.isdigit()),
                    key=lambda p: int(p.name)) if serving_dir.is_dir() else []
  if not versions:
    raise FileNotFoundError(f"no pushed model under {serving_dir}; run `make run` first")
  return versions[-1]


def active_version(serving_dir: pathlib.Path) -> pathlib.Path:
  """The version the serving manifest names; the newest one if there is no
  manifest (a serving folder written before manifests existed)."""
  current = manifest.read(str(serving_dir))
  if current is None:
    return latest_version(serving_dir)
  if not current["active_version"]:
    waiting = ", ".join(c["version"] for c in current.get("pending", []))
    raise FileNotFoundError(f"no model is served from {serving_dir} yet: candidate(s) {waiting} "
                            "wait for `python -m pipeline approve VERSION --by NAME`")
  return pathlib.Path(serving_dir) / current["active_version"]


OK, CAUTION, OUT_OF_SCOPE = "ok", "caution", "out-of-scope"


def _number(text):
  try:
    return float(text)
  except ValueError:
    return None


def scope(row: dict, envelope: dict) -> tuple:
  """(OK, CAUTION or OUT_OF_SCOPE, reasons) of one raw CSV row against the
  model's envelope (model_card.envelope): a value outside the training range
  or a missing input that was never missing in training is out of scope; an
  unseen level or a row in a weak slice calls for caution."""
  out, caution = [], []
  for name in envelope["never_missing"]:
    if row.get(name, "") == "":
      out.append(f"{name} is missing (never missing in training)")
  for name, (low, high) in envelope["ranges"].items():
    value = _number(row.get(name, "") or "nan")
    if value is not None and value == value and not low <= value <= high:
      out.append(f"{name} = {value:g} is outside the training range {low:g} to {high:g}")
  for name, levels in envelope["levels"].items():
    value = row.get(name, "")
    if value != "" and value not in set(levels):
      caution.append(f"{name} = {value!r} was never seen in training")
  for weak in envelope["weak_slices"]:
    if str(row.get(weak["feature"], "")) == str(weak["value"]):
      caution.append(f"{weak['feature']} = {weak['value']} is a weak slice "
                     f"({envelope['metric']} {weak['metric']:.3f})")
  status = OUT_OF_SCOPE if out else CAUTION if caution else OK
  return status, out + caution


def read_envelope(model_dir) -> dict:
  """The envelope written beside the model card; None for a model without one."""
  path = os.path.join(str(model_dir), model_card.ENVELOPE_FILE_NAME)
  return files.read_json(path) if tf.io.gfile.exists(path) else None


def read_rows(csv_path) -> list:
  with open(csv_path, newline="") as f:
    return list(csv.DictReader(f))


def predict_csv(csv_path: pathlib.Path, model_dir: pathlib.Path, schema_path, task: str) -> list:
  """The model's output for every row of a CSV file with the training
  columns: a list per row (binary: [P(positive)]; multiclass: one
  probability per class; regression: [value])."""
  schema = tfdv.load_schema_text(str(schema_path))
  rows = read_rows(csv_path)
  examples = []
  for number, row in enumerate(rows, start=2):  # line 1 is the header
    try:
      examples.append(to_example(row, schema))
    except ValueError as error:
      raise ValueError(f"{csv_path}, line {number}: {error}") from error
  serve = tf.saved_model.load(str(model_dir)).signatures[model_io.SERVING_SIGNATURE]
  outputs = serve(**{model_io.SERVING_INPUT: tf.constant(examples)})[model_io.output_key(task)]
  return outputs.numpy().tolist()


def describe(output: list, settings) -> str:
  """One row's output in words: a probability, the likeliest classes, or a value."""
  if settings.task == "binary":
    return f"P({settings.label_key}) = {output[0]:.3f}"
  if settings.task == "regression":
    return f"{settings.label_key} = {output[0]:.4g}"
  ranked = sorted(zip(output, settings.classes), reverse=True)
  others = ", ".join(f"{name} {p:.3f}" for p, name in ranked[1:3])
  return f"{settings.label_key} = {ranked[0][1]} (P {ranked[0][0]:.3f}; next: {others})"
