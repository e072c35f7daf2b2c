"""ServedState's logic on synthetic ledgers and manifests, with files on
TensorFlow's ram:// filesystem (as gs:// would be on Vertex)."""
import itertools

import tensorflow as tf

from components.contracts import files
from components.served_state import executor

_ROOTS = itertools.count()


def _root() -> str:
  return f"ram://served-state-{next(_ROOTS)}"


def test_the_ledger_keeps_the_newest_ingestion_of_each_span():
  ledger = executor.record_span({}, 7, "ex/1", "st/1")
  ledger = executor.record_span(ledger, 9, "ex/2", "st/2")
  ledger = executor.record_span(ledger, 7, "ex/3", "st/3")  # span 7 again, corrected
  assert ledger == {"7": {"examples": "ex/3", "statistics": "st/3"},
                    "9": {"examples": "ex/2", "statistics": "st/2"}}


def test_the_window_is_the_last_spans_up_to_the_new_one():
  ledger = {str(s): {"examples": f"ex/{s}", "statistics": f"st/{s}"} for s in (3, 5, 6, 9)}
  assert [w["span"] for w in executor.window(ledger, 6, 2)] == [5, 6]  # numbers need not be consecutive
  assert [w["span"] for w in executor.window(ledger, 9, 3)] == [5, 6, 9]
  assert executor.window(ledger, 5, 0) == []
  assert executor.window(ledger, 6, 2)[0] == {"span": 5, "examples": "ex/5", "statistics": "st/5"}


def test_the_baseline_is_the_served_model_else_the_fallback_span():
  spans = [{"span": 1, "examples": "ex/1", "statistics": "st/1"}]
  served = {"active_version": "100", "artifacts": {"model": "m", "evaluation": "e", "spans": spans,
                                                   "transform_graph": "t"}}
  assert executor.baseline(served, {}, 0) == {"model": "m", "evaluation": "e", "spans": spans,
                                               "transform_graph": "t", "version": "100"}
  ledger = {"4": {"examples": "ex/4", "statistics": "st/4"}}
  waiting = {"active_version": None, "pending": [{"version": "200"}]}  # manual promotion
  for nothing_served in (None, waiting):
    assert executor.baseline(nothing_served, ledger, 4)["spans"] == [{"span": 4, **ledger["4"]}]
    assert executor.baseline(nothing_served, ledger, 4)["model"] is None
    assert executor.baseline(nothing_served, ledger, 0) is None


def test_window_examples_and_the_ledger_go_through_gfile():
  root = _root()
  for span in (1, 2):
    for split in ("train", "eval"):
      tf.io.gfile.makedirs(f"{root}/ex{span}/Split-{split}")  # ram:// lists only made folders
      with tf.io.gfile.GFile(f"{root}/ex{span}/Split-{split}/data_tfrecord-0.gz", "w") as f:
        f.write(f"{span}-{split}")
  spans = [{"span": s, "examples": f"{root}/ex{s}"} for s in (1, 2)]
  assert executor.merge_examples(spans, f"{root}/window") == ["eval", "train"]
  assert sorted(tf.io.gfile.listdir(f"{root}/window/Split-train")) == [
      "span-1-data_tfrecord-0.gz", "span-2-data_tfrecord-0.gz"]
  ledger_path = f"{root}/serving/{files.SPANS_JSON}"
  assert executor.read_json_or(ledger_path, {}) == {}
  executor.write_atomically(ledger_path, {"1": {"examples": "e", "statistics": "s"}})
  assert executor.read_json_or(ledger_path, {}) == {"1": {"examples": "e", "statistics": "s"}}
  assert not tf.io.gfile.exists(ledger_path + ".tmp")


def test_the_component_reads_and_writes_only_through_gfile():
  """The executor on ram:// URIs, as on gs://: a served model named by the
  manifest, one span in the ledger, a new span."""
  from tfx.types import standard_artifacts  # pylint: disable=import-outside-toplevel
  from components.contracts import artifacts  # pylint: disable=import-outside-toplevel
  from components.served_state import component  # pylint: disable=import-outside-toplevel
  root = _root()
  for span in (1, 2):
    tf.io.gfile.makedirs(f"{root}/ex{span}/Split-train")
    with tf.io.gfile.GFile(f"{root}/ex{span}/Split-train/data.gz", "w") as f:
      f.write(str(span))
  for folder, name in (("model/Format-Serving", "saved_model.pb"), ("graph/transform_fn", "x.pb")):
    tf.io.gfile.makedirs(f"{root}/{folder}")
    with tf.io.gfile.GFile(f"{root}/{folder}/{name}", "w") as f:
      f.write(name)
  served_spans = [{"span": 1, "examples": f"{root}/ex1", "statistics": f"{root}/st1"}]
  files.write_json(f"{root}/serving/{files.MANIFEST_JSON}", {"active_version": "7", "artifacts": {
      "model": f"{root}/model", "evaluation": f"{root}/ev", "spans": served_spans,
      "transform_graph": f"{root}/graph"}})
  executor.write_atomically(f"{root}/serving/{files.SPANS_JSON}",
                            {"1": {"examples": f"{root}/ex1", "statistics": f"{root}/st1"}})
  new = standard_artifacts.Examples()
  new.uri = f"{root}/ex2"
  new.set_int_custom_property(artifacts.SPAN, 2)
  statistics = standard_artifacts.ExampleStatistics()
  statistics.uri = f"{root}/st2"
  outputs = {component.STATE_KEY: [artifacts.ServedState()],
             component.MODEL_KEY: [standard_artifacts.Model()],
             component.TRANSFORM_GRAPH_KEY: [standard_artifacts.TransformGraph()],
             component.WINDOW_KEY: [standard_artifacts.Examples()]}
  for key, (found,) in outputs.items():
    found.uri = f"{root}/out/{key}"
    tf.io.gfile.makedirs(found.uri)
  component.ServedState.EXECUTOR_SPEC.executor_class().Do(
      {"examples": [new], "statistics": [statistics]}, outputs,
      {"serving_dir": f"{root}/serving", "window_spans": 2, "fallback_span": 0,
       "require_served": 1})
  state = artifacts.read_state(f"{root}/out/state")
  assert state["span"] == 2 and [w["span"] for w in state["window"]] == [1, 2]
  assert state["baseline"]["version"] == "7" and state["baseline"]["spans"] == served_spans
  assert tf.io.gfile.exists(f"{root}/out/model/Format-Serving/saved_model.pb")
  assert tf.io.gfile.exists(f"{root}/out/transform_graph/transform_fn/x.pb")
  assert sorted(tf.io.gfile.listdir(f"{root}/out/window/Split-train")) == [
      "span-1-data.gz", "span-2-data.gz"]
  assert executor.read_json_or(f"{root}/serving/{files.SPANS_JSON}", {})["2"] == {
      "examples": f"{root}/ex2", "statistics": f"{root}/st2"}
