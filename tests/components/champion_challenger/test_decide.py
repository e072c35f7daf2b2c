"""The push rule for a fallback model."""
import pytest

from components.champion_challenger.executor import decide

RULE = {"min_auc": 0.75, "tolerance": 0.0}


def test_an_at_least_as_good_fallback_is_served():
  serve, why = decide(challenger_auc=0.90, champion_auc=0.90, broken_inputs={}, **RULE)
  assert serve and "at least as good" in why


def test_a_worse_fallback_loses_when_the_served_inputs_are_intact():
  serve, why = decide(challenger_auc=0.80, champion_auc=0.93, broken_inputs={}, **RULE)
  assert not serve
  assert "fallback AUC 0.8000 vs served model 0.9300" in why and "served model stays" in why


def test_a_worse_fallback_wins_when_the_served_inputs_are_broken():
  serve, why = decide(challenger_auc=0.80, champion_auc=0.85,
                      broken_inputs={"cat_b": "100% unseen levels"}, **RULE)
  assert serve and "cat_b (100% unseen levels)" in why


@pytest.mark.parametrize("broken", [{}, {"cat_b": "100% unseen levels"}])
def test_a_fallback_below_the_minimum_is_never_served(broken):
  serve, why = decide(challenger_auc=0.70, champion_auc=0.60, broken_inputs=broken, **RULE)
  assert not serve and "below the minimum 0.75" in why


def test_without_a_served_model_the_fallback_needs_only_the_minimum():
  assert decide(challenger_auc=0.80, champion_auc=None, broken_inputs={}, **RULE)[0]


def test_a_fallback_with_no_input_left_is_never_served():
  serve, reason = decide(challenger_auc=0.99, champion_auc=0.5, broken_inputs={"a": "x"},
                         min_auc=0.5, tolerance=0.0, no_input_left=True)
  assert not serve and "every model input drifted" in reason
