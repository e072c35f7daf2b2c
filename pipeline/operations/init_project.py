"""`python -m pipeline init`: sets up a project from one CSV. The decisions
are in init_decisions.py; this module builds the span folders, the curated
schema, the rewritten features.py and settings.py and init_report.md in a
staging folder, then moves them in place, so a bad input changes nothing."""
import ast
import json
import logging
import math
import pathlib
import re
import shutil

import numpy as np
import pandas as pd

from components.guardrails import checks
from pipeline.operations import init_decisions as decide
from pipeline.operations.init_decisions import InitError  # noqa: F401 (the CLI catches it)

STAGING = ".init-staging"
SPANS_DIR = pathlib.Path("data", "spans")
SCHEMA = pathlib.Path("schema", "schema.pbtxt")
PROJECT = pathlib.Path("pipeline", "project")
# The project's own tests name its columns: a new project replaces them.
PROJECT_TESTS = pathlib.Path("tests", "project")
REPORT = "init_report.md"
SPAN_FILE = "data.csv"
# A string feature gets an open domain (new levels are drift, not invalid
# data) when it has more levels than OPEN_DOMAIN_LEVELS in training, or when
# its levels already come and go between the training spans: a later span
# brings OPEN_DOMAIN_NEW_LEVELS levels no earlier span had, or new levels in
# more than 1 - MIN_DOMAIN_MASS of its rows. The others tolerate new levels
# in up to 1 - MIN_DOMAIN_MASS of the rows.
OPEN_DOMAIN_LEVELS = 50
OPEN_DOMAIN_NEW_LEVELS = 5
MIN_DOMAIN_MASS = 0.99
WIDTH = 99


def existing_spans(root) -> list:
  folder = pathlib.Path(root) / SPANS_DIR
  return sorted(p.name for p in folder.glob("span-*") if p.is_dir()) if folder.is_dir() else []


def _literal(value) -> str:
  """A one-line Python literal, strings in double quotes."""
  if isinstance(value, str):
    return json.dumps(value, ensure_ascii=False)
  if isinstance(value, tuple):
    return "(" + ", ".join(map(_literal, value)) + ("," if len(value) == 1 else "") + ")"
  if isinstance(value, dict):
    return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
  if isinstance(value, (bool, int, float)):
    return repr(value)
  raise TypeError(f"init writes no {type(value).__name__} values")


def _string_lines(text, indent) -> list:
  pieces, current = [], ""
  for word in (w for w in re.findall(r"\S*\s*", text) if w):
    if current and len(indent + _literal(current + word)) > WIDTH:
      pieces.append(current)
      current = ""
    current += word
  return [indent + _literal(p) for p in pieces + [current]]


def format_assignment(name, value) -> str:
  """`NAME = value`, wrapped in parentheses when longer than WIDTH."""
  line = f"{name} = {_literal(value)}"
  if len(line) <= WIDTH:
    return line
  indent, lines = "    ", []
  if isinstance(value, str):
    return "\n".join([f"{name} = ("] + _string_lines(value, indent) + [")"])
  if isinstance(value, dict):
    return "\n".join([f"{name} = {{"] + [f"{indent}{_literal(k)}: {_literal(v)},"
                                         for k, v in value.items()] + ["}"])
  for item in value:
    text = _literal(item) + ","
    if len(indent + text) > WIDTH and isinstance(item, str):
      lines += _string_lines(item, indent)
      lines[-1] += ","
    elif lines and len(lines[-1] + " " + text) <= WIDTH:
      lines[-1] += " " + text
    else:
      lines.append(indent + text)
  return "\n".join([f"{name} = ("] + lines + [")"])


def _assignments(tree) -> dict:
  return {node.targets[0].id: node for node in tree.body
          if isinstance(node, ast.Assign) and len(node.targets) == 1
          and isinstance(node.targets[0], ast.Name)}


def rewrite_assignments(text, values, path) -> str:
  """`text` with each top-level `NAME = ...` of `values` replaced; every
  comment and other line stays."""
  found = _assignments(ast.parse(text))
  missing = [name for name in values if name not in found]
  if missing:
    raise InitError(f"{path} has no top-level assignment to {', '.join(missing)}: it is not the "
                    "shape init expects; add them (NAME = ...) or restore the template's file")
  lines = text.splitlines(keepends=True)
  for name in sorted(values, key=lambda n: found[n].lineno, reverse=True):
    node = found[name]
    tail = lines[node.end_lineno - 1].encode()[node.end_col_offset:].decode()
    lines[node.lineno - 1:node.end_lineno] = [format_assignment(name, values[name]) + tail]
  result = "".join(lines)
  written = _assignments(ast.parse(result))
  for name, value in values.items():
    if ast.literal_eval(written[name].value) != value:
      raise AssertionError(f"rewriting {name} in {path} did not round-trip")
  return result


def write_spans(p, folder) -> list:
  """span-<N>/data.csv per span; the training spans' files."""
  training = []
  for span, rows in p.frame.groupby(p.spans, sort=True):
    path = pathlib.Path(folder, f"span-{span}", SPAN_FILE)
    path.parent.mkdir(parents=True)
    rows.to_csv(path, index=False)
    if span in p.training:
      training.append(path)
  return training


def _levels_churn(values, spans) -> bool:
  """Whether a later training span brings many levels no earlier one had
  (never with one training span)."""
  seen = set()
  for span in sorted(spans.unique()):
    present = values[spans == span].dropna()
    new = ~present.isin(seen)
    if seen and (present[new].nunique() >= OPEN_DOMAIN_NEW_LEVELS
                 or new.mean() > 1 - MIN_DOMAIN_MASS):
      return True
    seen |= set(present)
  return False


def curated_schema(csv_paths, p, staging):
  """Writes TFDV's schema of the training spans (read as CsvExampleGen reads
  them), curated; returns the opened and the bounded string features."""
  import pandas as pd  # pylint: disable=import-outside-toplevel
  import tensorflow_data_validation as tfdv  # pylint: disable=import-outside-toplevel
  for name in ("tensorflow", "apache_beam"):  # deprecation and speed-up notices
    logging.getLogger(name).setLevel(logging.ERROR)
  merged = pathlib.Path(staging, "training.csv")
  frames = [pd.read_csv(path, dtype=str, keep_default_na=False) for path in csv_paths]
  pd.concat(frames).to_csv(merged, index=False)
  schema = tfdv.infer_schema(tfdv.generate_statistics_from_csv(str(merged)),
                             infer_feature_shape=False)
  merged.unlink()
  training = p.frame[p.training_mask()]
  opened, bounded = [], []
  for feature in schema.feature:
    if feature.presence.min_fraction < 1.0:
      feature.value_count.ClearField("min")  # an empty CSV cell is an empty value list
    if feature.HasField("bool_domain"):
      # TFDV calls any integer column holding only 0 and 1 boolean; a count
      # or code that was 0/1 in training must not refuse a later span with 2.
      feature.ClearField("bool_domain")
    if feature.WhichOneof("domain_info") != "domain" or feature.name == p.label.name:
      continue
    if (training[feature.name].nunique() > OPEN_DOMAIN_LEVELS
        or _levels_churn(training[feature.name], p.spans[p.training_mask()])):
      kept = [d for d in schema.string_domain if d.name != feature.domain]
      feature.ClearField("domain")
      del schema.string_domain[:]
      schema.string_domain.extend(kept)
      opened.append(feature.name)
    else:
      feature.distribution_constraints.min_domain_mass = MIN_DOMAIN_MASS
      bounded.append(feature.name)
  if not p.label.expression:
    label = tfdv.get_feature(schema, p.label.name)
    if p.label.missing:
      label.presence.ClearField("min_fraction")
      label.value_count.ClearField("min")
    else:
      label.presence.min_fraction = 1.0
  tfdv.write_schema_text(schema, str(pathlib.Path(staging, "schema.pbtxt")))
  return opened, bounded


def feature_values(p) -> dict:
  label = p.label
  return {
      "TASK": label.task, "LABEL_KEY": label.name, "LABEL_EXPRESSION": label.expression,
      "POSITIVE_VALUES": () if label.expression else tuple(label.positive_values),
      "CLASSES": tuple(label.classes), "OUTCOME_COLUMNS": tuple(label.outcome_columns),
      "LABEL_SOURCE_COLUMNS": tuple(label.source_columns),
      "DENSE_FLOAT_FEATURES": p.group("DENSE_FLOAT_FEATURES"), "BUCKET_FEATURES": (),
      "CATEGORICAL_INT_FEATURES": {c.name: c.size for c in p.columns
                                   if c.treatment == "CATEGORICAL_INT_FEATURES"},
      "VOCAB_FEATURES": p.group("VOCAB_FEATURES"),
      "TIMESTAMP_FEATURES": p.group("TIMESTAMP_FEATURES"),
  }


_INPUT_GROUPS = ("DENSE_FLOAT_FEATURES", "CATEGORICAL_INT_FEATURES", "VOCAB_FEATURES",
                 "TIMESTAMP_FEATURES")


def _label_ids(label, index) -> np.ndarray:
  """The label as the checks take it: class ids (binary: 1 = positive) or
  values, NaN where missing."""
  values = label.values.reindex(index)
  if label.task == "regression":
    return pd.to_numeric(values, errors="coerce").to_numpy(float)
  if label.task == "binary":
    ids = values.astype(str).isin(label.positive_values).astype(float)
  else:
    ids = values.astype(str).map({c: i for i, c in enumerate(label.classes)}).astype(float)
  return np.where(values.isna(), np.nan, ids)


def guardrail_findings(p) -> list:
  """The Guardrails' checks (components/guardrails) on the training spans,
  so that a new user sees the pitfalls of the CSV before the first run; the
  pipeline re-checks every training window."""
  mask = p.training_mask()
  features = [c.name for c in p.columns if c.treatment in _INPUT_GROUPS]
  text = set(p.group("VOCAB_FEATURES"))
  rows = pd.DataFrame({f: p.frame[f] if f in text else
                       pd.to_numeric(p.frame[f], errors="coerce").astype(float)
                       for f in features})[mask]
  label = _label_ids(p.label, p.frame.index)[mask.to_numpy()]
  if not np.isnan(label).any() and p.label.task != "regression":
    label = label.astype(int)
  return checks.run_all(rows, label, p.spans[mask].to_numpy(), p.label.task, features,
                        list(text) + list(p.group("CATEGORICAL_INT_FEATURES")),
                        p.label.outcome_columns)


def settings_values(p) -> dict:
  train_rows = int(p.training_mask().sum())
  steps = min(2000, max(100, math.ceil(0.75 * train_rows * 3 / 64)))
  slices = [c.name for c in p.columns
            if c.treatment in ("VOCAB_FEATURES", "CATEGORICAL_INT_FEATURES")
            and p.frame[c.name].nunique() <= decide.MAX_SLICE_LEVELS][:2]
  spans = sorted(p.span_counts())
  label, name = p.label, p.label.name
  return {
      "SPAN_PATTERN": "span-{SPAN}/*.csv", "DEFAULT_SPANS": (p.training[0], p.training[-1]),
      "TRAINING_WINDOW_SPANS": len(p.training),
      "METRIC": p.metric, "METRIC_THRESHOLD": p.threshold, "MAX_METRIC_DROP": p.max_drop,
      "SLICE_FEATURES": tuple((s,) for s in slices), "TRAIN_STEPS": steps,
      "TUNER_TRAIN_STEPS": max(50, steps // 3), "DRIFT_IGNORED_FEATURES": p.group("excluded"),
      "SIMULATE_FIRST_WINDOW": (spans[0], spans[0]), "SIMULATE_LAST_SPAN": spans[-1],
      "CLOUD_SPAN": p.training[-1], "MODEL_CARD_TITLE": f"{name} {label.task} model",
      "MODEL_CARD_INTENDED_USE": (
          f"Predicts {name} ({label.task}) for one row with the input columns of {p.csv_name}. "
          "For analysing that data; review the evaluation, its slices and the caveats before "
          "using it for decisions about individuals."),
      "MODEL_CARD_CAVEATS": (
          f"Built by `init` from {p.csv_name}; check init_report.md (beside features.py) for the "
          "task, label, spans and column treatments it chose, and correct what does not fit.",),
  }


def _table(header, rows) -> list:
  escape = lambda v: str(v).replace("|", "\\|")  # noqa: E731
  return ([f"| {' | '.join(header)} |", "|" + "---|" * len(header)] +
          [f"| {' | '.join(map(escape, row))} |" for row in rows])


def _label_lines(label) -> list:
  lines = [f"- Expression: `{label.expression}` (positive where it holds); reads "
           f"{', '.join(label.source_columns)}; outcome columns (never inputs): "
           f"{', '.join(label.outcome_columns) or 'none'}" if label.expression else
           f"- Column `{label.name}`"]
  present = label.values.dropna()
  if label.task == "regression":
    lines.append(f"- Values: min {present.min():.4g}, median {present.median():.4g}, "
                 f"mean {present.mean():.4g}, max {present.max():.4g}")
  else:
    counts = present.value_counts()
    order = label.classes or tuple(sorted(counts.index))
    lines += [""] + _table(["value", "rows", "share", "role"], [
        (v, counts.get(v, 0), f"{counts.get(v, 0) / len(present):.1%}",
         ("positive" if v in label.positive_values else "negative") if label.task == "binary"
         else f"class {i}") for i, v in enumerate(order)]) + [""]
    if label.task == "binary":
      lines.append(f"- Positive: {', '.join(label.positive_values)} ({label.positive_reason})")
  lines.append("- Computed from its columns in every row (not a column of the spans)"
               if label.expression else f"- Missing in {label.missing} rows (kept; they carry "
               "no label)" if label.missing else "- Present in every row: the schema requires it")
  return lines


def render_report(p, command, opened, bounded, findings) -> str:
  counts, steps = p.span_counts(), settings_values(p)["TRAIN_STEPS"]
  label = p.label
  lines = [
      "# init report", "", f"Written by `{command}`. Each decision has its reason; see *How to "
      "override* at the end.", "", "## Input", "",
      f"- `{p.csv_name}`: {p.input_rows} rows, {len(p.input_columns)} columns "
      f"({', '.join(p.input_columns)})", "", "## Task", "", f"- **{label.task}**: {label.task_reason}",
      "", f"## Label `{label.name}`", "", *_label_lines(label), "", "## Metric and gate", "",
      f"- `METRIC = \"{p.metric}\"`, `METRIC_THRESHOLD = {p.threshold}`, "
      f"`MAX_METRIC_DROP = {p.max_drop}`: {p.metric_reason}", "", "## Partitioning", "",
      f"- Spans: {p.span_reason}", *(f"- {note}" for note in p.notes), "",
      *_table(["span", "rows", "role"], [(s, n, "training" if s in p.training else "new data")
                                         for s, n in counts.items()]), "",
      f"- Training spans {p.training[0]}-{p.training[-1]} (DEFAULT_SPANS): the first half, at least "
      "one; the later spans are new data for `monitor` and `simulate`.",
      f"- TRAINING_WINDOW_SPANS = {len(p.training)}: a model trained by `monitor` (fallback, "
      "retrain) or on Vertex/KFP learns from as many spans as the first one, the newest ones.",
      "- Inside each span the pipeline hashes every row into train and eval, 3:1 (settings "
      "SPLIT_BUCKETS); the eval rows also decide the gate.",
      f"- TRAIN_STEPS = {steps}: about 3 epochs of the training spans' train split at batch 64 "
      "(100 to 2000).", "", "## Columns", "",
      *_table(["column", "treatment", "reason"],
              [(c.name, c.treatment + (f" (size {c.size})" if c.size else ""), c.reason)
               for c in p.columns]), "", "## Schema", "",
      "- `schema/schema.pbtxt`: inferred by TFDV from the training spans' CSV files, with the "
      "types CsvExampleGen reads; every feature is optional in shape.",
      f"- Open domains (over {OPEN_DOMAIN_LEVELS} levels in training, or a later training span "
      f"brought {OPEN_DOMAIN_NEW_LEVELS}+ new levels or new levels in over 1% of its rows; new "
      f"levels are drift, not invalid data): "
      f"{', '.join(opened) or 'none'}",
      f"- `min_domain_mass = {MIN_DOMAIN_MASS}` (a new level in up to 1% of rows is tolerated): "
      f"{', '.join(bounded) or 'none'}",
      "- Numeric value ranges are not set (TFDV does not infer them): the drift detector "
      "watches them.", "", "## Guardrails", "",
      "The checks every training run repeats (components/guardrails), on the training spans; "
      "GUARDRAIL_ACTIONS in settings.py says what each finding does (warn, exclude, refuse).", "",
      *([f"- [{f.check}] {f.message}" for f in findings] or ["- No finding."]), "",
      "## How to override", "",
      "- Edit the assignments in `pipeline/project/features.py` (task, label, treatments) and "
      "`pipeline/project/settings.py` (spans, metric, gate, slices, steps, model card); init "
      "rewrote only those assignments, every comment stays.",
      "- Edit `schema/schema.pbtxt` (domains, presence, ranges).",
      "- Or re-run `python -m pipeline init --force` with --task, --positive, --keep-input, "
      "--time-column/--span-by, --spans or --drop.", ""]
  return "\n".join(lines)


def summary(p, root, findings=()) -> str:
  groups = {}
  for column in p.columns:
    if column.treatment not in ("label", "dropped"):
      groups[column.treatment] = groups.get(column.treatment, 0) + 1
  label, first, last = p.label, p.training[0], p.training[-1]
  spans = ", ".join(f"{s} ({n} rows)" for s, n in p.span_counts().items())
  present = label.values.dropna()
  what = (f"classes {', '.join(label.classes)}" if label.classes else "numeric" if
          label.task == "regression" else f"positive: {label.expression or label.positive_values[0]}"
          f" in {present.isin(label.positive_values).mean():.1%} of the labelled rows")
  return "\n".join([
      f"init: {p.csv_name}, {p.input_rows} rows, {len(p.input_columns)} columns -> {root}",
      f"task: {label.task} ({label.task_reason})", f"label: {label.name}, {what}",
      f"spans: {spans}; training: {first}-{last}", *(f"note: {n}" for n in p.notes),
      "columns: " + ", ".join(f"{n} {g}" for g, n in groups.items()),
      f"metric: {p.metric} {'<=' if p.label.task == 'regression' else '>='} {p.threshold}",
      f"guardrails: {len(findings)} finding(s)", *(f"  - {f.message}" for f in findings),
      f"report: {root / PROJECT / REPORT}", "",
      f"Next: python -m pipeline run   # trains on spans {first}-{last} and pushes a model",
      "then: make test"])


def _command(csv, label, options) -> str:
  parts = ["python -m pipeline init", f"--csv {csv}", f"--label {label}"]
  for name, value in options.items():
    flag = "--" + name.replace("_", "-")
    if value is True:
      parts.append(flag)
    elif isinstance(value, (list, tuple)) and value:
      parts.append(f"{flag} {' '.join(value)}")
    elif value not in (None, False, (), []):
      parts.append(f"{flag} {json.dumps(str(value)) if ' ' in str(value) else value}")
  return " ".join(parts)


def _move_in(root, staging, old_spans, old_tests):
  spans = root / SPANS_DIR
  for name in old_spans:
    shutil.rmtree(spans / name)
  spans.mkdir(parents=True, exist_ok=True)
  for folder in sorted((staging / "spans").iterdir()):
    folder.rename(spans / folder.name)
  (root / SCHEMA).parent.mkdir(exist_ok=True)
  (staging / "schema.pbtxt").replace(root / SCHEMA)
  for name in ("features.py", "settings.py", REPORT):
    (staging / name).replace(root / PROJECT / name)
  for test in old_tests:
    test.unlink()


def previous_tests(root) -> list:
  """The test modules of the project init replaces."""
  return sorted((root / PROJECT_TESTS).glob("test_*.py"))


def init(csv, label, *, task=None, positive=None, keep_input=(), time_column=None,
         span_by=None, spans=None, drop=(), force=False, root=None) -> str:
  """Sets up the project under `root` (default: the repository); returns the
  console summary. Raises InitError, having written nothing, on bad input."""
  if root is None:
    from pipeline.project import settings as project_settings  # pylint: disable=import-outside-toplevel
    root = project_settings.REPO_ROOT
  root, csv = pathlib.Path(root).resolve(), pathlib.Path(csv)
  files = {name: root / PROJECT / name for name in ("features.py", "settings.py")}
  for path in files.values():
    if not path.is_file():
      raise InitError(f"{path}: no such file; --root must be a copy of this repository")
  old = existing_spans(root)
  if old and not force:
    raise InitError(f"the repository already holds a project ({len(old)} span "
                    f"folder{'s' if len(old) > 1 else ''} in "
                    f"{root / SPANS_DIR}, e.g. {old[0]}); pass --force to replace it")
  options = dict(task=task, positive=positive, keep_input=tuple(keep_input),
                 time_column=time_column, span_by=span_by, spans=spans, drop=tuple(drop))
  p = decide.plan(decide.read_csv(csv), csv.name, label, **options)
  if (root / "output").is_dir():
    p.notes.append(f"{root / 'output'} holds the previous project's runs and served model: "
                   "remove it before `run`.")
  old_tests = previous_tests(root)
  if old_tests:
    p.notes.append(f"{root / PROJECT_TESTS}: the previous project's tests ("
                   f"{', '.join(t.name for t in old_tests)}) name its columns and "
                   "are removed; put your model's tests there.")
  texts = {"features.py": rewrite_assignments(
               files["features.py"].read_text(), feature_values(p), files["features.py"]),
           "settings.py": rewrite_assignments(
               files["settings.py"].read_text(), settings_values(p), files["settings.py"])}
  staging = root / STAGING
  shutil.rmtree(staging, ignore_errors=True)
  try:
    staging.mkdir()
    opened, bounded = curated_schema(write_spans(p, staging / "spans"), p, staging)
    for name, text in texts.items():
      (staging / name).write_text(text)
    findings = guardrail_findings(p)
    (staging / REPORT).write_text(render_report(p, _command(csv, label, dict(
        options, force=force)), opened, bounded, findings))
    _move_in(root, staging, old, old_tests)
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return summary(p, root, findings)
