"""The guardrail checks on synthetic tables: a clean table of each task gives
no finding at all, and each planted problem is found and named."""
import json

import numpy as np
import pandas as pd
import pytest

from components.guardrails import checks

TASKS = ("binary", "multiclass", "regression")
ROWS = 3000
NUMERIC = ["n1", "n2", "n3", "n4"]
CATEGORICAL = ["c1", "c2"]


def _clean(task: str, seed: int = 0):
  """A table with moderate, real signal: 2 spans in order, 4 numeric and 2
  categorical features, a few missing values; its label and span numbers."""
  rng = np.random.default_rng(seed)
  rows = pd.DataFrame({name: rng.normal(size=ROWS) for name in NUMERIC})
  rows["c1"] = rng.choice(list("ABC"), size=ROWS).astype(object)
  rows["c2"] = rng.choice(list("PQRSTUVW"), size=ROWS, p=[.3, .2, .1, .1, .1, .1, .05, .05])
  rows["c2"] = rows["c2"].astype(object)
  rows.loc[rng.random(ROWS) < 0.02, "n2"] = np.nan
  rows.loc[rng.random(ROWS) < 0.02, "c2"] = None
  effect1 = rows["c1"].map({"A": -0.6, "B": 0.0, "C": 0.6}).to_numpy()
  effect2 = rows["c2"].map({"P": 0.4, "Q": -0.4}).fillna(0).to_numpy()
  weights = np.array([1.0, 0.9, 0.8, 0.8])
  signal = rows[NUMERIC].fillna(0).to_numpy() @ weights * 1.2 + effect1 + effect2
  spans = np.repeat([1, 2], ROWS // 2)
  if task == "binary":
    label = (signal + rng.logistic(size=ROWS) > 0.4).astype(int)
  elif task == "multiclass":
    scores = np.stack([signal, -signal, rows["n3"].fillna(0).to_numpy() * 0.8], axis=1)
    label = (scores + rng.gumbel(size=(ROWS, 3))).argmax(axis=1)
  else:
    label = signal + rng.normal(scale=1.0, size=ROWS)
  return rows, label, spans


def _run(rows, label, spans, task, outcome_columns=()):
  features = [c for c in rows.columns]
  categorical = [c for c in features if rows[c].dtype == object]
  return checks.run_all(rows, label, spans, task, features, categorical, list(outcome_columns))


def _named(found):
  return {(f.check, f.feature) for f in found}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("task", TASKS)
def test_a_clean_table_gives_no_finding(task, seed):
  rows, label, spans = _clean(task, seed)
  assert _run(rows, label, spans, task) == []


def test_the_clean_table_has_moderate_signal():
  rows, label, _ = _clean("binary")
  for name in NUMERIC:
    known = rows[name].notna().to_numpy()
    auc = checks._auc(label[known] == 1, rows[name].to_numpy()[known])
    assert 0.6 < auc < 0.8, (name, auc)


@pytest.mark.parametrize("task", TASKS)
def test_a_noisy_copy_of_the_label_is_target_leakage(task):
  rows, label, spans = _clean(task)
  rng = np.random.default_rng(1)
  if task == "regression":
    rows["leak"] = label + rng.normal(scale=0.05 * label.std(), size=ROWS)
  else:
    flip = rng.random(ROWS) < 0.01
    classes = label.max() + 1
    rows["leak"] = np.where(flip, (label + 1) % classes, label).astype(float)
  found = _run(rows, label, spans, task)
  assert _named(found) == {(checks.TARGET_LEAKAGE, "leak")}, [f.message for f in found]
  assert found[0].figures["score"] >= 0.95
  assert 'feature "leak" alone predicts the label' in found[0].message


def test_an_id_column_is_id_like_and_leaky_time_but_not_target_leakage():
  rows, label, spans = _clean("binary")
  rows["row_id"] = np.arange(100_000, 100_000 + ROWS, dtype=float)
  found = _run(rows, label, spans, "binary")
  assert _named(found) == {(checks.ID_LIKE, "row_id"), (checks.LEAKY_TIME, "row_id")}
  assert checks.target_leakage(rows, label, "binary", ["row_id"], []) == []
  # a string ID, too: its levels are pooled, not memorized
  rows["row_id"] = [f"k{i:06d}" for i in np.random.default_rng(2).permutation(ROWS)]
  assert _named(_run(rows, label, spans, "binary")) == {(checks.ID_LIKE, "row_id")}


def test_an_id_is_not_target_leakage_even_when_in_sample_it_would_be():
  rows, label, _ = _clean("regression")
  ids = pd.DataFrame({"key": [f"k{i}" for i in range(ROWS)]})
  assert checks.target_leakage(ids, label, "regression", ["key"], ["key"]) == []
  ids = pd.DataFrame({"key": np.arange(ROWS, dtype=float)})
  assert checks.target_leakage(ids, label, "regression", ["key"], ["key"]) == []


def test_a_level_that_fixes_the_label_is_named_with_its_numbers():
  rows, label, spans = _clean("binary")
  z = np.random.default_rng(3).random(ROWS) < 0.3
  rows.loc[z, "c1"] = "Z"
  label = np.where(z, 0, label)
  found = [f for f in _run(rows, label, spans, "binary") if f.check == checks.LEVEL_FIXES_LABEL]
  assert [(f.feature, f.figures["level"]) for f in found] == [("c1", "Z")]
  figures, message = found[0].figures, found[0].message
  assert figures["class"] == 0 and figures["class_share"] == 1.0
  assert figures["level_rows"] == z.sum() and figures["positive_rate"] == 0.0
  assert figures["level_share"] == pytest.approx(z.mean())
  assert message.startswith(f'feature "c1" level "Z" fixes the label: 100.0% of its '
                            f"{z.sum():,} rows ({z.mean():.1%} of all rows) are class 0 "
                            f"(overall {(label == 0).mean():.1%})")


def test_a_pure_level_of_a_near_universal_class_is_not_reported():
  rows, _, spans = _clean("binary")
  label = (np.random.default_rng(4).random(ROWS) < 0.03).astype(int)
  assert checks.levels_fixing_label(rows, label, "binary", CATEGORICAL) == []
  assert checks.levels_fixing_label(rows, label, "regression", CATEGORICAL) == []


def test_a_multiclass_level_that_fixes_the_label():
  rows, label, spans = _clean("multiclass")
  rows.loc[rows["c2"] == "Q", "c2"] = "R"  # a level under 1% of rows is not reported
  rows.loc[:19, "c2"] = "Q"
  z = rows["c1"] == "B"
  label = np.where(z, 2, label)
  label[:19] = 1
  found = checks.levels_fixing_label(rows, label, "multiclass", CATEGORICAL)
  assert [(f.feature, f.figures["level"], f.figures["class"]) for f in found] == [("c1", "B", 2)]


def test_a_unix_timestamp_is_leaky_time():
  rows, label, spans = _clean("regression")
  rng = np.random.default_rng(5)
  rows["seconds"] = rng.uniform(1.6e9, 1.7e9, size=ROWS)
  rows["millis"] = rng.uniform(1.6e12, 1.7e12, size=ROWS)
  found = _run(rows, label, spans, "regression")
  assert _named(found) == {(checks.LEAKY_TIME, "seconds"), (checks.LEAKY_TIME, "millis")}
  assert [f.figures["unit"] for f in found] == ["seconds", "milliseconds"]
  assert "it identifies when a row was recorded" in found[0].message


def test_a_value_that_moves_forward_with_the_spans_is_leaky_time():
  rows, label, spans = _clean("binary")
  rng = np.random.default_rng(6)
  rows["age_days"] = rng.uniform(0, 10, size=ROWS) + 20 * (spans - 1)
  found = checks.leaky_time(rows, spans, NUMERIC + ["age_days"])
  assert [(f.feature, f.figures["reason"]) for f in found] == [("age_days", "moves_with_spans")]
  assert checks.leaky_time(rows, np.ones(ROWS, int), ["age_days"]) == []


def test_an_outcome_column_among_the_inputs():
  rows, label, spans = _clean("binary")
  rows["paid"] = np.random.default_rng(7).normal(size=ROWS)
  found = _run(rows, label, spans, "binary", outcome_columns=["paid", "not_an_input"])
  assert _named(found) == {(checks.OUTCOME_AS_INPUT, "paid")}


def test_constant_and_mostly_missing_columns():
  rows, label, spans = _clean("multiclass")
  rng = np.random.default_rng(8)
  rows["same"] = 5.0
  rows["empty"] = np.nan
  rows["sparse"] = np.where(rng.random(ROWS) < 0.7, np.nan, rng.normal(size=ROWS))
  found = _run(rows, label, spans, "multiclass")
  assert _named(found) == {(checks.CONSTANT, "same"), (checks.CONSTANT, "empty"),
                           (checks.MOSTLY_MISSING, "empty"), (checks.MOSTLY_MISSING, "sparse")}
  assert 'feature "same" has one value ("5")' in found[0].message


def test_a_rare_class_and_missing_labels():
  rows, label, spans = _clean("multiclass")
  rng = np.random.default_rng(9)
  label = label.astype(float)
  label[label == 2] = 1
  label[rng.choice(ROWS, 15, replace=False)] = 2  # 0.5%
  label[rng.random(ROWS) < 0.05] = np.nan
  found = checks.label_problems(label, "multiclass")
  assert [f.check for f in found] == [checks.RARE_CLASS, checks.LABEL_MISSING]
  assert found[0].figures["class"] == 2 and "class 2 has" in found[0].message
  assert found[1].figures["share"] == pytest.approx(np.isnan(label).mean())
  assert checks.label_problems(rng.normal(size=ROWS), "regression") == []


def test_too_little_data_in_a_span_or_a_class():
  _, label, _ = _clean("binary")
  spans = np.repeat([1, 2, 3], [1500, 1440, 60])
  found = checks.too_little_data(label, spans, "binary")
  assert [(f.check, f.figures) for f in found] == [
      (checks.TOO_LITTLE_DATA, {"span": 3, "rows": 60})]
  label[np.flatnonzero(label == 1)[10:]] = 0
  found = checks.too_little_data(label, spans, "binary", {"min_rows_per_span": 50})
  assert [f.figures for f in found] == [{"class": 1, "rows": 10}]


def test_findings_are_one_line_json_and_name_their_feature():
  rows, label, spans = _clean("binary")
  rows["leak"] = label.astype(float)
  rows["id"] = np.arange(ROWS, dtype=float)
  rows["same"] = "x"
  rows.loc[label == 0, "c1"] = "Z"
  label = label.astype(float)
  label[:10] = np.nan
  found = _run(rows, label, spans, "binary", outcome_columns=["leak"])
  assert {f.check for f in found} >= {checks.TARGET_LEAKAGE, checks.OUTCOME_AS_INPUT,
                                      checks.ID_LIKE, checks.LEAKY_TIME, checks.CONSTANT,
                                      checks.LABEL_MISSING, checks.LEVEL_FIXES_LABEL}
  for finding in found:
    assert finding.check in checks.CHECKS and "\n" not in finding.message
    if finding.feature:
      assert f'feature "{finding.feature}"' in finding.message
    assert json.loads(json.dumps(finding.to_dict())) == finding.to_dict()
