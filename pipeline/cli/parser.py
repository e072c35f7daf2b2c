"""The command line's arguments: one subcommand per operation. Defaults
come from the Settings object; parsing imports neither TFX nor TensorFlow."""
import argparse
import pathlib
import re

from pipeline.definition.settings import DRIFT_POLICIES

DESCRIPTION = "Model Factory: python -m pipeline COMMAND [options]"


def parse_spans(text: str) -> tuple:
  """'3-4' -> (3, 4); '5' -> (5, 5)."""
  match = re.fullmatch(r"(\d+)(?:-(\d+))?", text.strip())
  if not match:
    raise argparse.ArgumentTypeError(f"spans must look like N or FIRST-LAST (e.g. 5 or 3-4), got {text!r}")
  first, last = int(match.group(1)), int(match.group(2) or match.group(1))
  if last < first:
    raise argparse.ArgumentTypeError(f"span range {text!r} ends before it starts")
  return first, last


def _beam_arguments(command, settings, default):
  command.add_argument("--beam", "--beam-profile", default=default, choices=sorted(settings.beam_profiles),
                       help=f"how Beam stages run (settings BEAM_PROFILES; default {default})")
  command.add_argument("--job-endpoint", metavar="HOST:PORT",
                       help="Beam job server of a portable profile (portable, flink, spark; "
                            "default: settings BEAM_JOB_ENDPOINTS)")


def _cloud_span(text: str):
  """A span number, or None for "latest"."""
  if text == "latest":
    return None
  if not text.isdigit():
    raise argparse.ArgumentTypeError(f"--span must be a number or latest, got {text!r}")
  return int(text)


def build(settings) -> argparse.ArgumentParser:
  parser = argparse.ArgumentParser(prog="python -m pipeline", description=DESCRIPTION)
  commands = parser.add_subparsers(dest="command", required=True)
  run = commands.add_parser("run", help="ingest, validate, train, evaluate and push")
  run.add_argument("--data-root", type=pathlib.Path, default=settings.data_root,
                   help=f"folder of span folders (default: {settings.data_root})")
  default_spans = f"{settings.default_spans[0]}-{settings.default_spans[1]}"
  run.add_argument("--spans", type=parse_spans, default=parse_spans(default_spans),
                   help=f"spans to train on, N or FIRST-LAST (default {default_spans})")
  run.add_argument("--output-dir", type=pathlib.Path, default=settings.output_dir,
                   help="pipeline root, metadata DB and serving folder (default: output/)")
  monitor = commands.add_parser(
      "monitor", help="feed one new span: validate, check drift, act by the drift policy")
  monitor.add_argument("--span", type=int, required=True, help="the new span")
  monitor.add_argument("--window", type=parse_spans,
                       help=f"training window ending with the span (default: the last "
                            f"{settings.training_window_spans} spans, none before the first "
                            "one ingested)")
  monitor.add_argument("--policy", choices=DRIFT_POLICIES,
                       default=settings.drift_policy,
                       help=f"what to do on drift (default {settings.drift_policy})")
  simulate = commands.add_parser("simulate", help="replay the spans in time order: train, then monitor "
                                                  "each later span, with a summary and a plot")
  simulate.add_argument("--first-window", type=parse_spans,
                        default=settings.simulate_first_window, help="first training window")
  simulate.add_argument("--last-span", type=int, default=settings.simulate_last_span)
  simulate.add_argument("--policy", choices=DRIFT_POLICIES,
                        default=settings.drift_policy)
  watch = commands.add_parser(
      "watch", help="monitor new span folders as they arrive, each once, in span order")
  watch.add_argument("--interval", type=float, default=settings.watch_interval_seconds,
                     help=f"seconds between looks (default {settings.watch_interval_seconds:g})")
  watch.add_argument("--once", action="store_true", help="handle what is there and exit (cron)")
  watch.add_argument("--policy", choices=DRIFT_POLICIES, default=settings.drift_policy,
                     help=f"what to do on drift (default {settings.drift_policy})")
  for command in (monitor, simulate, watch):
    command.add_argument("--data-root", type=pathlib.Path, default=settings.data_root,
                         help=f"folder of span folders (default: {settings.data_root})")
  for command in (run, monitor, simulate, watch):
    _beam_arguments(command, settings, settings.default_beam_profile)
    command.add_argument("--workers", type=int, default=None,
                         help="DirectRunner worker processes, 1: in-process, 0: one per core "
                              f"(default: {settings.default_beam_workers} below "
                              "MULTI_PROCESS_FROM_BYTES of span data, else one per core)")
  for command in (monitor, watch):
    command.add_argument("--output-dir", type=pathlib.Path, default=settings.output_dir,
                         help="where `run` wrote (default: output/)")
  simulate.add_argument("--output-dir", type=pathlib.Path, default=settings.output_dir / "simulate",
                        help="where the replay writes (default: output/simulate; a rerun "
                             "reuses its cache)")
  predict = commands.add_parser("predict", help="score CSV rows with the latest pushed model")
  predict.add_argument("--csv", type=pathlib.Path, required=True,
                       help="CSV file with the training columns (label columns optional)")
  predict.add_argument("--output-dir", type=pathlib.Path, default=settings.output_dir,
                       help="where `run` wrote (default: output/)")
  drift = commands.add_parser("drift", help="drift between two CSV files or span folders")
  drift.add_argument("--baseline", type=pathlib.Path, required=True, help="reference CSV or folder")
  drift.add_argument("--current", type=pathlib.Path, required=True, help="new CSV or folder")
  drift.add_argument("--output", type=pathlib.Path, required=True,
                     help="folder for report.json and report.html")
  lineage = commands.add_parser("lineage", help="who built a pushed model, when and from what")
  lineage.add_argument("--output-dir", type=pathlib.Path, default=settings.output_dir,
                       help="where `run` wrote (default: output/)")
  lineage.add_argument("--model", default="latest", help="pushed version, or latest")
  lineage.add_argument("--format", choices=["text", "json", "md"], default="text")
  rollback = commands.add_parser("rollback", help="serve an earlier pushed version again")
  rollback.add_argument("--output-dir", type=pathlib.Path, default=settings.output_dir,
                        help="where `run` wrote (default: output/)")
  rollback.add_argument("--to", required=True, help="the pushed version to serve again")
  rollback.add_argument("--schema", type=pathlib.Path, default=settings.schema_path,
                        help=f"schema of the data it will serve (default: {settings.schema_path})")
  approve = commands.add_parser("approve", help="serve a candidate pending approval (PROMOTION "
                                                "manual), after checking it fits the schema again")
  reject = commands.add_parser("reject", help="refuse a candidate pending approval, on record")
  for command, note_help in ((approve, "why (recorded)"), (reject, "why it is refused (required)")):
    command.add_argument("version", help="the candidate's version (see the run summary or manifest)")
    command.add_argument("--by", required=True, metavar="NAME", help="who decides (recorded)")
    command.add_argument("--note", required=command is reject, default="", help=note_help)
    command.add_argument("--output-dir", type=pathlib.Path, default=settings.output_dir,
                         help="where `run` wrote (default: output/)")
  approve.add_argument("--schema", type=pathlib.Path, default=settings.schema_path,
                       help=f"schema of the data it will serve (default: {settings.schema_path})")
  for name, text in (("compile", "compile the pipeline spec for Vertex AI or Kubeflow Pipelines v2"),
                     ("submit", "submit the pipeline to Vertex AI or Kubeflow Pipelines v2"),
                     ("schedule", "run the pipeline on a schedule on Vertex AI (PipelineJobSchedule) "
                                  "or Kubeflow Pipelines v2 (recurring run)")):
    command = commands.add_parser(name, help=text)
    command.add_argument("--target", choices=["vertex", "kubeflow"], required=True)
    command.add_argument("--image", help="pipeline container image (default: settings PIPELINE_IMAGE)")
    command.add_argument("--pipeline-root", help="artifact root (default: settings CLOUD_PIPELINE_ROOT)")
    command.add_argument("--data-root", help="span folders (default: settings CLOUD_DATA_ROOT)")
    command.add_argument("--serving-dir", help="push destination (default: settings CLOUD_SERVING_DIR)")
    _beam_arguments(command, settings, "direct")
    command.add_argument("--project", help="GCP project (default: $GOOGLE_CLOUD_PROJECT)")
    command.add_argument("--region", help="GCP region (default: settings GCP_REGION)")
    command.add_argument("--endpoint", help="KFP API endpoint (default: $KFP_ENDPOINT)")
    command.add_argument("--span", type=_cloud_span, default=None if name == "schedule" else
                         settings.cloud_span, metavar="N|latest",
                         help="span to ingest: a number, or latest (the newest span folder when "
                              "the run starts; default: " + ("latest" if name == "schedule" else
                                                             f"CLOUD_SPAN, {settings.cloud_span}")
                              + ")")
    command.add_argument("--stage", choices=("ingest", "train", "monitor"),
                         default="monitor" if name == "schedule" else "train",
                         help="ingest: validate and record the span; train: train on the window; "
                              "monitor: check drift against the served model, act by --policy "
                              f"(default: {'monitor' if name == 'schedule' else 'train'})")
    command.add_argument("--policy", choices=DRIFT_POLICIES, default=settings.drift_policy,
                         help=f"what a monitor run does on drift (default {settings.drift_policy})")
    if name == "compile":
      command.add_argument("--output", type=pathlib.Path, required=True,
                           help="spec file: .json for vertex, .yaml for kubeflow")
    else:
      if name == "schedule":
        command.add_argument("--cron", required=True, metavar="EXPR",
                             help="when, as minute hour day month weekday, e.g. '0 6 * * *' "
                                  "(Vertex: optionally after 'TZ=Europe/Berlin ')")
      command.add_argument("--spec", type=pathlib.Path, help="a compiled spec (default: compile now)")
      command.add_argument("--dry-run", action="store_true",
                           help="print what would be sent; needs no network or credentials")
  _init_arguments(commands.add_parser(
      "init", help="set up a new project from one CSV: spans, schema, features and settings"))
  return parser


def _init_arguments(init):
  init.add_argument("--csv", type=pathlib.Path, required=True, help="the data, one header row")
  init.add_argument("--label", required=True,
                    help="label column (with an expression in --positive: the new label's name)")
  init.add_argument("--task", choices=["binary", "multiclass", "regression"],
                    help="default: inferred from the label's values")
  init.add_argument("--positive", metavar="VALUE|EXPRESSION",
                    help="binary: the positive label value (default: 1, true or yes in such a pair, "
                         "else the minority value), or a "
                         "comparison over columns that derives the label, e.g. 'a > 2 * b'")
  init.add_argument("--keep-input", nargs="+", default=[], metavar="COLUMN",
                    help="expression columns known before the outcome: they stay model inputs")
  init.add_argument("--time-column", metavar="COLUMN",
                    help="Unix seconds or date/time text that orders the rows into spans")
  init.add_argument("--span-by", choices=["year", "quarter", "month", "day"],
                    help="span length with --time-column (default: the finest with 100 rows each)")
  init.add_argument("--spans", type=int, metavar="N",
                    help="without --time-column: N ordered chunks of the file (default 4 or fewer)")
  init.add_argument("--drop", nargs="+", default=[], metavar="COLUMN",
                    help="columns removed from the spans")
  init.add_argument("--force", action="store_true", help="replace an existing project")
  init.add_argument("--root", type=pathlib.Path,
                    help="where the project part is written (default: the repository root)")
