"""Drift cases for any table: same-distribution splits, and shifts of known
size injected into one column of the held-out half. Columns are chosen by
their data, never by name, so any CSV works (the benchmark and the tests
use them on the configured project's spans and on other data).
"""
import dataclasses
import typing

import pathlib

import numpy as np
import pandas as pd

from components.drift_detector import adhoc

# Injected sizes per kind, as the drift-quality issue lists them.
SIZES = {
    "mean shift (SDs)": (0.1, 0.25, 0.5),
    "scale change (x spread)": (1.1, 1.25, 1.5),
    "share change (points)": (0.03, 0.05, 0.10),
    "new levels (share)": (0.01, 0.03, 0.10),
    "missing up (points)": (0.02, 0.05, 0.10),
    "out of range (share)": (0.02, 0.05, 0.10),
}
NUMERIC_KINDS = ("mean shift (SDs)", "scale change (x spread)", "missing up (points)",
                 "out of range (share)")


def project_spans(settings, spans) -> pd.DataFrame:
  """The rows of the project's spans, without the columns its drift
  settings ignore (every tool compared gets the same columns)."""
  root = pathlib.Path(settings.data_root)
  frame = pd.concat([adhoc.read_table(root / settings.span_folder(s)) for s in spans],
                    ignore_index=True)
  return frame.drop(columns=[c for c in settings.drift_ignored_features if c in frame.columns])


@dataclasses.dataclass(frozen=True)
class Case:
  kind: str  # a key of SIZES, or "same distribution"
  size: float
  seed: int
  column: str  # the injected column (None: nothing injected)
  reference: pd.DataFrame
  current: pd.DataFrame


def halves(frame: pd.DataFrame, seed: int) -> tuple:
  """A random split of the rows into two halves."""
  shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
  middle = len(shuffled) // 2
  return shuffled.iloc[:middle].reset_index(drop=True), shuffled.iloc[middle:].reset_index(drop=True)


# The synthetic table's size: about the bundled training window's.
SYNTHETIC_ROWS = 9600


def synthetic_table(rows: int, seed: int) -> pd.DataFrame:
  """A table of no project: a skewed numeric column (a duration, a price), a
  symmetric one, and a categorical one with a long tail of levels."""
  rng = np.random.default_rng(seed)
  levels = [f"level {i}" for i in range(12)]
  weights = 1.0 / np.arange(1, len(levels) + 1)
  return pd.DataFrame({
      "skewed": rng.lognormal(mean=1.0, sigma=0.8, size=rows),
      "symmetric": rng.normal(50.0, 10.0, size=rows),
      "category": rng.choice(levels, size=rows, p=weights / weights.sum()),
  })


def _numeric(frame):
  return [c for c in frame.columns if frame[c].dtype.kind in "iuf" or str(frame[c].dtype) == "Int64"]


def numeric_column(frame: pd.DataFrame) -> str:
  """The numeric column with the most distinct values (closest to continuous),
  nearly complete, so that every injection applies to it."""
  candidates = [c for c in _numeric(frame) if frame[c].notna().mean() > 0.9]
  return max(candidates, key=lambda c: frame[c].nunique()) if candidates else None


def categorical_column(frame: pd.DataFrame) -> str:
  """The string column with the most levels that still has a second level of
  at least 10% (a share move of 10 points fits) and is not ID-like."""
  def fits(column):
    shares = frame[column].value_counts(normalize=True)
    return 2 <= len(shares) <= len(frame) // 20 and shares.iloc[1] >= 0.1
  candidates = [c for c in frame.columns if frame[c].dtype == object and fits(c)]
  return max(candidates, key=lambda c: frame[c].nunique()) if candidates else None


def _rows(frame, share, rng):
  return rng.random(len(frame)) < share


# Each injector edits `frame` (the current half) in place; `reference` is
# the other half, for shifts defined relative to it.
def _mean_shift(frame, column, size, rng, reference):
  values = frame[column].astype(float)
  frame[column] = values + size * values.std()


def _scale(frame, column, size, rng, reference):
  values = frame[column].astype(float)
  frame[column] = values.median() + (values - values.median()) * size


def _missing(frame, column, size, rng, reference):
  # `size` more of all rows missing: blank that share of the rows not missing yet.
  present = frame[column].notna()
  frame.loc[present & _rows(frame, size / present.mean(), rng), column] = np.nan


def _out_of_range(frame, column, size, rng, reference):
  values = reference[column].astype(float)
  chosen = _rows(frame, size, rng)
  spread = values.std()
  frame[column] = frame[column].astype(float)
  frame.loc[chosen, column] = values.max() + spread * (1.0 + rng.random(chosen.sum()))


def _share_change(frame, column, size, rng, reference):
  """`size` of all rows move from the most common level to the second."""
  first, second = frame[column].value_counts().index[:2]
  is_first = frame[column] == first
  moved = is_first & _rows(frame, size / is_first.mean(), rng)
  frame.loc[moved, column] = second


def _new_levels(frame, column, size, rng, reference):
  chosen = _rows(frame, size, rng)
  frame.loc[chosen, column] = [f"new level {i % 5}" for i in range(chosen.sum())]


_INJECT: typing.Dict[str, typing.Callable] = {
    "mean shift (SDs)": _mean_shift,
    "scale change (x spread)": _scale,
    "missing up (points)": _missing,
    "out of range (share)": _out_of_range,
    "share change (points)": _share_change,
    "new levels (share)": _new_levels,
}


def inject(reference, current, kind, column, size, seed) -> pd.DataFrame:
  """A copy of `current` with shift `kind` of `size` in `column`."""
  rng = np.random.default_rng(seed)
  changed = current.copy()
  _INJECT[kind](changed, column, size, rng, reference)
  return changed


def same_distribution(frame: pd.DataFrame, seeds) -> typing.Iterator[Case]:
  for seed in seeds:
    reference, current = halves(frame, seed)
    yield Case("same distribution", 0.0, seed, None, reference, current)


def injected(frame: pd.DataFrame, seeds, kinds=tuple(SIZES)) -> typing.Iterator[Case]:
  """Every kind that fits the table, at each of its sizes, per seed; the
  reference half is shared by all cases of a seed."""
  columns = {"numeric": numeric_column(frame), "categorical": categorical_column(frame)}
  for seed in seeds:
    reference, current = halves(frame, seed)
    for kind in kinds:
      column = columns["numeric" if kind in NUMERIC_KINDS else "categorical"]
      if column is None:
        continue
      for size in SIZES[kind]:
        yield Case(kind, size, seed, column, reference,
                   inject(reference, current, kind, column, size, seed))
