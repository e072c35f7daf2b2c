"""End-to-end LocalDagRunner run on sampled spans: what MLMD and the serving
folder hold afterwards, the served model's answers, and caching on rerun."""
import collections
import html
import importlib
import json
import pathlib

import numpy as np
import tensorflow as tf
from tensorflow_metadata.proto.v0 import schema_pb2

from components.contracts import artifacts as contract
from components.contracts import metrics
from components.contracts import model_io
from components.serving_manifest import executor as manifest
from pipeline.definition import node_ids as n
from pipeline.mlmd import queries
from pipeline.operations import lineage, model_card, predict
from tests import project_data

SETTINGS = project_data.SETTINGS
SCOPES = (predict.OK, predict.CAUTION, predict.OUT_OF_SCOPE)
STANDARD_COMPONENTS = (n.EXAMPLE_GEN, n.STATISTICS_GEN, n.SCHEMA_GEN, n.EXAMPLE_VALIDATOR,
                       n.TRANSFORM, n.TUNER, n.TRAINER, n.EVALUATOR, n.PUSHER)
CUSTOM_COMPONENTS = (n.ANOMALY_GATE, n.DRIFT_DETECTOR, n.COMPATIBILITY_GUARD)
RESOLVERS = (n.TRAINING_WINDOW_RESOLVER, n.LATEST_BLESSED_MODEL_RESOLVER,
             n.CANDIDATE_LINEAGE_RESOLVER, n.SERVED_MODEL_RESOLVER)


def run_executions(run):
  store = run.store()
  return [e for run_id in run.run_ids
          for e in queries.run_executions(store, SETTINGS.pipeline_name, run_id)]


def assert_every_component_completed(run):
  states = {}
  for execution in run_executions(run):
    states.setdefault(execution.node_id, set()).add(execution.state)
  for node in STANDARD_COMPONENTS + CUSTOM_COMPONENTS:
    # ImportSchemaGen runs once (ingest of the first span), then is reused.
    assert "COMPLETE" in states.get(node, set()), (node, states.get(node))
  assert not any("FAILED" in s for s in states.values()), states


def test_every_component_executed_successfully(first_run):
  assert_every_component_completed(first_run)


def test_model_was_trained_on_every_span_of_the_window(first_run):
  store = first_run.store()
  transform = next(e for e in queries.run_executions(store, SETTINGS.pipeline_name,
                                                     first_run.run_ids[-1])
                   if e.node_id == n.TRANSFORM)
  examples = queries.input_artifacts(store, transform.execution.id)["examples"]
  assert sorted(queries.custom(a, contract.SPAN) for a in examples) == project_data.window_spans()


def test_blessed_model_is_pushed_into_a_versioned_folder(first_run):
  report = first_run.report
  assert report.blessed is True
  assert metrics.passes(SETTINGS.metric, report.metrics[SETTINGS.metric], SETTINGS.metric_threshold)
  versions = sorted(p.name for p in first_run.paths.serving_dir.iterdir())
  assert versions == [report.pushed_version, manifest.FILE_NAME]
  assert report.pushed_path.endswith(report.pushed_version)
  active = manifest.read(str(first_run.paths.serving_dir))
  assert active["active_version"] == report.pushed_version and active["role"] == "primary"
  assert active["excluded_features"] == [] and active["previous"] is None


def _serve(run, examples):
  loaded = tf.saved_model.load(run.report.pushed_path)
  output = loaded.signatures[model_io.SERVING_SIGNATURE](
      **{model_io.SERVING_INPUT: tf.constant(examples)})
  return output[model_io.output_key(SETTINGS.task)].numpy()


def _plausible(outputs) -> bool:
  """Probabilities for a classifier; finite values for regression."""
  if SETTINGS.task == "regression":
    return bool(np.isfinite(outputs).all())
  return bool(((outputs >= 0) & (outputs <= 1)).all())


def test_served_model_answers_raw_csv_rows_with_probabilities(first_run):
  # Rows of a later span the model never saw, as tf.Examples built from CSV.
  raw_rows = project_data.read_rows(project_data.unseen_span(), 50)
  outputs = _serve(first_run, [project_data.to_example(r) for r in raw_rows])
  assert outputs.shape == (50, len(SETTINGS.classes) if SETTINGS.task == "multiclass" else 1)
  assert _plausible(outputs)
  assert outputs.std() > 0.01, "a trained model does not answer a constant"


def test_served_model_needs_neither_outcomes_nor_optional_features(first_run):
  row = project_data.read_rows(project_data.unseen_span(), 1)[0]
  blanked = list(SETTINGS.outcome_columns) + project_data.optional_inputs()
  assert SETTINGS.outcome_columns
  for optional in blanked:
    row[optional] = ""
  output = _serve(first_run, [project_data.to_example(row)])
  assert np.isfinite(output).all() and _plausible(output)


def test_rerun_with_nothing_changed_reuses_every_execution(first_run, second_run):
  executions = run_executions(second_run)
  components = [e for e in executions if e.node_id not in RESOLVERS]
  assert {e.node_id for e in components} >= set(STANDARD_COMPONENTS)
  assert all(e.state == "CACHED" for e in components), [
      (e.node_id, e.state) for e in components if e.state != "CACHED"]
  assert second_run.report.pushed_version == first_run.report.pushed_version
  assert sorted(p.name for p in second_run.paths.serving_dir.iterdir()) == [
      first_run.report.pushed_version, manifest.FILE_NAME]


def test_predict_command_scores_a_csv_file(first_run, tmp_path, capsys):
  from pipeline import __main__ as cli
  csv_path = tmp_path / "rows.csv"
  project_data.read_span(project_data.unseen_span()).head(5).to_csv(csv_path, index=False)
  assert cli.main(["predict", "--csv", str(csv_path),
                   "--output-dir", str(first_run.paths.output_dir)]) == 0
  printed = capsys.readouterr().out
  assert first_run.report.pushed_version in printed
  rows = [line for line in printed.splitlines() if line.startswith("line ")]
  assert len(rows) == 5 and all(any(f"  {s}" in line for s in SCOPES) for line in rows)
  assert printed.splitlines()[-1].endswith(" rows") and "scope unknown" not in printed
  if SETTINGS.task == "binary":
    scores = [float(l.split(" = ", 1)[1].split()[0]) for l in rows]
    assert all(0 <= s <= 1 for s in scores)


def test_predict_flags_rows_outside_the_models_envelope(first_run):
  envelope = predict.read_envelope(first_run.report.pushed_path)
  row = dict(project_data.read_rows(project_data.window()[1], 1)[0])
  assert predict.scope(row, envelope)[0] in (predict.OK, predict.CAUTION)
  if envelope["levels"]:
    name = sorted(envelope["levels"])[0]
    status, reasons = predict.scope(dict(row, **{name: "a level never seen"}), envelope)
    assert status == predict.CAUTION or status == predict.OUT_OF_SCOPE
    assert any(f"{name} = 'a level never seen' was never seen in training" in r for r in reasons)
  name, (low, high) = sorted(envelope["ranges"].items())[0]
  beyond = high + (high - low) + 1.0
  status, reasons = predict.scope(dict(row, **{name: str(beyond)}), envelope)
  assert status == predict.OUT_OF_SCOPE and any(f"{name} = {beyond:g} is outside" in r
                                                for r in reasons)
  for missing in envelope["never_missing"][:1]:
    status, reasons = predict.scope(dict(row, **{missing: ""}), envelope)
    assert status == predict.OUT_OF_SCOPE and f"{missing} is missing" in reasons[0]


def test_the_model_cards_do_not_use_section_comes_from_computed_facts(first_run):
  card = (pathlib.Path(first_run.report.pushed_path) / model_card.FILE_NAME).read_text()
  do_not_use = card.split("## Do not use this model when", 1)[1]
  facts = lineage.explain(first_run.store(), first_run.report.pushed_version)
  for finding in facts["guardrails"]["findings"]:
    assert finding["message"] in do_not_use
  for weak in predict.read_envelope(first_run.report.pushed_path)["weak_slices"]:
    assert f"Rows with {weak['feature']} = {weak['value']}: its " in do_not_use
  assert "## Use this model when" in card


def test_compatibility_guard_sits_before_the_pusher_and_records_its_verdict(first_run):
  store = first_run.store()
  executions = queries.run_executions(store, SETTINGS.pipeline_name, first_run.run_ids[-1])
  order = [e.node_id for e in executions]
  assert order.index(n.EVALUATOR) < order.index(n.COMPATIBILITY_GUARD) < order.index(n.PUSHER)
  guard = executions[order.index(n.COMPATIBILITY_GUARD)]
  (verdict,) = queries.output_artifacts(store, guard.execution.id)["verdict"]
  assert queries.custom(verdict, contract.COMPATIBLE) == 1
  inputs = queries.input_artifacts(store, guard.execution.id)
  # The schema and Transform graph reached the guard by lineage of this model.
  trainer = executions[order.index(n.TRAINER)]
  trainer_inputs = queries.input_artifacts(store, trainer.execution.id)
  assert inputs["transform_graph"][0].id == trainer_inputs["transform_graph"][0].id
  assert inputs["trained_schema"][0].id == trainer_inputs["schema"][0].id


def test_lineage_answers_who_built_the_pushed_model_when_and_how(first_run, capsys):
  from pipeline import __main__ as cli
  from pipeline.definition import training
  from pipeline.operations import provenance
  assert cli.main(["lineage", "--output-dir", str(first_run.paths.output_dir),
                   "--model", first_run.report.pushed_version, "--format", "json"]) == 0
  facts = json.loads(capsys.readouterr().out)
  assert facts["version"] == first_run.report.pushed_version
  assert facts["pushed_to"] == first_run.report.pushed_path
  assert [s["span"] for s in facts["data"]] == project_data.window_spans()
  assert all(s["fingerprint"].startswith("split:") for s in facts["data"])
  assert facts["built"]["model_code_sha256"] == training.code_fingerprint(SETTINGS)
  # The Tuner's best values of the project's search space.
  tuner_module = importlib.import_module(SETTINGS.tuner_fn.rsplit(".", 1)[0])
  assert set(facts["hyperparameters"]) == set(tuner_module.search_space().values)
  assert facts["evaluation"]["metrics"][SETTINGS.metric] == first_run.report.metrics[SETTINGS.metric]
  assert facts["blessing"]["blessed"] is True
  assert facts["blessing"]["for_model"] == facts["model"]["mlmd_id"]
  assert facts["drift_reports"] and facts["drift_reports"][0]["verdict"] == "no baseline"
  built_by = facts["provenance"]
  assert built_by["user"] and built_by["host"] and built_by["version_tfx"] == "1.16.0"
  assert built_by["config_sha256"] == provenance.config_sha256(SETTINGS)
  assert len(built_by["git_commit"]) == 40 and built_by["git_dirty"] in (0, 1)
  assert cli.main(["lineage", "--output-dir", str(first_run.paths.output_dir), "--model", "1"]) == 1
  assert "no pushed model has version 1" in capsys.readouterr().err


def _most_frequent(column, data_root):
  """The column's most frequent value over the window's sampled spans."""
  counts = collections.Counter(v for span in project_data.window_spans()
                               for v in project_data.read_span(span, data_root)[column] if v != "")
  return counts.most_common(1)[0][0]


def test_model_card_is_written_next_to_the_pushed_model(first_run, sample_data_root):
  folder = first_run.paths.serving_dir / first_run.report.pushed_version
  card = (folder / model_card.FILE_NAME).read_text()
  page = (folder / model_card.HTML_FILE_NAME).read_text()
  for section in ("## Intended use", "## Training data", "## Evaluation",
                  "## Use this model when", "## Do not use this model when"):
    assert section in card
  assert "<h2>Do not use this model when</h2>" in page
  for feature in SETTINGS.model_inputs:
    assert f"| {feature} |" in card, feature
  # A row per slice of each single-column slicing spec; the most frequent
  # training value of a string or integer column has its own row.
  for (feature, *rest) in SETTINGS.slice_features:
    if rest:
      continue
    assert f"| {feature} = " in card, feature
    if project_data.column_type(feature) in (schema_pb2.BYTES, schema_pb2.INT):
      value = _most_frequent(feature, sample_data_root)
      assert f"| {feature} = {value} |" in card, (feature, value)
      assert f"<td>{html.escape(f'{feature} = {value}')}</td>" in page, (feature, value)
  for caveat in SETTINGS.model_card_caveats:
    assert caveat in card
  assert SETTINGS.model_card_title in card and "Drift verdict when it was trained" in card
