"""Regenerates schema/schema.pbtxt, the curated schema the pipeline imports.

Usage: python schema/build_schema.py [--spans 2013 2014]  (default: DEFAULT_SPANS)

The schema is inferred by TFDV from the training spans, then curated by the
rules below. It is imported (ImportSchemaGen) rather than re-inferred on each
run: a schema inferred from corrupt data would describe the corruption and
ExampleValidator would find nothing wrong.
"""
import argparse
import pathlib
import tempfile

import pandas as pd

import tensorflow_data_validation as tfdv

HERE = pathlib.Path(__file__).resolve().parent
# TODO(step 2): Curate the inferred schema for your columns: which string
# columns may gain new levels (open domains), how much unseen mass is allowed.
# Levels seen in training cover all but a sliver of later payment types;
# rarer new levels (e.g. "Prcard") must not stop a run.
PAYMENT_TYPE_MIN_DOMAIN_MASS = 0.99
# Taxi companies come and go every year (3.1% of 2016 trips); new companies
# are tracked as drift, not treated as invalid data.
OPEN_DOMAIN_FEATURES = ["company"]


def curated_schema(csv_paths):
  with tempfile.TemporaryDirectory() as tmp:
    # The CSV path (not a DataFrame) infers column types the way CsvExampleGen
    # does: an integer column with gaps stays INT.
    merged = pathlib.Path(tmp) / "train.csv"
    pd.concat(pd.read_csv(p, dtype=str) for p in csv_paths).to_csv(merged, index=False)
    stats = tfdv.generate_statistics_from_csv(str(merged))
  # Without fixed shapes every feature parses as optional, so a serving
  # request that lacks a feature is still answered (missing -> default).
  schema = tfdv.infer_schema(stats, infer_feature_shape=False)
  for feature in schema.feature:
    # CsvExampleGen turns an empty CSV cell into an empty value list, so an
    # optional column must accept zero values per row.
    if feature.presence.min_fraction < 1.0:
      feature.value_count.ClearField("min")
  for name in OPEN_DOMAIN_FEATURES:
    feature = tfdv.get_feature(schema, name)
    feature.ClearField("domain")
    kept = [d for d in schema.string_domain if d.name != name]
    del schema.string_domain[:]
    schema.string_domain.extend(kept)
  tfdv.get_feature(schema, "payment_type").distribution_constraints.min_domain_mass = (
      PAYMENT_TYPE_MIN_DOMAIN_MASS)
  return schema


def main():
  from pipeline.definition import settings as settings_lib  # pylint: disable=import-outside-toplevel
  settings = settings_lib.load()
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--spans", nargs="+", type=int,
                      default=list(range(settings.default_spans[0], settings.default_spans[1] + 1)))
  args = parser.parse_args()
  paths = [path for span in args.spans
           for path in sorted(pathlib.Path(settings.data_root).glob(settings.span_glob(span)))]
  tfdv.write_schema_text(curated_schema(paths), str(settings.schema_path))
  print(f"wrote {settings.schema_path} from spans {args.spans}")


if __name__ == "__main__":
  main()
