"""ServingManifest: after a push, records the new version in the serving
folder's manifest (see executor.py): as the active one, or, with manual
promotion, as a candidate pending approval."""

from tfx import v1 as tfx

from components.contracts import artifacts
from components.contracts.artifacts import FallbackPlan, ServedState
from components.serving_manifest import executor


@tfx.dsl.components.component
def ServingManifest(  # pylint: disable=invalid-name
    pushed_model: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.PushedModel],
    model: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.Model],
    blessing: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.ModelBlessing],
    serving_dir: tfx.dsl.components.Parameter[str],
    promotion: tfx.dsl.components.Parameter[str] = "auto",
    plan: tfx.dsl.components.InputArtifact[FallbackPlan] = None,
    evaluation: tfx.dsl.components.InputArtifact[
        tfx.types.standard_artifacts.ModelEvaluation] = None,
    schema: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.Schema] = None,
    transform_graph: tfx.dsl.components.InputArtifact[
        tfx.types.standard_artifacts.TransformGraph] = None,
    state: tfx.dsl.components.InputArtifact[ServedState] = None,
) -> None:
  """`plan` is set for a fallback model; without it the model is the primary.
  `promotion`: "auto" serves the model, "manual" lists it as pending. The
  model's evaluation, training schema and Transform graph, and (on Vertex
  and KFP) the ServedState that names its training window, are recorded
  by URI, for the next run's ServedState."""
  if not pushed_model.get_int_custom_property(artifacts.PUSHED):
    raise RuntimeError(f"the Pusher did not push model {model.id}; the manifest stays as it was")
  excluded, drift_report_id = [], None
  reason = blessing.get_string_custom_property(artifacts.REASON) or "blessed by the Evaluator"
  if plan:
    excluded = artifacts.read_plan(plan.uri)["excluded_features"]
    drift_report_id = plan.get_int_custom_property(artifacts.DRIFT_REPORT_ID)
  version = pushed_model.get_string_custom_property(artifacts.PUSHED_VERSION)
  baseline = blessing.get_int_custom_property(artifacts.BASELINE_MODEL_ID)
  uris = {"model": model.uri, "evaluation": evaluation.uri if evaluation else None,
          "schema": schema.uri if schema else None,
          "transform_graph": transform_graph.uri if transform_graph else None,
          "spans": artifacts.read_state(state.uri)["window"] if state else []}
  record = executor.with_candidate if promotion == "manual" else executor.build
  executor.write(serving_dir, record(
      executor.read(serving_dir), version=version,
      model_path=pushed_model.get_string_custom_property(artifacts.PUSHED_DESTINATION),
      role="fallback" if plan else "primary", model_id=model.id, excluded_features=excluded,
      reason=reason, drift_report_id=drift_report_id, replaces_model_id=baseline or None,
      artifacts=uris))

