"""Runs the pipeline on this machine with LocalDagRunner."""
import contextlib
import dataclasses
import fcntl
import functools
import logging
import os
import pathlib
import sys
import time

import absl.logging
import tensorflow as tf

from tfx import v1 as tfx

from components.contracts import artifacts as contract
from components.serving_manifest import executor as serving_manifest

from pipeline.definition import beam as beam_lib
from pipeline.definition.pipeline import create_pipeline
from pipeline.definition.settings import RunSpec
from pipeline.mlmd import queries, store as mlmd_store
from pipeline.operations import model_card, provenance, report


@dataclasses.dataclass(frozen=True)
class Paths:
  """Where a run writes, all under one output folder."""
  output_dir: pathlib.Path

  @property
  def pipeline_root(self):
    return self.output_dir / "pipeline_root"

  @property
  def metadata_path(self):
    return self.output_dir / "metadata.sqlite"

  @property
  def serving_dir(self):
    return self.output_dir / "serving"

  @property
  def lock_path(self):
    """Holds the pid of the process that runs on this folder (see exclusive)."""
    return self.output_dir / ".lock"

  def metadata_config(self):
    """SQLite in the output folder, or MySQL when the environment says so."""
    return mlmd_store.connection_config(str(self.metadata_path))


class ComponentProgress(logging.Handler):
  """Prints one line per finished component, with its elapsed time.

  LocalDagRunner runs nodes one after the other in this process and logs
  when each starts and finishes; this handler turns those records into lines.
  """

  def __init__(self, write):
    super().__init__(logging.INFO)
    self._write = write
    self._started = {}
    self._cached = ""  # or why the node did not really run

  def emit(self, record):
    message = record.getMessage()
    if message.startswith("Component ") and message.endswith(" is running."):
      self._started[message[len("Component "):-len(" is running.")]] = time.monotonic()
      self._cached = ""
    elif message.startswith("A cached execution"):
      self._cached = "  (cached)"
    elif message.startswith("Skipping execution for"):
      self._cached = "  (skipped: its condition is false)"
    elif message.startswith("Component ") and message.endswith(" is finished."):
      node = message[len("Component "):-len(" is finished.")]
      elapsed = time.monotonic() - self._started.pop(node, time.monotonic())
      self._write(f"  {node:<32} {elapsed:6.1f} s{self._cached}")


class OutputBusyError(RuntimeError):
  """Another process is running the pipeline (or a rollback) on this output folder."""


@contextlib.contextmanager
def exclusive(paths: Paths, lock_path=None, holder="run"):
  """The output folder for this process alone: MLMD and the serving folder
  take one writer at a time, so a second command refuses at once and names
  the process that holds the folder. The operating system releases the
  lock when that process ends, even when it is killed. `lock_path` and
  `holder`: another lock on the same folder (one `watch` at a time)."""
  paths.output_dir.mkdir(parents=True, exist_ok=True)
  with open(lock_path or paths.lock_path, "a+", encoding="utf-8") as lock:
    try:
      fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      lock.seek(0)
      raise OutputBusyError(
          f"another {holder} is using {paths.output_dir} (pid {lock.read().strip() or 'unknown'}); "
          "wait for it to finish, or use another --output-dir") from None
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    yield


@contextlib.contextmanager
def _stderr_to(log_file):
  """File descriptor 2 into the log: what C++ libraries and Beam's worker
  processes (which inherit it) print lands there, not on the terminal."""
  sys.stderr.flush()
  saved = os.dup(2)
  os.dup2(log_file.fileno(), 2)
  try:
    yield
  finally:
    sys.stderr.flush()
    os.dup2(saved, 2)
    os.close(saved)


# Loggers whose records go to the run's log file instead of the terminal.
_QUIET_LOGGERS = ("absl", "tensorflow", "apache_beam", "py.warnings")


@contextlib.contextmanager
def _tfx_logs_to(log_path, progress):
  """Sends TFX's logs, warnings and prints to a file, and progress lines to
  `progress`. Errors still reach the terminal through the exception that
  stops the run."""
  file_handler = logging.FileHandler(log_path)
  file_handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
  loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
  saved = absl.logging.get_verbosity(), [(l.propagate, l.handlers) for l in loggers]
  # Through absl's verbosity flag, not Logger.setLevel: TensorFlow saves and
  # restores that flag while writing SavedModels, which would undo setLevel.
  absl.logging.set_verbosity(absl.logging.INFO)
  logging.captureWarnings(True)
  for logger in loggers:
    # TensorFlow's logger has a stderr handler of its own: replace, not add.
    logger.propagate, logger.handlers = False, [file_handler]
  loggers[0].addHandler(progress)
  try:
    # Components such as KerasTuner print their own reports; keep those in
    # the log too, so the terminal shows progress lines only.
    with open(log_path, "a", encoding="utf-8") as log_file, \
        contextlib.redirect_stdout(log_file), _stderr_to(log_file):
      yield
  finally:
    for logger, (propagate, handlers) in zip(loggers, saved[1]):
      logger.propagate, logger.handlers = propagate, handlers
    logging.captureWarnings(False)
    file_handler.close()
    absl.logging.set_verbosity(saved[0])


def default_beam(settings) -> beam_lib.Beam:
  """The project's Beam profile, its DirectRunner workers chosen by span size."""
  return beam_lib.Beam(settings.default_beam_profile, workers=None)


def span_bytes(settings, data_root, spans) -> int:
  """The size of the largest of `spans` under `data_root`, in bytes of CSV."""
  return max(sum(tf.io.gfile.stat(path).length for path in
                 tf.io.gfile.glob(os.path.join(str(data_root), settings.span_glob(span))))
             for span in spans)


def run_spec(settings, *, data_root, ingest_span, train_spans, stage, paths, beam_args,
             drift_policy) -> RunSpec:
  """A local run: everything under `paths`, MLMD from the environment."""
  return RunSpec(
      stage=stage, ingest_span=ingest_span, train_spans=tuple(train_spans),
      data_root=str(data_root), pipeline_root=str(paths.pipeline_root),
      serving_dir=str(paths.serving_dir), schema_path=str(settings.schema_path),
      beam_pipeline_args=tuple(beam_args), drift_policy=drift_policy,
      metadata_connection_config=paths.metadata_config())


def run(settings, *, data_root, spans, output_dir, beam=None,
        write=None) -> report.RunReport:
  """Ingests and validates every span of `spans` (first, last), then trains.

  Earlier spans of the window go through an ingest-only run each (fully
  cached when their files are unchanged); the last span's run also trains,
  evaluates and pushes. Raises DataAnomaliesError if any span is invalid.
  """
  first, last = spans
  steps = [(span, "ingest" if span != last else "train")
           for span in settings.spans_in(data_root, first, last)]
  return _execute(settings, data_root, steps, spans, output_dir, beam, settings.drift_policy,
                  write)


def monitor(settings, *, data_root, span, output_dir, window=None, policy=None,
            beam=None, write=None) -> report.RunReport:
  """Feeds one new span: validates it, checks it for drift against the
  served model, and acts by `policy` (alert, fallback or retrain, which
  train on `window`, the spans (first, last) ending with `span`; by default
  the last TRAINING_WINDOW_SPANS spans, from the first one ingested here)."""
  store = mlmd_store.open_store(Paths(pathlib.Path(output_dir).resolve()).metadata_config())
  ingested = {queries.custom(a, contract.SPAN) for a in store.get_artifacts_by_type("Examples")
              if queries.custom(a, contract.INPUT_FINGERPRINT)}  # ExampleGen's, not Transform's
  recent = settings.spans_in(data_root, None, span)[-settings.training_window_spans:] or [span]
  window = window or (max(recent[0], min(ingested, default=span)), span)
  if window[1] != span:
    raise ValueError(f"the training window {window} must end with the new span {span}")
  earlier = set(settings.spans_in(data_root, window[0], span - 1)) | ({window[0]} - {span})
  missing = sorted(s for s in earlier if s not in ingested)
  if missing:
    raise ValueError(f"span(s) {missing} of the training window {window[0]}-{window[1]} were never "
                     f"ingested into {output_dir}: monitor them first (in time order), or pass "
                     f"--window {span}-{span}")
  return _execute(settings, data_root, [(span, "monitor")], window, output_dir, beam,
                  policy or settings.drift_policy, write)


_ANNOUNCE = {"ingest": "Ingesting span {span}",
             "train": "Ingesting and training on span {span} (training window {first}-{last})",
             "monitor": "Monitoring span {span} (on drift: {policy}; window {first}-{last})"}


def _newest_run(store):
  try:
    return queries.latest_run_id(store)
  except LookupError:  # nothing has run in this output folder yet
    return None


def _execute(settings, data_root, steps, window, output_dir, beam, policy, write):
  # Bound now: the run redirects sys.stdout to the log file.
  write = write or functools.partial(print, file=sys.stdout, flush=True)
  paths = Paths(pathlib.Path(output_dir).resolve())
  with exclusive(paths):
    return _execute_alone(settings, data_root, steps, window, paths, beam, policy, write)


def _execute_alone(settings, data_root, steps, window, paths, beam, policy, write):
  beam = (beam or default_beam(settings)).sized(
      settings, span_bytes(settings, data_root, [span for span, _ in steps]))
  beam_args = beam.args(settings)
  # Fail fast, and clearly, if MLMD or a Beam job server is unreachable.
  beam_lib.check_reachable(beam_args, beam.profile)
  canceled = mlmd_store.cancel_unfinished(mlmd_store.open_store(paths.metadata_config()))
  if canceled:  # this process holds the folder alone: their process is gone
    write(f"An earlier run was interrupted: its unfinished execution(s) {canceled} are marked "
          "canceled in MLMD; this run redoes their work (finished ones come from the cache).")
  log_path = paths.output_dir / "logs" / time.strftime("run-%Y%m%d-%H%M%S.log")
  log_path.parent.mkdir(exist_ok=True)
  write(f"Full log: {log_path}")
  facts = provenance.collect(settings)
  with _tfx_logs_to(log_path, ComponentProgress(write)):
    for span, stage in steps:
      write(_ANNOUNCE[stage].format(span=span, first=window[0], last=window[1], policy=policy))
      before = _newest_run(mlmd_store.open_store(paths.metadata_config()))
      try:
        tfx.orchestration.LocalDagRunner().run(create_pipeline(settings, run_spec(
            settings, data_root=data_root, ingest_span=span, train_spans=window, stage=stage,
            paths=paths, beam_args=beam_args, drift_policy=policy)))
      finally:  # a failed run (e.g. stopped by the AnomalyGate) gets its provenance too
        store = mlmd_store.open_store(paths.metadata_config())
        after = _newest_run(store)
        if after not in (None, before):
          provenance.record(store, after, facts)
    # Inside the block: reading TFMA's results logs deprecation warnings too.
    result = report.read(store, settings)
    if result.pushed_version and not (pathlib.Path(result.pushed_path) / model_card.FILE_NAME).exists():
      model_card.write(store, settings, result.pushed_version)
    elif result.drift_verdict:
      _refresh_served_card(store, settings, paths)
    return result


def _refresh_served_card(store, settings, paths):
  """The served model's card again, now with the latest drift check; only a
  card in this output folder (a copied folder's MLMD names the original's)."""
  served = serving_manifest.read(str(paths.serving_dir))
  if served and pathlib.Path(served["model_path"]).resolve().is_relative_to(paths.serving_dir):
    model_card.write(store, settings, served["active_version"])
