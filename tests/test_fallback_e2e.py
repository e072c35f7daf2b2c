"""Drift-triggered fallback models, end to end (`monitor` runs on copies of
the shared first run's output, real LocalDagRunner, real SQLite MLMD):

- a span like the training data triggers no fallback;
- a span whose numeric input is corrupted (x100) and, if the project has a
  string input, whose levels of one are replaced by unseen ones, gets a fallback without those
  features, evaluated against the served model and pushed, with the
  manifest and MLMD lineage;
- a span where only the mix of the served model's main signal moves gets a
  fallback (without that signal) that loses, and the primary stays, with
  the reason;
- with policy `retrain`, the broken span triggers Transform + Tuner +
  Trainer on the newest window instead.

Which columns play these parts is derived from the project (see `roles`).
"""
import json
import pathlib

import numpy as np
import pytest
import tensorflow as tf
from tfx.utils import path_utils

from components.anomaly_gate import component as gating
from components.champion_challenger import component as deciding
from components.compatibility_guard import component as guarding
from components.compatibility_guard import executor as guard
from components.contracts import artifacts as contract
from components.contracts import metrics, model_io
from components.drift_detector import component as detecting
from components.eval_sample.component import EvalSample
from components.fallback_planner import component as planning
from components.serving_manifest import component as activating
from components.serving_manifest import executor as manifest
from pipeline.definition import node_ids, resolvers
from pipeline.mlmd import queries
from pipeline.modeling import warm_start
from pipeline.operations import model_card, report
from pipeline.runners import local
from tests import conftest, fallback_replay, project_data, ram_replay

SETTINGS = project_data.SETTINGS
IN_PROCESS = fallback_replay.IN_PROCESS
LAST, NEW, NEXT = fallback_replay.LAST, fallback_replay.NEW, fallback_replay.NEXT


def test_a_span_like_the_training_data_triggers_no_fallback(replay):
  _, quiet, _, before, after = replay
  assert quiet.drift_verdict in ("no drift", "warn")
  for node in (node_ids.FALLBACK_PLANNER, node_ids.FALLBACK_TRAINER, node_ids.FALLBACK_PUSHER):
    execution = fallback_replay.execution_of(quiet, node)
    assert execution is None or execution.state != "COMPLETE", node
  assert quiet.fallback is None and quiet.pushed_version is None
  assert after == before and before["role"] == "primary"


def test_the_summaries_say_what_each_run_did(replay, roles):
  paths, quiet, drifted, _, _ = replay
  quiet_text = report.format_summary(quiet, paths, model_card.FILE_NAME)
  assert "Nothing trained in this run" in quiet_text
  drifted_text = report.format_summary(drifted, paths, model_card.FILE_NAME)
  (line,) = [l for l in drifted_text.splitlines() if l.startswith("Fallback model without")]
  assert all(name in line for name in roles.broken) and line.endswith(": SERVED")
  assert f"Model pushed: version {drifted.pushed_version}" in drifted_text
  assert f"Serving now: version {drifted.pushed_version} (fallback, without " in drifted_text


def test_a_broken_span_gets_a_fallback_without_the_drifted_features(replay, roles):
  _, _, drifted, _, _ = replay
  assert drifted.drift_verdict == "drift"
  assert roles.broken <= set(drifted.drifted_features.split(","))
  fallback = drifted.fallback
  assert roles.broken <= set(fallback["excluded_features"])
  # The label is derived from the label sources: they are never excluded.
  assert not set(SETTINGS.label_source_columns) & set(fallback["excluded_features"])
  assert fallback["served"], fallback["reason"]
  assert "inputs are broken" in fallback["reason"] or "at least as good" in fallback["reason"]
  assert metrics.passes(SETTINGS.metric, fallback["fallback_metric"], SETTINGS.metric_threshold)


def test_the_fallback_reuses_the_served_graph_and_its_signature_needs_no_excluded_feature(
    replay, roles, first_run):
  """No Transform of its own: the Trainer applies the served model's graph
  to the window's raw examples, with the excluded features left unparsed."""
  paths, _, drifted, _, _ = replay
  store = fallback_replay.store(paths)
  trainer = fallback_replay.execution_of(drifted, node_ids.FALLBACK_TRAINER)
  inputs = queries.input_artifacts(store, trainer.execution.id)
  primary = next(e for e in queries.run_executions(store, SETTINGS.pipeline_name,
                                                   first_run.run_ids[-1])
                 if e.node_id == node_ids.TRANSFORM)
  served_graph = queries.output_artifacts(store, primary.execution.id)["transform_graph"][0]
  assert [a.id for a in inputs["transform_graph"]] == [served_graph.id]
  assert all(queries.custom(a, contract.INPUT_FINGERPRINT) for a in inputs["examples"])  # raw
  trained_schema = {f.name for f in guard.read_schema(inputs["schema"][0].uri).feature}
  assert not roles.broken & trained_schema
  assert set(SETTINGS.label_source_columns) <= trained_schema
  facts = json.loads((pathlib.Path(drifted.pushed_path) / warm_start.WARM_START_DIR /
                      warm_start.FACTS_FILE).read_text())
  assert not roles.broken & set(facts["raw_features"])
  served = tf.saved_model.load(drifted.pushed_path).signatures[model_io.SERVING_SIGNATURE]
  row = project_data.read_rows(LAST, 1)[0]
  without = {k: v for k, v in row.items() if k not in roles.broken}
  changed = dict(row, **{name: "Anything Else" if name == roles.unseen else "12345.5"
                         for name in roles.broken})

  def score(r):
    output = served(**{model_io.SERVING_INPUT: tf.constant([project_data.to_example(r)])})
    return output[model_io.output_key(SETTINGS.task)].numpy()[0]

  scores = [score(r) for r in (without, changed, row)]
  assert np.all(np.isfinite(scores[0]))
  np.testing.assert_allclose(scores[0], scores[1], rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(scores[0], scores[2], rtol=1e-5, atol=1e-6)


def test_the_fallback_did_not_warm_start_from_the_incompatible_primary(replay, roles):
  """The served primary is the fallback Trainer's base_model (an MLMD link
  too), but it reads the excluded features: the check refuses, training is cold."""
  _, _, drifted, _, _ = replay
  facts = json.loads((pathlib.Path(drifted.pushed_path) / warm_start.WARM_START_DIR /
                      warm_start.FACTS_FILE).read_text())
  started = facts["warm_start"]
  assert started["base_model"] and not started["warm"]
  assert any(f"feature '{name}' the model reads is missing from the current data schema"
             in started["reason"] for name in roles.broken)


def test_the_manifest_names_the_fallback_its_exclusions_and_its_cause(replay):
  paths, _, drifted, before, _ = replay
  current = manifest.read(str(paths.serving_dir))
  store = fallback_replay.store(paths)
  report_id = queries.output_artifacts(
      store, fallback_replay.execution_of(drifted, node_ids.DRIFT_DETECTOR).execution.id)[detecting.DRIFT_REPORT_KEY][0].id
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
  store = fallback_replay.store(paths)
  trainer = fallback_replay.execution_of(drifted, node_ids.FALLBACK_TRAINER).execution.id
  (model,) = queries.output_artifacts(store, trainer)["model"]
  # Model <- FallbackTrainer <- training schema <- FallbackPlanner <- drift report.
  (schema,) = queries.input_artifacts(store, trainer)["schema"]
  planner = queries.producer_execution_id(store, schema.id)
  (cause,) = queries.input_artifacts(store, planner)[planning.DRIFT_REPORT_KEY]
  assert cause.id == queries.output_artifacts(
      store, fallback_replay.execution_of(drifted, node_ids.DRIFT_DETECTOR).execution.id)[detecting.DRIFT_REPORT_KEY][0].id
  # ChampionChallenger read the fallback and the primary it replaces.
  decision = queries.input_artifacts(store, fallback_replay.execution_of(drifted, node_ids.CHAMPION_CHALLENGER).execution.id)
  assert decision[deciding.MODEL_KEY][0].id == model.id
  assert decision[deciding.BASELINE_MODEL_KEY][0].id == before["model_id"]
  verdict = queries.output_artifacts(
      store, fallback_replay.execution_of(drifted, node_ids.FALLBACK_COMPATIBILITY_GUARD).execution.id)[
          guarding.VERDICT_KEY][0]
  assert queries.custom(verdict, contract.COMPATIBLE) == 1


def test_the_served_fallback_is_the_next_drift_baseline(replay):
  """Served means pushed: the next span is compared with the fallback's
  training data; a rerun on span NEXT still resolves the primary (the
  fallback was trained on NEXT), so that rerun stays cached."""
  paths, _, _, before, _ = replay
  store = fallback_replay.store(paths)
  inputs = conftest.served_model_inputs(store)
  fallback_id = manifest.read(str(paths.serving_dir))["model_id"]
  resolved = resolvers.ServedModelBaselineStrategy(current_span=NEXT + 1).resolve_artifacts(
      store, inputs)
  (following,), (graph,) = resolved["model"], resolved["transform_graph"]
  assert following.id == fallback_id != before["model_id"]
  # The graph a next fallback would reuse: the one this fallback was trained with.
  assert graph.uri == manifest.read(str(paths.serving_dir))["artifacts"]["transform_graph"]
  (rerun,) = resolvers.ServedModelBaselineStrategy(current_span=NEXT).resolve_artifacts(
      store, inputs)["model"]
  assert rerun.id == before["model_id"]


def test_a_fallback_that_loses_leaves_the_primary_served(first_run, roles, tmp_path_factory):
  root = tmp_path_factory.mktemp("fallback_loses")
  paths = fallback_replay.copy_output(first_run, root)
  fallback_replay.write_span(root / "spans", NEW, fallback_replay.favour(roles))
  before = manifest.read(str(paths.serving_dir))
  result = fallback_replay.monitor(paths, root / "spans", NEW)
  assert result.drift_verdict == "drift" and roles.strongest in result.drifted_features.split(",")
  fallback = result.fallback
  assert roles.strongest in fallback["excluded_features"]
  if fallback["served"]:
    # Redundant inputs (a fork's small project): the rule serves a fallback
    # that is as good; there is no losing fallback to test here.
    assert "at least as good" in fallback["reason"]
    pytest.skip(f"without {roles.strongest} the fallback is as good: {fallback['reason']}")
  # Either it loses on its metric, or (when the shift moved every input, as it
  # may on a project with few, correlated inputs) no fallback could do without them.
  assert (metrics.worsening(SETTINGS.metric, fallback["served_metric"],
                            fallback["fallback_metric"]) > 0
          or "every model input drifted" in fallback["reason"])
  assert "the served model stays" in fallback["reason"]
  assert result.pushed_version is None
  assert manifest.read(str(paths.serving_dir)) == before
  store = fallback_replay.store(paths)
  verdict = queries.output_artifacts(
      store, fallback_replay.execution_of(result, node_ids.FALLBACK_COMPATIBILITY_GUARD).execution.id)[
          guarding.VERDICT_KEY][0]
  assert queries.custom(verdict, contract.COMPATIBLE) == 0
  assert "the served model stays" in queries.custom(verdict, contract.REASON)


def test_the_retrain_policy_retrains_on_the_newest_window(first_run, roles, tmp_path_factory):
  root = tmp_path_factory.mktemp("retrain")
  paths = fallback_replay.copy_output(first_run, root)
  fallback_replay.write_span(root / "spans", NEW, fallback_replay.corrupt(roles))
  result = local.monitor(SETTINGS, data_root=root / "spans", span=NEW, window=(LAST, NEW),
                         output_dir=paths.output_dir, policy="retrain", beam=IN_PROCESS)
  assert result.drift_verdict == "drift" and result.fallback is None
  store = fallback_replay.store(paths)
  states = {e.node_id: e.state for e in result.executions}
  assert all(states.get(n) == "COMPLETE"
             for n in (node_ids.TRANSFORM, node_ids.TUNER, node_ids.TRAINER, node_ids.EVALUATOR))
  transform = fallback_replay.execution_of(result, node_ids.TRANSFORM).execution.id
  spans = sorted(queries.custom(a, contract.SPAN)
                 for a in queries.input_artifacts(store, transform)["examples"])
  assert spans == [LAST, NEW]
  trainer = fallback_replay.execution_of(result, node_ids.TRAINER).execution.id
  (model,) = queries.output_artifacts(store, trainer)["model"]
  started = json.loads((pathlib.Path(path_utils.serving_model_path(model.uri)) /
                        warm_start.WARM_START_DIR / warm_start.FACTS_FILE).read_text())["warm_start"]
  assert started["base_model"]
  if roles.unseen:  # The served model is the base, but a vocabulary changed: cold start.
    assert not started["warm"]
    assert f"the vocabulary of '{roles.unseen}' changed" in started["reason"]
  # The retrained primary beats the served one on the window's eval split
  # (which holds the broken span) and replaces it as the primary.
  active = manifest.read(str(paths.serving_dir))
  assert result.blessed and active["active_version"] == result.pushed_version
  assert active["role"] == "primary"
  assert active["previous"]["active_version"] == first_run.report.pushed_version


# Each custom component of the drifted run, by node id: its executor class.
CUSTOM_EXECUTORS = {
    node_ids.ANOMALY_GATE: gating.AnomalyGate,
    node_ids.DRIFT_DETECTOR: detecting.DriftDetector,
    node_ids.FALLBACK_PLANNER: planning.FallbackPlanner,
    node_ids.EVAL_SAMPLE: EvalSample,
    node_ids.CHAMPION_CHALLENGER: deciding.ChampionChallenger,
    node_ids.FALLBACK_COMPATIBILITY_GUARD: guarding.CompatibilityGuard,
    node_ids.FALLBACK_SERVING_MANIFEST: activating.ServingManifest,
}


def _as_local(value, replayed_inputs, local_inputs):
  """`value` with every ram:// input URI of the replay put back to the local one."""
  text = value.decode() if isinstance(value, bytes) else value
  if not isinstance(text, str):
    return value
  for key, artifacts in replayed_inputs.items():
    for replayed, original in zip(artifacts, local_inputs[key]):
      text = text.replace(replayed.uri, original.uri)
  return text


def _close(value):
  """A float property as the replay may give it: MLMD hands floats back with
  6 significant digits, and float32 scores summed in another thread order
  move a bootstrap quantile in its 6th significant figure."""
  return pytest.approx(value, rel=1e-4) if isinstance(value, float) else value


@pytest.mark.parametrize("node", sorted(CUSTOM_EXECUTORS))
def test_each_custom_executor_gives_the_same_result_on_ram_uris(replay, node):
  # What a cloud orchestrator does with gs:// URIs: the component's real
  # inputs of the drifted run, copied to TensorFlow's ram:// filesystem.
  paths, _, drifted, _, _ = replay
  store = fallback_replay.store(paths)
  execution = fallback_replay.execution_of(drifted, node).execution
  serving_dir = f"ram://serving-{node}"
  inputs, outputs, _ = ram_replay.replay(
      store, execution, CUSTOM_EXECUTORS[node].EXECUTOR_SPEC.executor_class,
      parameters={"serving_dir": serving_dir} if node == node_ids.FALLBACK_SERVING_MANIFEST else None)
  local_inputs = ram_replay.as_tfx(store, queries.input_artifacts(store, execution.id))
  same = lambda value: _as_local(value, inputs, local_inputs)  # pylint: disable=unnecessary-lambda-assignment
  local_outputs = ram_replay.local_outputs(store, execution)
  assert sorted(outputs) == sorted(local_outputs)
  for key, (output,) in outputs.items():
    (original,) = local_outputs[key]
    replayed_files, original_files = ram_replay.files(output.uri), ram_replay.files(original.uri)
    assert sorted(replayed_files) == sorted(original_files), key
    for name, content in replayed_files.items():
      if name.endswith(".json"):
        assert json.loads(same(content)) == json.loads(original_files[name]), (key, name)
      elif not name.endswith(".html"):  # the HTML embeds the same figures, re-rendered
        assert content == original_files[name], (key, name)
    properties = output.mlmd_artifact.custom_properties
    assert {p: same(output.get_custom_property(p)) for p in properties} == {
        p: _close(original.get_custom_property(p)) for p in properties}, key
  if node == node_ids.FALLBACK_SERVING_MANIFEST:
    written = json.loads(same(json.dumps(manifest.read(serving_dir))))  # URIs: the local ones
    expected = manifest.read(str(paths.serving_dir))
    for varying in ("activated_at", "previous"):  # the ram:// serving folder starts empty
      written.pop(varying), expected.pop(varying)
    assert written == expected
