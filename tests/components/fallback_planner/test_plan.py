"""FallbackPlanner's pure logic: what is excluded, what counts as broken."""
from components.fallback_planner import executor
from tests import rows

MODEL_INPUTS = ["fare", "trip_miles", "company", "payment_type"]


def _report(drifted, measures):
  return {"drifted_features": drifted,
          "features": [{"feature": name, "measures": m} for name, m in measures.items()]}


def test_drifted_model_inputs_are_excluded_but_label_sources_kept():
  report = _report(["company", "fare", "trip_start_timestamp"], {})
  found = executor.plan(report, MODEL_INPUTS, keep=["tips", "fare"], broken_share=0.5)
  assert found["excluded_features"] == ["company"]  # not a model input: the timestamp
  assert found["kept_drifted_features"] == ["fare"]
  assert found["broken_inputs"] == {}


def test_inputs_mostly_missing_out_of_range_or_unseen_are_broken():
  report = _report(["company", "trip_miles"], {
      "company": {"new_level_share": 1.0, "missing_current": 0.0},
      "trip_miles": {"minmax_current": 0.97, "missing_current": 0.0},
      "fare": {"minmax_current": 0.2, "missing_current": 0.49},
      "pickup_census_tract": {"missing_current": 0.9},  # not read by the model
  })
  found = executor.plan(report, MODEL_INPUTS, keep=["fare"], broken_share=0.5)
  assert found["broken_inputs"] == {"company": "100% unseen levels",
                                    "trip_miles": "97% outside the training range"}


def test_the_training_schema_lacks_exactly_the_excluded_features():
  schema = rows.schema()
  reduced = executor.without(schema, ["company", "trip_miles"])
  assert {f.name for f in schema.feature} - {f.name for f in reduced.feature} == {
      "company", "trip_miles"}
  assert len(schema.feature) == len(reduced.feature) + 2  # the input is left intact
