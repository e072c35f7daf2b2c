"""Drift detection end to end over real TFDV statistics (in-memory path):
injected shifts are found and attributed; identical data is not flagged;
the real taxi drift of 2016 is found; the CLI exits as documented."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from components.drift_detector import adhoc
from pipeline import __main__ as cli
from pipeline import configs

OPTIONS = tfdv.StatsOptions(num_quantiles_histogram_buckets=configs.STATS_QUANTILE_BUCKETS,
                            num_rank_histogram_buckets=configs.STATS_RANK_BUCKETS)


@pytest.fixture(scope="module")
def span_2014():
  return pd.read_csv(configs.DATA_ROOT / "span-2014" / "trips.csv")


def _detect(tmp_path, baseline: pd.DataFrame, current: pd.DataFrame) -> dict:
  baseline.to_csv(tmp_path / "baseline.csv", index=False)
  current.to_csv(tmp_path / "current.csv", index=False)
  return adhoc.run(tmp_path / "baseline.csv", tmp_path / "current.csv", tmp_path / "report",
                   configs.drift_config(), OPTIONS)


def _status(result, feature):
  return next(f for f in result["features"] if f["feature"] == feature)


def test_identical_data_is_not_flagged(tmp_path, span_2014):
  result = _detect(tmp_path, span_2014, span_2014)
  assert result["verdict"] == "no drift" and result["drifted_features"] == []
  assert result["max_psi"] < 1e-6


def test_halves_of_one_span_are_not_flagged(tmp_path, span_2014):
  shuffled = span_2014.sample(frac=1.0, random_state=0)
  half = len(shuffled) // 2
  result = _detect(tmp_path, shuffled.iloc[:half], shuffled.iloc[half:])
  assert result["drifted_features"] == []


@pytest.mark.parametrize("feature,inject,measure", [
    ("trip_miles", lambda f: f.assign(trip_miles=f.trip_miles * 1.8 + 1.0), "psi"),
    ("company", lambda f: f.assign(company=np.where(np.arange(len(f)) % 5 == 0, "Brand New Cab Co",
                                                    f.company)), "new_level_share"),
    ("trip_seconds", lambda f: f.assign(trip_seconds=f.trip_seconds.where(np.arange(len(f)) % 4 != 0)),
     "missing_increase"),
    ("pickup_latitude", lambda f: f.assign(pickup_latitude=np.where(
        np.arange(len(f)) % 10 == 0, 43.5, f.pickup_latitude)), "out_of_range_excess"),
])
def test_injected_shift_is_attributed_to_its_feature(tmp_path, span_2014, feature, inject, measure):
  result = _detect(tmp_path, span_2014, inject(span_2014.copy()))
  assert result["verdict"] == "drift"
  assert result["drifted_features"][0] == feature, result["drifted_features"]
  drifted = _status(result, feature)
  limit = configs.DRIFT_THRESHOLDS[{"psi": "psi_drift"}.get(measure, measure)]
  assert drifted["measures"][measure] > limit


def test_real_taxi_drift_2016_against_2013_2014(tmp_path):
  baseline = tmp_path / "train_window"
  for span in (2013, 2014):
    shutil.copytree(configs.DATA_ROOT / f"span-{span}", baseline / f"span-{span}")
  result = adhoc.run(baseline, configs.DATA_ROOT / "span-2016", tmp_path / "report",
                     configs.drift_config(), OPTIONS)
  assert result["verdict"] == "drift"
  assert {"payment_type", "fare", "company"} <= set(result["drifted_features"])
  company = _status(result, "company")["measures"]
  assert company["new_level_share"] == pytest.approx(0.031, abs=0.01)  # 3.1% per data README
  payment = _status(result, "payment_type")["bins"]
  card = payment["labels"].index("Credit Card")
  assert payment["reference"][card] < 0.32 and payment["current"][card] > 0.40
  written = json.loads((tmp_path / "report" / "report.json").read_text())
  assert written["drifted_features"] == result["drifted_features"]
  html = (tmp_path / "report" / "report.html").read_text()
  assert html.count("data:image/png;base64,") == len(result["drifted_features"]) + len(
      result["warned_features"])


def test_cli_exit_codes_and_errors(tmp_path, span_2014, capsys):
  span_2014.head(300).to_csv(tmp_path / "a.csv", index=False)
  assert cli.main(["drift", "--baseline", str(tmp_path / "a.csv"), "--current",
                   str(tmp_path / "a.csv"), "--output", str(tmp_path / "same")]) == 0
  assert "verdict: NO DRIFT" in capsys.readouterr().out
  assert cli.main(["drift", "--baseline", str(configs.DATA_ROOT / "span-2014"), "--current",
                   str(configs.DATA_ROOT / "span-2016"), "--output", str(tmp_path / "d")]) == 3
  (tmp_path / "other.csv").write_text("x,y\n1,2\n")
  (tmp_path / "empty.csv").write_text(",".join(span_2014.columns) + "\n")
  for baseline, current, message in [
      (tmp_path / "missing.csv", tmp_path / "a.csv", "no such file or folder"),
      (tmp_path / "a.csv", tmp_path / "other.csv", "share no column"),
      (tmp_path / "a.csv", tmp_path / "empty.csv", "has no data rows"),
  ]:
    code = cli.main(["drift", "--baseline", str(baseline), "--current", str(current),
                     "--output", str(tmp_path / "out")])
    assert code == 1
    assert message in capsys.readouterr().err
