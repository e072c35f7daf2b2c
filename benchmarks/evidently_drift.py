"""Evidently's DataDriftPreset on CSV pairs, with its defaults: what a user
of Evidently gets. Runs in Evidently's own venv (see evidently_env.py), so it
imports nothing of this project.

Usage:
  evidently_drift.py pairs DIR    every DIR/<case>.reference.csv with its
                                  <case>.current.csv; one JSON line per case
  evidently_drift.py files REFERENCE CURRENT    one pair, one JSON line
"""
import json
import pathlib
import sys
import time

import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def drift(reference: pd.DataFrame, current: pd.DataFrame) -> dict:
  snapshot = Report([DataDriftPreset()]).run(reference_data=reference, current_data=current)
  drifted, dataset_drift = [], None
  for metric in snapshot.dict()["metrics"]:
    config = metric["config"]
    if config["type"].endswith("DriftedColumnsCount"):
      dataset_drift = metric["value"]["share"] >= config["drift_share"]
    elif config["type"].endswith("ValueDrift"):
      # Statistical tests decide on a p-value below the threshold; distances
      # (Wasserstein, Jensen-Shannon, used from 1,000 rows) at or above it.
      value, threshold = metric["value"], config["threshold"]
      if (value < threshold) if "p_value" in config["method"] else (value >= threshold):
        drifted.append(config["column"])
  return {"dataset_drift": dataset_drift, "drifted_columns": drifted}


def _timed(reference_path, current_path) -> dict:
  start = time.monotonic()
  result = drift(pd.read_csv(reference_path), pd.read_csv(current_path))
  return {**result, "seconds": time.monotonic() - start}


def main(argv) -> None:
  if argv[0] == "pairs":
    for reference in sorted(pathlib.Path(argv[1]).glob("*.reference.csv")):
      case = reference.name[:-len(".reference.csv")]
      result = _timed(reference, reference.with_name(f"{case}.current.csv"))
      print(json.dumps({"case": case, **result}), flush=True)
  else:
    print(json.dumps(_timed(argv[1], argv[2])), flush=True)


if __name__ == "__main__":
  main(sys.argv[1:])
