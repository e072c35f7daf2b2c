"""The drift rule on the configured project's default training window (the
sizes the benchmark uses): random halves are never flagged, and each shift
of benchmarks/drift_cases.py is caught, in its column, at the size the
benchmark shows caught at every seed (benchmarks/README.md)."""
import pandas as pd
import pytest

from benchmarks import drift_cases
from components.drift_detector import adhoc
from tests import project_data

SETTINGS = project_data.SETTINGS
# The smallest size of each kind the benchmark caught at 10 of 10 seeds on
# the default window (python -m benchmarks.drift_quality; a fork with other
# data re-reads these off its own run).
CAUGHT_AT = {"mean shift (SDs)": 0.1, "scale change (x spread)": 1.1,
             "share change (points)": 0.05, "new levels (share)": 0.03,
             "missing up (points)": 0.05, "out of range (share)": 0.02}


@pytest.fixture(scope="module")
def window() -> pd.DataFrame:
  return drift_cases.project_spans(SETTINGS, project_data.window_spans())


def _drifted(case) -> list:
  features = adhoc.compare_tables(case.reference, case.current, SETTINGS.drift_config(),
                                  **SETTINGS.summary_buckets())
  return [f.feature for f in features if f.status == "drift"]


def test_random_halves_are_not_flagged(window):
  flagged = {case.seed: _drifted(case) for case in drift_cases.same_distribution(window, range(5))}
  assert not any(flagged.values()), flagged


@pytest.mark.parametrize("kind", sorted(CAUGHT_AT))
def test_each_injected_shift_is_caught_in_its_column(window, kind):
  reference, current = drift_cases.halves(window, seed=1)
  column = (drift_cases.numeric_column(window) if kind in drift_cases.NUMERIC_KINDS
            else drift_cases.categorical_column(window))
  if column is None:
    pytest.skip(f"the project's data has no column for {kind}")
  shifted = drift_cases.inject(reference, current, kind, column, CAUGHT_AT[kind], seed=1)
  assert column in _drifted(drift_cases.Case(kind, CAUGHT_AT[kind], 1, column, reference, shifted))
