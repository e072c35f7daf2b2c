"""The configured project's data, for the factory's tests.

Factory tests never name the project's columns, levels or spans: they ask
this module for the spans (settings.default_spans, later span folders under
settings.data_root), rows of a span, and columns by *role*, derived from the
curated schema (settings.schema_path) and the settings (model_inputs,
label_source_columns, outcome_columns, drift_ignored_features). A fork that
replaces the data, schema and features keeps these tests meaningful.
"""
import functools
import pathlib
import re

import numpy as np
import pandas as pd
import tensorflow as tf
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from components.contracts import model_io
from pipeline.definition import settings as settings_lib
from pipeline.operations import predict

SETTINGS = settings_lib.load()
REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


# --- Spans -----------------------------------------------------------------

def window() -> tuple:
  """(first, last): the default training window, as `run` takes it."""
  first, last = SETTINGS.default_spans
  return int(first), int(last)


def window_spans() -> list:
  """Every span of the default training window (span numbers need not be consecutive)."""
  first, last = window()
  return SETTINGS.spans_in(SETTINGS.data_root, first, last)


def available_spans(data_root=None) -> list:
  """Spans that have a folder under the data root (settings.data_root)."""
  root = pathlib.Path(data_root or SETTINGS.data_root)
  prefix, _, suffix = SETTINGS.span_pattern.split("/")[0].partition("{SPAN}")
  folder = re.compile(f"{re.escape(prefix)}([0-9]+){re.escape(suffix)}")
  found = (folder.fullmatch(p.name) for p in root.iterdir() if p.is_dir()) if root.is_dir() else ()
  return sorted(int(m.group(1)) for m in found if m)


def later_spans() -> list:
  """Bundled spans after the default window: data the shared run never saw."""
  return [s for s in available_spans() if s > window()[1]]


def unseen_span() -> int:
  """A span the default window does not hold if there is one, else its last."""
  return (later_spans() or [window()[1]])[0]


# --- Rows --------------------------------------------------------------------

def span_files(span: int, data_root=None) -> list:
  """The span's CSV files, as ExampleGen finds them (settings.span_glob)."""
  root = pathlib.Path(data_root or SETTINGS.data_root)
  return sorted(root.glob(SETTINGS.span_glob(span)))


def read_span(span: int, data_root=None) -> pd.DataFrame:
  """Every row of a span (all its CSV files), cells as raw strings."""
  files = span_files(span, data_root)
  if not files:
    raise FileNotFoundError(f"no {SETTINGS.span_glob(span)} under {data_root or SETTINGS.data_root}")
  return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files],
                   ignore_index=True)


def sample(frame: pd.DataFrame, span: int, rows: int) -> pd.DataFrame:
  """The rows of `frame` the shared run's sample of `span` keeps (seeded by the span)."""
  return frame.sample(n=min(rows, len(frame)), random_state=span).sort_index()


def write_span(out_root, span: int, frame: pd.DataFrame, like_span: int = None) -> pathlib.Path:
  """Writes `frame` as span `span` under `out_root`, one CSV file named like
  the first file of span `like_span` (default: `span`) in the project's
  data, so that it matches settings.span_pattern. Returns the file's path."""
  source = span_files(like_span if like_span is not None else span)[0].name
  if "{SPAN}" in SETTINGS.span_pattern.split("/", 1)[-1] and like_span is not None:
    source = source.replace(str(like_span), str(span))
  path = pathlib.Path(out_root) / SETTINGS.span_folder(span) / source
  path.parent.mkdir(parents=True, exist_ok=True)
  frame.to_csv(path, index=False)
  return path


def read_rows(span: int, count: int) -> list:
  """The first `count` rows of a span as {column: raw string}."""
  return read_span(span).head(count).to_dict("records")


# --- The schema and columns by role ------------------------------------------

@functools.lru_cache(maxsize=None)
def _curated_schema() -> schema_pb2.Schema:
  return tfdv.load_schema_text(str(SETTINGS.schema_path))


def schema() -> schema_pb2.Schema:
  """A fresh copy of the curated schema (callers may edit it)."""
  copy = schema_pb2.Schema()
  copy.CopyFrom(_curated_schema())
  return copy


def typed(row: dict) -> dict:
  return predict.typed_row(row, _curated_schema())


def to_example(row: dict) -> bytes:
  return predict.to_example(row, _curated_schema())


def column_type(name: str) -> int:
  """schema_pb2.INT, FLOAT or BYTES."""
  return tfdv.get_feature(_curated_schema(), name).type


def required(name: str) -> bool:
  """The schema requires the column in every row (presence.min_fraction 1)."""
  return tfdv.get_feature(_curated_schema(), name).presence.min_fraction >= 1.0


def open_domain(name: str) -> bool:
  """The schema lists no domain for the column: any value passes the
  AnomalyGate (a new level is a matter for drift detection)."""
  return tfdv.get_feature(_curated_schema(), name).WhichOneof("domain_info") is None


def inputs_of_type(*types) -> list:
  """Model inputs (settings.model_inputs order) of the given schema types."""
  return [n for n in SETTINGS.model_inputs if column_type(n) in types]


def string_inputs() -> list:
  return inputs_of_type(schema_pb2.BYTES)


def numeric_inputs() -> list:
  return inputs_of_type(schema_pb2.INT, schema_pb2.FLOAT)


def optional_inputs() -> list:
  """Model inputs a row may lack (the schema does not require them)."""
  return [n for n in SETTINGS.model_inputs if not required(n)]


def excludable_inputs() -> list:
  """Model inputs a fallback may leave out: not a label source (FallbackPlanner
  keeps those) and monitored (not in DRIFT_IGNORED_FEATURES)."""
  return [n for n in SETTINGS.model_inputs if n not in SETTINGS.label_source_columns
          and n not in SETTINGS.drift_ignored_features]


def _required_numeric_inputs() -> list:
  found = [n for n in numeric_inputs() if required(n)]
  if len(found) < 2:
    raise LookupError("the corruption tests need two numeric model inputs the schema requires")
  return found


def bad_value_column() -> str:
  """A required numeric model input; a text cell in it is a type anomaly."""
  return _required_numeric_inputs()[0]


def dropped_column() -> str:
  """A required model input (another one); a span without it is an anomaly."""
  return _required_numeric_inputs()[1]


def numeric_input() -> str:
  """A numeric (INT or FLOAT) model input."""
  found = numeric_inputs()
  if not found:
    raise LookupError("the project has no numeric model input")
  return found[0]


def monitored_numeric_input() -> str:
  """A numeric model input that drift detection watches and a fallback may drop."""
  found = [n for n in excludable_inputs() if n in numeric_inputs()]
  if not found:
    raise LookupError("the project has no monitored numeric model input")
  return found[0]


def shifted(frame: pd.DataFrame, column: str, sds: float) -> pd.DataFrame:
  """`frame` with the numeric `column` moved up by `sds` of its standard
  deviations (integers stay integers; empty cells stay empty)."""
  values = numeric(frame[column])
  moved = values + sds * values.std()
  if column_type(column) == schema_pb2.INT:
    text = moved.round().astype("Int64").astype(str)
  else:
    text = moved.map(repr)
  return frame.assign(**{column: text.where(values.notna(), "")})


# --- Corrupted copies of real spans --------------------------------------------

BAD_VALUE = "not a number"


def write_corrupted_span(span: int, out_root, rows: int = None) -> pathlib.Path:
  """Span `span` under `out_root` with text in a numeric column (row 3) and a
  required column dropped; returns the CSV path."""
  frame = read_span(span)
  if rows:
    frame = frame.head(rows)
  frame.loc[frame.index[3], bad_value_column()] = BAD_VALUE
  return write_span(out_root, span, frame.drop(columns=[dropped_column()]))


# --- What the served model relies on ----------------------------------------------

@functools.lru_cache(maxsize=4)
def _loaded(model_dir: str):
  return tf.saved_model.load(model_dir)


def outputs(model_dir, frame: pd.DataFrame) -> np.ndarray:
  """The served model's outputs [rows, 1 or classes] of raw rows (strings,
  as in the CSV files)."""
  serve = _loaded(str(model_dir)).signatures[model_io.SERVING_SIGNATURE]
  examples = tf.constant([to_example(r) for r in frame.to_dict("records")])
  return serve(**{model_io.SERVING_INPUT: examples})[model_io.output_key(SETTINGS.task)].numpy()


def scores(model_dir, frame: pd.DataFrame) -> np.ndarray:
  """The served model's score of each raw row: its one output (binary: the
  probability; regression: the value), or for a multiclass model the
  probability of the last class."""
  return outputs(model_dir, frame)[:, -1]


def influence(model_dir, frame: pd.DataFrame, columns, seed: int = 0) -> dict:
  """{column: mean |change of score|} when that column's values are shuffled
  across the rows (permutation importance, without labels)."""
  base = scores(model_dir, frame)
  rng = np.random.default_rng(seed)
  return {name: float(np.mean(np.abs(scores(model_dir, frame.assign(
      **{name: rng.permutation(frame[name].to_numpy())})) - base))) for name in columns}


def numeric(values: pd.Series) -> pd.Series:
  """Raw strings as floats, empty cells as NaN."""
  return pd.to_numeric(values.replace("", np.nan))


def favoured_group(model_dir, frame: pd.DataFrame, column: str, min_share: float = 0.1):
  """A predicate on raw values of `column`: the group of rows the model
  scores highest on average. Groups are the levels holding at least
  `min_share` of the rows (string columns) or the halves either side of the
  median (numeric ones)."""
  row_scores = pd.Series(scores(model_dir, frame), index=frame.index)
  if column_type(column) == schema_pb2.BYTES:
    shares = frame[column].value_counts(normalize=True)
    levels = [level for level, share in shares.items() if share >= min_share]
    best = max(levels, key=lambda level: row_scores[frame[column] == level].mean())
    return lambda values: values == best
  median = numeric(frame[column]).median()
  above = row_scores[numeric(frame[column]) > median].mean()
  below = row_scores[numeric(frame[column]) <= median].mean()
  return (lambda values: numeric(values) > median) if above >= below else (
      lambda values: numeric(values) <= median)


def most_levels(frame: pd.DataFrame, candidates) -> str:
  """The candidate column with the most distinct non-empty values."""
  return max(candidates, key=lambda c: (frame[c][frame[c] != ""].nunique(), c))


def most_spread(frame: pd.DataFrame, candidates) -> str:
  """The candidate numeric column with the largest std / |mean|: most like a
  ratio-scale quantity (a distance, a duration), where a change of unit
  (x100) is a plausible upstream bug. Only columns that are mostly nonzero
  qualify: x100 leaves zeros as they are, so a column of mostly zeros (a
  rarely used code, an edge pixel) would hardly change. With none, the
  column with the most nonzero values."""
  def nonzero(column):
    values = numeric(frame[column]).dropna()
    return float((values != 0).mean()) if len(values) else 0.0
  def spread(column):
    values = numeric(frame[column]).dropna()
    return float(values.std() / abs(values.mean())) if len(values) and values.mean() else 0.0
  mostly_nonzero = [c for c in candidates if nonzero(c) >= 0.5]
  return max(mostly_nonzero, key=spread) if mostly_nonzero else max(candidates, key=nonzero)
