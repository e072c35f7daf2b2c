"""Command line: python -m pipeline run [options]."""
import argparse
import os
import pathlib
import re
import sys
import warnings

# TensorFlow's C++ start-up chatter and the Google client libraries' warnings
# about Python 3.10 (which TFX 1.16 requires) hide the progress lines. Set in
# the environment so that Beam's worker processes inherit it; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning,ignore::DeprecationWarning")
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)

from pipeline import configs  # pylint: disable=wrong-import-position


def parse_spans(text: str) -> tuple:
  """'2013-2014' -> (2013, 2014); '2015' -> (2015, 2015)."""
  match = re.fullmatch(r"(\d+)(?:-(\d+))?", text.strip())
  if not match:
    raise argparse.ArgumentTypeError(f"spans must look like 2013 or 2013-2014, got {text!r}")
  first, last = int(match.group(1)), int(match.group(2) or match.group(1))
  if last < first:
    raise argparse.ArgumentTypeError(f"span range {text!r} ends before it starts")
  return first, last


# pipeline.DRIFT_POLICIES, repeated so that parsing arguments needs no TFX import.
_POLICIES = ("alert", "fallback", "retrain")


def _parser():
  parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
  commands = parser.add_subparsers(dest="command", required=True)
  run = commands.add_parser("run", help="ingest, validate, train, evaluate and push")
  run.add_argument("--data-root", type=pathlib.Path, default=configs.DATA_ROOT,
                   help="folder holding span-<N>/*.csv (default: bundled taxi spans)")
  default_spans = f"{configs.DEFAULT_SPANS[0]}-{configs.DEFAULT_SPANS[1]}"
  run.add_argument("--spans", type=parse_spans, default=parse_spans(default_spans),
                   help=f"spans to train on, N or FIRST-LAST (default {default_spans})")
  run.add_argument("--output-dir", type=pathlib.Path, default=configs.OUTPUT_DIR,
                   help="pipeline root, metadata DB and serving folder (default: output/)")
  run.add_argument("--workers", type=int, default=configs.DEFAULT_BEAM_WORKERS,
                   help="Beam DirectRunner worker processes (default: one per core)")
  monitor = commands.add_parser(
      "monitor", help="feed one new span: validate, check drift, act by the drift policy")
  monitor.add_argument("--span", type=int, required=True, help="the new span")
  monitor.add_argument("--window", type=parse_spans,
                       help=f"training window ending with the span (default: the last "
                            f"{configs.TRAINING_WINDOW_SPANS} spans, none before the first "
                            "one ingested)")
  monitor.add_argument("--policy", choices=_POLICIES,
                       default=configs.DRIFT_POLICY,
                       help=f"what to do on drift (default {configs.DRIFT_POLICY})")
  simulate = commands.add_parser("simulate", help="replay the taxi years: train, then monitor "
                                                  "each later span, with a summary and a plot")
  simulate.add_argument("--first-window", type=parse_spans,
                        default=configs.SIMULATE_FIRST_WINDOW, help="first training window")
  simulate.add_argument("--last-span", type=int, default=configs.SIMULATE_LAST_SPAN)
  simulate.add_argument("--policy", choices=_POLICIES,
                        default=configs.DRIFT_POLICY)
  for command in (monitor, simulate):
    command.add_argument("--data-root", type=pathlib.Path, default=configs.DATA_ROOT,
                         help="folder holding span-<N>/*.csv (default: bundled taxi spans)")
    command.add_argument("--workers", type=int, default=configs.DEFAULT_BEAM_WORKERS,
                         help="Beam DirectRunner worker processes (default: one per core)")
  monitor.add_argument("--output-dir", type=pathlib.Path, default=configs.OUTPUT_DIR,
                       help="where `run` wrote (default: output/)")
  simulate.add_argument("--output-dir", type=pathlib.Path, default=configs.OUTPUT_DIR / "simulate",
                        help="where the replay writes (default: output/simulate; a rerun "
                             "reuses its cache)")
  predict = commands.add_parser("predict", help="score CSV rows with the latest pushed model")
  predict.add_argument("--csv", type=pathlib.Path, required=True,
                       help="CSV file with the training columns (label columns optional)")
  predict.add_argument("--output-dir", type=pathlib.Path, default=configs.OUTPUT_DIR,
                       help="where `run` wrote (default: output/)")
  drift = commands.add_parser("drift", help="drift between two CSV files or span folders")
  drift.add_argument("--baseline", type=pathlib.Path, required=True, help="reference CSV or folder")
  drift.add_argument("--current", type=pathlib.Path, required=True, help="new CSV or folder")
  drift.add_argument("--output", type=pathlib.Path, required=True,
                     help="folder for report.json and report.html")
  lineage = commands.add_parser("lineage", help="who built a pushed model, when and from what")
  lineage.add_argument("--output-dir", type=pathlib.Path, default=configs.OUTPUT_DIR,
                       help="where `run` wrote (default: output/)")
  lineage.add_argument("--model", default="latest", help="pushed version, or latest")
  lineage.add_argument("--format", choices=["text", "json", "md"], default="text")
  rollback = commands.add_parser("rollback", help="serve an earlier pushed version again")
  rollback.add_argument("--output-dir", type=pathlib.Path, default=configs.OUTPUT_DIR,
                        help="where `run` wrote (default: output/)")
  rollback.add_argument("--to", required=True, help="the pushed version to serve again")
  rollback.add_argument("--schema", type=pathlib.Path, default=configs.SCHEMA_PATH,
                        help="schema of the data it will serve (default: schema/schema.pbtxt)")
  for name, text in (("compile", "compile the pipeline spec for Vertex AI or Kubeflow Pipelines v2"),
                     ("submit", "submit the pipeline to Vertex AI or Kubeflow Pipelines v2")):
    command = commands.add_parser(name, help=text)
    command.add_argument("--target", choices=["vertex", "kubeflow"], required=True)
    command.add_argument("--image", help="pipeline container image (default: configs.PIPELINE_IMAGE)")
    command.add_argument("--pipeline-root", help="artifact root (default: configs.CLOUD_PIPELINE_ROOT)")
    command.add_argument("--data-root", help="span folders (default: configs.CLOUD_DATA_ROOT)")
    command.add_argument("--serving-dir", help="push destination (default: configs.CLOUD_SERVING_DIR)")
    command.add_argument("--beam-profile", default="direct",
                         help="direct, dataflow, flink or spark (configs.BEAM_PROFILES)")
    command.add_argument("--project", help="GCP project (default: $GOOGLE_CLOUD_PROJECT)")
    command.add_argument("--region", help="GCP region (default: configs.GCP_REGION)")
    command.add_argument("--endpoint", help="KFP API endpoint (default: $KFP_ENDPOINT)")
    command.add_argument("--span", type=int, default=configs.CLOUD_SPAN, help="span to ingest and train on")
    if name == "compile":
      command.add_argument("--output", type=pathlib.Path, required=True,
                           help="spec file: .json for vertex, .yaml for kubeflow")
    else:
      command.add_argument("--spec", type=pathlib.Path, help="a compiled spec (default: compile now)")
      command.add_argument("--dry-run", action="store_true",
                           help="print what would be sent; needs no network or credentials")
  return parser


def _lineage(args) -> int:
  import logging  # pylint: disable=import-outside-toplevel
  from pipeline import lineage, local_runner, metadata
  logging.getLogger("tensorflow").setLevel(logging.ERROR)  # TFMA's reader warns on deprecations
  try:
    store = metadata.open_store(local_runner.Paths(args.output_dir.resolve()).metadata_config())
    print(lineage.render(lineage.explain(store, args.model), args.format))
  except (lineage.LineageError, metadata.MetadataUnreachable) as error:
    print(f"error: {error}", file=sys.stderr)
    return 1
  return 0


def _rollback(args) -> int:
  from pipeline import local_runner, metadata, rollback
  paths = local_runner.Paths(args.output_dir.resolve())
  try:
    store = metadata.open_store(paths.metadata_config())
    version = rollback.rollback(store, paths.serving_dir, args.to, args.schema)
  except (rollback.RollbackRefused, metadata.MetadataUnreachable) as error:
    print(f"error: {error}", file=sys.stderr)
    return 1
  print(f"serving version {version} (a copy of {args.to}) from {paths.serving_dir / version}")
  return 0


def _compile_args(args, output):
  from pipeline import kubeflow_runner
  settings = kubeflow_runner.defaults(args)
  return kubeflow_runner.compile_spec(
      target=args.target, output=output, image=settings["image"],
      pipeline_root=settings["pipeline_root"], data_root=settings["data_root"],
      serving_dir=settings["serving_dir"], beam_profile=args.beam_profile,
      project=settings["project"], region=settings["region"], span=args.span)


def _compile(args) -> int:
  try:
    spec = _compile_args(args, args.output)
  except ValueError as error:
    print(f"error: {error}", file=sys.stderr)
    return 1
  print(f"compiled {args.target} pipeline spec: {spec}")
  return 0


def _submit(args) -> int:
  from pipeline import kubeflow_runner
  settings = kubeflow_runner.defaults(args)
  try:
    spec = args.spec or _compile_args(args, kubeflow_runner.temporary_spec(args.target))
    if not spec.is_file():
      raise ValueError(f"{spec}: no such spec file")
    request = kubeflow_runner.submission(
        target=args.target, spec=spec, project=settings["project"], region=settings["region"],
        endpoint=settings["endpoint"], pipeline_root=settings["pipeline_root"])
    if args.dry_run:
      print(kubeflow_runner.dump(request))
      return 0
    print(f"submitted: {kubeflow_runner.submit(request)}")
  except (ValueError, kubeflow_runner.SubmitError) as error:
    print(f"error: {error}", file=sys.stderr)
    return 1
  return 0


# Exit codes of `drift`: no drift (or only warnings), error, drift detected.
DRIFT_EXIT = {"ok": 0, "error": 1, "drift": 3}


def _drift(args) -> int:
  import tensorflow_data_validation as tfdv
  from components.drift_detector import adhoc
  options = tfdv.StatsOptions(num_quantiles_histogram_buckets=configs.STATS_QUANTILE_BUCKETS,
                              num_rank_histogram_buckets=configs.STATS_RANK_BUCKETS)
  try:
    result = adhoc.run(args.baseline, args.current, args.output, configs.drift_config(), options)
  except adhoc.DriftInputError as error:
    print(f"error: {error}", file=sys.stderr)
    return DRIFT_EXIT["error"]
  print(adhoc.verdict_table(result))
  print(f"report: {args.output / 'report.html'}")
  return DRIFT_EXIT["drift"] if result["drift_detected"] else DRIFT_EXIT["ok"]


def _predict(args) -> int:
  from pipeline import local_runner, serving
  try:
    model_dir = serving.active_version(local_runner.Paths(args.output_dir).serving_dir)
    probabilities = serving.predict_csv(args.csv, model_dir, configs.SCHEMA_PATH)
  except (FileNotFoundError, ValueError) as error:
    print(f"error: {error}", file=sys.stderr)
    return 1
  print(f"model {model_dir}")
  for line, probability in enumerate(probabilities, start=2):
    print(f"line {line}: P(big tipper) = {probability:.3f}")
  return 0


def _missing_spans(data_root, spans):
  missing = [s for s in range(spans[0], spans[1] + 1) if not (data_root / f"span-{s}").is_dir()]
  if missing:
    print(f"error: {data_root} has no folder for span(s) {missing} "
          f"(expected {configs.SPAN_PATTERN.replace('{SPAN}', str(missing[0]))})",
          file=sys.stderr)
  return missing


def _run(args) -> int:
  from pipeline import local_runner
  if _missing_spans(args.data_root, args.spans):
    return 1
  return _report(args, lambda: local_runner.run(
      data_root=args.data_root.resolve(), spans=args.spans, output_dir=args.output_dir,
      workers=args.workers))


def _monitor(args) -> int:
  from pipeline import local_runner
  if _missing_spans(args.data_root, (args.span, args.span)):
    return 1
  try:
    return _report(args, lambda: local_runner.monitor(
        data_root=args.data_root.resolve(), span=args.span, window=args.window,
        output_dir=args.output_dir, policy=args.policy, workers=args.workers))
  except (ValueError, RuntimeError) as error:  # bad window, or a node failed (see the log)
    print(f"error: {error}", file=sys.stderr)
    return 1


def _simulate(args) -> int:
  from pipeline import simulate
  if _missing_spans(args.data_root, (args.first_window[0], args.last_span)):
    return 1
  return simulate.main(data_root=args.data_root.resolve(), first_window=args.first_window,
                       last_span=args.last_span, output_dir=args.output_dir.resolve(),
                       policy=args.policy, workers=args.workers)


def _report(args, execute) -> int:
  """Runs `execute`, prints the run's summary; exit 2 on bad data."""
  from components.anomaly_gate.executor import DataAnomaliesError
  from pipeline import local_runner, metadata, report
  try:
    result = execute()
  except DataAnomaliesError as error:
    print(f"\nerror: {error}", file=sys.stderr)
    return 2
  except metadata.MetadataUnreachable as error:
    print(f"error: {error}", file=sys.stderr)
    return 1
  print()
  print(report.format_summary(result, local_runner.Paths(args.output_dir.resolve())))
  return 0


def main(argv=None) -> int:
  args = _parser().parse_args(argv)
  return {"run": _run, "monitor": _monitor, "simulate": _simulate, "predict": _predict,
          "drift": _drift, "lineage": _lineage, "rollback": _rollback, "compile": _compile,
          "submit": _submit}[args.command](args)


if __name__ == "__main__":
  sys.exit(main())
