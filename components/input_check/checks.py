"""What can be wrong with a CSV file before ExampleGen reads it, found in one
streaming pass (memory: one 8-byte hash per row, for duplicates). Pure:
bytes in, findings out; each finding names the file and, where it applies,
the line or the column, and says what to do."""
import csv
import dataclasses
import hashlib
import itertools
import re

# Byte-order marks, longest first (UTF-32-LE starts with UTF-16-LE's).
_BOMS = ((b"\xef\xbb\xbf", "UTF-8 with a byte-order mark"), (b"\xff\xfe\x00\x00", "UTF-32-LE"),
         (b"\x00\x00\xfe\xff", "UTF-32-BE"), (b"\xff\xfe", "UTF-16-LE"), (b"\xfe\xff", "UTF-16-BE"))
_OTHER_DELIMITERS = (";", "\t", "|")
_INTEGRAL_FLOAT = re.compile(r"[-+]?\d+\.0*")
# Offending line numbers named per finding: enough to find the pattern.
LINES_NAMED = 5


@dataclasses.dataclass(frozen=True)
class Expected:
  """What the schema says of the columns."""
  columns: frozenset  # every schema column
  required: tuple  # columns every file must have (presence 100%)
  integers: frozenset  # INT columns


@dataclasses.dataclass
class FileFindings:
  path: str
  header: list = None
  rows: int = 0
  duplicate_rows: int = 0
  errors: list = dataclasses.field(default_factory=list)  # refuse the file
  new_columns: list = dataclasses.field(default_factory=list)  # not in the schema

  @property
  def duplicate_share(self) -> float:
    return self.duplicate_rows / self.rows if self.rows else 0.0


class _Unreadable(Exception):
  """The rest of the file cannot be read as CSV text; the message says why."""


def _lines(path, raw_lines):
  """Decoded lines; raises _Unreadable at the first binary or non-UTF-8 one."""
  for number, raw in enumerate(raw_lines, start=1):
    if b"\x00" in raw:
      raise _Unreadable(f"{path}, line {number}: NUL bytes: binary content, or UTF-16/32 text "
                        "without a byte-order mark; the pipeline reads UTF-8 CSV text files")
    try:
      yield raw.decode("utf-8")
    except UnicodeDecodeError as error:
      raise _Unreadable(
          f"{path}, line {number}: not UTF-8 (byte 0x{raw[error.start]:02x}, the line's byte "
          f"{error.start + 1}); save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)") from None


def _encoding_problem(path, first: bytes):
  if not first:
    return f"{path}: empty file (0 bytes); a span file needs a header line and data rows"
  for bom, name in _BOMS:
    if first.startswith(bom):
      return (f"{path}: encoded as {name}; save it as UTF-8 without a byte-order mark "
              "(e.g. iconv -f UTF-16 -t UTF-8, or Excel's \"CSV UTF-8\" without BOM)")
  return None


def _header_problems(path, header, expected) -> list:
  if len(header) == 1 and any(d in header[0] for d in _OTHER_DELIMITERS):
    delimiter = max(_OTHER_DELIMITERS, key=header[0].count)
    return [f"{path}, line 1: fields are separated by {delimiter!r}, not ','; re-save it "
            f"comma-separated (e.g. pandas.read_csv(path, sep={delimiter!r}).to_csv(path, "
            "index=False))"]
  problems = []
  repeated = sorted({c for c in header if header.count(c) > 1})
  if repeated:
    problems.append(f"{path}, line 1: column(s) {', '.join(repeated)} appear more than once")
  missing = [c for c in expected.required if c not in header]
  if missing:
    problems.append(f"{path}, line 1: the header lacks required column(s) {', '.join(missing)} "
                    "(the schema requires them in every row)")
  return problems


def check_file(path: str, raw_lines, expected: Expected) -> FileFindings:
  """Checks one CSV file, given as an iterator of its raw lines (bytes)."""
  findings = FileFindings(path)
  raw_lines = iter(raw_lines)
  first = next(raw_lines, b"")
  problem = _encoding_problem(path, first)
  if problem:
    findings.errors.append(problem)
    return findings
  reader = csv.reader(_lines(path, itertools.chain([first], raw_lines)))
  wrong_width, integral_floats, seen = [], {}, set()
  try:
    findings.header = next(reader)
    findings.errors += _header_problems(path, findings.header, expected)
    if findings.errors:
      return findings
    findings.new_columns = [c for c in findings.header if c not in expected.columns]
    integer_at = [(i, c) for i, c in enumerate(findings.header) if c in expected.integers]
    for row in reader:
      if not row:
        continue  # a blank line
      findings.rows += 1
      if len(row) != len(findings.header):
        wrong_width.append((reader.line_num, len(row)))
        continue
      for i, column in integer_at:
        if "." in row[i] and _INTEGRAL_FLOAT.fullmatch(row[i].strip()):
          integral_floats.setdefault(column, [reader.line_num, row[i], 0])[2] += 1
      digest = hashlib.blake2b("\x1f".join(row).encode(), digest_size=8).digest()
      if digest in seen:
        findings.duplicate_rows += 1
      seen.add(digest)
  except _Unreadable as error:
    findings.errors.append(str(error))
    return findings
  except csv.Error as error:
    findings.errors.append(f"{path}, line {reader.line_num}: not readable as CSV ({error})")
    return findings
  if not findings.rows:
    findings.errors.append(f"{path}: a header but no data rows")
  if wrong_width:
    lines = ", ".join(f"{line} ({width} fields)" for line, width in wrong_width[:LINES_NAMED])
    findings.errors.append(
        f"{path}: {len(wrong_width)} row(s) do not have the header's {len(findings.header)} fields, "
        f"first at lines {lines}; quote fields that contain ',' and check for truncated rows")
  for column, (line, value, count) in sorted(integral_floats.items()):
    findings.errors.append(
        f"{path}: column '{column}' is INT in the schema but holds {count} integral float(s) "
        f"such as {value!r} (first at line {line}), as pandas writes integers with gaps; write "
        f"them as integers (e.g. df['{column}'] = df['{column}'].astype('Int64') before to_csv)")
  return findings
