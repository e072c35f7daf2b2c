"""A corrupted span is stopped before anything reads it, with a clear error,
and the serving folder of an earlier good run is left exactly as it was
(every kind of bad file: tests/test_bad_input.py)."""
import shutil

from pipeline import __main__ as cli
from pipeline.definition import node_ids as n
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.operations import provenance
from tests import conftest, project_data

SETTINGS = project_data.SETTINGS


def _snapshot(folder):
  return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                for p in folder.rglob("*"))


def test_corrupted_span_stops_the_run_and_pushes_nothing(first_run, tmp_path, capsys):
  first, last = project_data.window()
  output_dir = tmp_path / "output"
  shutil.copytree(first_run.paths.output_dir, output_dir)
  serving_before = _snapshot(output_dir / "serving")
  # The window's earlier spans as sampled before; its last span corrupted.
  data_root = conftest.write_sample_spans(tmp_path / "spans",
                                          spans=project_data.window_spans()[:-1])
  project_data.write_corrupted_span(last, data_root, rows=conftest.SAMPLE_ROWS)

  code = cli.main(["run", "--data-root", str(data_root), "--spans", f"{first}-{last}",
                   "--output-dir", str(output_dir)])

  assert code == 2
  error = capsys.readouterr().err
  assert (f"{SETTINGS.span_folder(last)}/" in error
          and f", line 1: the header lacks required column(s) {project_data.dropped_column()}" in error)
  assert "nothing was ingested, trained or pushed" in error
  assert _snapshot(output_dir / "serving") == serving_before

  store = mlmd_store.open_store(mlmd_store.sqlite_config(str(output_dir / "metadata.sqlite")))
  failed_run = queries.run_executions(store, SETTINGS.pipeline_name, queries.latest_run_id(store))
  states = {e.node_id: e.state for e in failed_run}
  # The input check refused the span inside ExampleGen, before Beam read it.
  assert states[n.EXAMPLE_GEN] == "FAILED"
  assert not {n.STATISTICS_GEN, n.TRANSFORM, n.TRAINER, n.PUSHER} & set(states)
  # The failed run's provenance is recorded all the same.
  example_gen = next(e for e in failed_run if e.node_id == n.EXAMPLE_GEN).execution
  assert (provenance.of_execution(store, example_gen.id)["config_sha256"]
          == provenance.config_sha256(SETTINGS))
