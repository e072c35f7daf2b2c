"""CheckedCsvExampleGen: TFX's CSV ExampleGen whose executor first checks
every file of the span (executor.py); same inputs, outputs and driver."""
from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec

from components.input_check import executor


def CheckedCsvExampleGen(*, input_base: str, input_config, output_config, range_config,  # pylint: disable=invalid-name
                         check_config: dict):
  """`check_config`: executor.SCHEMA_FILE, NEW_COLUMNS, DUPLICATES, DUPLICATE_SHARE."""
  return FileBasedExampleGen(
      input_base=input_base, input_config=input_config, output_config=output_config,
      range_config=range_config, custom_config=executor.config_proto(check_config),
      custom_executor_spec=executor_spec.BeamExecutorSpec(executor.Executor))
