"""What `python -m pipeline init` decides from one CSV: pure functions over a
pandas DataFrame. The task and label, the spans and which of them train,
each column's treatment, the metric and its gate; every decision carries the
one-line reason that init_report.md shows. init_project.py writes the files."""
import dataclasses
import pathlib
import re

import numpy as np
import pandas as pd

from components.contracts.metrics import TASKS

SPAN_BY = ("year", "quarter", "month", "day")
# Every span must hold this many rows: fewer make unstable drift figures and
# an eval split (a quarter of the rows) too small to judge a model on.
MIN_ROWS_PER_SPAN = 100
DEFAULT_SPAN_COUNT = 4
MAX_CLASSES = 20
MIN_CLASS_ROWS = 5  # rows of each class in the training spans
MAX_MISSING_SHARE = 0.5
ID_DISTINCT_SHARE = 0.95
MAX_INT_CODES = 50
MAX_SLICE_LEVELS = 12
UNIX_SECONDS = (1e9, 2e9)  # 2001-2033
SHUFFLE_SEED = 42
# A file sorted in blocks by a column with at most this many levels (or by
# the label) is grouped, not in time order: it is shuffled before chunking.
GROUP_LEVELS = 20
_COMPARISON = re.compile(r"[<>]|==|!=")
# Two-valued labels whose positive value is a convention (compared in lower
# case): the first of each pair is the positive, whichever value is rarer.
_CONVENTIONAL_PAIRS = {frozenset(pair): pair[0] for pair in (
    ("1", "0"), ("1.0", "0.0"), ("1", "-1"), ("true", "false"), ("yes", "no"), ("y", "n"),
    ("t", "f"), ("positive", "negative"), ("pos", "neg"))}
# Date or date-time text: 2021-03-04, 2021/3/4, 04.03.2021, 3/4/21, each with
# an optional time of day and zone.
_DATE_TEXT = re.compile(r"\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
                        r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?\s*")
DATE_TEXT_SHARE = 0.95  # of a text column's values, for it to count as dates


class InitError(ValueError):
  """Bad input to `init`: the message names the file or column and the fix."""


@dataclasses.dataclass
class Label:
  name: str
  task: str
  task_reason: str
  values: pd.Series  # per row: class text (classification) or float; missing: None/NaN
  expression: str = ""
  positive_values: tuple = ()  # text values counted as positive (binary)
  positive_reason: str = ""
  classes: tuple = ()
  source_columns: tuple = ()
  outcome_columns: tuple = ()
  kept_inputs: tuple = ()

  @property
  def missing(self) -> int:
    return int(self.values.isna().sum())


@dataclasses.dataclass(frozen=True)
class Column:
  name: str
  treatment: str  # a features.py group, or excluded / label / dropped / outcome
  reason: str
  size: int = 0  # CATEGORICAL_INT_FEATURES only


@dataclasses.dataclass
class Plan:
  csv_name: str
  input_rows: int
  input_columns: tuple
  frame: pd.DataFrame  # the rows to write, in span order, without dropped columns
  spans: pd.Series  # span number of each row of `frame`
  span_reason: str
  training: tuple  # span numbers that train
  label: Label
  columns: list  # Column per input column, in CSV order
  metric: str
  threshold: float
  max_drop: float
  metric_reason: str
  notes: list = dataclasses.field(default_factory=list)

  def group(self, treatment) -> tuple:
    return tuple(c.name for c in self.columns if c.treatment == treatment)

  def span_counts(self) -> dict:
    return {int(s): int(n) for s, n in self.spans.value_counts().sort_index().items()}

  def training_mask(self) -> pd.Series:
    return self.spans.isin(self.training)


def read_csv(path) -> pd.DataFrame:
  path = pathlib.Path(path)
  if not path.is_file():
    raise InitError(f"{path}: no such file; pass --csv the path of a CSV file with one header row")
  try:
    frame = pd.read_csv(path, low_memory=False)
  except pd.errors.EmptyDataError:
    raise InitError(f"{path} is empty; init needs a header row and data rows") from None
  except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
    raise InitError(f"{path} is not a readable CSV file ({str(error).strip()}); save it as "
                    "comma-separated UTF-8 text with one header row") from None
  if frame.empty:
    raise InitError(f"{path} has a header but no data rows")
  return frame


def _numeric(series) -> bool:
  return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def as_written(frame) -> pd.DataFrame:
  """Whole-number float columns (integers with gaps) as pandas Int64, so the
  CSV holds "6", not "6.0", and CSV type inference sees INT."""
  frame = frame.copy()
  for name in frame.columns:
    present = frame[name].dropna()
    if (pd.api.types.is_float_dtype(frame[name]) and len(present) and
        (present == np.round(present)).all() and (present.abs() < 2**53).all()):
      frame[name] = frame[name].astype("Int64")
  return frame


def as_text(series) -> pd.Series:
  """Values as the CSV writes them; missing stays None."""
  return series.astype(object).map(lambda v: None if pd.isna(v) else str(v))


def _columns_text(frame) -> str:
  return ", ".join(map(str, frame.columns))


def _require(frame, names, option, csv_name):
  for name in names:
    if name not in frame.columns:
      raise InitError(f"{option} {name}: {csv_name} has no such column; its columns are "
                      f"{_columns_text(frame)}")


def _looks_like_expression(frame, name, positive) -> bool:
  if positive is None or not _COMPARISON.search(positive):
    return False
  return name not in frame.columns or positive not in set(as_text(frame[name]).dropna())


def decide_label(frame, name, task=None, positive=None, keep_input=(), csv_name="the CSV"):
  if _looks_like_expression(frame, name, positive):
    return _derived_label(frame, name, positive, tuple(keep_input), task, csv_name)
  if name not in frame.columns:
    raise InitError(f"--label {name}: {csv_name} has no such column; its columns are "
                    f"{_columns_text(frame)}. Pass one of them, or a new name with --positive "
                    "EXPRESSION to derive a binary label from columns")
  if keep_input:
    raise InitError("--keep-input only applies to a derived label (--positive EXPRESSION); "
                    f"{name} is a column of {csv_name}")
  series = frame[name]
  text = as_text(series)
  present = text.dropna()
  if len(present) < MAX_MISSING_SHARE * len(text):
    raise InitError(f"label {name} is missing in {len(text) - len(present)} of {len(text)} rows of "
                    f"{csv_name}; fill it in, or choose another --label")
  distinct = sorted(present.unique(), key=(lambda v: float(v)) if _numeric(series) else None)
  if len(distinct) <= 1:
    raise InitError(f"label {name} of {csv_name} holds one value ({''.join(distinct) or 'none'}) "
                    "in every row: there is nothing to predict; choose another --label")
  task, reason = _task(series, name, len(distinct), task, positive)
  # A raw label is an outcome column: the model never reads it, and a span
  # without it is unlabelled.
  label = Label(name, task, reason, text, source_columns=(name,), outcome_columns=(name,))
  if task == "regression":
    label.values = series.astype(float)
  elif task == "multiclass":
    label.classes = tuple(distinct)
  elif positive is not None:
    if positive not in distinct:
      shown = ", ".join(distinct[:10]) + (", ..." if len(distinct) > 10 else "")
      raise InitError(f"--positive {positive}: not a value of label {name} in {csv_name} (compared "
                      f"as text); its values are {shown}")
    label.positive_values, label.positive_reason = (positive,), "given by --positive"
  else:
    counts = present.value_counts()
    conventional = _CONVENTIONAL_PAIRS.get(frozenset(v.lower() for v in distinct))
    if conventional is not None:
      chosen = next(v for v in distinct if v.lower() == conventional)
      why = f"the conventional positive of {' and '.join(distinct)}"
    else:
      chosen = min(distinct, key=lambda v: (counts[v], -distinct.index(v)))
      why = "the minority value"
    label.positive_values = (chosen,)
    label.positive_reason = (f"{why} ({counts[chosen]} of {len(present)} rows); pass --positive "
                             "VALUE to choose another")
  return label


def _task(series, name, distinct, task, positive):
  if task is not None:
    if task not in TASKS:
      raise InitError(f"--task {task}: must be one of {', '.join(TASKS)}")
    if task == "regression" and not _numeric(series):
      raise InitError(f"--task regression: label {name} is not numeric; choose binary or multiclass")
    if positive is not None and task != "binary":
      raise InitError(f"--positive applies to a binary task, not --task {task}")
    if task == "binary" and distinct > 2 and positive is None:
      raise InitError(f"--task binary: label {name} has {distinct} values; pass --positive VALUE")
    return task, "given by --task"
  if positive is not None:
    return "binary", f"inferred: --positive names the value of {name} that counts as positive"
  present = series.dropna()
  if _numeric(series) and (distinct > MAX_CLASSES or not pd.api.types.is_integer_dtype(series)):
    why = "non-integer numbers" if not pd.api.types.is_integer_dtype(series) else "numbers"
    return "regression", f"inferred: {name} holds {why} with {distinct} distinct values"
  if distinct == 2:
    return "binary", f"inferred: {name} has exactly 2 distinct values"
  if distinct <= MAX_CLASSES:
    kind = "integer" if _numeric(present) else "text"
    return "multiclass", f"inferred: {name} has {distinct} distinct {kind} values (3 to {MAX_CLASSES})"
  raise InitError(f"label {name} has {distinct} distinct text values: too many for classes and "
                  "not numeric; pass --task, or choose another --label")


def _derived_label(frame, name, expression, keep_input, task, csv_name):
  from pipeline.project.preprocessing import expression_columns  # pylint: disable=import-outside-toplevel
  try:
    sources = tuple(expression_columns(expression))
  except (SyntaxError, ValueError) as error:
    why = error.msg if isinstance(error, SyntaxError) else str(error)
    raise InitError(f"--positive {expression!r} is not a valid label expression ({why}); write a "
                    f"comparison over numeric columns of {csv_name}, e.g. 'COLUMN > 2 * OTHER'"
                    ) from None
  if not sources:
    raise InitError(f"--positive {expression!r} names no column of {csv_name}")
  _require(frame, sources, f"--positive {expression!r}: column", csv_name)
  _require(frame, keep_input, "--keep-input", csv_name)
  for column in keep_input:
    if column not in sources:
      raise InitError(f"--keep-input {column}: not read by the expression {expression!r}; only "
                      f"its columns ({', '.join(sources)}) can be kept as inputs")
  for column in sources:
    if not _numeric(frame[column]):
      raise InitError(f"column {column} of {csv_name} is not numeric: a label expression compares "
                      "numbers; derive the label in the CSV instead")
  if name in frame.columns:
    raise InitError(f"--label {name} is already a column of {csv_name}; a derived label "
                    "(--positive EXPRESSION) needs a new name")
  if task not in (None, "binary"):
    raise InitError(f"--task {task}: a derived label (--positive EXPRESSION) is binary")
  try:
    values = frame[list(sources)].astype(float).eval(expression)
  except (ValueError, TypeError, SyntaxError, KeyError, ZeroDivisionError) as error:
    raise InitError(f"--positive {expression!r} cannot be evaluated on {csv_name} ({error})") from None
  if not pd.api.types.is_bool_dtype(values):
    raise InitError(f"--positive {expression!r} is not a comparison (true or false per row)")
  text = values.map({True: "True", False: "False"})
  if text.nunique() < 2:
    raise InitError(f"the expression {expression!r} is {text.iloc[0].lower()} in every row of "
                    f"{csv_name}: there is nothing to predict; change it")
  return Label(name, "binary", f"a derived label: --positive {expression!r}", text,
               expression=expression, positive_values=("True",),
               positive_reason="rows where the expression holds", source_columns=sources,
               outcome_columns=tuple(c for c in sources if c not in keep_input),
               kept_inputs=keep_input)


def _grouped(values, task) -> bool:
  """Whether the file is ordered by the label: ordered chunks would then hold
  different classes (or label ranges), not different times."""
  present = values.dropna()
  if present.nunique() < 2:
    return False
  if task == "regression":
    return present.is_monotonic_increasing or present.is_monotonic_decreasing
  return int((present != present.shift()).sum()) - 1 == present.nunique() - 1


def _ordered_by(frame, label):
  """The column the file is sorted by in blocks (the label, or a column with
  few levels), if any: ordered chunks would then hold different groups, not
  different times. A column with many values (a row ID) does not count."""
  if _grouped(label.values, label.task):
    return label.name
  return next((name for name in frame.columns
               if 2 <= frame[name].nunique() <= GROUP_LEVELS
               and _grouped(frame[name], "multiclass")), None)


def span_numbers(times, span_by) -> pd.Series:
  year = times.dt.year
  return {"year": year, "quarter": year * 10 + times.dt.quarter,
          "month": year * 100 + times.dt.month,
          "day": year * 10000 + times.dt.month * 100 + times.dt.day}[span_by].astype(int)


def _day_first(raw) -> bool:
  """d/m/y text: a first field above 12 (no month is), every second field at
  most 12. Read month-first, 03/04 would be March 4 in the same column where
  29/03 is March 29."""
  fields = raw.astype(str).str.extract(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}").astype(float)
  return bool((fields[0] > 12).any() and (fields[1].dropna() <= 12).all())


def parse_times(frame, column, csv_name) -> pd.Series:
  """The column as UTC datetimes: Unix seconds or date/time text."""
  raw = frame[column]
  numeric = _numeric(raw)
  try:
    times = pd.to_datetime(raw, unit="s" if numeric else None, utc=True, errors="coerce",
                           dayfirst=not numeric and _day_first(raw))
  except (ValueError, TypeError, OverflowError):
    times = pd.Series(pd.NaT, index=raw.index)
  bad = times.isna()
  if bad.any():
    first = bad.idxmax()
    line = frame.index.get_loc(first) + 2
    value = "an empty value" if pd.isna(raw[first]) else repr(str(raw[first]))
    raise InitError(f"{csv_name}, line {line}: --time-column {column} holds {value}, not a date/time "
                    "or Unix seconds; fix or remove that row, or choose another --time-column")
  return times


def assign_spans(frame, label, time_column=None, span_by=None, spans=None, csv_name="the CSV"):
  """(rows in span order, span number per row, reason, notes, span_by)."""
  notes = []
  if time_column is not None:
    times = parse_times(frame, time_column, csv_name)
    order = np.argsort(times.to_numpy(), kind="stable")
    frame, times = frame.iloc[order], times.iloc[order]
    if span_by is None:
      span_by = next((by for by in ("month", "quarter", "year")
                      if span_numbers(times, by).nunique() > 1 and
                      span_numbers(times, by).value_counts().min() >= MIN_ROWS_PER_SPAN), "year")
      reason = (f"by {span_by} of {time_column}: the finest of month, quarter and year with "
                f"{MIN_ROWS_PER_SPAN} rows in every span")
    else:
      reason = f"by {span_by} of {time_column} (--span-by {span_by})"
    numbers = span_numbers(times, span_by)
    if not _numeric(frame[time_column]) and _day_first(frame[time_column]):
      reason += " (dates read day first: a first field is above 12)"
    return frame, numbers, reason + "; rows keep their time order", notes, span_by
  count = spans or max(1, min(DEFAULT_SPAN_COUNT, len(frame) // MIN_ROWS_PER_SPAN))
  reason = (f"{count} ordered chunks of the file (no --time-column; "
            + (f"--spans {count})" if spans else
               f"default {DEFAULT_SPAN_COUNT} or fewer, {MIN_ROWS_PER_SPAN} rows each)"))
  ordered_by = _ordered_by(frame, label) if count > 1 else None
  if ordered_by:
    frame = frame.sample(frac=1, random_state=SHUFFLE_SEED)
    notes.append(f"The file is sorted by {ordered_by}, so ordered chunks would hold different "
                 f"groups of it, not different times: its rows were shuffled (seed "
                 f"{SHUFFLE_SEED}) before chunking, and the spans are random samples of one "
                 "period (no drift between them by construction).")
  numbers = np.arange(len(frame)) * count // len(frame) + 1
  return frame, pd.Series(numbers, index=frame.index), reason, notes, None


def check_spans(spans, csv_name, span_by=None) -> tuple:
  """The training spans: the first half (at least one)."""
  counts = spans.value_counts().sort_index()
  small = counts[counts < MIN_ROWS_PER_SPAN]
  if len(small):
    fix = (f"fewer --spans (at most {max(1, len(spans) // MIN_ROWS_PER_SPAN)} for {len(spans)} rows)"
           if span_by in (None, "year") else "a coarser --span-by (e.g. year)")
    raise InitError(f"span {small.index[0]} of {csv_name} holds {small.iloc[0]} rows "
                    f"({len(small)} of {len(counts)} spans hold fewer than {MIN_ROWS_PER_SPAN}); "
                    f"every span needs at least {MIN_ROWS_PER_SPAN}: use {fix}")
  numbers = [int(s) for s in counts.index]
  return tuple(numbers[:max(1, len(numbers) // 2)])


def check_classes(label, training_mask, training):
  if label.task == "regression":
    return
  values = label.values[training_mask].dropna()
  if label.task == "binary":
    positive = values.isin(label.positive_values)
    counts = {"positive": int(positive.sum()), "negative": int((~positive).sum())}
  else:
    counts = {c: int((values == c).sum()) for c in label.classes}
  for name, count in counts.items():
    if count < MIN_CLASS_ROWS:
      raise InitError(f"class {name!r} of label {label.name} appears {count} times in the training "
                      f"spans {training[0]}-{training[-1]}; every class needs at least "
                      f"{MIN_CLASS_ROWS}: use fewer or coarser spans, or merge rare classes")


def treat_column(series, time_column=None, kept=False) -> Column:
  name, present = series.name, series.dropna()
  distinct, rows = int(present.nunique()), len(present)
  integer = _numeric(series) and pd.api.types.is_integer_dtype(series)
  prefix = "--keep-input: known before the outcome; " if kept else ""

  def column(treatment, reason, size=0):
    return Column(name, treatment, prefix + reason, size)
  if name == time_column:
    return column("excluded", "the span column: it moves forward by construction")
  if distinct <= 1:
    return column("excluded", f"constant ({distinct} distinct value)")
  if rows < (1 - MAX_MISSING_SHARE) * len(series):
    return column("excluded", f"{1 - rows / len(series):.0%} missing (over {MAX_MISSING_SHARE:.0%})")
  if integer and present.between(*UNIX_SECONDS).all():
    return column("TIMESTAMP_FEATURES", "integers between 1e9 and 2e9: Unix seconds (2001-2033), "
                  "read as hour of day and day of week")
  if not _numeric(series) and _date_text(present):
    return column("excluded", "date/time text: as a vocabulary its values would not recur in "
                  "later spans; to use it, write it as Unix seconds (init then reads hour of day "
                  "and day of week from it)")
  if (integer or not _numeric(series)) and distinct >= ID_DISTINCT_SHARE * rows:
    return column("excluded", f"ID-like: {distinct} distinct values in {rows} rows")
  if not _numeric(series):
    return column("VOCAB_FEATURES", f"text with {distinct} levels: a vocabulary")
  if integer and distinct <= MAX_INT_CODES and present.min() >= 0:
    return column("CATEGORICAL_INT_FEATURES", f"integer codes 0-{int(present.max())} ({distinct} "
                  "distinct): categories, size max + 2 (one code of headroom)", int(present.max()) + 2)
  return column("DENSE_FLOAT_FEATURES", "numeric: scaled to z-scores")


def _date_text(present) -> bool:
  """Most values are dates or date-times (read on at most 1,000 levels)."""
  levels = pd.Series(present.astype(str).unique()[:1000])
  return bool(len(levels)) and levels.str.fullmatch(_DATE_TEXT).mean() >= DATE_TEXT_SHARE


def treat_columns(frame, label, drop=(), time_column=None) -> list:
  result = []
  for name in frame.columns:
    if name == label.name:
      result.append(Column(name, "label", f"the label ({label.task})"))
    elif name in drop:
      result.append(Column(name, "dropped", "--drop: removed from the spans"))
    elif frame[name].isna().all():
      result.append(Column(name, "dropped", "empty in every row: CSV type inference can give "
                           "it no type, so it is removed from the spans"))
    elif name in label.outcome_columns:
      result.append(Column(name, "outcome", "read by the label expression, known only with the "
                           "outcome: never a model input (--keep-input to keep it)"))
    else:
      result.append(treat_column(frame[name], time_column, name in label.kept_inputs))
  return result


def _significant(value, digits=4) -> float:
  return float(f"{value:.{digits}g}")


def metric_gate(label, training_mask) -> tuple:
  """(metric, threshold, max drop, reason)."""
  values = label.values[training_mask].dropna()
  if label.task == "binary":
    return "auc", 0.6, 0.01, ("AUC at least 0.6: better than chance (0.5) with a margin; at most "
                              "0.01 below the last blessed model")
  if label.task == "multiclass":
    shares = values.value_counts(normalize=True)
    threshold = min(round(float(shares.iloc[0]) + 0.02, 4), 0.95)
    return "sparse_categorical_accuracy", threshold, 0.01, (
        f"accuracy at least the majority class's share in the training spans ({shares.index[0]}: "
        f"{shares.iloc[0]:.1%}) + 0.02, capped at 0.95: a model must beat always answering the "
        "most common class")
  median = float(values.median())
  baseline = float((values - median).abs().mean())
  threshold = _significant(baseline * 0.95)
  return "mean_absolute_error", threshold, _significant(threshold * 0.05), (
      f"mean absolute error at most 0.95 x {baseline:.4g}, the error of always predicting the "
      f"training median {median:.4g} (lower is better): a model must beat the constant median; "
      "at most 5% of that worse than the last blessed model")


def plan(frame, csv_name, label, task=None, positive=None, keep_input=(), time_column=None,
         span_by=None, spans=None, drop=()) -> Plan:
  """Every decision of `init`, from the CSV's rows."""
  if span_by is not None and time_column is None:
    raise InitError("--span-by needs --time-column (the column whose dates make the spans)")
  if span_by is not None and span_by not in SPAN_BY:
    raise InitError(f"--span-by {span_by}: must be one of {', '.join(SPAN_BY)}")
  if spans is not None and (time_column is not None or spans < 1):
    raise InitError("--spans takes a count of at least 1, and not with --time-column "
                    "(use --span-by there)")
  input_columns = tuple(map(str, frame.columns))
  _require(frame, drop, "--drop", csv_name)
  _require(frame, [time_column] if time_column else [], "--time-column", csv_name)
  frame = as_written(frame)
  info = decide_label(frame, label, task, positive, keep_input, csv_name)
  for name in drop:
    if name in info.source_columns or name == time_column:
      raise InitError(f"--drop {name}: the label or the spans need that column; keep it")
  columns = treat_columns(frame, info, drop, time_column)
  rows, (frame, numbers, reason, notes, span_by) = len(frame), assign_spans(
      frame.drop(columns=[c.name for c in columns if c.treatment == "dropped"]), info,
      time_column, span_by, spans, csv_name)
  training = check_spans(numbers, csv_name, span_by)
  mask = numbers.isin(training)
  check_classes(info, mask, training)
  metric, threshold, max_drop, metric_reason = metric_gate(info, mask)
  return Plan(csv_name, rows, input_columns, frame, numbers, reason, training, info, columns,
              metric, threshold, max_drop, metric_reason, notes)
