"""ServedState: on Vertex and Kubeflow Pipelines v2, where only TFX's
latest-artifact resolvers exist, the state a local run resolves from MLMD
comes from the artifact store: the serving manifest names the served model
and its training data, and a ledger next to it (spans.json) lists every
validated ingestion of a span. This node records the new span in the
ledger and outputs the drift baseline, copies of the served model and its
Transform graph, and the training window's examples (see README.md)."""
import os

from tfx import v1 as tfx
from tfx.types import artifact_utils

from components.contracts import artifacts, files
from components.contracts.artifacts import ServedState as ServedStateArtifact
from components.served_state import executor

# I/O keys (the function's parameter names), read by the pipeline and tests.
STATE_KEY = "state"
MODEL_KEY = "model"
TRANSFORM_GRAPH_KEY = "transform_graph"
WINDOW_KEY = "window"


@tfx.dsl.components.component
def ServedState(  # pylint: disable=invalid-name
    examples: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.Examples],
    statistics: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.ExampleStatistics],
    state: tfx.dsl.components.OutputArtifact[ServedStateArtifact],
    model: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.Model],
    transform_graph: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.TransformGraph],
    window: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.Examples],
    serving_dir: tfx.dsl.components.Parameter[str],
    window_spans: tfx.dsl.components.Parameter[int],
    fallback_span: tfx.dsl.components.Parameter[int],
    require_served: tfx.dsl.components.Parameter[int],
) -> None:
  """`window_spans`: spans the window holds (0: no window); `require_served`:
  1 when the run needs a served model (a monitoring run)."""
  span = artifacts.span_of(examples)
  ledger_path = os.path.join(serving_dir, files.SPANS_JSON)
  ledger = executor.record_span(executor.read_json_or(ledger_path, {}), span, examples.uri,
                                statistics.uri)
  found = executor.baseline(executor.read_json_or(os.path.join(serving_dir, files.MANIFEST_JSON),
                                                  None), ledger, fallback_span)
  if require_served and not (found and found["model"]):
    raise RuntimeError(f"no model is served from {serving_dir} (its {files.MANIFEST_JSON} names "
                       "none with its artifacts): run the train stage first")
  spans = executor.window(ledger, span, window_spans)
  with files.open_file(os.path.join(state.uri, files.STATE_JSON), "w") as f:
    f.write(executor.state(span, spans, found))
  if require_served:  # only a monitoring run reads the copies (baseline, warm start, fallback)
    executor.copy_tree(found["model"], model.uri)
    executor.copy_tree(found["transform_graph"], transform_graph.uri)
  if spans:
    window.split_names = artifact_utils.encode_split_names(executor.merge_examples(spans, window.uri))
    window.set_int_custom_property(artifacts.SPAN, span)
    artifacts.copy_format(examples, window)
  state.set_int_custom_property(artifacts.SPAN, span)
  # Last: a span counts as ingested once everything above succeeded.
  executor.write_atomically(ledger_path, ledger)
