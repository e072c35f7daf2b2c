"""Two commands on one output folder at once (real processes, real CLI): the
second refuses at once and names the first's pid; the first finishes, with
a clean console and no execution left unfinished in MLMD; the folder is
free again after it."""
import shutil
import subprocess
import sys
import time

from pipeline import __main__ as cli
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.runners import local
from tests import fallback_replay, project_data


def test_a_second_run_on_the_same_output_refuses_naming_the_first(
    first_run, sample_data_root, tmp_path, capsys):
  paths = local.Paths(tmp_path / "output")
  shutil.copytree(first_run.paths.output_dir, paths.output_dir)
  # A span no run has ingested: the first command works for a while (a
  # monitor run whose every step is cached may end before the second starts).
  data_root = tmp_path / "spans"
  shutil.copytree(sample_data_root, data_root)
  fallback_replay.write_span(data_root, fallback_replay.NEW, lambda rows: rows, n=300)
  span = fallback_replay.NEW
  command = ["monitor", "--span", str(span), "--window", f"{span}-{span}", "--policy", "alert",
             "--data-root", str(data_root), "--output-dir", str(paths.output_dir)]
  first = subprocess.Popen([sys.executable, "-m", "pipeline", *command], cwd=project_data.REPO_ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
  deadline = time.monotonic() + 300
  while not (paths.lock_path.exists() and paths.lock_path.read_text() == str(first.pid)):
    assert first.poll() is None and time.monotonic() < deadline, first.communicate()[0]
    time.sleep(0.1)

  assert cli.main(command) == 1
  assert (f"error: another run is using {paths.output_dir} (pid {first.pid}); wait for it"
          in capsys.readouterr().err)

  printed, _ = first.communicate(timeout=600)
  assert first.returncode == 0, printed
  # A clean console: progress lines and the summary, library chatter in the log.
  for noise in ("Traceback", "Unable to register", "RuntimeWarning", "FutureWarning"):
    assert noise not in printed, printed
  store = mlmd_store.open_store(paths.metadata_config())
  states = {e.state for run in queries.run_ids(store)
            for e in queries.run_executions(store, project_data.SETTINGS.pipeline_name, run)}
  assert states <= {"COMPLETE", "CACHED"}, states
  assert cli.main(command) == 0  # the folder is free again
