"""FallbackPlanner logic: which features a fallback model leaves out, and
whether the served model's inputs are broken on the new span. Pure functions
over the drift report's JSON and schema protos; `run` does the file I/O."""
import os

from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.utils import io_utils

from components.contracts import artifacts

_SCHEMA_FILE = "schema.pbtxt"
# Measures of the drift report that say which share of the new values the
# served model cannot use, and those words; the shares of each group add up.
_BROKEN_MEASURES = {"missing": (artifacts.MISSING_SHARE,),
                    "outside the training range": (artifacts.BELOW_MIN_SHARE,
                                                   artifacts.ABOVE_MAX_SHARE),
                    "unseen levels": (artifacts.NEW_LEVEL_SHARE,)}


def plan(report: dict, model_inputs: list, keep: list, broken_share: float) -> dict:
  """Drifted model inputs to exclude (except `keep`: the label is derived
  from them), and model inputs broken in at least `broken_share` of rows."""
  drifted = list(report["drifted_features"])
  excluded = [name for name in drifted if name in model_inputs and name not in keep]
  broken = {}
  for feature in report["features"]:
    if feature["feature"] not in model_inputs:
      continue
    for what, measures in _BROKEN_MEASURES.items():
      share = sum(feature["measures"].get(measure, 0.0) for measure in measures)
      if share >= broken_share:
        broken[feature["feature"]] = f"{share:.0%} {what}"
  return {"excluded_features": excluded,
          "kept_drifted_features": [n for n in drifted if n in keep],
          "broken_inputs": broken,
          # Every input drifted: a model without them would read nothing.
          "no_input_left": bool(model_inputs) and set(model_inputs) <= set(excluded)}


def without(schema: schema_pb2.Schema, excluded: list) -> schema_pb2.Schema:
  """A copy of `schema` without the excluded features: Transform then
  neither parses nor transforms them, so the fallback cannot depend on them."""
  reduced = schema_pb2.Schema()
  reduced.CopyFrom(schema)
  kept = [f for f in schema.feature if f.name not in set(excluded)]
  del reduced.feature[:]
  reduced.feature.extend(kept)
  return reduced


def run(report_dir: str, schema_dir: str, schema_out_dir: str, plan_dir: str,
        model_inputs: list, keep: list, broken_share: float) -> dict:
  report = artifacts.read_drift_report(report_dir)
  found = plan(report, model_inputs, keep, broken_share)
  schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_dir))
  # With no input left the schema stays whole, so that Transform and Trainer
  # still run (TFX cannot skip them here); ChampionChallenger then refuses
  # that model, whatever its AUC, and says why.
  excluded = [] if found["no_input_left"] else found["excluded_features"]
  io_utils.write_pbtxt_file(os.path.join(schema_out_dir, _SCHEMA_FILE), without(schema, excluded))
  artifacts.write_json(os.path.join(plan_dir, artifacts.PLAN_JSON), found)
  return found
