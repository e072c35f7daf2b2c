"""Drift-triggered fallback models, end to end (`monitor` runs on copies of
the shared first run's output, real LocalDagRunner, real SQLite MLMD):

- a span like the training data triggers no fallback;
- a span whose `company` is replaced by unseen names and whose `trip_miles`
  is corrupted (x100) gets a fallback without those features, evaluated
  against the served model and pushed, with the manifest and MLMD lineage;
- a span where only the payment-type mix moves gets a fallback that loses,
  and the primary stays, with the reason;
- with policy `retrain`, the broken span triggers Transform + Tuner +
  Trainer on the newest window instead.
"""
import json
import pathlib
import shutil

import pandas as pd
import pytest
import tensorflow as tf
import tensorflow_transform as tft
from tfx.utils import path_utils

from components.champion_challenger import component as deciding
from components.fallback_planner import component as planning
from components.serving_manifest import executor as manifest
from pipeline import configs, local_runner, metadata, report, resolvers
from pipeline.model import model as model_code
from tests import conftest, rows


def _write_span(data_root, span, edit, source_span=2014, seed=7, n=1000):
  """Span `span`: rows of `source_span` the first run's sample did not use, edited."""
  frame = pd.read_csv(configs.DATA_ROOT / f"span-{source_span}" / "trips.csv", dtype=str,
                      keep_default_na=False)
  used = frame.sample(n=conftest.SAMPLE_ROWS, random_state=source_span).index
  rest = frame.drop(index=used).sample(frac=1.0, random_state=seed)
  edited = edit(rest).head(n)
  (data_root / f"span-{span}").mkdir(parents=True)
  edited.to_csv(data_root / f"span-{span}" / "trips.csv", index=False)


def _corrupt(frame):
  frame = frame.copy()
  frame["company"] = [f"Unseen Cab Co {i % 7}" for i in range(len(frame))]
  frame["trip_miles"] = (frame["trip_miles"].astype(float) * 100).map(str)
  return frame


def _card_heavy(frame):
  """Mostly card payments: the payment-type mix drifts, its meaning does not."""
  card = frame[frame["payment_type"] == "Credit Card"]
  other = frame[frame["payment_type"] != "Credit Card"]
  return pd.concat([card, other.head(len(card) // 6)]).sample(frac=1.0, random_state=3)


def _copy(first_run, root):
  shutil.copytree(first_run.paths.output_dir, root / "output")
  return local_runner.Paths(root / "output")


def _monitor(paths, data_root, span):
  return local_runner.monitor(data_root=data_root, span=span, window=(span - 1, span),
                              output_dir=paths.output_dir, policy="fallback", workers=1)


def _node(store, run_report, node_id):
  return next((e for e in run_report.executions if e.node_id == node_id), None)


@pytest.fixture(scope="module")
def replay(first_run, tmp_path_factory):
  """On one copy: span 2015 like the training data, then corrupted span 2016."""
  root = tmp_path_factory.mktemp("fallback")
  paths = _copy(first_run, root)
  data_root = root / "spans"
  _write_span(data_root, 2015, lambda f: f)
  _write_span(data_root, 2016, _corrupt, seed=11)
  manifest_before = manifest.read(str(paths.serving_dir))
  quiet = _monitor(paths, data_root, 2015)
  manifest_after_quiet = manifest.read(str(paths.serving_dir))
  drifted = _monitor(paths, data_root, 2016)
  return paths, quiet, drifted, manifest_before, manifest_after_quiet


def test_a_span_like_the_training_data_triggers_no_fallback(replay):
  paths, quiet, _, before, after = replay
  assert quiet.drift_verdict in ("no drift", "warn")
  store = metadata.open_store(paths.metadata_config())
  for node in ("FallbackPlanner", "FallbackTrainer", "FallbackPusher"):
    execution = _node(store, quiet, node)
    assert execution is None or execution.state != "COMPLETE", node
  assert quiet.fallback is None and quiet.pushed_version is None
  assert after == before and before["role"] == "primary"


def test_the_summaries_say_what_each_run_did(replay):
  paths, quiet, drifted, before, _ = replay
  quiet_text = report.format_summary(quiet, paths)
  assert "Nothing trained in this run" in quiet_text
  drifted_text = report.format_summary(drifted, paths)
  (line,) = [l for l in drifted_text.splitlines() if l.startswith("Fallback model without")]
  assert "company" in line and "trip_miles" in line and line.endswith(": SERVED")
  assert f"Model pushed: version {drifted.pushed_version}" in drifted_text
  assert f"Serving now: version {drifted.pushed_version} (fallback, without " in drifted_text


def test_a_broken_span_gets_a_fallback_without_the_drifted_features(replay):
  _, _, drifted, _, _ = replay
  assert drifted.drift_verdict == "drift"
  assert {"company", "trip_miles"} <= set(drifted.drifted_features.split(","))
  fallback = drifted.fallback
  assert {"company", "trip_miles"} <= set(fallback["excluded_features"])
  assert "fare" not in fallback["excluded_features"]  # the label is derived from it
  assert fallback["served"], fallback["reason"]
  assert "inputs are broken" in fallback["reason"] or "at least as good" in fallback["reason"]
  assert fallback["fallback_auc"] >= configs.MIN_AUC


def test_the_fallbacks_graph_and_signature_do_not_need_the_excluded_features(replay):
  paths, _, drifted, _, _ = replay
  store = metadata.open_store(paths.metadata_config())
  transform = _node(store, drifted, "FallbackTransform")
  graph = metadata.output_artifacts(store, transform.execution.id)["transform_graph"][0]
  raw = tft.TFTransformOutput(graph.uri).raw_feature_spec()
  assert "company" not in raw and "trip_miles" not in raw and "fare" in raw
  served = tf.saved_model.load(drifted.pushed_path).signatures["serving_default"]
  row = rows.read_rows(2014, 1)[0]
  without = {k: v for k, v in row.items() if k not in ("company", "trip_miles")}
  scores = [served(examples=tf.constant([rows.to_example(r)]))["probabilities"].numpy()[0, 0]
            for r in (without, dict(row, company="Anything Else Inc"), row)]
  assert 0.0 <= scores[0] <= 1.0
  assert scores[0] == pytest.approx(scores[1]) == pytest.approx(scores[2])


def test_the_fallback_did_not_warm_start_from_the_incompatible_primary(replay):
  """The served primary is the fallback Trainer's base_model (an MLMD link
  too), but it reads the excluded features: the check refuses, training is cold."""
  _, _, drifted, before, _ = replay
  facts = json.loads((pathlib.Path(drifted.pushed_path) / model_code.WARM_START_DIR /
                      model_code.FACTS_FILE).read_text())
  started = facts["warm_start"]
  assert started["base_model"] and not started["warm"]
  assert "feature 'company' the model reads is missing from the current data schema" in started["reason"]


def test_the_manifest_names_the_fallback_its_exclusions_and_its_cause(first_run, replay):
  paths, _, drifted, before, _ = replay
  current = manifest.read(str(paths.serving_dir))
  store = metadata.open_store(paths.metadata_config())
  report_id = metadata.output_artifacts(
      store, _node(store, drifted, "DriftDetector").execution.id)["drift_report"][0].id
  assert current["role"] == "fallback"
  assert current["active_version"] == drifted.pushed_version
  assert pathlib.Path(current["model_path"]) == pathlib.Path(drifted.pushed_path)
  assert set(current["excluded_features"]) == set(drifted.fallback["excluded_features"])
  assert current["drift_report_id"] == report_id
  assert current["previous"]["active_version"] == before["active_version"]
  assert current["replaces_model_id"] == before["model_id"]
  # Atomic replacement leaves no temporary file; every earlier version stays.
  names = {p.name for p in paths.serving_dir.iterdir()}
  assert manifest.FILE_NAME + ".tmp" not in names
  assert {before["active_version"], current["active_version"]} <= names


def test_mlmd_links_the_fallback_to_its_drift_report_and_the_model_it_replaces(replay):
  paths, _, drifted, before, _ = replay
  store = metadata.open_store(paths.metadata_config())
  trainer = _node(store, drifted, "FallbackTrainer").execution.id
  (model,) = metadata.output_artifacts(store, trainer)["model"]
  # Model <- FallbackTrainer <- training schema <- FallbackPlanner <- drift report.
  (schema,) = metadata.input_artifacts(store, trainer)["schema"]
  planner = metadata.producer_execution_id(store, schema.id)
  (cause,) = metadata.input_artifacts(store, planner)[planning.DRIFT_REPORT_KEY]
  assert cause.id == metadata.output_artifacts(
      store, _node(store, drifted, "DriftDetector").execution.id)["drift_report"][0].id
  # ChampionChallenger read the fallback and the primary it replaces.
  decision = metadata.input_artifacts(store, _node(store, drifted, "ChampionChallenger").execution.id)
  assert decision[deciding.MODEL_KEY][0].id == model.id
  assert decision[deciding.BASELINE_MODEL_KEY][0].id == before["model_id"]
  verdict = metadata.output_artifacts(
      store, _node(store, drifted, "FallbackCompatibilityGuard").execution.id)["verdict"][0]
  assert metadata.custom(verdict, "compatible") == 1


def test_the_served_fallback_is_the_next_drift_baseline(replay):
  """Served means pushed: the next span is compared with the fallback's
  training data; a rerun on span 2016 still resolves the primary (the
  fallback was trained on 2016), so that rerun stays cached."""
  paths, _, drifted, before, _ = replay
  store = metadata.open_store(paths.metadata_config())
  inputs = conftest.served_model_inputs(store)
  fallback_id = manifest.read(str(paths.serving_dir))["model_id"]
  (following,) = resolvers.ServedModelBaselineStrategy(current_span=2017).resolve_artifacts(
      store, inputs)["model"]
  assert following.id == fallback_id != before["model_id"]
  (rerun,) = resolvers.ServedModelBaselineStrategy(current_span=2016).resolve_artifacts(
      store, inputs)["model"]
  assert rerun.id == before["model_id"]


def test_a_fallback_that_loses_leaves_the_primary_served(first_run, tmp_path_factory):
  root = tmp_path_factory.mktemp("fallback_loses")
  paths = _copy(first_run, root)
  _write_span(root / "spans", 2015, _card_heavy)
  before = manifest.read(str(paths.serving_dir))
  result = _monitor(paths, root / "spans", 2015)
  assert result.drift_verdict == "drift" and "payment_type" in result.drifted_features
  fallback = result.fallback
  assert "payment_type" in fallback["excluded_features"] and not fallback["served"]
  assert fallback["fallback_auc"] < fallback["served_auc"]
  assert "the served model stays" in fallback["reason"]
  assert result.pushed_version is None
  assert manifest.read(str(paths.serving_dir)) == before
  store = metadata.open_store(paths.metadata_config())
  verdict = metadata.output_artifacts(
      store, _node(store, result, "FallbackCompatibilityGuard").execution.id)["verdict"][0]
  assert metadata.custom(verdict, "compatible") == 0
  assert "the served model stays" in metadata.custom(verdict, "reason")


def test_the_retrain_policy_retrains_on_the_newest_window(first_run, tmp_path_factory):
  root = tmp_path_factory.mktemp("retrain")
  paths = _copy(first_run, root)
  _write_span(root / "spans", 2015, _corrupt)
  result = local_runner.monitor(data_root=root / "spans", span=2015, window=(2014, 2015),
                                output_dir=paths.output_dir, policy="retrain", workers=1)
  assert result.drift_verdict == "drift" and result.fallback is None
  store = metadata.open_store(paths.metadata_config())
  states = {e.node_id: e.state for e in result.executions}
  assert all(states.get(n) == "COMPLETE" for n in ("Transform", "Tuner", "Trainer", "Evaluator"))
  transform = _node(store, result, "Transform").execution.id
  spans = sorted(metadata.custom(a, "span")
                 for a in metadata.input_artifacts(store, transform)["examples"])
  assert spans == [2014, 2015]
  trainer = _node(store, result, "Trainer").execution.id
  (model,) = metadata.output_artifacts(store, trainer)["model"]
  started = json.loads((pathlib.Path(path_utils.serving_model_path(model.uri)) /
                        model_code.WARM_START_DIR / model_code.FACTS_FILE).read_text())["warm_start"]
  # The served model is the base, but company's vocabulary changed: cold start.
  assert not started["warm"] and "the vocabulary of 'company' changed" in started["reason"]
  # The retrained primary beats the served one on the window's eval split
  # (which holds the broken span) and replaces it as the primary.
  active = manifest.read(str(paths.serving_dir))
  assert result.blessed and active["active_version"] == result.pushed_version
  assert active["role"] == "primary" and active["previous"]["active_version"] == first_run.report.pushed_version
