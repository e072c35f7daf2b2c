"""RawTransform on the shared run's real Transform graph: what a fallback's
Trainer and serving signature apply to raw examples."""
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft
from tfx.utils import io_utils

from components.contracts import artifacts as contract
from components.contracts import model_io
from pipeline.definition import node_ids
from pipeline.modeling import raw_inputs
from tests import conftest, project_data

SETTINGS = project_data.SETTINGS


def _graph_and_schema(first_run):
  inputs = conftest.training_run_inputs(first_run, node_ids.TRAINER)
  schema_path = io_utils.get_only_uri_in_dir(inputs["schema"][0].uri)
  return tft.TFTransformOutput(inputs["transform_graph"][0].uri), schema_path


def _without(schema_path, feature, tmp_path):
  schema = io_utils.SchemaReader().read(schema_path)
  kept = [f for f in schema.feature if f.name != feature]
  del schema.feature[:]
  schema.feature.extend(kept)
  path = str(tmp_path / "schema.pbtxt")
  io_utils.write_pbtxt_file(path, schema)
  return path


def test_a_primary_excludes_nothing(first_run):
  graph, schema_path = _graph_and_schema(first_run)
  assert raw_inputs.RawTransform(graph, schema_path).excluded == []


def test_features_the_schema_lacks_are_never_parsed_and_change_nothing(first_run, tmp_path):
  graph, schema_path = _graph_and_schema(first_run)
  dropped = SETTINGS.model_inputs[0]
  transform = raw_inputs.RawTransform(graph, _without(schema_path, dropped, tmp_path))
  assert transform.excluded == [dropped]
  rows = project_data.read_rows(project_data.window()[1], 8)
  other = [dict(r, **{dropped: o[dropped]}) for r, o in zip(rows, rows[::-1])]
  absent = [{k: v for k, v in r.items() if k != dropped} for r in rows]
  outputs = [transform(tf.constant([project_data.to_example(r) for r in batch]))
             for batch in (rows, other, absent)]
  for name in outputs[0]:
    np.testing.assert_array_equal(outputs[0][name].numpy(), outputs[1][name].numpy(), err_msg=name)
    np.testing.assert_array_equal(outputs[0][name].numpy(), outputs[2][name].numpy(), err_msg=name)


def test_the_dataset_gives_transformed_batches_and_the_label(first_run):
  graph, schema_path = _graph_and_schema(first_run)
  examples = next(a for a in first_run.store().get_artifacts_by_type("Examples")
                  if a.custom_properties.get(contract.INPUT_FINGERPRINT))
  label = model_io.transformed_name(SETTINGS.label_key)
  dataset = raw_inputs.RawTransform(graph, schema_path).dataset(
      [f"{examples.uri}/Split-train/*"], batch_size=16, label=label, seed=0)
  features, labels = next(iter(dataset))
  assert labels.shape[0] == 16 and label not in features
  assert set(features) == set(graph.transformed_feature_spec()) - {label}
