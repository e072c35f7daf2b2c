"""Drift between any two CSV files or span folders, outside the pipeline.

Statistics come from TFDV's in-memory path (pandas with the pyarrow reader),
about 30x faster than its Beam CSV reader on a 2-core machine.
"""
import io
import os
import pathlib

import pandas as pd
import tensorflow as tf
import tensorflow_data_validation as tfdv

from components.drift_detector import executor, report


class DriftInputError(ValueError):
  """Bad input to the ad-hoc drift check; the message says which and why."""


def _csv_files(location: str) -> list:
  """The file itself, or every *.csv under the folder (any tf.io.gfile path)."""
  if not tf.io.gfile.isdir(location):
    return [location]
  return sorted(os.path.join(folder, name) for folder, _, names in tf.io.gfile.walk(location)
                for name in names if name.endswith(".csv"))


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
      with tf.io.gfile.GFile(path, "rb") as f:  # pyarrow cannot stream from a GFile
        frame = pd.read_csv(io.BytesIO(f.read()), engine="pyarrow")
    except Exception as error:  # pyarrow raises several types for bad CSV
      raise DriftInputError(f"{path}: cannot be read as CSV ({error})") from error
    if frame.empty:
      raise DriftInputError(f"{path}: has no data rows")
    frames.append(frame)
  frame = pd.concat(frames, ignore_index=True)
  for column in frame.columns:
    values = frame[column]
    if values.dtype == object:
      # The pyarrow reader keeps empty strings; TFDV must see them as missing.
      frame[column] = values.where(values != "", None)
    elif values.dtype.kind == "f" and values.isna().any() and (values.dropna() % 1 == 0).all():
      # Integer columns with gaps load as float; large codes (census tracts)
      # then lose digits in TFDV's sketches. Keep them integers.
      frame[column] = values.astype("Int64")
  return frame


def run(baseline: pathlib.Path, current: pathlib.Path, out_dir: pathlib.Path, config: dict,
        stats_options: tfdv.StatsOptions) -> dict:
  """Writes report.json and report.html to out_dir; returns the report."""
  reference, new = read_table(baseline), read_table(current)
  shared = [c for c in reference.columns if c in set(new.columns)]
  if not shared:
    raise DriftInputError(f"{baseline} and {current} share no column")
  reference_stats = tfdv.generate_statistics_from_dataframe(reference[shared], stats_options)
  current_stats = tfdv.generate_statistics_from_dataframe(new[shared], stats_options)
  features, _, _ = executor.analyse(current_stats, [reference_stats], config)
  result = report.build(
      features,
      baseline={"description": f"{baseline} ({len(reference)} rows)", "rows": len(reference)},
      current={"description": f"{current} ({len(new)} rows)", "rows": len(new)},
      thresholds=config["thresholds"], feature_thresholds=config["feature_thresholds"],
      ignored=config["ignored_features"])
  result["unshared_columns"] = sorted(set(reference.columns) ^ set(new.columns))
  out_dir.mkdir(parents=True, exist_ok=True)
  report.write(result, out_dir)
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
