"""Guardrails: checks the training window before anything trains (target
leakage, leaky time, ID-like, constant and mostly-missing columns, label
problems, too little data) and acts on each finding as the settings say:
warn, exclude the feature (the training schema it writes lacks it) or refuse
(the run stops before Transform)."""
import json

from tfx import v1 as tfx
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import component_spec, standard_artifacts

from components.contracts.artifacts import GuardrailsReport
from components.guardrails import executor

# I/O keys, shared by the spec, the executor, the pipeline and the tests.
EXAMPLES_KEY = "examples"
SCHEMA_KEY = "schema"
REPORT_KEY = "report"
TRAINING_SCHEMA_KEY = "training_schema"
CONFIG_KEY = "config"


class GuardrailsSpec(component_spec.ComponentSpec):
  PARAMETERS = {CONFIG_KEY: component_spec.ExecutionParameter(type=str)}
  INPUTS = {
      EXAMPLES_KEY: component_spec.ChannelParameter(type=standard_artifacts.Examples),
      SCHEMA_KEY: component_spec.ChannelParameter(type=standard_artifacts.Schema),
  }
  OUTPUTS = {
      REPORT_KEY: component_spec.ChannelParameter(type=GuardrailsReport),
      TRAINING_SCHEMA_KEY: component_spec.ChannelParameter(type=standard_artifacts.Schema),
  }


class Guardrails(base_component.BaseComponent):
  """See README.md. `examples`: the training window (one Examples per span);
  `config`: executor.config() of the project's settings."""
  SPEC_CLASS = GuardrailsSpec
  EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

  def __init__(self, *, examples, schema, config: dict):
    super().__init__(spec=GuardrailsSpec(
        examples=examples, schema=schema, config=json.dumps(config, sort_keys=True),
        report=tfx.dsl.Channel(type=GuardrailsReport),
        training_schema=tfx.dsl.Channel(type=standard_artifacts.Schema)))
