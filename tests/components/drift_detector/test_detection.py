"""Drift detection end to end over real TFDV statistics (in-memory path), on
synthetic data: injected shifts are found and attributed; identical data and
halves of one sample are not flagged; span-like folders are read whole; the
CLI exits as documented. (Drift between the project's own spans is a fact of
its data: see tests/project/.)"""
import json

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from components.contracts import artifacts
from components.drift_detector import adhoc
from pipeline import __main__ as cli
from pipeline.cli import commands
from pipeline.definition import settings as settings_lib

SETTINGS = settings_lib.load()
BUCKETS = SETTINGS.summary_buckets()
ROWS = 5000


def synthetic(rows=ROWS, seed=0) -> pd.DataFrame:
  """Made-up columns of the kinds real spans hold: a skewed positive amount,
  a level with a few common values, a normal measurement, a bounded one."""
  rng = np.random.default_rng(seed)
  return pd.DataFrame({
      "num_a": np.round(rng.lognormal(1.0, 0.8, rows), 2),
      "cat_b": rng.choice(["red", "green", "blue", "grey", "black"], rows,
                          p=[0.4, 0.25, 0.15, 0.15, 0.05]),
      "num_c": np.round(rng.normal(600.0, 200.0, rows), 1),
      "num_d": np.round(rng.normal(41.9, 0.05, rows), 5),
  })


@pytest.fixture(scope="module")
def data():
  return synthetic()


def _detect(tmp_path, baseline: pd.DataFrame, current: pd.DataFrame) -> dict:
  baseline.to_csv(tmp_path / "baseline.csv", index=False)
  current.to_csv(tmp_path / "current.csv", index=False)
  return adhoc.run(tmp_path / "baseline.csv", tmp_path / "current.csv", tmp_path / "report",
                   SETTINGS.drift_config(), **BUCKETS)


def _status(result, feature):
  return next(f for f in result["features"] if f["feature"] == feature)


def test_identical_data_is_not_flagged(tmp_path, data):
  result = _detect(tmp_path, data, data)
  assert result["verdict"] == "no drift" and result["drifted_features"] == []
  assert result["max_psi"] < 1e-6


def test_halves_of_one_sample_are_not_flagged(tmp_path, data):
  shuffled = data.sample(frac=1.0, random_state=0)
  half = len(shuffled) // 2
  result = _detect(tmp_path, shuffled.iloc[:half], shuffled.iloc[half:])
  assert result["drifted_features"] == []


def _every(n, frame):
  return np.arange(len(frame)) % n == 0


@pytest.mark.parametrize("feature,inject,measure", [
    ("num_a", lambda f: f.assign(num_a=f.num_a * 1.8 + 1.0), "psi"),
    ("cat_b", lambda f: f.assign(cat_b=np.where(_every(5, f), "brand new", f.cat_b)),
     "new_level_share"),
    ("num_c", lambda f: f.assign(num_c=f.num_c.where(~_every(4, f))), "missing_increase"),
    ("num_d", lambda f: f.assign(num_d=np.where(_every(10, f), 43.5, f.num_d)),
     "out_of_range_excess"),
])
def test_injected_shift_is_attributed_to_its_feature(tmp_path, data, feature, inject, measure):
  result = _detect(tmp_path, data, inject(data.copy()))
  assert result["verdict"] == "drift"
  assert result["drifted_features"][0] == feature, result["drifted_features"]
  drifted = _status(result, feature)
  limit = SETTINGS.drift_thresholds[{"psi": "psi_drift"}.get(measure, measure)]
  assert drifted["measures"][measure] > limit


def test_folders_of_spans_are_compared_whole_and_reported(tmp_path, data):
  """Baseline: a folder of two span folders (as a training window); current:
  a span folder whose level mix and amounts moved."""
  baseline = tmp_path / "window"
  for part, rows in enumerate(np.array_split(data, 2)):
    (baseline / f"part-{part}").mkdir(parents=True)
    rows.to_csv(baseline / f"part-{part}" / "rows.csv", index=False)
  moved = synthetic(seed=1)
  moved = moved.assign(cat_b=np.where(_every(2, moved), "red", moved.cat_b),
                       num_a=moved.num_a * 1.5)
  (tmp_path / "current").mkdir()
  moved.to_csv(tmp_path / "current" / "rows.csv", index=False)
  result = adhoc.run(baseline, tmp_path / "current", tmp_path / "report",
                     SETTINGS.drift_config(), **BUCKETS)
  assert result["verdict"] == "drift"
  assert {"cat_b", "num_a"} <= set(result["drifted_features"])
  assert not {"num_c", "num_d"} & set(result["drifted_features"])
  assert result["baseline"]["rows"] == len(data) and str(len(data)) in result["baseline"]["description"]
  mix = _status(result, "cat_b")["bins"]
  red = mix["labels"].index("red")
  assert mix["reference"][red] == pytest.approx(0.4, abs=0.03) and mix["current"][red] > 0.6
  written = json.loads((tmp_path / "report" / artifacts.REPORT_JSON).read_text())
  assert written["drifted_features"] == result["drifted_features"]
  html = (tmp_path / "report" / artifacts.REPORT_HTML).read_text()
  assert html.count("data:image/png;base64,") == len(result["drifted_features"]) + len(
      result["warned_features"])


def test_cli_exit_codes_and_errors(tmp_path, data, capsys):
  data.head(300).to_csv(tmp_path / "a.csv", index=False)
  assert cli.main(["drift", "--baseline", str(tmp_path / "a.csv"), "--current",
                   str(tmp_path / "a.csv"), "--output", str(tmp_path / "same")]) == commands.DRIFT_EXIT["ok"]
  assert "verdict: NO DRIFT" in capsys.readouterr().out
  data.assign(num_a=data.num_a * 3).to_csv(tmp_path / "b.csv", index=False)
  assert cli.main(["drift", "--baseline", str(tmp_path / "a.csv"), "--current",
                   str(tmp_path / "b.csv"), "--output", str(tmp_path / "d")]) == commands.DRIFT_EXIT["drift"]
  assert commands.DRIFT_EXIT["drift"] == 3
  (tmp_path / "other.csv").write_text("x,y\n1,2\n")
  (tmp_path / "empty.csv").write_text(",".join(data.columns) + "\n")
  for baseline, current, message in [
      (tmp_path / "missing.csv", tmp_path / "a.csv", "no such file or folder"),
      (tmp_path / "a.csv", tmp_path / "other.csv", "share no column"),
      (tmp_path / "a.csv", tmp_path / "empty.csv", "has no data rows"),
  ]:
    code = cli.main(["drift", "--baseline", str(baseline), "--current", str(current),
                     "--output", str(tmp_path / "out")])
    assert code == commands.DRIFT_EXIT["error"] == 1
    assert message in capsys.readouterr().err


def test_tables_are_read_through_gfile_as_from_a_bucket():
  """read_table takes any tf.io.gfile path: here TensorFlow's in-memory filesystem."""
  tf.io.gfile.makedirs("ram://drift-read/span")
  for name, rows in (("a.csv", "num_a,cat_b\n1,x\n2,\n"), ("b.csv", "num_a,cat_b\n3,y\n")):
    with tf.io.gfile.GFile(f"ram://drift-read/span/{name}", "w") as f:
      f.write(rows)
  frame = adhoc.read_table("ram://drift-read/span")
  assert frame["num_a"].tolist() == [1, 2, 3]
  assert frame["cat_b"].isna().tolist() == [False, True, False]
  with pytest.raises(adhoc.DriftInputError, match="no such file or folder"):
    adhoc.read_table("ram://drift-read/missing")
