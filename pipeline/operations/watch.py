"""`python -m pipeline watch`: picks up new span folders as they arrive and
monitors each once, in span order. A span is complete when it holds a
_SUCCESS marker, or when none of its files changed for WATCH_QUIET_SECONDS.
MLMD records every span the watcher handled (an execution of type
WATCHED_SPAN, with the outcome and the reason of a failure), so that a
restart never handles a span twice; a lock keeps a second watcher out."""
import pathlib
import time

from ml_metadata.proto import metadata_store_pb2

from components.contracts import artifacts as contract
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.operations import notify
from pipeline.runners import local

WATCHED_SPAN = "model_factory.WatchedSpan"
SUCCESS_MARKER = "_SUCCESS"
DONE, FAILED = "done", "failed"
_REASON_CHARS = 500  # of a failure's message, kept in MLMD


def complete(folder: pathlib.Path, quiet_seconds: float, now: float) -> bool:
  """Whether a span folder is fully written: a _SUCCESS marker, or files
  untouched for `quiet_seconds`."""
  files = [p for p in folder.rglob("*") if p.is_file()]
  if any(p.name == SUCCESS_MARKER for p in files):
    return True
  return bool(files) and all(now - p.stat().st_mtime >= quiet_seconds for p in files)


def _type_id(store) -> int:
  execution_type = metadata_store_pb2.ExecutionType(name=WATCHED_SPAN)
  for name, kind in (("span", metadata_store_pb2.INT), ("outcome", metadata_store_pb2.STRING),
                     ("reason", metadata_store_pb2.STRING)):
    execution_type.properties[name] = kind
  return store.put_execution_type(execution_type)


def handled(store) -> dict:
  """{span: [outcome, ...]} of every span a watcher handled, oldest first."""
  found = {}
  for execution in store.get_executions_by_type(WATCHED_SPAN):
    span = execution.properties["span"].int_value
    found.setdefault(span, []).append(execution.properties["outcome"].string_value)
  return found


def record(store, span: int, outcome: str, reason: str = "") -> None:
  execution = metadata_store_pb2.Execution(type_id=_type_id(store))
  execution.properties["span"].int_value = span
  execution.properties["outcome"].string_value = outcome
  execution.properties["reason"].string_value = reason
  execution.last_known_state = (metadata_store_pb2.Execution.COMPLETE if outcome == DONE
                                else metadata_store_pb2.Execution.FAILED)
  store.put_executions([execution])


def due(settings, data_root, store, now: float) -> list:
  """The spans to monitor now, in order: not ingested or handled yet (a
  failed one again while it has attempts left), complete; stops at the
  first incomplete span, since later ones need it in their window."""
  ingested = {queries.custom(a, contract.SPAN) for a in store.get_artifacts_by_type("Examples")
              if queries.custom(a, contract.INPUT_FINGERPRINT)}  # ExampleGen's, not Transform's
  history = handled(store)
  spans = []
  for span in settings.spans_in(data_root):
    outcomes = history.get(span, [])
    if DONE in outcomes or len(outcomes) >= settings.watch_attempts or (
        span in ingested and not outcomes):
      continue
    if not complete(pathlib.Path(data_root) / settings.span_folder(span),
                    settings.watch_quiet_seconds, now):
      break
    spans.append(span)
  return spans


def _pass(settings, *, data_root, output_dir, policy, beam, write) -> list:
  """Monitors every due span; returns [(span, outcome, reason)]."""
  paths = local.Paths(pathlib.Path(output_dir).resolve())
  paths.output_dir.mkdir(parents=True, exist_ok=True)
  results = []
  for span in due(settings, data_root, mlmd_store.open_store(paths.metadata_config()), time.time()):
    write(f"watch: span {span} is complete; monitoring it")
    try:
      report = local.monitor(settings, data_root=data_root, span=span, output_dir=paths.output_dir,
                             policy=policy, beam=beam, write=write)
      outcome, reason, messages = DONE, report.drift_verdict or "", notify.events_of(report)
    except Exception as error:  # pylint: disable=broad-except  # a failed span must not stop the watch
      outcome, reason = FAILED, " ".join(f"{type(error).__name__}: {error}".split())[:_REASON_CHARS]
      messages = [notify.of_error(error, f"span {span}")]
    record(mlmd_store.open_store(paths.metadata_config()), span, outcome, reason)
    notify.send(messages, settings)
    write(f"watch: span {span} {outcome}" + (f" ({reason})" if reason else ""))
    results.append((span, outcome, reason))
  return results


def watch(settings, *, data_root, output_dir, interval: float, once=False, policy=None,
          beam=None, write=print) -> list:
  """Looks every `interval` seconds until stopped (with `once`: one look),
  holding the watch lock; returns what the looks handled."""
  paths = local.Paths(pathlib.Path(output_dir).resolve())
  handled_now = []
  with local.exclusive(paths, paths.output_dir / ".watch.lock", holder="watch"):
    while True:
      handled_now += _pass(settings, data_root=data_root, output_dir=output_dir, policy=policy,
                           beam=beam, write=write)
      if once:
        return handled_now
      time.sleep(interval)
