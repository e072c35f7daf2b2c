"""A run killed (SIGKILL) in the middle of Transform, then started again
(real processes, real CLI): the rerun completes, takes what was finished
from the cache, pushes exactly one model, and leaves MLMD with no execution
that still claims to be running."""
import os
import signal
import subprocess
import sys
import time

import pytest

from components.contracts import artifacts as contract
from components.serving_manifest import executor as manifest
from pipeline.definition import node_ids
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.operations import lineage
from pipeline.runners import local
from tests import project_data

pytestmark = pytest.mark.standalone
SETTINGS = project_data.SETTINGS


def _states(store, run_id):
  return {e.node_id: e.state for e in queries.run_executions(store, SETTINGS.pipeline_name, run_id)}


def _wait_for_log_line(paths, process, line, timeout=600):
  deadline = time.monotonic() + timeout
  while True:
    logs = sorted((paths.output_dir / "logs").glob("*.log")) if paths.output_dir.exists() else []
    if logs and line in logs[-1].read_text(errors="replace"):
      return
    assert process.poll() is None, process.communicate()[0]
    assert time.monotonic() < deadline, f"no {line!r} in the log after {timeout} s"
    time.sleep(0.2)


def test_a_run_killed_during_transform_resumes_from_the_cache(sample_data_root, tmp_path):
  paths = local.Paths(tmp_path / "output")
  first, last = project_data.window()
  command = [sys.executable, "-m", "pipeline", "run", "--data-root", str(sample_data_root),
             "--spans", f"{first}-{last}", "--output-dir", str(paths.output_dir)]
  killed = subprocess.Popen(command, cwd=project_data.REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
  _wait_for_log_line(paths, killed, f"Component {node_ids.TRANSFORM} is running.")
  time.sleep(1.5)
  os.killpg(killed.pid, signal.SIGKILL)
  killed.communicate()
  store = mlmd_store.open_store(paths.metadata_config())
  interrupted = queries.latest_run_id(store)
  assert _states(store, interrupted)[node_ids.TRANSFORM] == "RUNNING"

  rerun = subprocess.run(command, cwd=project_data.REPO_ROOT, capture_output=True, text=True,
                         timeout=1200, check=False)
  printed = rerun.stdout + rerun.stderr
  assert rerun.returncode == 0, printed
  assert "An earlier run was interrupted" in printed
  for noise in ("Traceback", "Unable to register", "RuntimeWarning", "FutureWarning"):
    assert noise not in printed, printed  # a clean console, through TFMA and the push

  store = mlmd_store.open_store(paths.metadata_config())
  assert _states(store, interrupted)[node_ids.TRANSFORM] == "CANCELED"
  states = _states(store, queries.latest_run_id(store))
  # What had finished comes from the cache; Transform and the rest run.
  assert states[node_ids.EXAMPLE_GEN] == states[node_ids.STATISTICS_GEN] == "CACHED"
  assert all(states[node] == "COMPLETE" for node in
             (node_ids.TRANSFORM, node_ids.TRAINER, node_ids.EVALUATOR, node_ids.PUSHER))
  assert not {e.last_known_state for e in store.get_executions()} & set(mlmd_store.UNFINISHED_STATES)
  (pushed,) = lineage.pushed_models(store)
  facts = lineage.explain(store)
  assert sorted(p.name for p in paths.serving_dir.iterdir()) == sorted(
      [facts["version"], manifest.FILE_NAME])
  assert [s["span"] for s in facts["data"]] == project_data.window_spans()
  assert queries.custom(pushed, contract.PUSHED_VERSION) == facts["version"]
