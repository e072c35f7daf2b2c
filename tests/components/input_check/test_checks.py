"""The input check on synthetic files: each kind of bad file is refused with
its name and line, a clean one passes, warnings are counted."""
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from components.input_check import checks, executor

EXPECTED = checks.Expected(columns=frozenset({"a", "b", "c"}), required=("a",),
                           integers=frozenset({"b"}))
CLEAN = b"a,b,c\n1.5,7,x\n2.5,8,y\n"


def _check(content: bytes):
  return checks.check_file("span/f.csv", content.splitlines(keepends=True), EXPECTED)


def test_a_clean_file_passes_with_its_row_count():
  found = _check(CLEAN + b"\n")  # a trailing blank line is no row
  assert found.errors == [] and found.rows == 2 and found.header == ["a", "b", "c"]
  assert found.duplicate_rows == 0 and found.new_columns == []


@pytest.mark.parametrize("content, expected", [
    (b"", "span/f.csv: empty file (0 bytes)"),
    (b"a,b,c\n", "span/f.csv: a header but no data rows"),
    ("a,b,c\n1,2,x\n".encode("utf-16"), "span/f.csv: encoded as UTF-16-LE; save it as UTF-8"),
    (b"\xef\xbb\xbf" + CLEAN, "encoded as UTF-8 with a byte-order mark"),
    (b"a,b,c\n1,2,\x00\x01\x02\n", "span/f.csv, line 2: NUL bytes: binary content"),
    (b"a,b,c\n1,2,caf\xe9\n", "span/f.csv, line 2: not UTF-8 (byte 0xe9, the line's byte 8)"),
    (b"a;b;c\n1;2;x\n", "span/f.csv, line 1: fields are separated by ';', not ','"),
    (b"a\tb\tc\n1\t2\tx\n", "fields are separated by '\\t'"),
    (b"b,c\n2,x\n", "span/f.csv, line 1: the header lacks required column(s) a"),
    (b"a,b,a\n1,2,3\n", "column(s) a appear more than once"),
    (b"a,b,c\n1,2,x\n1,2,x,extra\n1,2\n3,4,z\n",
     "span/f.csv: 2 row(s) do not have the header's 3 fields, first at lines 3 (4 fields), "
     "4 (2 fields)"),
    (b"a,b,c\n1,7,x\n2,8.0,y\n3,9.00,z\n",
     "span/f.csv: column 'b' is INT in the schema but holds 2 integral float(s) such as '8.0' "
     "(first at line 3)"),
])
def test_a_bad_file_is_refused_naming_the_file_and_line(content, expected):
  errors = _check(content).errors
  assert len(errors) == 1 and expected in errors[0], errors


def test_a_fractional_value_in_an_integer_column_is_left_to_schema_validation():
  assert _check(b"a,b,c\n1,7.5,x\n").errors == []


def test_new_columns_and_duplicates_are_counted_not_refused():
  found = _check(b"a,b,c,d\n" + b"1,2,x,9\n" * 100 + b"3,4,y,9\n")
  assert found.errors == [] and found.new_columns == ["d"]
  assert (found.rows, found.duplicate_rows) == (101, 99)
  assert found.duplicate_share == pytest.approx(99 / 101)


def _span(tmp_path, files: dict, new_columns="warn", duplicates="warn"):
  schema = text_format.Parse('feature { name: "a" type: FLOAT presence { min_fraction: 1 } }'
                             'feature { name: "b" type: INT } feature { name: "c" type: BYTES }',
                             schema_pb2.Schema())
  (tmp_path / "schema.pbtxt").write_text(text_format.MessageToString(schema))
  for name, content in files.items():
    (tmp_path / name).write_bytes(content)
  return executor.check_span(str(tmp_path), "*.csv", {
      executor.SCHEMA_FILE: str(tmp_path / "schema.pbtxt"), executor.NEW_COLUMNS: new_columns,
      executor.DUPLICATES: duplicates, executor.DUPLICATE_SHARE: 0.05})


def test_a_span_is_refused_with_every_problem_of_every_file(tmp_path):
  with pytest.raises(executor.InputRefusedError) as refused:
    _span(tmp_path, {"1.csv": CLEAN, "2.csv": b"a,c,b\n1,x,2\n", "3.csv": b""})
  message = str(refused.value)
  assert "nothing was ingested, trained or pushed" in message
  assert f"{tmp_path}/2.csv, line 1: the header differs from {tmp_path}/1.csv's" in message
  assert f"{tmp_path}/3.csv: empty file" in message


def test_settings_decide_whether_new_columns_and_duplicates_warn_or_refuse(tmp_path):
  content = b"a,b,c,d\n" + b"1,2,x,9\n" * 10
  warnings = _span(tmp_path, {"1.csv": content})
  assert [w.split(": ", 1)[1][:40] for w in warnings] == [
      "column(s) d are not in the schema; train", "9 of 10 rows (90%) repeat an earlier row"]
  with pytest.raises(executor.InputRefusedError, match="column\\(s\\) d are not in the schema"):
    _span(tmp_path, {"1.csv": content}, new_columns="refuse")
  with pytest.raises(executor.InputRefusedError, match="9 of 10 rows"):
    _span(tmp_path, {"1.csv": content}, duplicates="refuse")
  (tmp_path / "1.csv").unlink()
  with pytest.raises(executor.InputRefusedError, match="no file matches"):
    _span(tmp_path, {})
