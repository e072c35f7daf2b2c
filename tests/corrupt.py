"""Corrupted copies of real spans: a string in a numeric column, a dropped column."""
import pandas as pd

from pipeline import configs

BAD_VALUE_COLUMN = "fare"
DROPPED_COLUMN = "trip_miles"


def write_corrupted_span(span: int, out_dir, rows: int = None):
  """Writes out_dir/span-<span>/trips.csv; returns the CSV path."""
  frame = pd.read_csv(configs.DATA_ROOT / f"span-{span}" / "trips.csv", dtype=str,
                      keep_default_na=False)
  if rows:
    frame = frame.head(rows)
  frame.loc[frame.index[3], BAD_VALUE_COLUMN] = "twelve dollars"
  frame = frame.drop(columns=[DROPPED_COLUMN])
  path = out_dir / f"span-{span}" / "trips.csv"
  path.parent.mkdir(parents=True, exist_ok=True)
  frame.to_csv(path, index=False)
  return path
