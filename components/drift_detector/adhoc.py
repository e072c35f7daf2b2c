"""Drift between any two CSV files or span folders, outside the pipeline.

The summaries are computed exactly from the tables (pandas with the pyarrow
reader), as TFDV's statistics with the project's bucket counts would give
them, and judged by the DriftDetector's own rule. Files are read through
tf.io.gfile, so gs:// works as local paths do.
"""
import io
import os

import pandas as pd
import tensorflow as tf

from components.contracts import files as artifact_files
from components.drift_detector import drift, report, summaries


class DriftInputError(ValueError):
  """Bad input to the ad-hoc drift check; the message says which and why."""


def _csv_files(location: str) -> list:
  """The file itself, or every *.csv under the folder (symlinked folders too)."""
  if not tf.io.gfile.isdir(location):
    return [location]
  return sorted(os.path.join(folder, name) for folder, _, names in tf.io.gfile.walk(location)
                for name in names if name.endswith(".csv"))


def _read_csv(path: str) -> pd.DataFrame:
  with artifact_files.open_file(path, "rb") as f:  # pyarrow cannot stream from a GFile
    return pd.read_csv(io.BytesIO(f.read()), engine="pyarrow")


def read_table(location) -> pd.DataFrame:
  """A CSV file, or every *.csv under a folder (e.g. a span folder); local
  paths and gs:// alike."""
  location = str(location)
  if not tf.io.gfile.exists(location):
    raise DriftInputError(f"{location}: no such file or folder")
  files = _csv_files(location)
  if not files:
    raise DriftInputError(f"{location}: folder holds no .csv file")
  frames = []
  for path in files:
    try:
      frame = _read_csv(path)
    except Exception as error:  # pyarrow raises several types for bad CSV
      raise DriftInputError(f"{path}: cannot be read as CSV ({error})") from error
    if frame.empty:
      raise DriftInputError(f"{path}: has no data rows")
    frames.append(frame)
  frame = pd.concat(frames, ignore_index=True)
  for column in frame.columns:
    values = frame[column]
    if values.dtype == object:
      # The pyarrow reader keeps empty strings; they are missing values.
      frame[column] = values.where(values != "", None)
    elif values.dtype.kind == "f" and values.isna().any() and (values.dropna() % 1 == 0).all():
      # Integer columns with gaps load as float: keep them integers, as the
      # pipeline's schema has them.
      frame[column] = values.astype("Int64")
  return frame


def compare_tables(reference: pd.DataFrame, current: pd.DataFrame, config: dict, *,
                   quantile_buckets: int, rank_buckets: int, reference_summaries=None) -> list:
  """FeatureDrift of every shared column (`reference_summaries`: the
  reference's, when already computed)."""
  shared = [c for c in reference.columns if c in set(current.columns)]
  if reference_summaries is None:
    reference_summaries = summaries.from_table(reference[shared], quantile_buckets, rank_buckets)
  return drift.compare(reference_summaries,
                       summaries.from_table(current[shared], quantile_buckets, rank_buckets),
                       config)


def run(baseline, current, out_dir, config: dict, *,
        quantile_buckets: int, rank_buckets: int) -> dict:
  """Writes report.json and report.html to out_dir; returns the report."""
  reference, new = read_table(baseline), read_table(current)
  if not set(reference.columns) & set(new.columns):
    raise DriftInputError(f"{baseline} and {current} share no column")
  features = compare_tables(reference, new, config, quantile_buckets=quantile_buckets,
                            rank_buckets=rank_buckets)
  result = report.build(
      features,
      baseline={"description": f"{baseline} ({len(reference)} rows)", "rows": len(reference)},
      current={"description": f"{current} ({len(new)} rows)", "rows": len(new)},
      thresholds=config["thresholds"], feature_thresholds=config["feature_thresholds"],
      ignored=config["ignored_features"])
  result["unshared_columns"] = sorted(set(reference.columns) ^ set(new.columns))
  report.write(result, str(out_dir))
  return result


def verdict_table(result: dict) -> str:
  """One line per feature: PSI, the distribution change (numeric: reference
  SDs moved; categorical: largest level-share change) and the smallest p-value."""
  lines = [f"verdict: {result['verdict'].upper()}",
           f"{'feature':<26}{'status':<8}{'PSI':>7}{'change':>8}{'min p':>9}  reasons"]
  for feature in result["features"]:
    m = feature["measures"]
    change = m.get("distance", m.get("share_shift", float("nan")))
    smallest = min(feature["p_values"].values(), default=float("nan"))
    lines.append(f"{feature['feature']:<26}{feature['status']:<8}{m.get('psi', float('nan')):>7.3f}"
                 f"{change:>8.3f}{smallest:>9.1e}  " + "; ".join(feature["reasons"]))
  return "\n".join(lines)
