"""The notebooks run top to bottom with nbclient against the fallback
replay's output (a train run, a span like the training data, then a
drifted span now served by a fallback) and show what they promise: images,
and the features, slices, spans and decisions of that output by name."""
import nbclient
import nbformat
import pytest
import tensorflow_data_validation as tfdv

from pipeline.operations import explore, lineage
from tests import fallback_replay, project_data

NOTEBOOKS = project_data.REPO_ROOT / "notebooks"
NAMES = ("01_data.ipynb", "02_model.ipynb", "03_drift_and_lineage.ipynb")


def _execute(name, output_dir, monkeypatch):
  monkeypatch.setenv(explore.OUTPUT_DIR_ENV, str(output_dir))
  notebook = nbformat.read(str(NOTEBOOKS / name), as_version=4)
  nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                          resources={"metadata": {"path": str(project_data.REPO_ROOT)}}).execute()
  outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
  text = "\n".join([o.get("text", "") for o in outputs]
                   + [o.get("data", {}).get(kind, "") for o in outputs
                      for kind in ("text/plain", "text/html")])
  images = sum("image/png" in o.get("data", {}) for o in outputs)
  stderr = "".join(o["text"] for o in outputs if o.get("name") == "stderr")
  return text, images, stderr


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name):
  notebook = nbformat.read(str(NOTEBOOKS / name), as_version=4)
  code = [cell for cell in notebook.cells if cell.cell_type == "code"]
  assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
  assert notebook.cells[-1].source.startswith("## What to look at next")


def test_the_data_notebook_compares_the_window_with_the_newest_span(replay, monkeypatch):
  paths, _, drifted, _, _ = replay
  text, images, stderr = _execute(NAMES[0], paths.output_dir, monkeypatch)
  assert images >= 1 and "facets-iframe" in text
  assert f"span {drifted.span}" in text  # the newest span, named in Facets' legend
  spans = ", ".join(map(str, fallback_replay.window(fallback_replay.NEXT)))
  assert f"training window (spans {spans})" in text
  schema = tfdv.load_schema_text(str(project_data.SETTINGS.schema_path))
  for feature in schema.feature:
    assert f"'{feature.name}'" in text, feature.name  # the schema table
  assert f"Span {drifted.span}: no anomaly" in text  # it passed validation, then drifted
  assert stderr == ""  # no library chatter


def test_the_model_notebook_shows_the_served_fallback(replay, monkeypatch):
  paths, _, drifted, _, _ = replay
  text, images, _ = _execute(NAMES[1], paths.output_dir, monkeypatch)
  # The weakest slices; reliability and ROC curves (binary tasks).
  assert images >= (2 if project_data.SETTINGS.task == "binary" else 1)
  assert f"Served model: version {drifted.pushed_version}" in text
  assert "Role: fallback (without " in text
  facts = lineage.explain(fallback_replay.store(paths), drifted.pushed_version)
  slices = explore.slice_metrics(facts["evaluation"]["uri"]).index
  assert slices[0] == "overall" and all(name in text for name in slices)
  assert all(name in text for name in facts["hyperparameters"])
  assert project_data.SETTINGS.model_card_title in text and "Do not use this model when" in text


def test_the_drift_and_lineage_notebook_shows_every_decision(replay, monkeypatch):
  paths, quiet, drifted, _, _ = replay
  text, images, _ = _execute(NAMES[2], paths.output_dir, monkeypatch)
  assert images >= 3  # a drift figure per monitored span, and the lineage graph
  assert f"Span {quiet.span}: {quiet.drift_verdict}" in text
  assert f"Span {drifted.span}: drift; drifted: {drifted.drifted_features.replace(',', ', ')}" in text
  assert "SERVED" in text and f"Model version {drifted.pushed_version}" in text
  assert "No replay in" in text  # no `simulate` ran on this output
