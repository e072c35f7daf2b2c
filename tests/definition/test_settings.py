"""The frozen Settings object and the RunSpec of one run."""
import dataclasses

import pytest

from components.contracts import model_io
from pipeline.definition import settings as settings_lib

SETTINGS = settings_lib.load()


def _spec(**changes):
  values = dict(stage="train", ingest_span=2, train_spans=(1, 2), data_root="d",
                pipeline_root="p", serving_dir="s", schema_path="x", beam_pipeline_args=())
  values.update(changes)
  return settings_lib.RunSpec(**values)


def test_settings_are_frozen_and_overridable():
  with pytest.raises(dataclasses.FrozenInstanceError):
    SETTINGS.seed = 1  # pylint: disable=assigning-non-slot
  assert settings_lib.load(seed=SETTINGS.seed + 1).seed == SETTINGS.seed + 1
  assert settings_lib.load() == SETTINGS


def test_label_and_inputs_are_consistent():
  assert SETTINGS.label_key and SETTINGS.model_inputs
  # Outcome columns are known only with the label: never a model input, always a source.
  assert not set(SETTINGS.outcome_columns) & set(SETTINGS.model_inputs)
  assert set(SETTINGS.outcome_columns) <= set(SETTINGS.label_source_columns)
  assert len(set(SETTINGS.model_inputs)) == len(SETTINGS.model_inputs)


def test_span_paths_follow_the_pattern():
  span = SETTINGS.default_spans[0]
  glob = SETTINGS.span_glob(span)
  assert "{SPAN}" not in glob and str(span) in glob
  assert glob.startswith(SETTINGS.span_folder(span)) and "/" not in SETTINGS.span_folder(span)


def test_drift_config_names_the_transformed_label_and_the_outcome_columns():
  config = SETTINGS.drift_config()
  assert config["label_key"] == model_io.transformed_name(SETTINGS.label_key)
  assert config["outcome_columns"] == list(SETTINGS.outcome_columns)
  assert config["thresholds"] == SETTINGS.drift_thresholds
  assert config["ignored_features"] == list(SETTINGS.drift_ignored_features)


def test_run_spec_validation():
  assert _spec().trains and not _spec().fallback
  assert _spec(stage="monitor", drift_policy="fallback").fallback
  assert not _spec(stage="monitor", drift_policy="alert").trains
  assert not _spec(stage="ingest").trains
  with pytest.raises(ValueError, match="stage must be one of"):
    _spec(stage="deploy")
  # KFP v2 (no MLMD resolvers): any stage, the newest span, a window of spans.
  assert _spec(mlmd_resolvers=False, ingest_span=None, train_spans=(), window_spans=2,
               stage="monitor", drift_policy="retrain").trains
  with pytest.raises(ValueError, match="without MLMD resolvers a run that trains needs"):
    _spec(mlmd_resolvers=False, train_spans=(), window_spans=0)
  assert not _spec(mlmd_resolvers=False, stage="ingest", window_spans=0).trains
  with pytest.raises(ValueError, match="with MLMD resolvers a run names its span"):
    _spec(ingest_span=None)
