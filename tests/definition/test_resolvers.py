"""Resolver strategies over real TFX artifact objects."""
import pytest
from tfx.types import standard_artifacts

from components.contracts import artifacts as contract
from pipeline.definition import resolvers


def _examples(artifact_id, span):
  artifact = standard_artifacts.Examples()
  artifact.id = artifact_id
  artifact.set_int_custom_property(contract.SPAN, span)  # as ExampleGen records it
  return artifact


def _model(artifact_id):
  artifact = standard_artifacts.Model()
  artifact.id = artifact_id
  return artifact


def _blessing(artifact_id, model_id, blessed):
  artifact = standard_artifacts.ModelBlessing()
  artifact.id = artifact_id
  artifact.set_int_custom_property(contract.CURRENT_MODEL_ID, model_id)
  artifact.set_int_custom_property(contract.BLESSED, int(blessed))
  return artifact


def test_window_keeps_the_newest_ingestion_of_each_span():
  ingested = [_examples(1, 11), _examples(2, 12), _examples(3, 12),
              _examples(4, 13), _examples(5, 10)]
  result = resolvers.SpanWindowStrategy(11, 12).resolve_artifacts(None, {"examples": ingested})
  assert [a.id for a in result["examples"]] == [1, 3]


def test_window_with_a_span_never_ingested_fails_clearly():
  with pytest.raises(RuntimeError, match=r"Spans \[12\] were never ingested"):
    resolvers.SpanWindowStrategy(11, 12).resolve_artifacts(
        None, {"examples": [_examples(1, 11)]})


def _baseline(models, blessings):
  return resolvers.BaselineModelStrategy().resolve_artifacts(
      None, {"model": models, "model_blessing": blessings})


def test_baseline_is_latest_blessed_model_other_than_the_candidate():
  models = [_model(10), _model(20), _model(30), _model(40)]
  blessings = [_blessing(11, 10, True), _blessing(21, 20, True),
               _blessing(31, 30, False), _blessing(41, 40, True)]
  result = _baseline(models, blessings)
  # 40 is the candidate itself; 30 was not blessed.
  assert [m.id for m in result["model"]] == [20]
  assert [b.id for b in result["model_blessing"]] == [21]


def test_rerun_of_the_only_blessed_model_has_no_baseline():
  result = _baseline([_model(10)], [_blessing(11, 10, True)])
  assert result == {"model": [], "model_blessing": []}
