"""The drift rule with the configured project's drift settings: random halves
are never flagged (of the project's training window, and of a synthetic
table), each shift of benchmarks/drift_cases.py is caught in its column at
the size the benchmark shows caught at every seed, and a shift that is statistically clear
but below the threshold is not flagged. The shifts go into a synthetic table
of the bundled window's size (about 4,800 rows per half): how small a shift
can be told from noise depends on the sample size, and a fork's own table
may be small.
"""
import pandas as pd
import pytest

from benchmarks import drift_cases
from components.drift_detector import adhoc
from tests import project_data

SETTINGS = project_data.SETTINGS
# Per kind, the smallest size of drift_cases.SIZES that the benchmark caught
# at 10 of 10 seeds on the synthetic table (python -m benchmarks.drift_quality,
# benchmarks/README.md).
CAUGHT_AT = {"mean shift (SDs)": 0.25, "scale change (x spread)": 1.25,
             "share change (points)": 0.10, "new levels (share)": 0.03,
             "missing up (points)": 0.05, "out of range (share)": 0.02}


def _drifted(case) -> list:
  features = adhoc.compare_tables(case.reference, case.current, SETTINGS.drift_config(),
                                  **SETTINGS.summary_buckets())
  return [f.feature for f in features if f.status == "drift"]


@pytest.fixture(scope="module")
def window() -> pd.DataFrame:
  return drift_cases.project_spans(SETTINGS, project_data.window_spans())


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
  return drift_cases.synthetic_table(drift_cases.SYNTHETIC_ROWS, seed=0)


def test_random_halves_of_the_project_window_are_not_flagged(window):
  flagged = {case.seed: _drifted(case) for case in drift_cases.same_distribution(window, range(5))}
  assert not any(flagged.values()), flagged


def test_random_halves_of_a_synthetic_table_are_not_flagged(table):
  flagged = {case.seed: _drifted(case) for case in drift_cases.same_distribution(table, range(5))}
  assert not any(flagged.values()), flagged


@pytest.mark.parametrize("kind", sorted(CAUGHT_AT))
@pytest.mark.parametrize("seed", [1, 2])
def test_each_injected_shift_is_caught_in_its_column(table, kind, seed):
  reference, current = drift_cases.halves(table, seed=seed)
  column = (drift_cases.numeric_column(table) if kind in drift_cases.NUMERIC_KINDS
            else drift_cases.categorical_column(table))
  shifted = drift_cases.inject(reference, current, kind, column, CAUGHT_AT[kind], seed=seed)
  case = drift_cases.Case(kind, CAUGHT_AT[kind], seed, column, reference, shifted)
  assert _drifted(case) == [column]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_real_shift_below_the_distance_threshold_is_not_flagged(table, seed):
  # A mean shift of 0.1 SD is far beyond noise at this size (its p-value is
  # below the test level) but measures under 0.1 SD inside the reference's
  # central range: real, yet too small to act on at the factory's default
  # distance threshold (a fork may have set its own).
  config = SETTINGS.drift_config()
  config["thresholds"]["distance"] = 0.1
  reference, current = drift_cases.halves(table, seed=seed)
  column = drift_cases.numeric_column(table)
  shifted = drift_cases.inject(reference, current, "mean shift (SDs)", column, 0.1, seed=seed)
  features = adhoc.compare_tables(reference, shifted, config, **SETTINGS.summary_buckets())
  found = next(f for f in features if f.feature == column)
  assert found.p_values["distance"] < SETTINGS.drift_false_alarm_rate / 100
  assert found.measures["distance"] < 0.1
  assert found.status != "drift"
