"""DriftDetector: compares the newest span with the served model's training
data and writes a DriftReport artifact (JSON, HTML, MLMD properties)."""
import json

from tfx import v1 as tfx
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import component_spec, standard_artifacts

from components.contracts.artifacts import DriftReport, ServedState
from components.drift_detector import executor

# I/O keys, shared by the spec, the executor and the tests.
CURRENT_STATISTICS_KEY = "current_statistics"
CURRENT_EXAMPLES_KEY = "current_examples"
BASELINE_STATISTICS_KEY = "baseline_statistics"
BASELINE_EXAMPLES_KEY = "baseline_examples"
MODEL_KEY = "model"
EVALUATION_KEY = "evaluation"
SERVED_STATE_KEY = "served_state"  # instead of the four above, on Vertex and KFP
DRIFT_REPORT_KEY = "drift_report"
CONFIG_KEY = "config"


class DriftDetectorSpec(component_spec.ComponentSpec):
  PARAMETERS = {CONFIG_KEY: component_spec.ExecutionParameter(type=str)}
  INPUTS = {
      CURRENT_STATISTICS_KEY: component_spec.ChannelParameter(type=standard_artifacts.ExampleStatistics),
      CURRENT_EXAMPLES_KEY: component_spec.ChannelParameter(type=standard_artifacts.Examples),
      BASELINE_STATISTICS_KEY: component_spec.ChannelParameter(
          type=standard_artifacts.ExampleStatistics, optional=True),
      BASELINE_EXAMPLES_KEY: component_spec.ChannelParameter(
          type=standard_artifacts.Examples, optional=True),
      MODEL_KEY: component_spec.ChannelParameter(type=standard_artifacts.Model, optional=True),
      EVALUATION_KEY: component_spec.ChannelParameter(
          type=standard_artifacts.ModelEvaluation, optional=True),
      SERVED_STATE_KEY: component_spec.ChannelParameter(type=ServedState, optional=True),
  }
  OUTPUTS = {DRIFT_REPORT_KEY: component_spec.ChannelParameter(type=DriftReport)}


class DriftDetector(base_component.BaseComponent):
  """See README.md. `config` holds thresholds and label settings (JSON-able)."""
  SPEC_CLASS = DriftDetectorSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, *, current_statistics, current_examples, config: dict,
               baseline_statistics=None, baseline_examples=None, model=None, evaluation=None,
               served_state=None):
    super().__init__(spec=DriftDetectorSpec(
        current_statistics=current_statistics, current_examples=current_examples,
        baseline_statistics=baseline_statistics,
        baseline_examples=baseline_examples, model=model, evaluation=evaluation,
        served_state=served_state,
        config=json.dumps(config, sort_keys=True),
        drift_report=tfx.dsl.Channel(type=DriftReport)))
