"""`watch` on a copy of the shared run's output: spans dropped into the data
root one after another are each monitored exactly once, across restarts of
the watcher; a span still being written waits; a span that fails is
recorded with its reason and not retried past WATCH_ATTEMPTS; a second
watcher is refused."""
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

from pipeline.definition import settings as settings_lib
from pipeline.mlmd import store as mlmd_store
from pipeline.operations import watch
from pipeline.runners import local
from tests import fallback_replay, project_data

SETTINGS = project_data.SETTINGS
NEW, NEXT = fallback_replay.NEW, fallback_replay.NEXT


def _drop(data_root, span, marker=True):
  """Up to 300 rows of the project's own span `span` when it has one (real
  new data, as the bundled project has), else unused rows of the window."""
  if span in SETTINGS.spans_in(SETTINGS.data_root):
    rows = project_data.read_span(span)
    project_data.write_span(data_root, span, rows.sample(n=min(300, len(rows)), random_state=span))
  else:
    fallback_replay.write_span(data_root, span, lambda rows: rows, n=300)
  folder = pathlib.Path(data_root) / SETTINGS.span_folder(span)
  if marker:
    (folder / watch.SUCCESS_MARKER).write_text("")
  return folder


def _look(data_root, paths, settings=SETTINGS):
  return watch.watch(settings, data_root=data_root, output_dir=paths.output_dir, interval=0,
                     once=True, policy="alert", beam=fallback_replay.IN_PROCESS,
                     write=lambda line: None)


def test_spans_dropped_one_after_another_are_each_monitored_once(first_run, sample_data_root,
                                                                 tmp_path):
  paths = fallback_replay.copy_output(first_run, tmp_path)
  data_root = tmp_path / "spans"
  shutil.copytree(sample_data_root, data_root)  # the window, ingested by the first run
  assert _look(data_root, paths) == []
  _drop(data_root, NEW)
  ((span, outcome, _),) = _look(data_root, paths)
  assert (span, outcome) == (NEW, watch.DONE)
  # A restart, as cron starts it (a new process), handles nothing twice.
  again = subprocess.run([sys.executable, "-m", "pipeline", "watch", "--once", "--policy", "alert",
                          "--data-root", str(data_root), "--output-dir", str(paths.output_dir)],
                         cwd=project_data.REPO_ROOT, capture_output=True, text=True, timeout=300)
  assert again.returncode == 0, again.stderr[-2000:]
  assert "monitoring it" not in again.stdout, again.stdout
  # A span still being written (no marker, files just changed) waits ...
  folder = _drop(data_root, NEXT, marker=False)
  assert _look(data_root, paths) == []
  # ... until its files have been quiet long enough.
  old = time.time() - SETTINGS.watch_quiet_seconds - 1
  for path in folder.iterdir():
    os.utime(path, (old, old))
  assert [(s, o) for s, o, _ in _look(data_root, paths)] == [(NEXT, watch.DONE)]
  history = watch.handled(mlmd_store.open_store(paths.metadata_config()))
  assert history == {NEW: [watch.DONE], NEXT: [watch.DONE]}


def test_a_failing_span_is_recorded_and_tried_watch_attempts_times(first_run, sample_data_root,
                                                                   tmp_path):
  paths = fallback_replay.copy_output(first_run, tmp_path)
  data_root = tmp_path / "spans"
  shutil.copytree(sample_data_root, data_root)
  folder = data_root / SETTINGS.span_folder(NEW)
  folder.mkdir()
  (folder / "empty.csv").write_text("")  # refused by the input check
  (folder / watch.SUCCESS_MARKER).write_text("")
  twice = settings_lib.load(watch_attempts=2)
  ((span, outcome, reason),) = _look(data_root, paths, twice)
  assert (span, outcome) == (NEW, watch.FAILED) and "empty" in reason
  assert [(s, o) for s, o, _ in _look(data_root, paths, twice)] == [(NEW, watch.FAILED)]
  assert _look(data_root, paths, twice) == []  # two attempts: left
  store = mlmd_store.open_store(paths.metadata_config())
  assert watch.handled(store) == {NEW: [watch.FAILED, watch.FAILED]}


def test_a_second_watcher_is_refused(tmp_path):
  paths = local.Paths(tmp_path / "output")
  with local.exclusive(paths, paths.output_dir / ".watch.lock", holder="watch"):
    with pytest.raises(local.OutputBusyError, match="another watch is using"):
      _look(tmp_path / "spans", paths)
