"""Real taxi rows from the bundled CSV spans, typed by the curated schema."""
import csv

import tensorflow_data_validation as tfdv

from pipeline import configs, serving


def schema():
  return tfdv.load_schema_text(str(configs.SCHEMA_PATH))


def read_rows(span: int, count: int) -> list:
  """The first `count` rows of a span as {column: raw string}."""
  with open(configs.DATA_ROOT / f"span-{span}" / "trips.csv", newline="") as f:
    return [row for _, row in zip(range(count), csv.DictReader(f))]


def typed(row: dict) -> dict:
  return serving.typed_row(row, schema())


def to_example(row: dict) -> bytes:
  return serving.to_example(row, schema())
