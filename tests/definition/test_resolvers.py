"""Resolver strategies over real TFX artifact objects, and the training
window's configuration in a built pipeline."""
import pytest
from tfx.types import standard_artifacts

from components.contracts import artifacts as contract
from pipeline.definition import node_ids, resolvers
from pipeline.definition import settings as settings_lib
from pipeline.definition.pipeline import create_pipeline
from pipeline.runners import local

SETTINGS = settings_lib.load()


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
  with pytest.raises(RuntimeError, match=r"Spans \[20211\] were never ingested"):
    resolvers.SpanWindowStrategy(20203, 20212, [20203, 20204, 20211, 20212]).resolve_artifacts(
        None, {"examples": [_examples(1, 20203), _examples(2, 20204), _examples(3, 20212)]})


def test_window_numbers_need_not_be_consecutive():
  """Quarter spans: 20205 to 20210 do not exist."""
  ingested = [_examples(1, 20203), _examples(2, 20204), _examples(3, 20211), _examples(4, 20212)]
  result = resolvers.SpanWindowStrategy(20203, 20212, [20203, 20204, 20211, 20212]).resolve_artifacts(
      None, {"examples": ingested})
  assert [a.id for a in result["examples"]] == [1, 2, 3, 4]


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


def test_the_training_window_lists_the_span_folders_between_its_ends(tmp_path):
  """What the resolver requires: the window's folders under the data root,
  however the spans are numbered."""
  spans = [20203, 20204, 20211, 20212, 20213]
  for span in spans:
    (tmp_path / "data" / SETTINGS.span_pattern.split("/")[0].replace("{SPAN}", str(span))).mkdir(
        parents=True)
  pipeline = create_pipeline(SETTINGS, local.run_spec(
      SETTINGS, data_root=str(tmp_path / "data"), ingest_span=20212, train_spans=(20204, 20212),
      stage="train", paths=local.Paths(tmp_path / "output"), beam_args=(), drift_policy="fallback"))
  (window,) = [c for c in pipeline.components if c.id == node_ids.TRAINING_WINDOW_RESOLVER]
  strategy = window.exec_properties["resolver_class"](
      **window.exec_properties["source_uri"])  # TFX's key for a resolver's config
  ingested = [_examples(i, span) for i, span in enumerate(spans)]
  result = strategy.resolve_artifacts(None, {"examples": ingested})
  assert [a.get_int_custom_property(contract.SPAN) for a in result["examples"]] == [
      20204, 20211, 20212]
  with pytest.raises(RuntimeError, match=r"Spans \[20211\] were never ingested"):
    strategy.resolve_artifacts(None, {"examples": ingested[:2] + ingested[3:]})
