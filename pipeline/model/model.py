"""The Keras model, its search space, and the Tuner/Trainer entry points.

Keras 3 (TensorFlow 2.16's default) is used on purpose: keras-tuner 1.4.8
only accepts Keras 3 models, and the Trainer/Evaluator/Pusher path works with
it. BulkInferrer does not load Keras 3 SavedModels in TFX 1.16, so the
pipeline does not use it (batch scoring reads the pushed SavedModel instead).
"""
import functools
import io
import json
import os

import keras
import keras_tuner
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft
from absl import logging
from tfx import v1 as tfx
from tfx.utils import io_utils
from tfx_bsl.public import tfxio

from components.compatibility_guard import checks
from pipeline.model import features

# Written next to the SavedModel (the Pusher copies them along) so that a
# later Trainer can check, then warm-start from, this model.
WARM_START_DIR = "assets.extra"
FACTS_FILE = "network.json"
WEIGHTS_FILE = "weights.npz"
SCHEMA_FILE = "schema.pbtxt"

TRAIN_BATCH_SIZE = 64
EVAL_BATCH_SIZE = 256
LABEL = features.transformed_name(features.LABEL_KEY)


def search_space() -> keras_tuner.HyperParameters:
  """The Tuner's search space; its defaults train when there is no Tuner."""
  # TODO(step 5): Adjust the hyperparameters the Tuner searches.
  hp = keras_tuner.HyperParameters()
  hp.Choice("learning_rate", [3e-3, 1e-2], default=3e-3)
  hp.Choice("hidden_units", [16, 32], default=32)
  hp.Int("hidden_layers", 1, 2, default=1)
  return hp


def input_names(produced: dict) -> list:
  """The transformed features the network reads: those the Transform graph
  produces (`produced`: its transformed feature spec; a fallback's graph
  lacks the features it excludes)."""
  dense = [features.transformed_name(k) for k in features.DENSE_FLOAT_FEATURES]
  return [name for name in dense + list(features.categorical_sizes()) if name in produced]


def build_model(hp: keras_tuner.HyperParameters, names: list) -> keras.Model:
  """A compiled binary classifier over the transformed features `names`."""
  # TODO(step 6): Change the network.
  inputs, encoded = {}, []
  sizes = features.categorical_sizes()
  for name in names:
    if name in sizes:
      inputs[name] = keras.Input(shape=(), name=name, dtype="int64")
      encoded.append(keras.layers.CategoryEncoding(sizes[name], output_mode="one_hot")(inputs[name]))
    else:
      inputs[name] = keras.Input(shape=(), name=name, dtype="float32")
      encoded.append(keras.ops.expand_dims(inputs[name], -1))
  hidden = keras.layers.concatenate(encoded)
  for _ in range(hp.get("hidden_layers")):
    hidden = keras.layers.Dense(hp.get("hidden_units"), activation="relu")(hidden)
  output = keras.layers.Dense(1, activation="sigmoid")(hidden)
  model = keras.Model(inputs=inputs, outputs=output)
  model.compile(
      optimizer=keras.optimizers.Adam(hp.get("learning_rate")),
      loss="binary_crossentropy",
      metrics=[keras.metrics.AUC(name="auc"), keras.metrics.BinaryAccuracy(name="accuracy")])
  return model


def _dataset(file_pattern, data_accessor, tf_transform_output, batch_size, seed):
  return data_accessor.tf_dataset_factory(
      file_pattern,
      tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL, shuffle_seed=seed),
      tf_transform_output.transformed_metadata.schema).repeat()


def _datasets(fn_args):
  tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
  seed = fn_args.custom_config.get("seed", 0)
  train = _dataset(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                   TRAIN_BATCH_SIZE, seed)
  evaluation = _dataset(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                        EVAL_BATCH_SIZE, seed)
  return tf_transform_output, train, evaluation


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
  """Called by the Tuner component."""
  keras.utils.set_random_seed(fn_args.custom_config.get("seed", 0))
  tf_transform_output, train, evaluation = _datasets(fn_args)
  tuner = keras_tuner.RandomSearch(
      functools.partial(build_model,
                        names=input_names(tf_transform_output.transformed_feature_spec())),
      max_trials=fn_args.custom_config.get("max_trials", 3),
      hyperparameters=search_space(),
      objective=keras_tuner.Objective("val_auc", "max"),
      seed=fn_args.custom_config.get("seed", 0),
      directory=fn_args.working_dir,
      project_name="big_tipper")
  return tfx.components.TunerFnResult(
      tuner=tuner,
      fit_kwargs={"x": train, "validation_data": evaluation, "verbose": 0,
                  "steps_per_epoch": fn_args.train_steps,
                  "validation_steps": fn_args.eval_steps})


class _ServingModule(tf.Module):
  """What the Pusher serves: raw tf.Examples in, probabilities out."""

  def __init__(self, model, tf_transform_output):
    super().__init__()
    self.model = model
    self._names = input_names(tf_transform_output.transformed_feature_spec())
    self.tft_layer = tf_transform_output.transform_features_layer()
    self._raw_spec = tf_transform_output.raw_feature_spec()

  def _transform(self, serialized):
    return self.tft_layer(tf.io.parse_example(serialized, self._raw_spec))

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
  def serve(self, serialized):
    transformed = self._transform(serialized)
    model_inputs = {name: transformed[name] for name in self._names}
    return {"probabilities": self.model(model_inputs)}

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="examples")])
  def transform_features(self, serialized):
    """Used by the Evaluator to derive the label from raw columns."""
    return self._transform(serialized)


def network_facts(tf_transform_output, names, hp) -> dict:
  """What a warm start must match: see checks.check_warm_start."""
  vocabularies = {key: [t.decode() for t in tf_transform_output.vocabulary_by_name(key)]
                  for key in features.VOCAB_FEATURES if features.transformed_name(key) in names}
  return {"raw_features": sorted(tf_transform_output.raw_feature_spec()), "inputs": names,
          "hyperparameters": hp.values, "vocabularies": vocabularies}


def warm_start(model, base_dir, facts: dict, schema_path) -> dict:
  """Loads the base model's weights into `model` if the compatibility check
  passes; otherwise leaves it cold. Returns what happened and why."""
  if not base_dir:
    return {"base_model": None, "warm": False, "reason": "no served model to start from"}
  extra = os.path.join(base_dir, WARM_START_DIR)
  if not tf.io.gfile.exists(os.path.join(extra, FACTS_FILE)):
    problems = [f"the base model {base_dir} has no {FACTS_FILE}"]
  else:
    with tf.io.gfile.GFile(os.path.join(extra, FACTS_FILE)) as f:
      base = json.load(f)
    problems = checks.check_warm_start(
        base, io_utils.SchemaReader().read(os.path.join(extra, SCHEMA_FILE)),
        facts, io_utils.SchemaReader().read(schema_path))
  if problems:
    logging.warning("Cold start: the base model %s fails the compatibility check: %s",
                    base_dir, "; ".join(problems))
    return {"base_model": base_dir, "warm": False, "reason": "; ".join(problems)}
  with tf.io.gfile.GFile(os.path.join(extra, WEIGHTS_FILE), "rb") as f:
    weights = np.load(io.BytesIO(f.read()))
  model.set_weights([weights[f"arr_{i}"] for i in range(len(weights.files))])
  logging.info("Warm start from %s", base_dir)
  return {"base_model": base_dir, "warm": True, "reason": "compatible"}


def _save_network(model_dir, model, facts, schema_path, started) -> None:
  extra = os.path.join(model_dir, WARM_START_DIR)
  tf.io.gfile.makedirs(extra)
  buffer = io.BytesIO()  # np.savez seeks, which GFile (e.g. on GCS) cannot in write mode
  np.savez(buffer, *model.get_weights())
  with tf.io.gfile.GFile(os.path.join(extra, WEIGHTS_FILE), "wb") as f:
    f.write(buffer.getvalue())
  tf.io.gfile.copy(schema_path, os.path.join(extra, SCHEMA_FILE), overwrite=True)
  with tf.io.gfile.GFile(os.path.join(extra, FACTS_FILE), "w") as f:
    json.dump({**facts, "warm_start": started}, f, indent=2)


def run_fn(fn_args: tfx.components.FnArgs):
  """Called by the Trainer component."""
  keras.utils.set_random_seed(fn_args.custom_config.get("seed", 0))
  tf_transform_output, train, evaluation = _datasets(fn_args)
  if fn_args.hyperparameters:
    hp = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
  else:
    hp = search_space()
  names = input_names(tf_transform_output.transformed_feature_spec())
  logging.info("Hyperparameters: %s; model inputs: %s", hp.values, names)
  model = build_model(hp, names)
  facts = network_facts(tf_transform_output, names, hp)
  started = warm_start(model, fn_args.base_model, facts, fn_args.schema_path)
  model.fit(train, steps_per_epoch=fn_args.train_steps, validation_data=evaluation,
            validation_steps=fn_args.eval_steps, verbose=0)
  module = _ServingModule(model, tf_transform_output)
  tf.saved_model.save(module, fn_args.serving_model_dir, signatures={
      "serving_default": module.serve,
      "transform_features": module.transform_features,
  })
  _save_network(fn_args.serving_model_dir, model, facts, fn_args.schema_path, started)
