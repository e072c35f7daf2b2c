"""Resolver strategies that pick artifacts from MLMD for the training run."""
from tfx import v1 as tfx
from tfx.types import standard_component_specs as specs
from tfx.utils import io_utils

from components.contracts import artifacts as contract
from components.contracts import compatibility
from pipeline.mlmd import queries


class SpanWindowStrategy(tfx.dsl.experimental.ResolverStrategy):
  """The newest ingestion of every span in [start_span, end_span].

  TFX's SpanRangeStrategy returns every artifact in range, so a span ingested
  twice (a corrected file, or a corrupt ingestion the gate stopped) would be
  trained on twice. Here the newest ingestion of each span wins; the runner
  re-ingests (cached when unchanged) every span of the window first, so the
  newest one is always the current, validated file. Span numbers need not be
  consecutive (quarters go 20204, 20211): `spans` lists the window's span
  folders, each of which must have been ingested, as must both ends.
  """

  def __init__(self, start_span: int, end_span: int, spans: list = ()):
    self._start = start_span
    self._end = end_span
    self._required = set(spans) | {start_span, end_span}

  def resolve_artifacts(self, store, input_dict):
    result = {}
    for key, artifacts in input_dict.items():
      newest = {}
      for artifact in sorted(artifacts, key=lambda a: a.id):
        span = artifact.get_int_custom_property(contract.SPAN)
        if self._start <= span <= self._end:
          newest[span] = artifact
      missing = self._required - set(newest)
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
    models, blessings = input_dict[specs.MODEL_KEY], input_dict[specs.MODEL_BLESSING_KEY]
    newest_id = max((m.id for m in models), default=None)
    blessing_of = {b.get_int_custom_property(contract.CURRENT_MODEL_ID): b
                   for b in blessings if b.get_int_custom_property(contract.BLESSED) == 1}
    for model in sorted(models, key=lambda m: m.id, reverse=True):
      if model.id != newest_id and model.id in blessing_of:
        return {specs.MODEL_KEY: [model], specs.MODEL_BLESSING_KEY: [blessing_of[model.id]]}
    return {specs.MODEL_KEY: [], specs.MODEL_BLESSING_KEY: []}


class ServedModelBaselineStrategy(tfx.dsl.experimental.ResolverStrategy):
  """What new data is compared with: the served model's training data.

  Picks the most recently pushed model that was not trained on
  `current_span` (a rerun on the same span then resolves the same baseline
  as the first run, so it stays cached), with its blessing, the evaluation
  behind it, the Transform graph its Trainer read (a fallback reuses it) and
  the raw examples and statistics of its training window, by MLMD lineage.
  Without such a model, falls back to the statistics of `fallback_span`, if
  set.
  """

  def __init__(self, current_span: int, fallback_span: int = 0):
    self._current_span = current_span
    self._fallback_span = fallback_span

  def resolve_artifacts(self, store, input_dict):
    span_of = {a.id: a.get_int_custom_property(contract.SPAN) for a in input_dict[specs.EXAMPLES_KEY]}
    result = {key: [] for key in input_dict}
    blessing_of = {b.get_int_custom_property(contract.CURRENT_MODEL_ID): b
                   for b in input_dict[specs.MODEL_BLESSING_KEY]
                   if b.get_int_custom_property(contract.BLESSED) == 1}
    models = {m.id: m for m in input_dict[specs.MODEL_KEY]}
    for model in (models[i] for i in queries.pushed_model_ids(store) if i in models):
      if model.id not in blessing_of:
        continue
      trained_on = set(queries.training_examples(store, model.id))
      if not trained_on or self._current_span in {span_of.get(i) for i in trained_on}:
        continue
      blessing = blessing_of[model.id]
      evaluation_ids = {a.id for a in queries.evaluations_behind(store, blessing.id)}
      stats_ids = queries.statistics_of(store, trained_on)
      trainer = queries.producer_execution_id(store, model.id)
      graph_ids = {a.id for a in queries.input_artifacts(store, trainer).get(
          specs.TRANSFORM_GRAPH_KEY, [])}
      result.update(
          model=[model], model_blessing=[blessing],
          transform_graph=[a for a in input_dict[specs.TRANSFORM_GRAPH_KEY] if a.id in graph_ids],
          evaluation=[a for a in input_dict[specs.EVALUATION_KEY] if a.id in evaluation_ids],
          examples=[a for a in input_dict[specs.EXAMPLES_KEY] if a.id in trained_on],
          statistics=[a for a in input_dict[specs.STATISTICS_KEY] if a.id in stats_ids])
      return result
    if self._fallback_span:
      spans = [a for a in input_dict[specs.EXAMPLES_KEY] if span_of[a.id] == self._fallback_span]
      if spans:
        newest = max(spans, key=lambda a: a.id)
        stats_ids = queries.statistics_of(store, [newest.id])
        result[specs.STATISTICS_KEY] = [a for a in input_dict[specs.STATISTICS_KEY] if a.id in stats_ids]
    return result


def _covers(schemas, covering_ids, covered_ids) -> bool:
  """Whether the one schema of `covering_ids` holds every feature of the one
  schema of `covered_ids`, each with the same type and no new value."""
  by_id = {a.id: a for a in schemas}
  if len(covering_ids) != 1 or len(covered_ids) != 1 or not (covering_ids | covered_ids) <= set(by_id):
    return False
  covering, covered = (io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(by_id[i].uri))
                       for (i,) in (covering_ids, covered_ids))
  return not compatibility.check_features(covering, covered, [f.name for f in covered.feature])


class CandidateLineageStrategy(tfx.dsl.experimental.ResolverStrategy):
  """The schema and Transform graph the candidate model was trained with, by
  MLMD lineage (not by assuming the pipeline wiring): Model <- Trainer ->
  schema and transform_graph. The graph is kept only if the Transform that
  produced it read that same schema, or (a fallback, which reuses the
  served model's graph) a schema that holds every feature of the Trainer's
  with the same type and domain; otherwise it is left out and the
  CompatibilityGuard refuses the push."""

  def resolve_artifacts(self, store, input_dict):
    result = {specs.MODEL_KEY: list(input_dict[specs.MODEL_KEY]), specs.SCHEMA_KEY: [],
              specs.TRANSFORM_GRAPH_KEY: []}
    if len(input_dict[specs.MODEL_KEY]) != 1:
      return result
    trainer = queries.producer_execution_id(store, input_dict[specs.MODEL_KEY][0].id)
    trainer_inputs = queries.input_artifacts(store, trainer) if trainer is not None else {}
    schema_ids = {a.id for a in trainer_inputs.get(specs.SCHEMA_KEY, [])}
    graph_ids = {a.id for a in trainer_inputs.get(specs.TRANSFORM_GRAPH_KEY, [])}
    result[specs.SCHEMA_KEY] = [a for a in input_dict[specs.SCHEMA_KEY] if a.id in schema_ids]
    for graph in (a for a in input_dict[specs.TRANSFORM_GRAPH_KEY] if a.id in graph_ids):
      transform = queries.producer_execution_id(store, graph.id)
      transform_schemas = {a.id for a in queries.input_artifacts(store, transform).get(specs.SCHEMA_KEY, [])}
      if schema_ids and (transform_schemas == schema_ids
                         or _covers(input_dict[specs.SCHEMA_KEY], transform_schemas, schema_ids)):
        result[specs.TRANSFORM_GRAPH_KEY].append(graph)
    return result
