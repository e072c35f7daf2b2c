"""Bad new spans, fed to `monitor` on a copy of the shared run's output (real
CLI, LocalDagRunner, MLMD): each is refused with exit code 2 and a message
that names the file (and line) or the feature, or, for what is not an error
(a new column, duplicated rows, outliers), goes through with a warning or a
drift finding. Either way the serving folder and its manifest stay as they
were. Columns are chosen from the configured project's schema."""
import random
import shutil

import numpy as np
import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from components.contracts import artifacts as contract
from pipeline import __main__ as cli
from tests import project_data

SETTINGS = project_data.SETTINGS
LAST = project_data.window()[1]
ROWS = 300


def _rows():
  return project_data.read_span(LAST).head(ROWS).copy()


def _text(frame) -> str:
  return frame.to_csv(index=False)


def _label_sources():
  return [c for c in SETTINGS.label_source_columns if project_data.required(c)]


def _integer_column():
  found = [f.name for f in project_data.schema().feature if f.type == schema_pb2.INT]
  return found[0] if found else None


def _with(frame, column, values):
  frame[column] = values
  return frame


def _extra_fields(frame):
  lines = _text(frame).splitlines()
  for i in (4, 9):
    lines[i] += ",surplus"
  return "\n".join(lines) + "\n"


def _integral_floats(frame):
  column = _integer_column()
  values = [f"{v}.0" if v else v for v in frame[column]]
  values[2] = ""  # a gap: why pandas writes the column as floats
  return _text(_with(frame, column, values))


def _random_bytes():
  generator = random.Random(5)
  return bytes(generator.randrange(256) for _ in range(4000))


# name: (file content from the span's first ROWS rows, exit code, what the
# output must say; {file} is the span file's name, {column} the column used).
CASES = {
    "header only": (lambda f: _text(f.head(0)), 2, ["{file}: a header but no data rows"]),
    "empty file": (lambda f: "", 2, ["{file}: empty file (0 bytes)"]),
    "UTF-16": (lambda f: _text(f).encode("utf-16"), 2, ["{file}: encoded as UTF-16-LE"]),
    "UTF-8 with BOM": (lambda f: b"\xef\xbb\xbf" + _text(f).encode(), 2,
                       ["{file}: encoded as UTF-8 with a byte-order mark"]),
    "Latin-1": (lambda f: (_text(f) + ",".join(["caf\xe9"] * len(f.columns)) + "\n").encode("latin-1"),
                2, ["{file}, line {rows_plus_2}: not UTF-8 (byte 0xe9"]),
    "random bytes": (lambda f: _random_bytes(), 2, ["{file}, line 1: "]),
    "semicolons": (lambda f: f.to_csv(index=False, sep=";"), 2,
                   ["{file}, line 1: fields are separated by ';'"]),
    "extra fields": (_extra_fields, 2, ["{file}: 2 row(s) do not have the header's",
                                        "first at lines 5 ("]),
    "required column missing": (lambda f: _text(f.drop(columns=[project_data.dropped_column()])), 2,
                                ["{file}, line 1: the header lacks required column(s) {column}"]),
    "integral floats": (_integral_floats, 2,
                        ["{file}: column '{column}' is INT in the schema but holds", ".astype('Int64')"]),
    "text in a numeric column": (
        lambda f: _text(_with(f, project_data.bad_value_column(), project_data.BAD_VALUE)), 2,
        ["feature '{column}': Unexpected data type"]),
    "all-empty label": (lambda f: _text(_with(f, _label_sources()[0], "")), 2,
                        ["feature '{column}'"]),
    "all-empty feature": (lambda f: _text(_with(f, project_data.dropped_column(), "")), 2,
                          ["feature '{column}'"]),
    "new column": (lambda f: _text(_with(f, "column_not_in_schema", "1")), 0,
                   ["Input check warning: {file}: column(s) column_not_in_schema are not in the schema"]),
    "rows duplicated x100": (lambda f: _text(f.head(3).loc[f.index[:3].repeat(100)]), 0,
                             ["Input check warning: {file}: 297 of 300 rows (99%) repeat an earlier row"]),
}
COLUMN_OF = {"required column missing": project_data.dropped_column,
             "integral floats": _integer_column,
             "text in a numeric column": project_data.bad_value_column,
             "all-empty label": lambda: _label_sources()[0],
             "all-empty feature": project_data.dropped_column}


@pytest.fixture(scope="module")
def monitored(first_run, tmp_path_factory):
  """A copy of the shared run's output; each case monitors its own new span
  in it (policy alert: a run that goes through trains nothing)."""
  root = tmp_path_factory.mktemp("bad_input")
  shutil.copytree(first_run.paths.output_dir, root / "output")
  spans = iter(range(LAST + 100, LAST + 200))

  def monitor(content, capture, *options):
    span = next(spans)
    path = project_data.write_span(root / "spans", span, _rows().head(0), like_span=LAST)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = _serving(root / "output")
    code = cli.main(["monitor", "--span", str(span), "--window", f"{span}-{span}",
                     "--data-root", str(root / "spans"), "--output-dir", str(root / "output"),
                     "--policy", "alert", *options])
    printed = capture.readouterr()
    assert _serving(root / "output") == before
    return code, printed.out + printed.err, path
  return monitor


def _serving(output_dir):
  folder = output_dir / "serving"
  return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                for p in folder.rglob("*"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_a_clear_answer_and_the_served_model_stays(case, monitored, capsys):
  make, expected_code, expected = CASES[case]
  column = COLUMN_OF.get(case, lambda: "")()
  if column is None or (case == "all-empty label" and not _label_sources()):
    pytest.skip(f"the project has no column for {case!r}")
  rows = _rows()  # a small span may have fewer than ROWS rows
  code, printed, path = monitored(make(rows), capsys)
  assert code == expected_code, printed[-3000:]
  for text in expected:
    assert text.format(file=path, column=column, rows_plus_2=len(rows) + 2) in printed, printed[-3000:]
  if expected_code == 2:
    assert "nothing was" in printed


def test_outliers_are_no_validation_error_but_out_of_range_drift(monitored, capfd):
  """In multi-process mode, with the terminal's file descriptors captured:
  what Beam's worker processes print stays out of it too."""
  floats = project_data.inputs_of_type(schema_pb2.FLOAT)
  if not floats:
    pytest.skip("the project has no FLOAT model input")
  column, frame = floats[0], _rows()
  values = project_data.numeric(frame[column])
  frame[column] = (values * 1e6 + 1e9).map(lambda v: "" if np.isnan(v) else repr(float(v)))
  code, printed, _ = monitored(_text(frame), capfd, "--workers", "2")
  for noise in ("Traceback", "Unable to register", "RuntimeWarning", "FutureWarning"):
    assert noise not in printed, printed
  assert code == 0 and "Drift of the new span against the served model's training data: drift" in printed
  report_dir = printed.split("  report: ")[1].split("\n")[0].rsplit("/", 1)[0]
  feature = next(f for f in contract.read_drift_report(report_dir)["features"] if f["feature"] == column)
  assert feature["status"] == "drift"
  assert feature["measures"]["out_of_range_excess"] > 0.9
