"""CompatibilityGuard: refuses to let the Pusher serve a model whose blessing,
schema or Transform graph does not fit the data it will serve."""
from tfx import v1 as tfx
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import component_spec, standard_artifacts

from components.compatibility_guard import executor
from components.contracts.artifacts import CompatibilityVerdict, FallbackPlan

MODEL_KEY = "model"
BLESSING_KEY = "model_blessing"
TRAINED_SCHEMA_KEY = "trained_schema"
TRANSFORM_GRAPH_KEY = "transform_graph"
CURRENT_SCHEMA_KEY = "current_schema"
VERDICT_KEY = "verdict"
FALLBACK_PLAN_KEY = "fallback_plan"


class CompatibilityGuardSpec(component_spec.ComponentSpec):
  PARAMETERS = {}
  INPUTS = {
      # Optional: in a monitoring run without drift nothing was trained; the
      # guard still runs (and refuses), so the Pusher's condition can be read.
      MODEL_KEY: component_spec.ChannelParameter(type=standard_artifacts.Model, optional=True),
      BLESSING_KEY: component_spec.ChannelParameter(type=standard_artifacts.ModelBlessing,
                                                    optional=True),
      TRAINED_SCHEMA_KEY: component_spec.ChannelParameter(type=standard_artifacts.Schema,
                                                          optional=True),
      TRANSFORM_GRAPH_KEY: component_spec.ChannelParameter(
          type=standard_artifacts.TransformGraph, optional=True),
      CURRENT_SCHEMA_KEY: component_spec.ChannelParameter(type=standard_artifacts.Schema),
      # A fallback model's plan: the features it must not read.
      FALLBACK_PLAN_KEY: component_spec.ChannelParameter(type=FallbackPlan, optional=True),
  }
  OUTPUTS = {VERDICT_KEY: component_spec.ChannelParameter(type=CompatibilityVerdict)}


class CompatibilityGuard(base_component.BaseComponent):
  """See README.md. `trained_schema` and `transform_graph` come from the
  candidate's MLMD lineage (pipeline.definition.resolvers.CandidateLineageStrategy)."""
  SPEC_CLASS = CompatibilityGuardSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, *, model, model_blessing, current_schema, trained_schema=None,
               transform_graph=None, fallback_plan=None):
    super().__init__(spec=CompatibilityGuardSpec(
        model=model, model_blessing=model_blessing, trained_schema=trained_schema,
        transform_graph=transform_graph, current_schema=current_schema,
        fallback_plan=fallback_plan,
        verdict=tfx.dsl.Channel(type=CompatibilityVerdict)))
