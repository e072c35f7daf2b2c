"""FallbackPlanner: turns a DriftReport into the training schema of a
fallback model, so that the excluded features flow at run time (through MLMD
artifacts) into Transform and Trainer, never through a code edit."""
import json

from tfx import v1 as tfx

from components.contracts import artifacts
from components.contracts.artifacts import DriftReport, FallbackPlan
from components.fallback_planner import executor

# I/O keys (the function's parameter names), read by the pipeline, reports
# and tests.
DRIFT_REPORT_KEY = "drift_report"
SCHEMA_KEY = "schema"
TRAINING_SCHEMA_KEY = "training_schema"
PLAN_KEY = "plan"


@tfx.dsl.components.component
def FallbackPlanner(  # pylint: disable=invalid-name
    drift_report: tfx.dsl.components.InputArtifact[DriftReport],
    schema: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.Schema],
    training_schema: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.Schema],
    plan: tfx.dsl.components.OutputArtifact[FallbackPlan],
    model_inputs: tfx.dsl.components.Parameter[str],
    keep: tfx.dsl.components.Parameter[str],
    broken_share: tfx.dsl.components.Parameter[float],
) -> None:
  """`model_inputs` and `keep` are JSON lists of raw feature names."""
  found = executor.run(drift_report.uri, schema.uri, training_schema.uri, plan.uri,
                       json.loads(model_inputs), json.loads(keep), broken_share)
  plan.set_string_custom_property(artifacts.EXCLUDED_FEATURES, ",".join(found["excluded_features"]))
  plan.set_string_custom_property(artifacts.BROKEN_INPUTS, ",".join(found["broken_inputs"]))
  plan.set_int_custom_property(artifacts.BROKEN, int(bool(found["broken_inputs"])))
  plan.set_int_custom_property(artifacts.DRIFT_REPORT_ID, drift_report.id)
