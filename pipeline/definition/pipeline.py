"""The Model Factory pipeline: one create_pipeline(settings, run) for
LocalDagRunner, Vertex AI and Kubeflow Pipelines v2, assembled from one
builder per part (ingest, drift, primary or fallback training, push)."""
import contextlib

from tfx import v1 as tfx
from tfx.types import standard_component_specs as specs

from components.contracts import artifacts
from components.drift_detector import component as detecting
from components.guardrails import component as guarding
from components.guardrails.component import Guardrails
from pipeline.definition import drift, fallback, ingest, node_ids, primary, push, resolvers
from pipeline.definition.settings import RunSpec, Settings


def create_pipeline(settings: Settings, run: RunSpec) -> tfx.dsl.Pipeline:
  """Every run ingests one span, validates it and checks it for drift
  against the served model's training data; then trains by `run.stage`
  and `run.drift_policy` (see RunSpec)."""
  ingested = ingest.build(settings, run)
  checked = drift.build(settings, run, ingested)
  nodes = ingested.nodes + checked.nodes
  if run.trains:
    nodes += _train_and_push(settings, run, ingested, checked)
  return tfx.dsl.Pipeline(
      pipeline_name=settings.pipeline_name, pipeline_root=str(run.pipeline_root),
      components=nodes, enable_cache=run.enable_cache,
      metadata_connection_config=run.metadata_connection_config,
      beam_pipeline_args=list(run.beam_pipeline_args))


def _train_and_push(settings, run, ingested, checked) -> list:
  report = checked.detector.outputs[detecting.DRIFT_REPORT_KEY]
  drifted = report.future()[0].custom_property(artifacts.DRIFT_DETECTED) == 1
  nodes = []
  # Only training sits in the drift condition. The guard runs in every run
  # (refusing when nothing was trained), so the Pusher's condition always has
  # a verdict to read: TFX fails, rather than skips, a Pusher whose condition
  # reads an artifact that a skipped node never wrote.
  with tfx.dsl.Cond(drifted) if run.stage == "monitor" else contextlib.nullcontext():
    examples = checked.window  # ServedState's, on Vertex and KFP
    if run.mlmd_resolvers:
      window = tfx.dsl.Resolver(
          strategy_class=resolvers.SpanWindowStrategy,
          config={"start_span": run.train_spans[0], "end_span": run.train_spans[1],
                  "spans": settings.spans_in(run.data_root, *run.train_spans)},
          examples=ingest.all_ingested_examples(),
      ).with_id(node_ids.TRAINING_WINDOW_RESOLVER)
      # Training starts after this run's span passed the gate and drift check.
      window.add_upstream_node(checked.detector)
      nodes.append(window)
      examples = window.outputs[specs.EXAMPLES_KEY]
    # Before anything trains: leakage and other pitfalls of the window; its
    # training schema lacks the features a guardrail excludes.
    guard = Guardrails(examples=examples, schema=ingested.schema,
                       config=settings.guardrails_config()).with_id(node_ids.GUARDRAILS)
    guard.add_upstream_node(checked.detector)
    nodes.append(guard)
    schema = guard.outputs[guarding.TRAINING_SCHEMA_KEY]
    if run.fallback:
      trained = fallback.build(settings, examples, schema,
                               ingested.example_gen.outputs[specs.EXAMPLES_KEY], report,
                               checked.served_model, checked.served_transform)
    else:
      trained = primary.build(settings, run, examples, schema, guard, checked.served_model)
  return nodes + trained.nodes + push.build(settings, run, trained, ingested.schema, checked.state)
