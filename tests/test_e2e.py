"""End-to-end LocalDagRunner run on sampled spans: what MLMD and the serving
folder hold afterwards, the served model's answers, and caching on rerun."""
import json

import numpy as np
import tensorflow as tf

from components.serving_manifest import executor as manifest
from pipeline import configs, metadata
from tests import rows

STANDARD_COMPONENTS = ("CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "ExampleValidator",
                       "Transform", "Tuner", "Trainer", "Evaluator", "Pusher")
CUSTOM_COMPONENTS = ("AnomalyGate", "DriftDetector", "CompatibilityGuard")
RESOLVERS = ("training_window_resolver", "latest_blessed_model_resolver", "candidate_lineage_resolver",
             "served_model_baseline_resolver")


def _executions(run):
  store = run.store()
  return [e for run_id in run.run_ids
          for e in metadata.run_executions(store, configs.PIPELINE_NAME, run_id)]


def test_every_component_executed_successfully(first_run):
  states = {}
  for execution in _executions(first_run):
    states.setdefault(execution.node_id, set()).add(execution.state)
  for node in STANDARD_COMPONENTS + CUSTOM_COMPONENTS:
    # ImportSchemaGen runs once (ingest of the first span), then is reused.
    assert "COMPLETE" in states.get(node, set()), (node, states.get(node))
  assert not any("FAILED" in s for s in states.values()), states


def test_model_was_trained_on_every_span_of_the_window(first_run):
  store = first_run.store()
  transform = next(e for e in metadata.run_executions(store, configs.PIPELINE_NAME, first_run.run_ids[-1])
                   if e.node_id == "Transform")
  examples = metadata.input_artifacts(store, transform.execution.id)["examples"]
  assert sorted(metadata.custom(a, "span") for a in examples) == list(range(2013, 2015))


def test_blessed_model_is_pushed_into_a_versioned_folder(first_run):
  report = first_run.report
  assert report.blessed is True
  assert report.metrics["auc"] >= configs.MIN_AUC
  versions = sorted(p.name for p in first_run.paths.serving_dir.iterdir())
  assert versions == [report.pushed_version, manifest.FILE_NAME]
  assert report.pushed_path.endswith(report.pushed_version)
  active = manifest.read(str(first_run.paths.serving_dir))
  assert active["active_version"] == report.pushed_version and active["role"] == "primary"
  assert active["excluded_features"] == [] and active["previous"] is None


def _serve(run, examples):
  loaded = tf.saved_model.load(run.report.pushed_path)
  output = loaded.signatures["serving_default"](examples=tf.constant(examples))
  return output["probabilities"].numpy()


def test_served_model_answers_raw_csv_rows_with_probabilities(first_run):
  # Rows of a later year the model never saw, as tf.Examples built from CSV.
  raw_rows = rows.read_rows(2015, 50)
  probabilities = _serve(first_run, [rows.to_example(r) for r in raw_rows])
  assert probabilities.shape == (50, 1)
  assert ((probabilities >= 0) & (probabilities <= 1)).all()
  assert probabilities.std() > 0.01, "a trained model does not answer a constant"


def test_served_model_needs_neither_tips_nor_optional_features(first_run):
  row = rows.read_rows(2015, 1)[0]
  for optional in ("tips", "company", "dropoff_latitude", "dropoff_longitude"):
    row[optional] = ""
  probability = _serve(first_run, [rows.to_example(row)])
  assert np.isfinite(probability).all() and 0 <= probability[0, 0] <= 1


def test_rerun_with_nothing_changed_reuses_every_execution(first_run, second_run):
  executions = _executions(second_run)
  components = [e for e in executions if e.node_id not in RESOLVERS]
  assert {e.node_id for e in components} >= set(STANDARD_COMPONENTS)
  assert all(e.state == "CACHED" for e in components), [
      (e.node_id, e.state) for e in components if e.state != "CACHED"]
  assert second_run.report.pushed_version == first_run.report.pushed_version
  assert sorted(p.name for p in second_run.paths.serving_dir.iterdir()) == [
      first_run.report.pushed_version, manifest.FILE_NAME]


def test_predict_command_scores_a_csv_file(first_run, tmp_path, capsys):
  from pipeline import __main__ as cli
  csv_path = tmp_path / "trips.csv"
  lines = (rows.configs.DATA_ROOT / "span-2016" / "trips.csv").read_text().splitlines()[:6]
  csv_path.write_text("\n".join(lines) + "\n")
  assert cli.main(["predict", "--csv", str(csv_path),
                   "--output-dir", str(first_run.paths.output_dir)]) == 0
  printed = capsys.readouterr().out
  assert first_run.report.pushed_version in printed
  scores = [float(l.rsplit("=", 1)[1]) for l in printed.splitlines() if "P(big tipper)" in l]
  assert len(scores) == 5 and all(0 <= s <= 1 for s in scores)


def test_compatibility_guard_sits_before_the_pusher_and_records_its_verdict(first_run):
  store = first_run.store()
  executions = metadata.run_executions(store, configs.PIPELINE_NAME, first_run.run_ids[-1])
  order = [e.node_id for e in executions]
  assert order.index("Evaluator") < order.index("CompatibilityGuard") < order.index("Pusher")
  guard = executions[order.index("CompatibilityGuard")]
  (verdict,) = metadata.output_artifacts(store, guard.execution.id)["verdict"]
  assert metadata.custom(verdict, "compatible") == 1
  inputs = metadata.input_artifacts(store, guard.execution.id)
  # The schema and Transform graph reached the guard by lineage of this model.
  trainer = executions[order.index("Trainer")]
  trainer_inputs = metadata.input_artifacts(store, trainer.execution.id)
  assert inputs["transform_graph"][0].id == trainer_inputs["transform_graph"][0].id
  assert inputs["trained_schema"][0].id == trainer_inputs["schema"][0].id


def test_lineage_answers_who_built_the_pushed_model_when_and_how(first_run, capsys):
  from pipeline import __main__ as cli
  from pipeline.pipeline import model_code_fingerprint
  assert cli.main(["lineage", "--output-dir", str(first_run.paths.output_dir),
                   "--model", first_run.report.pushed_version, "--format", "json"]) == 0
  facts = json.loads(capsys.readouterr().out)
  assert facts["version"] == first_run.report.pushed_version
  assert facts["pushed_to"] == first_run.report.pushed_path
  assert [s["span"] for s in facts["data"]] == [2013, 2014]
  assert all(s["fingerprint"].startswith("split:") for s in facts["data"])
  assert facts["built"]["model_code_sha256"] == model_code_fingerprint()
  assert set(facts["hyperparameters"]) == {"learning_rate", "hidden_units", "hidden_layers"}
  assert facts["evaluation"]["metrics"]["auc"] == first_run.report.metrics["auc"]
  assert facts["blessing"]["blessed"] is True
  assert facts["blessing"]["for_model"] == facts["model"]["mlmd_id"]
  assert facts["drift_reports"] and facts["drift_reports"][0]["verdict"] == "no baseline"
  from pipeline import provenance
  built_by = facts["provenance"]
  assert built_by["user"] and built_by["host"] and built_by["version_tfx"] == "1.16.0"
  assert built_by["config_sha256"] == provenance.config_sha256()
  assert len(built_by["git_commit"]) == 40 and built_by["git_dirty"] in (0, 1)
  assert cli.main(["lineage", "--output-dir", str(first_run.paths.output_dir), "--model", "1"]) == 1
  assert "no pushed model has version 1" in capsys.readouterr().err


def test_inspect_notebook_runs_against_the_run(first_run, monkeypatch):
  import nbclient
  import nbformat
  monkeypatch.setenv("MODEL_FACTORY_OUTPUT_DIR", str(first_run.paths.output_dir))
  notebook = nbformat.read(str(configs.REPO_ROOT / "notebooks" / "inspect_run.ipynb"), as_version=4)
  nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                          resources={"metadata": {"path": str(configs.REPO_ROOT)}}).execute()
  printed = "".join(o.get("text", "") for cell in notebook.cells for o in cell.get("outputs", []))
  assert f"Model version {first_run.report.pushed_version}" in printed
  assert "rows scored" in printed


def test_model_card_is_written_next_to_the_pushed_model(first_run):
  from pipeline.model import features
  card = (first_run.paths.serving_dir / first_run.report.pushed_version / "model_card.md").read_text()
  for section in ("## Intended use", "## Training data", "## Evaluation", "## When not to use"):
    assert section in card
  for feature in features.raw_input_features():
    assert f"| {feature} |" in card, feature
  assert "| payment_type = Credit Card |" in card and "| trip_start_hour = " in card
  assert "Among credit-card trips" in card and "Drift verdict when it was trained" in card
  page = (first_run.paths.serving_dir / first_run.report.pushed_version / "model_card.html").read_text()
  assert "<h2>When not to use this model</h2>" in page and "<td>payment_type = Credit Card</td>" in page
