"""Drift detection quality, side by side with Evidently's DataDriftPreset
(defaults) on the same cases:

- false alarms: random same-distribution splits of the project's default
  training window, of a second table, and of a synthetic table
  (drift_cases.synthetic_table: the tests inject into it);
- power: shifts of known size injected into one column of the held-out
  half (benchmarks/drift_cases.py), the share of seeds where that column is
  flagged;
- a real shift: the default training window against the last span the
  replay (`simulate`) reaches.

Ours is the ad-hoc check's code path (summaries as TFDV's statistics give
them, the DriftDetector's rule) with the project's drift settings; columns
the settings ignore are dropped for both tools.

Usage: python -m benchmarks.drift_quality [--splits 20] [--seeds 10]
           [--extra CSV] [--readme]
"""
import argparse
import collections
import json
import pathlib
import subprocess
import tempfile
import time


from benchmarks import drift_cases, evidently_env
from components.drift_detector import adhoc, summaries
from pipeline.definition import settings as settings_lib

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_EXTRA = REPO.parent / "shared" / "data" / "penguins" / "penguins_processed.csv"
README = REPO / "benchmarks" / "README.md"
MARKERS = ("<!-- drift_quality: begin -->", "<!-- drift_quality: end -->")


def datasets(settings, extra: pathlib.Path) -> dict:
  first, last = settings.default_spans
  tables = {f"spans {first}-{last}": drift_cases.project_spans(settings, range(first, last + 1))}
  if extra.exists():
    tables[extra.stem] = adhoc.read_table(extra)
  tables["synthetic"] = drift_cases.synthetic_table(drift_cases.SYNTHETIC_ROWS, seed=0)
  return tables


class Ours:
  """The DriftDetector's verdicts, with each reference's summaries computed once."""

  def __init__(self, settings):
    self.config, self.buckets = settings.drift_config(), settings.summary_buckets()
    self._references = {}

  def drifted(self, key, case) -> list:
    if key not in self._references:
      self._references[key] = summaries.from_table(case.reference, **self.buckets)
    features = adhoc.compare_tables(case.reference, case.current, self.config, **self.buckets,
                                    reference_summaries=self._references[key])
    return [f.feature for f in features if f.status == "drift"]


def evidently(cases: dict) -> dict:
  """Evidently's verdict of every case, in one run of its venv."""
  with tempfile.TemporaryDirectory() as folder:
    for name, case in cases.items():
      case.reference.to_csv(f"{folder}/{name}.reference.csv", index=False)
      case.current.to_csv(f"{folder}/{name}.current.csv", index=False)
    done = subprocess.run(evidently_env.command("pairs", folder), capture_output=True, text=True,
                          check=True)
  results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
  return {r["case"]: r for r in results}


def evaluate(settings, tables: dict, splits: int, seeds: int):
  cases, keys = {}, {}
  for index, (dataset, frame) in enumerate(tables.items()):
    for case in drift_cases.same_distribution(frame, range(splits)):
      cases[f"d{index}-fa-{case.seed}"] = case
    for n, case in enumerate(drift_cases.injected(frame, range(1000, 1000 + seeds))):
      cases[f"d{index}-inj-{n}"] = case
    for name in cases:
      keys.setdefault(name, dataset)
  first, last = settings.default_spans
  newest = settings.simulate_last_span
  real = drift_cases.Case("real shift", 0.0, 0, None, tables[f"spans {first}-{last}"],
                          drift_cases.project_spans(settings, [newest]))
  cases["real"], keys["real"] = real, f"spans {first}-{last} against span {newest}"
  ours = Ours(settings)
  start = time.monotonic()
  # Cases of one seed share their reference object: its summaries once.
  verdicts = {name: ours.drifted(id(case.reference), case) for name, case in cases.items()}
  ours_seconds = time.monotonic() - start
  start = time.monotonic()
  theirs = evidently(cases)
  theirs_seconds = time.monotonic() - start
  return cases, keys, verdicts, theirs, (ours_seconds, theirs_seconds)


def _share(hits, total) -> str:
  return f"{hits}/{total}"


def tables_markdown(cases, keys, ours, theirs, seconds) -> str:
  lines = ["### False alarms (any column flagged; Evidently also by its dataset-drift rule)", "",
           "| data | rows per half | splits | ours | Evidently: any column | Evidently: dataset drift |",
           "|---|---|---|---|---|---|"]
  by_dataset = collections.defaultdict(list)
  for name, case in cases.items():
    if case.kind == "same distribution":
      by_dataset[keys[name]].append(name)
  for dataset, names in by_dataset.items():
    rows = len(cases[names[0]].current)
    lines.append(
        f"| {dataset} | {rows:,} | {len(names)} | {_share(sum(bool(ours[n]) for n in names), len(names))} "
        f"| {_share(sum(bool(theirs[n]['drifted_columns']) for n in names), len(names))} "
        f"| {_share(sum(bool(theirs[n]['dataset_drift']) for n in names), len(names))} |")
  lines += ["", "### Power (the injected column flagged, share of seeds)", "",
            "| data | injected into | shift | size | ours | Evidently |", "|---|---|---|---|---|---|"]
  groups = collections.defaultdict(list)
  for name, case in cases.items():
    if case.column:
      groups[(keys[name], case.column, case.kind, case.size)].append(name)
  for (dataset, column, kind, size), names in groups.items():
    caught = sum(column in ours[n] for n in names)
    theirs_caught = sum(column in theirs[n]["drifted_columns"] for n in names)
    lines.append(f"| {dataset} | {column} | {kind} | {size:g} | {_share(caught, len(names))} "
                 f"| {_share(theirs_caught, len(names))} |")
  real = cases["real"]
  lines += ["", f"### Real shift: {keys['real']} ({len(real.reference):,} against "
                f"{len(real.current):,} rows)", "",
            f"- ours: {', '.join(sorted(ours['real'])) or 'nothing'}",
            f"- Evidently: {', '.join(sorted(theirs['real']['drifted_columns'])) or 'nothing'}"
            f" (dataset drift: {theirs['real']['dataset_drift']})",
            "", f"Wall time over all {len(cases)} cases: ours {seconds[0]:.0f} s in process; "
                f"Evidently {seconds[1]:.0f} s (its venv's start-up and CSV reads included)."]
  return "\n".join(lines)


def write_readme(text: str) -> None:
  begin, end = MARKERS
  readme = README.read_text()
  head, _, rest = readme.partition(begin)
  _, _, tail = rest.partition(end)
  README.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--splits", type=int, default=20, help="same-distribution splits per table")
  parser.add_argument("--seeds", type=int, default=10, help="seeds per injected shift and size")
  parser.add_argument("--extra", type=pathlib.Path, default=DEFAULT_EXTRA,
                      help="a second table (CSV) for false alarms and power")
  parser.add_argument("--readme", action="store_true", help=f"write the tables into {README}")
  args = parser.parse_args()
  settings = settings_lib.load()
  text = tables_markdown(*evaluate(settings, datasets(settings, args.extra), args.splits,
                                   args.seeds))
  print(text)
  if args.readme:
    write_readme(text)


if __name__ == "__main__":
  main()
