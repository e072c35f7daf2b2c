"""CsvExampleGen's executor, preceded by the input check: every CSV file of
the span is checked (checks.py) before Beam reads any of it, so that a bad
file is refused with its name, line and a fix, rather than failing later in
Beam or TFDV. The check runs exactly when ExampleGen runs: its driver skips
both when the files' fingerprint is unchanged."""
import os

import tensorflow as tf
import tensorflow_data_validation as tfdv
from absl import logging
from google.protobuf import json_format, struct_pb2
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.components.example_gen.csv_example_gen import executor as csv_executor
from tfx.proto import example_gen_pb2
from tfx.types import standard_component_specs as specs
from tfx.utils import proto_utils

from components.contracts import artifacts as contract
from components.input_check import checks

# Keys of the check's configuration (ExampleGen's custom_config).
SCHEMA_FILE = "schema_file"
NEW_COLUMNS = "new_columns"  # "warn" or "refuse"
DUPLICATES = "duplicates"  # "warn" or "refuse"
DUPLICATE_SHARE = "duplicate_share"  # at or above: a finding


class InputRefusedError(RuntimeError):
  """Raised before ExampleGen reads anything: the span's files are unfit."""


def expected_from(schema: schema_pb2.Schema) -> checks.Expected:
  return checks.Expected(
      columns=frozenset(f.name for f in schema.feature),
      required=tuple(f.name for f in schema.feature if f.presence.min_fraction >= 1.0),
      integers=frozenset(f.name for f in schema.feature if f.type == schema_pb2.INT))


def check_span(input_base: str, pattern: str, config: dict) -> list:
  """Checks every file of the span; returns the warnings, raises
  InputRefusedError listing every problem."""
  files = sorted(tf.io.gfile.glob(os.path.join(input_base, pattern)))
  if not files:
    raise InputRefusedError(f"no file matches {os.path.join(input_base, pattern)}")
  expected = expected_from(tfdv.load_schema_text(config[SCHEMA_FILE]))
  errors, warnings, first = [], [], None
  for path in files:
    with tf.io.gfile.GFile(path, "rb") as f:
      found = checks.check_file(path, f, expected)
    errors += found.errors
    if found.errors:
      continue
    first = first or found
    if found.header != first.header:
      errors.append(f"{path}, line 1: the header differs from {first.path}'s; every file of a "
                    "span needs the same columns in the same order")
    if found.new_columns:
      (errors if config[NEW_COLUMNS] == "refuse" else warnings).append(
          f"{path}: column(s) {', '.join(found.new_columns)} are not in the schema; training "
          "ignores them (settings INPUT_NEW_COLUMNS; add them to the schema to use them)")
    if found.rows and found.duplicate_share >= config[DUPLICATE_SHARE]:
      (errors if config[DUPLICATES] == "refuse" else warnings).append(
          f"{path}: {found.duplicate_rows} of {found.rows} rows ({found.duplicate_share:.0%}) "
          "repeat an earlier row (settings INPUT_DUPLICATES)")
  if errors:
    raise InputRefusedError(
        f"Input data {os.path.join(input_base, pattern)} refused before ingestion; nothing was "
        "ingested, trained or pushed:\n  - " + "\n  - ".join(errors))
  return warnings


def config_proto(config: dict) -> example_gen_pb2.CustomConfig:
  """The check's configuration as ExampleGen's custom_config."""
  proto = example_gen_pb2.CustomConfig()
  proto.custom_config.Pack(json_format.ParseDict(config, struct_pb2.Struct()))
  return proto


def _config(exec_properties) -> dict:
  proto = proto_utils.json_to_proto(exec_properties[specs.CUSTOM_CONFIG_KEY],
                                    example_gen_pb2.CustomConfig())
  struct = struct_pb2.Struct()
  proto.custom_config.Unpack(struct)
  return json_format.MessageToDict(struct)


class Executor(csv_executor.Executor):
  """CsvExampleGen's, after the input check of every split's files."""

  def Do(self, input_dict, output_dict, exec_properties):
    input_config = proto_utils.json_to_proto(exec_properties[specs.INPUT_CONFIG_KEY],
                                             example_gen_pb2.Input())
    config = _config(exec_properties)
    warnings = []
    for split in input_config.splits:  # patterns with the span already filled in
      warnings += check_span(exec_properties[specs.INPUT_BASE_KEY], split.pattern, config)
    for warning in warnings:
      logging.warning("input check: %s", warning)
    super().Do(input_dict, output_dict, exec_properties)
    for examples in output_dict[specs.EXAMPLES_KEY]:
      examples.set_string_custom_property(contract.INPUT_WARNINGS, "\n".join(warnings))
