"""What each stage and drift policy adds after the drift check (pipeline
structure only; the e2e tests run them)."""
import pathlib

import pytest

from pipeline import local_runner

INGEST = ["CsvExampleGen", "ImportSchemaGen", "StatisticsGen", "ExampleValidator", "AnomalyGate",
          "served_model_baseline_resolver", "DriftDetector"]
PRIMARY = {"Transform", "Tuner", "Trainer", "Evaluator", "CompatibilityGuard", "Pusher",
           "ServingManifest"}
FALLBACK = {"FallbackPlanner", "last_tuner_resolver", "FallbackTransform", "FallbackTrainer",
            "FallbackEvaluator", "ChampionChallenger", "FallbackCompatibilityGuard",
            "FallbackPusher", "FallbackServingManifest"}


def _nodes(stage, policy, tmp_path):
  pipeline = local_runner.build_pipeline(
      data_root="data/spans", ingest_span=2016, train_spans=(2015, 2016), stage=stage,
      paths=local_runner.Paths(pathlib.Path(tmp_path)), workers=1, drift_policy=policy)
  return [c.id for c in pipeline.components]


@pytest.mark.parametrize("stage,policy,expected", [
    ("ingest", "fallback", set()),
    ("monitor", "alert", set()),
    ("train", "fallback", PRIMARY),
    ("monitor", "retrain", PRIMARY),
    ("monitor", "fallback", FALLBACK),
])
def test_each_stage_and_policy(stage, policy, expected, tmp_path):
  nodes = _nodes(stage, policy, tmp_path)
  assert set(INGEST) <= set(nodes)
  assert expected <= set(nodes)
  assert not (PRIMARY | FALLBACK) - expected & set(nodes)


def test_the_command_line_offers_every_policy():
  from pipeline import __main__ as cli
  from pipeline import pipeline
  assert cli._POLICIES == pipeline.DRIFT_POLICIES  # pylint: disable=protected-access


def test_unknown_policy_is_refused(tmp_path):
  with pytest.raises(ValueError, match="drift_policy one of"):
    _nodes("monitor", "panic", tmp_path)
