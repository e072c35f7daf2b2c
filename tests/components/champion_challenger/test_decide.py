"""The push rule for a fallback model."""
import pytest

from components.champion_challenger.executor import decide

RULE = {"metric": "auc", "threshold": 0.75, "tolerance": 0.0}


def test_an_at_least_as_good_fallback_is_served():
  serve, why = decide(challenger=0.90, champion=0.90, broken_inputs={}, **RULE)
  assert serve and "at least as good" in why


def test_a_worse_fallback_loses_when_the_served_inputs_are_intact():
  serve, why = decide(challenger=0.80, champion=0.93, broken_inputs={}, **RULE)
  assert not serve
  assert "fallback AUC 0.8000 vs served model 0.9300" in why and "served model stays" in why


def test_a_worse_fallback_wins_when_the_served_inputs_are_broken():
  serve, why = decide(challenger=0.80, champion=0.85,
                      broken_inputs={"cat_b": "100% unseen levels"}, **RULE)
  assert serve and "cat_b (100% unseen levels)" in why


@pytest.mark.parametrize("broken", [{}, {"cat_b": "100% unseen levels"}])
def test_a_fallback_below_the_minimum_is_never_served(broken):
  serve, why = decide(challenger=0.70, champion=0.60, broken_inputs=broken, **RULE)
  assert not serve and "does not pass the gate 0.75" in why


def test_without_a_served_model_the_fallback_needs_only_the_minimum():
  assert decide(challenger=0.80, champion=None, broken_inputs={}, **RULE)[0]


def test_a_fallback_with_no_input_left_is_never_served():
  serve, reason = decide(challenger=0.99, champion=0.5, broken_inputs={"a": "x"},
                         metric="auc", threshold=0.5, tolerance=0.0, no_input_left=True)
  assert not serve and "every model input drifted" in reason


def test_an_error_metric_is_better_when_lower():
  rule = {"metric": "mean_absolute_error", "threshold": 10.0, "tolerance": 0.0}
  assert decide(challenger=4.0, champion=5.0, broken_inputs={}, **rule)[0]
  serve, why = decide(challenger=6.0, champion=5.0, broken_inputs={}, **rule)
  assert not serve and "MAE" in why and "the served model stays" in why
  serve, why = decide(challenger=11.0, champion=None, broken_inputs={}, **rule)
  assert not serve and "does not pass the gate 10.0" in why


def test_the_reason_states_the_rows_compared_and_the_differences_interval():
  serve, why = decide(challenger=0.91, champion=0.90, broken_inputs={}, rows=10000.0,
                      interval=(-0.004, 0.024), **RULE)
  assert serve
  assert ("fallback AUC 0.9100 vs served model 0.9000 on 10,000 rows of the new span's eval "
          "split (difference 95% CI [-0.0040, +0.0240])") in why
