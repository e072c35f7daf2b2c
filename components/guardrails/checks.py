"""What in the training data would make a model look good and fail in use:
an input that gives the label away, a time or an ID among the inputs,
columns with nothing to learn from, too few rows or too few of a class.
Pure: a sample of the training window's rows, its labels and span numbers
in, findings out; each finding names the feature (and level) and the
numbers, and says why it matters. Generic: it knows no column by name."""
import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

TARGET_LEAKAGE = "target_leakage"
LEVEL_FIXES_LABEL = "level_fixes_label"
OUTCOME_AS_INPUT = "outcome_as_input"
LEAKY_TIME = "leaky_time"
ID_LIKE = "id_like"
CONSTANT = "constant"
MOSTLY_MISSING = "mostly_missing"
RARE_CLASS = "rare_class"
LABEL_MISSING = "label_missing"
TOO_LITTLE_DATA = "too_little_data"
CHECKS = (TARGET_LEAKAGE, LEVEL_FIXES_LABEL, OUTCOME_AS_INPUT, LEAKY_TIME, ID_LIKE, CONSTANT,
          MOSTLY_MISSING, RARE_CLASS, LABEL_MISSING, TOO_LITTLE_DATA)

DEFAULT_LIMITS = {
    "univariate_auc": 0.98,  # classification: one feature alone separates the classes
    "univariate_r2": 0.95,  # regression: one feature alone explains the label
    "level_purity": 0.99,  # a level whose rows are (almost) all one class...
    "level_min_share": 0.01,  # ...holding at least this share of the rows...
    "level_min_rows": 30,  # ...and this many rows (fewer are pure by chance)
    "id_distinct_share": 0.95,  # distinct values per non-missing row of an identifier
    "max_missing_share": 0.5,  # a column missing in more of the rows
    "rare_class_share": 0.01,  # a class with less of the labelled rows
    "min_rows_per_span": 100,  # a span of the training window with fewer rows
    "min_rows_per_class": 20,  # a class with fewer rows (classification)
}
_BINS = 20  # quantile bins of a numeric feature, for the leakage score
_POOLED_LEVEL_SHARE = 0.005  # rarer levels are pooled: they could only be memorized
_FOLDS, _SEED = 5, 0
_CLASSIFICATION = ("binary", "multiclass")
_TRIVIAL_CLASS_SHARE = 0.95  # a class this common makes every level look pure
_MIN_ID_ROWS = 50  # fewer rows are too few to call a column an identifier
_TIME_SHARE = 0.95  # share of values in a Unix-time range (2001-2036) of a time column
_UNIX_RANGES = ((1e9, 2.1e9, "seconds"), (1e12, 2.1e12, "milliseconds"))
_ROW_ORDER_SPEARMAN, _ROW_ORDER_DISTINCT = 0.99, 0.9
_WHY_TIME = ("it identifies when a row was recorded, which a model learns and cannot use on "
             "new data (new rows come from later times it never saw)")


@dataclasses.dataclass(frozen=True)
class Finding:
  check: str  # one of CHECKS
  feature: str | None  # None for findings about the label or the spans
  message: str  # one line for people
  figures: dict  # the numbers, JSON-serializable

  def to_dict(self) -> dict:
    return dataclasses.asdict(self)


def _limits(limits) -> dict:
  return {**DEFAULT_LIMITS, **(limits or {})}


def _name(value) -> str:
  """A feature or level name on one line; integral float codes without '.0'."""
  if isinstance(value, (float, np.floating)) and float(value).is_integer():
    value = int(value)
  return str(value).replace("\r", "\\r").replace("\n", "\\n")


def _present(rows, features):
  return [feature for feature in features if feature in rows]


def _is_numeric(column: pd.Series) -> bool:
  return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _known_label(label):
  label = np.asarray(label, dtype=float)
  return label, ~np.isnan(label)


def _class_count(task, y) -> int:
  return max(2, int(y.max()) + 1 if len(y) else 2) if task == "multiclass" else 2


def _class_counts(label, task):
  """Labelled rows per class id 0..K-1 (classification), else None."""
  label, known = _known_label(label)
  if not task in _CLASSIFICATION or not known.any():
    return None
  y = label[known].astype(int)
  return np.bincount(y, minlength=_class_count(task, y))


def _bins(values: np.ndarray, categorical: bool) -> np.ndarray:
  """Bin ids 0..m-1. Categorical: a bin per level, levels under 0.5% pooled;
  numeric: up to 20 quantile bins. Missing is a bin of its own."""
  missing = pd.isna(values)
  if categorical:
    codes, levels = pd.factorize(values)
    counts = np.bincount(codes[~missing], minlength=len(levels))
    rare = counts < _POOLED_LEVEL_SHARE * len(values)
    codes = np.where(missing, len(levels) + 1, np.where(rare[codes], len(levels), codes))
  else:
    x = values.astype(float)
    edges = np.unique(np.quantile(x[~missing], np.linspace(0, 1, _BINS + 1)[1:-1]))
    codes = np.where(missing, len(edges) + 1, np.searchsorted(edges, x, side="right"))
  return np.unique(codes, return_inverse=True)[1]


def _out_of_fold(bins, targets, folds) -> np.ndarray:
  """Each row's per-bin mean of `targets` (rows x k) over the other folds, so
  a bin (an ID, say) cannot predict a row from the row itself."""
  n_bins, encoded = bins.max() + 1, np.empty_like(targets)
  for fold in range(_FOLDS):
    inside, other = folds == fold, folds != fold
    counts = np.bincount(bins[other], minlength=n_bins)[:, None]
    sums = np.stack([np.bincount(bins[other], t, n_bins) for t in targets[other].T], axis=1)
    means = np.where(counts > 0, sums / np.maximum(counts, 1), targets[other].mean(axis=0))
    encoded[inside] = means[bins[inside]]
  return encoded


def _auc(positive: np.ndarray, score: np.ndarray):
  """The chance a random positive scores above a random negative (ties: half)."""
  n_pos, n_neg = int(positive.sum()), int((~positive).sum())
  if not n_pos or not n_neg:
    return None
  ranks = stats.rankdata(score)
  return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _leakage_score(task, y, encoded):
  if task == "regression":
    spread = ((y - y.mean()) ** 2).sum()
    return 1 - ((y - encoded[:, 0]) ** 2).sum() / spread if spread > 0 else None
  if task == "binary":
    return _auc(y == 1, encoded[:, 0])
  aucs = [a for a in (_auc(y == k, encoded[:, k]) for k in range(encoded.shape[1]))
          if a is not None]
  return float(np.mean(aucs)) if aucs else None


def target_leakage(rows, label, task, features, categorical, limits=DEFAULT_LIMITS) -> list:
  """Features that alone predict the label almost perfectly, scored on an
  out-of-fold target encoding of their bins (robust to memorized IDs)."""
  limits = _limits(limits)
  label, known = _known_label(label)
  y = label[known] if task == "regression" else label[known].astype(int)
  if len(y) < _FOLDS:
    return []
  targets = np.eye(_class_count(task, y))[y] if task == "multiclass" else y[:, None] * 1.0
  folds = np.random.default_rng(_SEED).permutation(len(y)) % _FOLDS
  metric, shown, limit = (("r2", "R²", limits["univariate_r2"]) if task == "regression"
                          else ("auc", "AUC", limits["univariate_auc"]))
  found = []
  for feature in _present(rows, features):
    values = rows[feature].to_numpy()[known]
    if pd.Series(values).nunique(dropna=True) < 2:
      continue
    bins = _bins(values, feature in categorical or not _is_numeric(rows[feature]))
    score = _leakage_score(task, y, _out_of_fold(bins, targets, folds))
    if score is not None and score >= limit:
      found.append(Finding(TARGET_LEAKAGE, feature, (
          f'feature "{_name(feature)}" alone predicts the label almost perfectly: out-of-fold '
          f"{shown} {score:.3f} (limit {limit:.3f}) from its {bins.max() + 1} bins over "
          f"{len(y):,} rows; a single input this decisive is usually recorded after the outcome "
          "or computed from the label (target leakage)"),
          {"metric": metric, "score": float(score), "limit": float(limit),
           "bins": int(bins.max() + 1), "rows": len(y)}))
  return found


def levels_fixing_label(rows, label, task, categorical, limits=DEFAULT_LIMITS) -> list:
  """Classification: categorical levels (missing included) in which one class
  holds (almost) every row, when that class is not itself near-universal."""
  if task not in _CLASSIFICATION:
    return []
  limits = _limits(limits)
  label, known = _known_label(label)
  y, found = label[known].astype(int), []
  n, n_classes = len(y), _class_count(task, y)
  overall = np.bincount(y, minlength=n_classes) / max(n, 1)
  for feature in _present(rows, categorical):
    codes, levels = pd.factorize(rows[feature].to_numpy()[known])
    names = [_name(level) for level in levels] + ["(missing)"]
    table = np.zeros((len(names), n_classes))
    np.add.at(table, (np.where(codes < 0, len(levels), codes), y), 1)
    for level, counts in enumerate(table):
      size, top = counts.sum(), int(counts.argmax())
      if (size < limits["level_min_rows"] or size < limits["level_min_share"] * n
          or counts[top] < limits["level_purity"] * size or overall[top] > _TRIVIAL_CLASS_SHARE):
        continue
      figures = {"level": names[level], "level_rows": int(size), "level_share": float(size / n),
                 "class": top, "class_share": float(counts[top] / size),
                 "class_share_overall": float(overall[top])}
      rates = ""
      if task == "binary":
        figures.update(positive_rate=float(counts[1] / size),
                       positive_rate_overall=float(overall[1]))
        rates = (f"; positive rate {figures['positive_rate']:.1%} against "
                 f"{figures['positive_rate_overall']:.1%} overall")
      found.append(Finding(LEVEL_FIXES_LABEL, feature, (
          f'feature "{_name(feature)}" level "{names[level]}" fixes the label: '
          f"{figures['class_share']:.1%} of its {int(size):,} rows ({size / n:.1%} of all rows) "
          f"are class {top} (overall {overall[top]:.1%}){rates}; a level that decides the label "
          "is often recorded after the outcome (target leakage)"), figures))
  return found


def outcome_as_input(features, outcome_columns) -> list:
  """Model inputs that are outcome columns: the label is computed from them."""
  return [Finding(OUTCOME_AS_INPUT, feature, (
      f'feature "{_name(feature)}" is an outcome column, known only after the outcome (the '
      "label is computed from it); a model that uses it looks accurate in training and "
      "cannot be used on new rows, where it is not yet known"), {})
          for feature in features if feature in set(outcome_columns)]


def _time_reason(values, spans, positions):
  """Why a numeric column looks like a time, with its numbers, or None."""
  for low, high, unit in _UNIX_RANGES:
    share = float(((values >= low) & (values <= high)).mean())
    if share >= _TIME_SHARE:
      return (f"looks like a Unix time: {share:.1%} of its values are {unit} between 2001 and "
              f"2036", {"reason": "unix_time", "unit": unit, "share": share})
  order = np.unique(spans)
  if len(order) >= 2:
    low = [float(np.percentile(values[spans == s], 5)) for s in order]
    high = [float(np.percentile(values[spans == s], 95)) for s in order]
    if all(low[i] > high[i - 1] for i in range(1, len(order))):
      return (f"moves forward with time: each of the {len(order)} spans' 5th percentile lies "
              f"above the previous span's 95th (span {order[1]}: {low[1]:,.6g} > "
              f"{high[0]:,.6g})", {"reason": "moves_with_spans", "spans": len(order)})
  distinct = len(np.unique(values)) / len(values)
  if len(values) >= _MIN_ID_ROWS and distinct >= _ROW_ORDER_DISTINCT:
    rho = float(stats.spearmanr(positions, values)[0])
    if rho >= _ROW_ORDER_SPEARMAN:
      return (f"rises with the row order like an auto-increment ID (Spearman {rho:.3f} over "
              f"{len(values):,} rows, {distinct:.1%} distinct)",
              {"reason": "rises_with_row_order", "spearman": rho, "distinct_share": distinct})
  return None


def leaky_time(rows, spans, features) -> list:
  """Numeric inputs that are raw times or increasing IDs: a Unix-time range,
  values that move forward from span to span, or that rise with the row
  order (the rows must be in file order for that one)."""
  spans, found = np.asarray(spans), []
  for feature in (f for f in _present(rows, features) if _is_numeric(rows[f])):
    values = rows[feature].to_numpy(dtype=float)
    known = ~np.isnan(values)
    if known.sum() < 2:
      continue
    reason = _time_reason(values[known], spans[known], np.flatnonzero(known))
    if reason:
      found.append(Finding(LEAKY_TIME, feature,
                           f'feature "{_name(feature)}" {reason[0]}; {_WHY_TIME}', reason[1]))
  return found


def _distinct(rows, feature):
  present = rows[feature].dropna()
  return present, int(present.nunique())


def id_like(rows, features, categorical, limits=DEFAULT_LIMITS) -> list:
  """String or integer-valued columns with (almost) a distinct value per row."""
  limits, found = _limits(limits), []
  for feature in _present(rows, features):
    present, distinct = _distinct(rows, feature)
    numeric = _is_numeric(rows[feature])
    if (numeric and feature not in categorical and not np.all(present == np.round(present))
        or len(present) < _MIN_ID_ROWS or distinct < limits["id_distinct_share"] * len(present)):
      continue
    share = distinct / len(present)
    found.append(Finding(ID_LIKE, feature, (
        f'feature "{_name(feature)}" has {distinct:,} distinct values in {len(present):,} '
        f"non-missing rows ({share:.1%}, limit {limits['id_distinct_share']:.1%}): an "
        "identifier, which lets a model memorize rows instead of learning what carries to new "
        "ones"), {"distinct": distinct, "rows": len(present), "distinct_share": share}))
  return found


def constant(rows, features) -> list:
  """Columns with at most one non-missing value: nothing to learn from."""
  found = []
  for feature in _present(rows, features):
    present, distinct = _distinct(rows, feature)
    if distinct <= 1:
      what = f'one value ("{_name(present.iloc[0])}")' if distinct else "no value at all"
      found.append(Finding(CONSTANT, feature, (
          f'feature "{_name(feature)}" has {what} in its {len(rows):,} rows: it cannot help '
          "the model, and often means an upstream field stopped being filled"),
          {"distinct": distinct, "rows": len(rows)}))
  return found


def mostly_missing(rows, features, limits=DEFAULT_LIMITS) -> list:
  """Columns missing in more than max_missing_share of the rows."""
  limits, found = _limits(limits), []
  for feature in _present(rows, features if len(rows) else ()):
    missing = float(rows[feature].isna().mean())
    if missing > limits["max_missing_share"]:
      found.append(Finding(MOSTLY_MISSING, feature, (
          f'feature "{_name(feature)}" is missing in {missing:.1%} of its {len(rows):,} rows '
          f"(limit {limits['max_missing_share']:.1%}): the model learns mostly the fill-in "
          "value, and a field this empty is often filled only later or only for some outcomes"),
          {"missing_share": missing, "rows": len(rows)}))
  return found


def label_problems(label, task, limits=DEFAULT_LIMITS) -> list:
  """Classes too rare to learn (classification) and rows without a label."""
  limits, found = _limits(limits), []
  counts = _class_counts(label, task)
  for cls, count in enumerate(counts if counts is not None else []):
    share, total = count / counts.sum(), int(counts.sum())
    if share < limits["rare_class_share"]:
      found.append(Finding(RARE_CLASS, None, (
          f"class {cls} has {count:,} of {total:,} labelled rows ({share:.2%}, limit "
          f"{limits['rare_class_share']:.2%}): too few examples for a model to learn it, and "
          "its metrics are noise"), {"class": cls, "rows": int(count), "share": float(share)}))
  label, known = _known_label(label)
  if not known.all():
    missing, share = int((~known).sum()), float(1 - known.mean())
    found.append(Finding(LABEL_MISSING, None, (
        f"the label is missing in {missing:,} of {len(label):,} rows ({share:.1%}): those rows "
        "cannot be trained on, and a label missing for some outcomes biases the rest"),
        {"rows": missing, "share": share}))
  return found


def too_little_data(label, spans, task, limits=DEFAULT_LIMITS) -> list:
  """Spans and (classification) classes with too few rows. The counts are of
  the arrays given: when the component samples rows for the other checks, it
  passes this one the full training window's labels and span numbers."""
  limits, found = _limits(limits), []
  for span, count in zip(*np.unique(np.asarray(spans), return_counts=True)):
    if count < limits["min_rows_per_span"]:
      found.append(Finding(TOO_LITTLE_DATA, None, (
          f"span {span} has {count:,} rows (limit {limits['min_rows_per_span']:,}): too few to "
          "train or judge a model on; check that its files arrived whole"),
          {"span": int(span), "rows": int(count)}))
  counts = _class_counts(label, task)
  for cls, count in enumerate(counts if counts is not None else []):
    if count < limits["min_rows_per_class"]:
      found.append(Finding(TOO_LITTLE_DATA, None, (
          f"class {cls} has {count:,} labelled rows (limit {limits['min_rows_per_class']:,}): "
          "too few to learn it or to measure how well it is predicted"),
          {"class": cls, "rows": int(count)}))
  return found


def run_all(rows, label, spans, task, features, categorical, outcome_columns,
            limits=DEFAULT_LIMITS) -> list:
  """Every check, findings in the order of CHECKS."""
  features = list(features)
  categorical = [f for f in features if f in set(categorical)]
  found = (target_leakage(rows, label, task, features, categorical, limits)
           + levels_fixing_label(rows, label, task, categorical, limits)
           + outcome_as_input(features, outcome_columns) + leaky_time(rows, spans, features)
           + id_like(rows, features, categorical, limits) + constant(rows, features)
           + mostly_missing(rows, features, limits) + label_problems(label, task, limits)
           + too_little_data(label, spans, task, limits))
  return sorted(found, key=lambda finding: CHECKS.index(finding.check))
