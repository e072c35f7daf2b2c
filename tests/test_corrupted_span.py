"""A corrupted span is stopped before training, with a clear error, and the
serving folder of an earlier good run is left exactly as it was."""
import shutil

from pipeline import __main__ as cli
from pipeline import configs, metadata, provenance
from tests import conftest, corrupt


def _snapshot(folder):
  return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                for p in folder.rglob("*"))


def test_corrupted_span_stops_the_run_and_pushes_nothing(first_run, tmp_path, capsys):
  output_dir = tmp_path / "output"
  shutil.copytree(first_run.paths.output_dir, output_dir)
  serving_before = _snapshot(output_dir / "serving")
  data_root = conftest.write_sample_spans(tmp_path / "spans", spans=(2013,))
  corrupt.write_corrupted_span(2014, data_root, rows=conftest.SAMPLE_ROWS)

  code = cli.main(["run", "--data-root", str(data_root), "--spans", "2013-2014",
                   "--output-dir", str(output_dir)])

  assert code == 2
  error = capsys.readouterr().err
  assert "span-2014" in error
  assert f"feature '{corrupt.BAD_VALUE_COLUMN}': Unexpected data type" in error
  assert f"feature '{corrupt.DROPPED_COLUMN}': Column dropped" in error
  assert "nothing was pushed" in error
  assert _snapshot(output_dir / "serving") == serving_before

  store = metadata.open_store(metadata.sqlite_config(str(output_dir / "metadata.sqlite")))
  failed_run = metadata.run_executions(store, configs.PIPELINE_NAME, metadata.latest_run_id(store))
  states = {e.node_id: e.state for e in failed_run}
  assert states["AnomalyGate"] == "FAILED"
  assert not {"Transform", "Tuner", "Trainer", "Evaluator", "Pusher"} & set(states)
  # The failed run's provenance is recorded all the same.
  gate = next(e for e in failed_run if e.node_id == "AnomalyGate").execution
  assert provenance.of_execution(store, gate.id)["config_sha256"] == provenance.config_sha256()
