"""`python -m pipeline init` on synthetic CSVs and on the penguins CSV: the
decisions, the files it writes, and bad input (exit 2, nothing written)."""
import ast
import importlib.util
import math
import pathlib
import shutil

import numpy as np
import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

from pipeline import __main__ as cli
from pipeline.operations import init_decisions as decide
from pipeline.operations import init_project

REPO = pathlib.Path(__file__).resolve().parents[2]
PENGUINS = (pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "penguins"
            / "penguins_processed.csv")
# Its columns, read from its header (a fork made from it has them as its own
# project's columns, which factory tests never spell out): the class, then
# four measurements, the last one a mass.
CLASS, *MEASURES = pd.read_csv(PENGUINS, nrows=0).columns if PENGUINS.exists() else ("",) * 5
MASS = MEASURES[-1]
# A fork made in a temporary folder has no ../shared beside it.
needs_penguins = pytest.mark.skipif(not PENGUINS.exists(), reason=f"no penguins CSV at {PENGUINS}")
# Settings init writes that a project file may not have yet.
GATE_LINES = 'METRIC = "auc"\nMETRIC_THRESHOLD = 0.75\nMAX_METRIC_DROP = 0.01\n'


def make_root(tmp_path) -> pathlib.Path:
  """A copy of the repository's project part, as --root."""
  root = tmp_path / "repo"
  project = root / "pipeline" / "project"
  project.mkdir(parents=True)
  for name in ("features.py", "settings.py"):
    shutil.copy(REPO / "pipeline" / "project" / name, project / name)
  settings = project / "settings.py"
  names = ast.parse(settings.read_text()).body
  if "METRIC" not in {n.targets[0].id for n in names if isinstance(n, ast.Assign)}:
    settings.write_text(settings.read_text() + GATE_LINES)
  (root / "data").mkdir()
  (root / "schema").mkdir()
  # The previous project's own tests: a new project replaces them.
  (root / init_project.PROJECT_TESTS).mkdir(parents=True)
  (root / init_project.PROJECT_TESTS / "__init__.py").write_text("")
  (root / init_project.PROJECT_TESTS / "test_previous.py").write_text("def test_a(): pass\n")
  return root


def load_module(path):
  spec = importlib.util.spec_from_file_location(f"written_{path.stem}", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def snapshot(root) -> dict:
  return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def shop_frame(rows=400, seed=0) -> pd.DataFrame:
  """Columns of every treatment; 'outcome' is a yes/no label, about 30% yes."""
  rng = np.random.default_rng(seed)
  visits = rng.integers(0, 10, rows).astype(float)
  visits[rng.random(rows) < 0.1] = np.nan
  sparse = rng.normal(size=rows)
  sparse[rng.random(rows) < 0.7] = np.nan
  return pd.DataFrame({
      "row_id": np.arange(rows) + 1000,
      "region": rng.choice(["north", "south", "east", "west", "centre"], rows),
      "shop": [f"shop{i}" for i in rng.integers(0, 60, rows)],
      "note": rng.choice(['plain', 'with, comma', 'with "quotes", too'], rows),
      "visits": visits,
      "amount": rng.gamma(2.0, 10.0, rows).round(2),
      "count": rng.integers(0, 200, rows),
      "level": rng.integers(-3, 4, rows),
      "created": rng.integers(1_300_000_000, 1_500_000_000, rows),
      "flag": "x",
      "empty": np.nan,
      "sparse": sparse,
      "outcome": np.where(rng.random(rows) < 0.3, "yes", "no"),
  })


def write_csv(tmp_path, frame, name="input.csv") -> pathlib.Path:
  path = tmp_path / name
  frame.to_csv(path, index=False)
  return path


def test_binary_label_with_a_string_positive_value(tmp_path):
  root, csv = make_root(tmp_path), write_csv(tmp_path, shop_frame())
  settings_before = (root / "pipeline/project/settings.py").read_text()
  summary = init_project.init(csv, "outcome", positive="yes", root=root)
  assert "task: binary (inferred" in summary and "training: 1-2" in summary
  assert summary.endswith("Next: python -m pipeline run   # trains on spans 1-2 and pushes a "
                          "model\nthen: make test")
  features = load_module(root / "pipeline/project/features.py")
  assert (features.TASK, features.LABEL_KEY, features.LABEL_EXPRESSION) == ("binary", "outcome", "")
  assert features.POSITIVE_VALUES == ("yes",) and features.CLASSES == ()
  assert features.LABEL_SOURCE_COLUMNS == ("outcome",) and features.OUTCOME_COLUMNS == ("outcome",)
  assert features.VOCAB_FEATURES == ("region", "shop", "note")
  assert features.CATEGORICAL_INT_FEATURES == {"visits": 11}
  assert features.DENSE_FLOAT_FEATURES == ("amount", "count", "level")
  assert features.TIMESTAMP_FEATURES == ("created",) and features.BUCKET_FEATURES == ()
  settings = load_module(root / "pipeline/project/settings.py")
  assert settings.DEFAULT_SPANS == (1, 2) and settings.SIMULATE_LAST_SPAN == 4
  assert settings.TRAINING_WINDOW_SPANS == 2  # as many as the first training
  assert (settings.METRIC, settings.METRIC_THRESHOLD, settings.MAX_METRIC_DROP) == ("auc", 0.6, 0.01)
  assert settings.SLICE_FEATURES == (("region",), ("note",))
  assert settings.TRAIN_STEPS == 100 and settings.TUNER_TRAIN_STEPS == 50
  assert settings.SPAN_PATTERN == "span-{SPAN}/*.csv"
  # Excluded columns (an ID, a constant, a mostly-missing one) are not monitored.
  assert settings.DRIFT_IGNORED_FEATURES == ("row_id", "flag", "sparse")
  assert "input.csv" in settings.MODEL_CARD_CAVEATS[0] and "outcome" in settings.MODEL_CARD_TITLE
  text = (root / "pipeline/project/settings.py").read_text()
  comments = [line for line in settings_before.splitlines() if line.lstrip().startswith("#")]
  assert all(line in text for line in comments)
  assert all(len(line) < 100 for line in set(text.splitlines()) - set(settings_before.splitlines()))
  # Spans: 4 chunks of 100 rows; integers with gaps stay integers; quoting round-trips.
  spans = sorted(p.name for p in (root / "data/spans").iterdir())
  assert spans == ["span-1", "span-2", "span-3", "span-4"]
  assert "empty" not in pd.read_csv(root / "data/spans/span-1/data.csv").columns
  written = pd.concat(pd.read_csv(root / "data/spans" / s / "data.csv", dtype=str,
                                  keep_default_na=False) for s in spans)
  assert list(written["row_id"]) == [str(i) for i in range(1000, 1400)]
  assert all(v == "" or v.isdigit() for v in written["visits"])
  assert set(written["note"]) == {'plain', 'with, comma', 'with "quotes", too'}
  schema = tfdv.load_schema_text(str(root / "schema/schema.pbtxt"))
  assert tfdv.get_feature(schema, "visits").type == tfdv.get_feature(schema, "row_id").type
  assert tfdv.get_feature(schema, "region").distribution_constraints.min_domain_mass == 0.99
  assert not tfdv.get_feature(schema, "shop").HasField("domain")  # 60 levels: open
  label = tfdv.get_feature(schema, "outcome")
  assert label.presence.min_fraction == 1.0 and not label.HasField("distribution_constraints")
  report = (root / "pipeline/project/init_report.md").read_text()
  for expected in ("| row_id | excluded | ID-like", "| flag | excluded | constant",
                   "| sparse | excluded | ", "| created | TIMESTAMP_FEATURES |",
                   "| visits | CATEGORICAL_INT_FEATURES (size 11) |", "Open domains",
                   "- Positive: yes (given by --positive)", "## How to override",
                   "| 1 | 100 | training |", "| 4 | 100 | new data |", "3:1"):
    assert expected in report, expected
  assert not (root / init_project.STAGING).exists()
  tests = root / init_project.PROJECT_TESTS
  assert sorted(p.name for p in tests.iterdir()) == ["__init__.py"]
  assert "the previous project's tests (test_previous.py)" in summary


def test_binary_without_positive_takes_the_conventional_or_the_minority_value():
  frame = shop_frame()  # outcome: about 30% yes
  p = decide.plan(frame, "input.csv", "outcome")
  assert p.label.positive_values == ("yes",) and "conventional" in p.label.positive_reason
  assert p.label.task_reason == "inferred: outcome has exactly 2 distinct values"
  common = np.arange(len(frame)) % 10 < 7
  for values, positive in ((np.where(common, 1, 0), "1"), (np.where(common, "True", "False"), "True"),
                           (np.where(common, "on time", "late"), "late")):
    p = decide.plan(frame.assign(outcome=values), "input.csv", "outcome")
    assert p.label.positive_values == (positive,), values[:3]
    assert ("minority" in p.label.positive_reason) == (positive == "late")


def test_an_integer_column_of_zeros_and_ones_in_training_is_no_boolean(tmp_path):
  frame = shop_frame()
  frame["rarely_two"] = np.where(np.arange(len(frame)) >= len(frame) - 5, 2,
                                 np.arange(len(frame)) % 2)  # 0/1 in the training spans
  root = make_root(tmp_path)
  init_project.init(write_csv(tmp_path, frame), "outcome", positive="yes", root=root)
  schema = tfdv.load_schema_text(str(root / "schema/schema.pbtxt"))
  assert not tfdv.get_feature(schema, "rarely_two").HasField("bool_domain")


@needs_penguins
def test_multiclass_penguins_in_two_spans(tmp_path):
  root = make_root(tmp_path)
  summary = init_project.init(PENGUINS, CLASS, spans=2, root=root)
  assert "task: multiclass" in summary and "spans: 1 (167 rows), 2 (167 rows)" in summary
  features = load_module(root / "pipeline/project/features.py")
  assert features.TASK == "multiclass" and features.CLASSES == ("0", "1", "2")
  assert features.DENSE_FLOAT_FEATURES == tuple(MEASURES)
  settings = load_module(root / "pipeline/project/settings.py")
  training = pd.read_csv(root / "data/spans/span-1/data.csv")
  assert set(training[CLASS]) == {0, 1, 2}  # the file is sorted by class: shuffled
  majority = training[CLASS].value_counts(normalize=True).max()
  assert settings.METRIC == "sparse_categorical_accuracy"
  assert settings.METRIC_THRESHOLD == pytest.approx(round(majority + 0.02, 4))
  assert settings.DEFAULT_SPANS == (1, 1) and settings.TRAINING_WINDOW_SPANS == 1
  report = (root / "pipeline/project/init_report.md").read_text()
  assert f"sorted by {CLASS}" in report and "| 2 | 120 | 35.9% | class 2 |" in report


@needs_penguins
def test_regression_on_penguins_keeps_the_class_as_a_categorical_input():
  frame = pd.read_csv(PENGUINS)
  p = decide.plan(frame, PENGUINS.name, MASS, spans=2)
  assert p.label.task == "regression" and "non-integer numbers" in p.label.task_reason
  features = init_project.feature_values(p)
  assert features["CATEGORICAL_INT_FEATURES"] == {CLASS: 4}
  # The file is sorted by class: its rows were shuffled before chunking.
  assert any(f"sorted by {CLASS}" in note for note in p.notes)
  training = p.frame[MASS][p.training_mask()]
  baseline = (training - training.median()).abs().mean()
  settings = init_project.settings_values(p)
  assert settings["METRIC"] == "mean_absolute_error"
  assert settings["METRIC_THRESHOLD"] == float(f"{baseline * 0.95:.4g}")
  assert settings["MAX_METRIC_DROP"] == float(f"{settings['METRIC_THRESHOLD'] * 0.05:.4g}")


def test_derived_label_with_a_kept_input(tmp_path):
  rng = np.random.default_rng(1)
  frame = pd.DataFrame({"price": rng.gamma(2.0, 10.0, 300).round(2),
                        "kind": rng.choice(["a", "b"], 300)})
  frame["paid"] = (frame["price"] * rng.uniform(0, 0.4, 300)).round(2)
  root, csv = make_root(tmp_path), write_csv(tmp_path, frame)
  init_project.init(csv, "generous", positive="paid > 0.2 * price", keep_input=["price"],
                    spans=3, root=root)
  features = load_module(root / "pipeline/project/features.py")
  assert (features.TASK, features.LABEL_KEY) == ("binary", "generous")
  assert features.LABEL_EXPRESSION == "paid > 0.2 * price" and features.POSITIVE_VALUES == ()
  assert features.OUTCOME_COLUMNS == ("paid",)
  assert features.LABEL_SOURCE_COLUMNS == ("paid", "price")
  assert features.DENSE_FLOAT_FEATURES == ("price",) and features.VOCAB_FEATURES == ("kind",)
  positives = int((frame["paid"] > 0.2 * frame["price"]).sum())
  report = (root / "pipeline/project/init_report.md").read_text()
  assert f"| True | {positives} | {positives / 300:.1%} | positive |" in report
  assert "| paid | outcome |" in report and "| price | DENSE_FLOAT_FEATURES | --keep-input" in report


def timed_frame(rows, start, seconds, seed=2) -> pd.DataFrame:
  rng = np.random.default_rng(seed)
  times = start + rng.integers(0, seconds, rows)
  return pd.DataFrame({"when": times, "x": rng.normal(size=rows),
                       "y": rng.choice(["p", "q"], rows)})


def test_unix_seconds_by_year_keep_their_time_order():
  frame = timed_frame(450, 1_356_998_400, 3 * 365 * 86400)  # 2013-2015
  frame.loc[5, "when"] = frame.loc[6, "when"]  # a tie keeps the file's order
  frame["row"] = range(len(frame))
  p = decide.plan(frame, "t.csv", "y", time_column="when", span_by="year")
  assert sorted(p.span_counts()) == [2013, 2014, 2015] and p.training == (2013,)
  assert p.frame["when"].is_monotonic_increasing
  ties = p.frame[p.frame["when"] == frame.loc[6, "when"]]["row"].tolist()
  assert ties == sorted(ties)
  assert next(c for c in p.columns if c.name == "when").treatment == "excluded"
  assert all(str(s).startswith(str(2013 + i)) for i, s in enumerate(sorted(p.span_counts())))


def test_date_strings_by_month(tmp_path):
  frame = timed_frame(480, 1_356_998_400, 120 * 86400)  # January to April 2013
  frame["when"] = pd.to_datetime(frame["when"], unit="s").dt.strftime("%Y-%m-%d %H:%M")
  root, csv = make_root(tmp_path), write_csv(tmp_path, frame)
  summary = init_project.init(csv, "y", time_column="when", span_by="month", root=root)
  assert "training: 201301-201302" in summary
  assert sorted(p.name for p in (root / "data/spans").iterdir()) == [
      "span-201301", "span-201302", "span-201303", "span-201304"]
  first = pd.read_csv(root / "data/spans/span-201301/data.csv")
  assert first["when"].is_monotonic_increasing and first["when"].str.startswith("2013-01").all()
  settings = load_module(root / "pipeline/project/settings.py")
  assert settings.DEFAULT_SPANS == (201301, 201302) and settings.CLOUD_SPAN == 201302


def test_day_first_dates_are_read_day_first():
  frame = pd.DataFrame({"when": ["29/03/2020", "03/04/2020", "12/01/2021"], "y": [1.0, 2.0, 3.0]})
  times = decide.parse_times(frame, "when", "t.csv")
  assert [t.strftime("%Y-%m-%d") for t in times] == ["2020-03-29", "2020-04-03", "2021-01-12"]
  frame["when"] = ["03/29/2020", "04/03/2020", "12/01/2021"]  # month first
  times = decide.parse_times(frame, "when", "t.csv")
  assert [t.strftime("%Y-%m-%d") for t in times] == ["2020-03-29", "2020-04-03", "2021-12-01"]


def test_date_text_besides_the_span_column_is_excluded_and_says_why():
  """Dates as a vocabulary would be unseen levels in every later span."""
  rng = np.random.default_rng(0)
  seconds = pd.Series(rng.integers(1_356_998_400, 1_420_000_000, 400))
  times = pd.to_datetime(seconds, unit="s")
  for text in (times.dt.strftime("%Y-%m-%d %H:%M:%S"),  # as many levels as rows
               times.dt.strftime("%d.%m.%Y").where(seconds % 5 > 0),  # 1 in 5 missing
               pd.Series(rng.choice(["2021-01-31", "2021-02-28", "2021-03-31"], 400))):
    column = decide.treat_column(text.rename("seen"))
    assert column.treatment == "excluded" and column.reason.startswith("date/time text"), text[0]
  months = pd.Series(rng.choice(["Jan", "Feb", "Mar"], 400), name="month")
  assert decide.treat_column(months).treatment == "VOCAB_FEATURES"


def test_assignments_are_rewritten_in_place_and_wrapped():
  text = ('"""Doc."""\n# keep me\nA = 1  # trailing\nB = (\n    "x",\n)\n\n'
          'def f():\n  C = 2\n  return C\nC = {}\n')
  values = {"A": ("alpha " * 30).strip(), "B": tuple(f"name_{i}" for i in range(30)),
            "C": {f"key_{i}": i for i in range(12)}}
  result = init_project.rewrite_assignments(text, values, "t.py")
  assert "# keep me" in result and "# trailing" in result and "  C = 2" in result
  assert max(map(len, result.splitlines())) < 100
  module = {}
  exec(compile(result, "t.py", "exec"), module)  # pylint: disable=exec-used
  assert all(module[name] == value for name, value in values.items())
  with pytest.raises(init_project.InitError, match="no top-level assignment to D"):
    init_project.rewrite_assignments(text, {"D": 1}, "t.py")


def _bad_cases(tmp_path):
  """(arguments, words the message must hold) per bad input."""
  good = write_csv(tmp_path, shop_frame())
  constant = write_csv(tmp_path, shop_frame().assign(outcome="no"), "constant.csv")
  times = timed_frame(300, 1_356_998_400, 365 * 86400)
  times["when"] = pd.to_datetime(times["when"], unit="s").dt.strftime("%Y-%m-%d")
  times.loc[41, "when"] = "soon"
  dates = write_csv(tmp_path, times, "dates.csv")
  return {
      "missing file": ([str(tmp_path / "nope.csv"), "outcome"], ["nope.csv", "no such file"]),
      "missing label": ([good, "result"], ["--label result", "its columns are", "outcome"]),
      "constant label": ([constant, "outcome"], ["outcome", "one value", "choose another"]),
      "too few rows": ([good, "outcome", "--spans", "5"], ["span 1", "80 rows", "fewer --spans"]),
      "bad time value": ([dates, "y", "--time-column", "when"], ["line 43", "'soon'", "when"]),
      "drop": ([good, "outcome", "--drop", "colour"], ["--drop colour", "no such column"]),
      "keep input": ([good, "won", "--positive", "amount > 10", "--keep-input", "colour"],
                     ["--keep-input colour", "no such column"]),
      "time column": ([good, "outcome", "--time-column", "colour"],
                      ["--time-column colour", "no such column"]),
      "positive value": ([good, "outcome", "--positive", "maybe"],
                         ["--positive maybe", "not a value of label outcome", "no, yes"]),
      "bad expression": ([good, "won", "--positive", "amount > open('x')"],
                         ["not a valid label expression", "Call is not allowed"]),
      "expression column": ([good, "won", "--positive", "amount > price"],
                            ["price", "no such column"]),
  }


CASES = ["missing file", "missing label", "constant label", "too few rows", "bad time value",
         "drop", "keep input", "time column", "positive value", "bad expression",
         "expression column"]


@pytest.mark.parametrize("case", CASES + ["existing project"])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, case):
  root = make_root(tmp_path)
  if case == "existing project":
    (root / "data/spans/span-7").mkdir(parents=True)
    arguments, words = [write_csv(tmp_path, shop_frame()), "outcome"], [
        "already holds a project (1 span folder in", "span-7", "--force"]
  else:
    arguments, words = _bad_cases(tmp_path)[case]
  before = snapshot(root)
  code = cli.main(["init", "--csv", str(arguments[0]), "--label", *map(str, arguments[1:]),
                   "--root", str(root)])
  error = capsys.readouterr().err
  assert code == 2 and error.startswith("error: ") and "Traceback" not in error
  assert error.count("\n") == 1, error
  for word in words:
    assert word in error, (word, error)
  assert snapshot(root) == before


def test_train_steps_follow_the_training_rows():
  p = decide.plan(shop_frame(rows=8000), "many.csv", "outcome")
  assert init_project.settings_values(p)["TRAIN_STEPS"] == math.ceil(0.75 * 4000 * 3 / 64)
