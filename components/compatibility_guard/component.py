"""CompatibilityGuard: refuses to let the Pusher serve a model whose blessing,
schema or Transform graph does not fit the data it will serve."""
import json

from tfx import v1 as tfx
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import artifact, component_spec, standard_artifacts

from components.compatibility_guard import executor

MODEL_KEY = "model"
BLESSING_KEY = "model_blessing"
TRAINED_SCHEMA_KEY = "trained_schema"
TRANSFORM_GRAPH_KEY = "transform_graph"
CURRENT_SCHEMA_KEY = "current_schema"
VERDICT_KEY = "verdict"
EXCLUDED_FEATURES_KEY = "excluded_features"


class CompatibilityVerdict(artifact.Artifact):
  """Custom properties: compatible (0/1), reason, model_id."""
  TYPE_NAME = "model_factory.CompatibilityVerdict"


class CompatibilityGuardSpec(component_spec.ComponentSpec):
  PARAMETERS = {EXCLUDED_FEATURES_KEY: component_spec.ExecutionParameter(type=str)}
  INPUTS = {
      MODEL_KEY: component_spec.ChannelParameter(type=standard_artifacts.Model),
      BLESSING_KEY: component_spec.ChannelParameter(type=standard_artifacts.ModelBlessing),
      TRAINED_SCHEMA_KEY: component_spec.ChannelParameter(type=standard_artifacts.Schema,
                                                          optional=True),
      TRANSFORM_GRAPH_KEY: component_spec.ChannelParameter(
          type=standard_artifacts.TransformGraph, optional=True),
      CURRENT_SCHEMA_KEY: component_spec.ChannelParameter(type=standard_artifacts.Schema),
  }
  OUTPUTS = {VERDICT_KEY: component_spec.ChannelParameter(type=CompatibilityVerdict)}


class CompatibilityGuard(base_component.BaseComponent):
  """See README.md. `trained_schema` and `transform_graph` come from the
  candidate's MLMD lineage (pipeline.resolvers.CandidateLineageStrategy)."""
  SPEC_CLASS = CompatibilityGuardSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, *, model, model_blessing, current_schema, trained_schema=None,
               transform_graph=None, excluded_features=()):
    super().__init__(spec=CompatibilityGuardSpec(
        model=model, model_blessing=model_blessing, trained_schema=trained_schema,
        transform_graph=transform_graph, current_schema=current_schema,
        excluded_features=json.dumps(sorted(excluded_features)),
        verdict=tfx.dsl.Channel(type=CompatibilityVerdict)))
