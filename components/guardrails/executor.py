"""Guardrails executor: reads a bounded sample of the training window's
rows, derives their label with the project's label function, runs the pure
checks (checks.py), acts on each finding and writes the report."""
import dataclasses
import html
import importlib
import json
import os

import numpy as np
import pandas as pd
import tensorflow as tf
from absl import logging
from tensorflow_transform.tf_metadata import schema_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components.contracts import artifacts, files
from components.guardrails import checks

ACTIONS = ("warn", "exclude", "refuse")
_SCHEMA_FILE = "schema.pbtxt"


class GuardrailsRefusedError(RuntimeError):
  """A finding whose action is "refuse": nothing was trained."""


def decide(findings: list, actions: dict, label_sources=()) -> tuple:
  """([(finding, action)], excluded features, refused findings). "exclude"
  applies to findings about one feature; for the others it means "warn". A
  column the label is computed from cannot be left out of the training
  schema: excluding it refuses instead."""
  decided, excluded, refused = [], [], []
  for finding in findings:
    action = actions.get(finding.check, "warn")
    if action == "exclude" and finding.feature is None:
      action = "warn"
    if action == "exclude" and finding.feature in set(label_sources):
      action = "refuse"
      finding = dataclasses.replace(finding, message=(
          f"{finding.message} (it cannot be excluded: the label is computed from it; take it "
          "out of the feature lists in features.py)"))
    decided.append((finding, action))
    if action == "exclude" and finding.feature not in excluded:
      excluded.append(finding.feature)
    elif action == "refuse":
      refused.append(finding)
  return decided, excluded, refused


def refusal(refused: list) -> str:
  lines = ["Guardrails refused the training data; nothing was trained or pushed:"]
  lines += [f"  - [{f.check}] {f.message}" for f in refused]
  lines.append("Fix the data or the feature lists (pipeline/project/features.py), or set "
               "GUARDRAIL_ACTIONS[check] in pipeline/project/settings.py to 'warn' or 'exclude'.")
  return "\n".join(lines)


def _function(path: str):
  module, name = path.rsplit(".", 1)
  return getattr(importlib.import_module(module), name)


def _column(tensor, rows: int) -> np.ndarray:
  """One raw feature (a SparseTensor: the schema's features are optional in
  shape) as a column: its first value per row, NaN/None where missing."""
  text = tensor.dtype == tf.string
  column = np.full(rows, None if text else np.nan, dtype=object if text else float)
  first = np.unique(tensor.indices[:, 0].numpy(), return_index=True)
  values = tensor.values.numpy()[first[1]]
  column[first[0]] = [v.decode("utf-8", "replace") for v in values] if text else values
  return column


def sample(examples: list, schema, sample_rows: int) -> tuple:
  """(parsed raw features, span of each row): up to `sample_rows` rows, the
  same share of each span, from every split."""
  spec = schema_utils.schema_as_feature_spec(schema).feature_spec
  per_span = max(1, sample_rows // max(len(examples), 1))
  serialized, spans = [], []
  for artifact in examples:
    splits = artifact_utils.decode_split_names(artifact.split_names)
    paths = [p for s in splits for p in sorted(tf.io.gfile.glob(
        os.path.join(artifact_utils.get_split_uri([artifact], s), "*.gz")))]
    records = list(tf.data.TFRecordDataset(paths, compression_type="GZIP").take(per_span)
                   .as_numpy_iterator())
    serialized += records
    spans += [artifacts.span_of(artifact)] * len(records)
  return tf.io.parse_example(tf.constant(serialized), spec), np.array(spans)


def findings_of(parsed, spans, config: dict) -> list:
  rows = len(spans)
  label = _function(config["label_fn"])(parsed).numpy().astype(float)
  column = config["label_column"]
  if column and column in parsed:  # a raw label: rows without it have none
    present = np.zeros(rows, bool)
    present[parsed[column].indices[:, 0].numpy()] = True
    label[~present] = np.nan
  if config["task"] != "regression" and not np.isnan(label).any():
    label = label.astype(int)
  features = [f for f in config["features"] if f in parsed]
  frame = pd.DataFrame({f: _column(parsed[f], rows) for f in features})
  return checks.run_all(frame, label, spans, config["task"], features, config["categorical"],
                        config["outcome_columns"], {**checks.DEFAULT_LIMITS, **config["limits"]})


def render_html(report: dict) -> str:
  rows = "".join(f"<tr><td>{html.escape(f['action'])}</td><td>{html.escape(f['check'])}</td>"
                 f"<td>{html.escape(f['feature'] or '')}</td><td>{html.escape(f['message'])}</td></tr>"
                 for f in report["findings"])
  return ("<!doctype html><meta charset='utf-8'><title>Guardrails</title>"
          f"<h1>Guardrails: {len(report['findings'])} finding(s)</h1>"
          f"<p>Excluded from training: {html.escape(', '.join(report['excluded_features']) or 'none')}"
          f"; refused: {'yes' if report['refused'] else 'no'}.</p>"
          "<table border=1><tr><th>action</th><th>check</th><th>feature</th><th>finding</th></tr>"
          f"{rows}</table>")


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    from components.guardrails import component as c  # keys; avoids an import cycle
    config = json.loads(exec_properties[c.CONFIG_KEY])
    schema_dir = artifact_utils.get_single_uri(input_dict[c.SCHEMA_KEY])
    schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_dir))
    parsed, spans = sample(input_dict[c.EXAMPLES_KEY], schema, config["sample_rows"])
    decided, excluded, refused = decide(findings_of(parsed, spans, config), config["actions"],
                                        config["label_sources"])
    report = {"findings": [{**f.to_dict(), "action": a} for f, a in decided],
              "excluded_features": excluded, "refused": bool(refused), "rows": len(spans)}
    out = artifact_utils.get_single_instance(output_dict[c.REPORT_KEY])
    files.write_json(os.path.join(out.uri, files.GUARDRAILS_JSON), report)
    with files.open_file(os.path.join(out.uri, files.GUARDRAILS_HTML), "w") as f:
      f.write(render_html(report))
    out.set_string_custom_property(artifacts.FINDINGS, "\n".join(
        f"{a}: {f.message}" for f, a in decided))
    out.set_string_custom_property(artifacts.EXCLUDED_FEATURES, ",".join(excluded))
    out.set_int_custom_property(artifacts.REFUSED, int(bool(refused)))
    kept = [f for f in schema.feature if f.name not in set(excluded)]
    del schema.feature[:]
    schema.feature.extend(kept)
    training = artifact_utils.get_single_uri(output_dict[c.TRAINING_SCHEMA_KEY])
    io_utils.write_pbtxt_file(os.path.join(training, _SCHEMA_FILE), schema)
    logging.info("Guardrails: %d finding(s), excluded %s", len(decided), excluded)
    if refused:
      raise GuardrailsRefusedError(refusal(refused))
