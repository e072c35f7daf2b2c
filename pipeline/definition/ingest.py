"""Builder: check one span's files and ingest them, compute its statistics,
validate it against the curated schema, and stop the run (AnomalyGate) if it
does not fit."""
import dataclasses

from tfx import v1 as tfx
from tfx.proto import example_gen_pb2, range_config_pb2
from tfx.types import standard_component_specs as specs

from components.anomaly_gate.component import AnomalyGate
from components.input_check import executor as checking
from components.input_check.component import CheckedCsvExampleGen
from pipeline.definition import node_ids


@dataclasses.dataclass
class Ingested:
  nodes: list
  example_gen: object
  statistics: object  # channel of the span's ExampleStatistics
  schema: object  # channel of the curated Schema
  gate: object  # runs after validation passed


def build(settings, run) -> Ingested:
  example_gen = CheckedCsvExampleGen(
      input_base=str(run.data_root),
      input_config=example_gen_pb2.Input(splits=[
          example_gen_pb2.Input.Split(name="all", pattern=settings.span_pattern)]),
      output_config=example_gen_pb2.Output(split_config=example_gen_pb2.SplitConfig(
          splits=[example_gen_pb2.SplitConfig.Split(name=name, hash_buckets=buckets)
                  for name, buckets in settings.split_buckets.items()])),
      # Without a range, ExampleGen's driver takes the newest span folder.
      range_config=None if run.ingest_span is None else range_config_pb2.RangeConfig(
          static_range=range_config_pb2.StaticRange(start_span_number=run.ingest_span,
                                                    end_span_number=run.ingest_span)),
      check_config={checking.SCHEMA_FILE: str(run.schema_path),
                    checking.NEW_COLUMNS: settings.input_new_columns,
                    checking.DUPLICATES: settings.input_duplicates,
                    checking.DUPLICATE_SHARE: settings.input_duplicate_share},
  ).with_id(node_ids.EXAMPLE_GEN)
  statistics_gen = tfx.components.StatisticsGen(
      examples=example_gen.outputs[specs.EXAMPLES_KEY],
      stats_options=settings.stats_options(),
  ).with_id(node_ids.STATISTICS_GEN)
  schema_gen = tfx.components.ImportSchemaGen(
      schema_file=str(run.schema_path)).with_id(node_ids.SCHEMA_GEN)
  example_validator = tfx.components.ExampleValidator(
      statistics=statistics_gen.outputs[specs.STATISTICS_KEY],
      schema=schema_gen.outputs[specs.SCHEMA_KEY]).with_id(node_ids.EXAMPLE_VALIDATOR)
  gate = AnomalyGate(
      anomalies=example_validator.outputs[specs.ANOMALIES_KEY],
      data_description=f"{run.data_root}/" + (settings.span_pattern if run.ingest_span is None
                                               else settings.span_glob(run.ingest_span)),
      # A column not in the schema: the input check warned or refused already.
      tolerated="SCHEMA_NEW_COLUMN" if settings.input_new_columns == "warn" else "",
  ).with_id(node_ids.ANOMALY_GATE)
  return Ingested([example_gen, statistics_gen, schema_gen, example_validator, gate],
                  example_gen, statistics_gen.outputs[specs.STATISTICS_KEY],
                  schema_gen.outputs[specs.SCHEMA_KEY], gate)


def all_ingested_examples():
  """Every span ExampleGen ingested in any run of this pipeline (from MLMD)."""
  return tfx.dsl.Channel(type=tfx.types.standard_artifacts.Examples,
                         producer_component_id=node_ids.EXAMPLE_GEN, output_key=specs.EXAMPLES_KEY)
