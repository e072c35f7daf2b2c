"""Rebuilds data/spans/ from the raw Chicago taxi sample, one span per year.

Usage: python data/build_spans.py [--raw ../shared/data/chicago_taxi/data.csv]

Why one span per year: the sample holds 833 to 5,145 trips a year, so a
quarter of 2016 would hold about 200 rows, too few for stable drift figures
(10-bin PSI) or a meaningful evaluation. A yearly span also matches how the
drift in this data shows up (payment mix, fare, companies change year on
year). The span number is the year, so `--spans 2013-2014` reads naturally.
"""
import argparse
import datetime
import pathlib

import pandas as pd

# TODO(step 1): Split your raw data into span folders (or copy your CSV files
# into data/spans/span-N/ by hand) and point DATA_ROOT in
# pipeline/project/settings.py at them.
HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_RAW = HERE.parent.parent / "shared" / "data" / "chicago_taxi" / "data.csv"
# pickup_census_tract holds one value in 15,002 rows: it carries no signal
# and an all-empty column has no type that CSV inference could give it.
DROPPED_COLUMNS = ["pickup_census_tract"]


def build(raw_csv: pathlib.Path, out_dir: pathlib.Path) -> dict:
  """Writes out_dir/span-<year>/trips.csv; returns {year: row count}."""
  frame = pd.read_csv(raw_csv).drop(columns=DROPPED_COLUMNS)
  # Integer columns with gaps load as float ("6.0"); write them back as
  # integers so CSV type inference sees community areas as INT, as they are.
  for name in ["pickup_community_area", "dropoff_community_area",
               "dropoff_census_tract", "trip_seconds"]:
    frame[name] = frame[name].astype("Int64")
  years = frame["trip_start_timestamp"].map(
      lambda ts: datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).year)
  counts = {}
  # Rows keep their time order inside a span so reruns are byte-identical.
  frame = frame.assign(_year=years).sort_values(
      ["trip_start_timestamp"], kind="stable")
  for year, rows in frame.groupby("_year"):
    span_dir = out_dir / f"span-{year}"
    span_dir.mkdir(parents=True, exist_ok=True)
    rows.drop(columns="_year").to_csv(span_dir / "trips.csv", index=False)
    counts[int(year)] = len(rows)
  return counts


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--raw", type=pathlib.Path, default=DEFAULT_RAW)
  parser.add_argument("--out", type=pathlib.Path, default=HERE / "spans")
  args = parser.parse_args()
  for year, count in build(args.raw, args.out).items():
    print(f"span {year}: {count} rows")


if __name__ == "__main__":
  main()
