"""What each stage and drift policy adds after the drift check (pipeline
structure only; the e2e tests run them)."""
import pathlib

import pytest

from pipeline.definition import node_ids
from pipeline.definition import settings as settings_lib
from pipeline.definition.pipeline import create_pipeline
from pipeline.runners import local

SETTINGS = settings_lib.load()
# Any spans: building the pipeline reads no data.
NEW_SPAN = SETTINGS.default_spans[1] + 2

INGEST = [node_ids.EXAMPLE_GEN, node_ids.SCHEMA_GEN, node_ids.STATISTICS_GEN,
          node_ids.EXAMPLE_VALIDATOR, node_ids.ANOMALY_GATE, node_ids.SERVED_MODEL_RESOLVER,
          node_ids.DRIFT_DETECTOR]
PRIMARY = {node_ids.TRANSFORM, node_ids.TUNER, node_ids.TRAINER, node_ids.EVALUATOR,
           node_ids.COMPATIBILITY_GUARD, node_ids.PUSHER, node_ids.SERVING_MANIFEST}
FALLBACK = {node_ids.FALLBACK_PLANNER, node_ids.LAST_TUNER_RESOLVER,
            node_ids.FALLBACK_TRAINER, node_ids.FALLBACK_EVALUATOR, node_ids.CHAMPION_CHALLENGER,
            node_ids.FALLBACK_COMPATIBILITY_GUARD, node_ids.FALLBACK_PUSHER,
            node_ids.FALLBACK_SERVING_MANIFEST}


def _nodes(stage, policy, tmp_path):
  pipeline = create_pipeline(SETTINGS, local.run_spec(
      SETTINGS, data_root=str(SETTINGS.data_root), ingest_span=NEW_SPAN,
      train_spans=(NEW_SPAN - 1, NEW_SPAN), stage=stage,
      paths=local.Paths(pathlib.Path(tmp_path)), beam_args=(), drift_policy=policy))
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


def test_every_stage_and_policy_is_covered():
  assert set(settings_lib.STAGES) == {"ingest", "train", "monitor"}
  assert set(settings_lib.DRIFT_POLICIES) == {"alert", "fallback", "retrain"}


def test_unknown_policy_is_refused(tmp_path):
  with pytest.raises(ValueError, match="drift_policy one of"):
    _nodes("monitor", "panic", tmp_path)
