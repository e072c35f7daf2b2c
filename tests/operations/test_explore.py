"""What the notebooks read, on the fallback replay's output: the decisions
run by run, the drift reports, and the served fallback's lineage graph."""
from pipeline.definition import node_ids
from pipeline.operations import explore, lineage
from tests import fallback_replay, project_data


def _output(paths):
  return explore.open_output(paths.output_dir)


def test_decisions_name_each_run_its_span_and_what_it_did(replay):
  paths, quiet, drifted, _, _ = replay
  table = explore.decisions(_output(paths))
  first_window = project_data.window_spans()
  assert list(table["span"]) == first_window + [quiet.span, drifted.span]
  assert table["decision"].iloc[len(first_window) - 1].startswith("trained and pushed version ")
  assert table["decision"].iloc[-2] == f"nothing trained (drift: {quiet.drift_verdict})"
  assert table["decision"].iloc[-1].startswith("fallback without ")
  assert " SERVED: " in table["decision"].iloc[-1]


def test_drift_reports_are_the_monitored_spans_with_the_drifted_features_first(replay):
  paths, quiet, drifted, _, _ = replay
  reports = explore.drift_reports(_output(paths))
  assert [span for span, _ in reports] == [quiet.span, drifted.span]
  drifted_features = set(drifted.drifted_features.split(","))
  ranked = explore.top_drifting(reports[-1][1], count=len(reports[-1][1]["features"]))
  first = ranked[:len(drifted_features)]
  assert {f["feature"] for f in first} == drifted_features
  assert all(f["status"] == "drift" for f in first)
  assert all(f["status"] != "drift" for f in ranked[len(drifted_features):])


def test_the_lineage_graph_runs_from_the_spans_to_the_serving_folder(replay):
  paths, _, drifted, _, _ = replay
  out = _output(paths)
  graph = lineage.graph(out.store, out.settings.pipeline_name, drifted.pushed_version)
  labels = set(graph.labels.values())
  assert graph.labels[graph.target] == f"serving folder\n{drifted.pushed_version}"
  # The fallback's window, each span from its own ExampleGen execution.
  for span in fallback_replay.window(fallback_replay.NEXT):
    assert f"Examples\nspan {span}" in labels
  for node in (node_ids.FALLBACK_PLANNER, node_ids.FALLBACK_TRAINER, node_ids.CHAMPION_CHALLENGER,
               node_ids.FALLBACK_PUSHER, node_ids.DRIFT_DETECTOR):
    assert node in labels, node
  # The model it replaced is shown (the drift check's served model), not walked.
  assert node_ids.TRAINER not in labels and node_ids.EVALUATOR not in labels
  depth = graph.depths()
  assert set(depth) == set(graph.labels) and depth[graph.target] == 0
  assert all(depth[source] > depth[target] for source, target in graph.edges)
