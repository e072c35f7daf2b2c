"""What each subcommand does: a handler per command, (settings, args) in,
exit code out. Heavy imports happen inside the handlers, so `--help` and
argument errors stay fast."""
import collections
import sys

# Exit codes of `drift`: no drift (or only warnings), error, drift detected.
DRIFT_EXIT = {"ok": 0, "error": 1, "drift": 3}


def _error(error) -> int:
  print(f"error: {error}", file=sys.stderr)
  return 1


def lineage(settings, args) -> int:
  import logging  # pylint: disable=import-outside-toplevel
  from pipeline.mlmd import store as mlmd_store
  from pipeline.operations import lineage as explaining
  from pipeline.runners import local
  logging.getLogger("tensorflow").setLevel(logging.ERROR)  # TFMA's reader warns on deprecations
  try:
    store = mlmd_store.open_store(local.Paths(args.output_dir.resolve()).metadata_config())
    print(explaining.render(explaining.explain(store, args.model), args.format))
  except (explaining.LineageError, mlmd_store.MetadataUnreachable) as error:
    return _error(error)
  return 0


def rollback(settings, args) -> int:
  from pipeline.mlmd import store as mlmd_store
  from pipeline.operations import rollback as rolling_back
  from pipeline.runners import local
  paths = local.Paths(args.output_dir.resolve())
  try:
    with local.exclusive(paths):
      store = mlmd_store.open_store(paths.metadata_config())
      version = rolling_back.rollback(store, paths.serving_dir, args.to, args.schema)
  except (rolling_back.RollbackRefused, mlmd_store.MetadataUnreachable,
          local.OutputBusyError) as error:
    return _error(error)
  print(f"serving version {version} (a copy of {args.to}) from {paths.serving_dir / version}")
  return 0


def _promote(args, decide) -> int:
  """Runs `decide(store, serving_dir)` holding the output folder alone."""
  from pipeline.mlmd import store as mlmd_store
  from pipeline.operations import promotion
  from pipeline.runners import local
  paths = local.Paths(args.output_dir.resolve())
  try:
    with local.exclusive(paths):
      decide(mlmd_store.open_store(paths.metadata_config()), paths.serving_dir)
  except (promotion.PromotionRefused, mlmd_store.MetadataUnreachable,
          local.OutputBusyError) as error:
    return _error(error)
  return 0


def approve(settings, args) -> int:
  from pipeline.operations import model_card, promotion

  def decide(store, serving_dir):
    served = promotion.approve(store, serving_dir, args.version, by=args.by, note=args.note,
                               schema_path=args.schema)
    model_card.write(store, settings, served)  # now with the approval
    print(f"approved by {args.by}: serving candidate {args.version} as version {served} "
          f"from {serving_dir / served}")

  return _promote(args, decide)


def reject(settings, args) -> int:
  from pipeline.operations import model_card, promotion

  def decide(store, serving_dir):
    promotion.reject(store, serving_dir, args.version, by=args.by, note=args.note)
    model_card.write(store, settings, args.version)  # the archived candidate's, with the rejection
    print(f"rejected by {args.by}: candidate {args.version} will not be served")

  return _promote(args, decide)


def _beam(args):
  from pipeline.definition import beam
  return beam.Beam(args.beam, getattr(args, "workers", 0), args.job_endpoint or "")


def _compile_to(settings, args, output):
  from pipeline.runners import kubeflow
  cloud = kubeflow.defaults(settings, args)
  return kubeflow.compile_spec(
      settings, target=args.target, output=output, image=cloud["image"],
      pipeline_root=cloud["pipeline_root"], data_root=cloud["data_root"],
      serving_dir=cloud["serving_dir"], beam=_beam(args),
      project=cloud["project"], region=cloud["region"], span=args.span, stage=args.stage,
      policy=args.policy)


def compile_spec(settings, args) -> int:
  try:
    spec = _compile_to(settings, args, args.output)
  except ValueError as error:
    return _error(error)
  print(f"compiled {args.target} pipeline spec: {spec}")
  return 0


def submit(settings, args) -> int:
  """`submit`, and `schedule` (the same request with its cron)."""
  from pipeline.runners import kubeflow
  cloud = kubeflow.defaults(settings, args)
  try:
    if args.command == "schedule":
      kubeflow.cron_fields(args.target, args.cron)  # before compiling
    spec = args.spec or _compile_to(settings, args, kubeflow.temporary_spec(args.target))
    if not spec.is_file():
      raise ValueError(f"{spec}: no such spec file")
    request = kubeflow.submission(
        settings, target=args.target, spec=spec, project=cloud["project"],
        region=cloud["region"], endpoint=cloud["endpoint"], pipeline_root=cloud["pipeline_root"])
    if args.command == "schedule":
      request = kubeflow.scheduled(request, args.cron)
    if args.dry_run:
      print(kubeflow.dump(request))
      return 0
    print(f"{args.command}: {kubeflow.submit(request)}")
  except (ValueError, kubeflow.SubmitError) as error:
    return _error(error)
  return 0


def drift(settings, args) -> int:
  from components.contracts import files
  from components.drift_detector import adhoc
  try:
    result = adhoc.run(args.baseline, args.current, args.output, settings.drift_config(),
                       **settings.summary_buckets())
  except adhoc.DriftInputError as error:
    _error(error)
    return DRIFT_EXIT["error"]
  print(adhoc.verdict_table(result))
  print(f"report: {args.output / files.REPORT_HTML}")
  return DRIFT_EXIT["drift"] if result["drift_detected"] else DRIFT_EXIT["ok"]


def predict(settings, args) -> int:
  from pipeline.operations import predict as predicting
  from pipeline.runners import local
  try:
    model_dir = predicting.active_version(local.Paths(args.output_dir).serving_dir)
    outputs = predicting.predict_csv(args.csv, model_dir, settings.schema_path, settings.task)
    rows = predicting.read_rows(args.csv)
  except (FileNotFoundError, ValueError) as error:
    return _error(error)
  envelope = predicting.read_envelope(model_dir)
  print(f"model {model_dir}")
  counts = collections.Counter()
  for line, (output, row) in enumerate(zip(outputs, rows), start=2):
    status, reasons = predicting.scope(row, envelope) if envelope else ("scope unknown", [])
    counts[status] += 1
    print(f"line {line}: {predicting.describe(output, settings)}  {status}"
          + (f": {'; '.join(reasons)}" if reasons else ""))
  print(", ".join(f"{status} {count}" for status, count in sorted(counts.items())) + " rows"
        + ("" if envelope else " (the model has no envelope.json: written with its model card)"))
  return 0


def _missing_spans(settings, data_root, spans):
  missing = [s for s in sorted(set(spans)) if not (data_root / settings.span_folder(s)).is_dir()]
  if missing:
    print(f"error: {data_root} has no folder for span(s) {missing} "
          f"(expected {settings.span_glob(missing[0])})", file=sys.stderr)
  return missing


def run(settings, args) -> int:
  from pipeline.runners import local
  if _missing_spans(settings, args.data_root, args.spans):
    return 1
  return _summarize(settings, args, lambda: local.run(
      settings, data_root=args.data_root.resolve(), spans=args.spans,
      output_dir=args.output_dir, beam=_beam(args)))


def monitor(settings, args) -> int:
  from pipeline.runners import local
  if _missing_spans(settings, args.data_root, (args.span, args.span)):
    return 1
  try:
    return _summarize(settings, args, lambda: local.monitor(
        settings, data_root=args.data_root.resolve(), span=args.span, window=args.window,
        output_dir=args.output_dir, policy=args.policy, beam=_beam(args)))
  except (ValueError, RuntimeError) as error:  # bad window, or a node failed (see the log)
    return _error(error)


def watch(settings, args) -> int:
  from pipeline.operations import watch as watching
  from pipeline.runners import local
  try:
    watching.watch(settings, data_root=args.data_root.resolve(), output_dir=args.output_dir,
                   interval=args.interval, once=args.once, policy=args.policy, beam=_beam(args))
  except local.OutputBusyError as error:
    return _error(error)
  except KeyboardInterrupt:
    print("watch: stopped")
  return 0


def simulate(settings, args) -> int:
  from pipeline.definition import beam
  from pipeline.operations import simulate as simulating
  if _missing_spans(settings, args.data_root, (args.first_window[0], args.last_span)):
    return 1
  try:
    return simulating.main(settings, data_root=args.data_root.resolve(),
                           first_window=args.first_window, last_span=args.last_span,
                           output_dir=args.output_dir.resolve(), policy=args.policy,
                           beam=_beam(args))
  except beam.BeamSetupError as error:
    return _error(error)


def _summarize(settings, args, execute) -> int:
  """Runs `execute`, prints the run's summary; exit 2 on bad data."""
  from components.anomaly_gate.executor import DataAnomaliesError
  from components.guardrails.executor import GuardrailsRefusedError
  from components.input_check.executor import InputRefusedError
  from pipeline.definition import beam
  from pipeline.mlmd import store as mlmd_store
  from pipeline.operations import model_card, notify, report
  from pipeline.runners import local
  try:
    result = execute()
  except (InputRefusedError, DataAnomaliesError, GuardrailsRefusedError) as error:
    print(f"\nerror: {error}", file=sys.stderr)
    _notified(notify.send([notify.refused(error, f"a {args.command} run")], settings))
    return 2
  except (mlmd_store.MetadataUnreachable, beam.BeamSetupError, local.OutputBusyError) as error:
    return _error(error)
  except Exception as error:  # a node failed: say so where settings say, then fail as before
    notify.send([notify.failed(error, f"a {args.command} run")], settings)
    raise
  print()
  print(report.format_summary(result, local.Paths(args.output_dir.resolve()),
                              model_card.FILE_NAME))
  _notified(notify.send(notify.events_of(result), settings))
  return 0


def _notified(outcomes) -> None:
  for event, channel, outcome in outcomes:
    print(f"Notification {event} via {channel}: {outcome}")


def init(settings, args) -> int:
  """Bad input (the CSV, a column, an existing project): exit 2, nothing written."""
  from pipeline.operations import init_project
  try:
    print(init_project.init(
        args.csv, args.label, task=args.task, positive=args.positive, keep_input=args.keep_input,
        time_column=args.time_column, span_by=args.span_by, spans=args.spans, drop=args.drop,
        force=args.force, root=args.root))
  except init_project.InitError as error:
    print(f"error: {error}", file=sys.stderr)
    return 2
  except OSError as error:
    return _error(error)
  return 0


HANDLERS = {"run": run, "monitor": monitor, "watch": watch, "simulate": simulate, "predict": predict,
            "drift": drift, "lineage": lineage, "rollback": rollback, "approve": approve,
            "reject": reject,
            "compile": compile_spec, "submit": submit, "schedule": submit, "init": init}
