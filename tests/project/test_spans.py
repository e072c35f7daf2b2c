"""Facts of the bundled spans that the factory's drift tooling must find:
the real drift of 2016 against the default training window 2013-2014 (see
data/README.md). Project tests may name the data's columns and levels."""
import json
import shutil

import pytest

from components.drift_detector import adhoc
from pipeline.definition import settings as settings_lib

SETTINGS = settings_lib.load()
BUCKETS = SETTINGS.summary_buckets()


def _status(result, feature):
  return next(f for f in result["features"] if f["feature"] == feature)


def test_real_taxi_drift_2016_against_2013_2014(tmp_path):
  baseline = tmp_path / "train_window"
  for span in (2013, 2014):
    shutil.copytree(SETTINGS.data_root / SETTINGS.span_folder(span),
                    baseline / SETTINGS.span_folder(span))
  result = adhoc.run(baseline, SETTINGS.data_root / SETTINGS.span_folder(2016),
                     tmp_path / "report", SETTINGS.drift_config(), **BUCKETS)
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


def test_the_default_window_and_the_later_spans_are_bundled():
  assert SETTINGS.default_spans == (2013, 2014)
  for span in range(2013, 2017):
    assert (SETTINGS.data_root / SETTINGS.span_folder(span)).is_dir(), span
