"""Resolver strategies that pick artifacts from MLMD for the training run."""
from tfx import v1 as tfx

_SPAN = "span"
_BLESSED = "blessed"
_CURRENT_MODEL_ID = "current_model_id"


class SpanWindowStrategy(tfx.dsl.experimental.ResolverStrategy):
  """The newest ingestion of every span in [start_span, end_span].

  TFX's SpanRangeStrategy returns every artifact in range, so a span ingested
  twice (a corrected file, or a corrupt ingestion the gate stopped) would be
  trained on twice. Here the newest ingestion of each span wins; the runner
  re-ingests (cached when unchanged) every span of the window first, so the
  newest one is always the current, validated file.
  """

  def __init__(self, start_span: int, end_span: int):
    self._start = start_span
    self._end = end_span

  def resolve_artifacts(self, store, input_dict):
    result = {}
    for key, artifacts in input_dict.items():
      newest = {}
      for artifact in sorted(artifacts, key=lambda a: a.id):
        span = artifact.get_int_custom_property(_SPAN)
        if self._start <= span <= self._end:
          newest[span] = artifact
      missing = set(range(self._start, self._end + 1)) - set(newest)
      if missing:
        raise RuntimeError(f"Spans {sorted(missing)} were never ingested; "
                           "run the pipeline on them first.")
      result[key] = [newest[span] for span in sorted(newest)]
    return result


class BaselineModelStrategy(tfx.dsl.experimental.ResolverStrategy):
  """The latest blessed model, other than the newest model.

  Runs after the Trainer, so the newest Model is the candidate itself (new,
  or reused from cache). TFX's LatestBlessedModelStrategy would return that
  same model on a rerun and compare it with itself, which changes the
  Evaluator's inputs and defeats caching; excluding it keeps reruns cached.
  """

  def resolve_artifacts(self, store, input_dict):
    models, blessings = input_dict["model"], input_dict["model_blessing"]
    newest_id = max((m.id for m in models), default=None)
    blessing_of = {b.get_int_custom_property(_CURRENT_MODEL_ID): b
                   for b in blessings if b.get_int_custom_property(_BLESSED) == 1}
    for model in sorted(models, key=lambda m: m.id, reverse=True):
      if model.id != newest_id and model.id in blessing_of:
        return {"model": [model], "model_blessing": [blessing_of[model.id]]}
    return {"model": [], "model_blessing": []}
