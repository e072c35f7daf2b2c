"""The Keras model, its search space, and the Tuner/Trainer entry points.

Keras 3 (TensorFlow 2.16's default) is used on purpose: keras-tuner 1.4.8
only accepts Keras 3 models, and the Trainer/Evaluator/Pusher path works with
it. BulkInferrer does not load Keras 3 SavedModels in TFX 1.16, so the
pipeline does not use it (batch scoring reads the pushed SavedModel instead).
"""
import functools

import keras
import keras_tuner
import tensorflow as tf
import tensorflow_transform as tft
from absl import logging
from tfx import v1 as tfx
from tfx_bsl.public import tfxio

from components.contracts import model_io
from pipeline.modeling import raw_inputs, warm_start
from pipeline.project import features

TRAIN_BATCH_SIZE = 64
EVAL_BATCH_SIZE = 256
LABEL = model_io.transformed_name(features.LABEL_KEY)


def search_space() -> keras_tuner.HyperParameters:
  """The Tuner's search space; its defaults train when there is no Tuner."""
  # TODO(step 7): Adjust the hyperparameters the Tuner searches.
  hp = keras_tuner.HyperParameters()
  hp.Choice("learning_rate", [3e-3, 1e-2], default=3e-3)
  hp.Choice("hidden_units", [16, 32], default=32)
  hp.Int("hidden_layers", 1, 2, default=1)
  return hp


def input_names(produced: dict) -> list:
  """The transformed features the network reads: those the Transform graph
  produces (`produced`: its transformed feature spec; a fallback's graph
  lacks the features it excludes)."""
  dense = [model_io.transformed_name(k) for k in features.DENSE_FLOAT_FEATURES]
  return [name for name in dense + list(features.categorical_sizes()) if name in produced]


# Per task: the output layer's units and activation, the loss, the metrics
# Keras reports, and the Tuner's objective (a Keras metric on the eval split).
def _head(task: str):
  if task == "binary":
    return (1, "sigmoid", "binary_crossentropy",
            [keras.metrics.AUC(name="auc"), keras.metrics.BinaryAccuracy(name="accuracy")],
            keras_tuner.Objective("val_auc", "max"))
  if task == "multiclass":
    return (len(features.CLASSES), "softmax", "sparse_categorical_crossentropy",
            [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            keras_tuner.Objective("val_accuracy", "max"))
  return (1, None, "huber", [keras.metrics.MeanAbsoluteError(name="mae")],
          keras_tuner.Objective("val_mae", "min"))


def build_model(hp: keras_tuner.HyperParameters, names: list, scale=(0.0, 1.0)) -> keras.Model:
  """A compiled network over the transformed features `names` for the
  project's TASK; a regression output is rescaled by `scale` (the
  training labels' mean and standard deviation), so the network learns a
  z-score whatever the label's units."""
  # TODO(step 8): Change the network.
  inputs, encoded = {}, []
  sizes = features.categorical_sizes()
  for name in names:
    if name in sizes:
      inputs[name] = keras.Input(shape=(), name=model_io.layer_name(name), dtype="int64")
      encoded.append(keras.layers.CategoryEncoding(sizes[name], output_mode="one_hot")(inputs[name]))
    else:
      inputs[name] = keras.Input(shape=(), name=model_io.layer_name(name), dtype="float32")
      encoded.append(keras.ops.expand_dims(inputs[name], -1))
  hidden = keras.layers.concatenate(encoded)
  for _ in range(hp.get("hidden_layers")):
    hidden = keras.layers.Dense(hp.get("hidden_units"), activation="relu")(hidden)
  units, activation, loss, metrics, _ = _head(features.TASK)
  output = keras.layers.Dense(units, activation=activation)(hidden)
  if features.TASK == "regression":
    mean, std = scale
    output = keras.layers.Rescaling(std, offset=mean)(output)
  model = keras.Model(inputs=inputs, outputs=output)
  model.compile(optimizer=keras.optimizers.Adam(hp.get("learning_rate")), loss=loss,
                metrics=metrics)
  return model


def label_scale(dataset, batches=50) -> tuple:
  """Mean and standard deviation of the labels in the first `batches`
  batches (regression only: classifiers need no scale)."""
  if features.TASK != "regression":
    return 0.0, 1.0
  labels = tf.concat([tf.cast(tf.reshape(y, [-1]), tf.float32)
                      for _, y in dataset.take(batches)], axis=0)
  return float(tf.reduce_mean(labels)), max(float(tf.math.reduce_std(labels)), 1e-6)


def _dataset(file_pattern, data_accessor, tf_transform_output, batch_size, seed):
  return data_accessor.tf_dataset_factory(
      file_pattern,
      tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL, shuffle_seed=seed),
      tf_transform_output.transformed_metadata.schema).repeat()


def _datasets(fn_args, tf_transform_output, raw_transform=None):
  """The train and eval datasets. A fallback's Trainer gets raw examples,
  which `raw_transform` turns into transformed features with the served
  model's graph (pipeline/modeling/raw_inputs.py)."""
  seed = fn_args.custom_config.get("seed", 0)
  if fn_args.custom_config.get(raw_inputs.RAW_EXAMPLES):
    return (raw_transform.dataset(fn_args.train_files, TRAIN_BATCH_SIZE, LABEL, seed),
            raw_transform.dataset(fn_args.eval_files, EVAL_BATCH_SIZE, LABEL, seed))
  return (_dataset(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                   TRAIN_BATCH_SIZE, seed),
          _dataset(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                   EVAL_BATCH_SIZE, seed))


def tuner_fn(fn_args: tfx.components.FnArgs) -> tfx.components.TunerFnResult:
  """Called by the Tuner component."""
  keras.utils.set_random_seed(fn_args.custom_config.get("seed", 0))
  tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
  train, evaluation = _datasets(fn_args, tf_transform_output)
  tuner = keras_tuner.RandomSearch(
      functools.partial(build_model,
                        names=input_names(tf_transform_output.transformed_feature_spec()),
                        scale=label_scale(train)),
      max_trials=fn_args.custom_config.get("max_trials", 3),
      hyperparameters=search_space(),
      objective=_head(features.TASK)[-1],
      seed=fn_args.custom_config.get("seed", 0),
      directory=fn_args.working_dir,
      project_name="tuner")
  return tfx.components.TunerFnResult(
      tuner=tuner,
      fit_kwargs={"x": train, "validation_data": evaluation, "verbose": 0,
                  "steps_per_epoch": fn_args.train_steps,
                  "validation_steps": fn_args.eval_steps})


class _ServingModule(tf.Module):
  """What the Pusher serves: raw tf.Examples in, the model's output out
  (model_io.output_key: probabilities, or a value for regression)."""

  def __init__(self, model, names, raw_transform):
    super().__init__()
    self.model = model
    self._names = names
    self.raw_transform = raw_transform

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=model_io.SERVING_INPUT)])
  def serve(self, serialized):
    transformed = self.raw_transform(serialized)
    model_inputs = {name: transformed[name] for name in self._names}
    return {model_io.output_key(features.TASK): self.model(model_inputs)}

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=model_io.SERVING_INPUT)])
  def transform_features(self, serialized):
    """Used by the Evaluator to derive the label from raw columns."""
    return self.raw_transform(serialized)


def run_fn(fn_args: tfx.components.FnArgs):
  """Called by the Trainer component."""
  keras.utils.set_random_seed(fn_args.custom_config.get("seed", 0))
  tf_transform_output = tft.TFTransformOutput(fn_args.transform_graph_path)
  raw_transform = raw_inputs.RawTransform(tf_transform_output, fn_args.schema_path)
  train, evaluation = _datasets(fn_args, tf_transform_output, raw_transform)
  if fn_args.hyperparameters:
    hp = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)
  else:
    hp = search_space()
  names = input_names(tf_transform_output.transformed_feature_spec())
  logging.info("Hyperparameters: %s; model inputs: %s; excluded raw features: %s", hp.values,
               names, raw_transform.excluded)
  model = build_model(hp, names, label_scale(train))
  facts = warm_start.network_facts(tf_transform_output, names, hp.values,
                                   features.VOCAB_FEATURES, raw_transform.excluded)
  started = warm_start.load(model, fn_args.base_model, facts, fn_args.schema_path)
  model.fit(train, steps_per_epoch=fn_args.train_steps, validation_data=evaluation,
            validation_steps=fn_args.eval_steps, verbose=0)
  module = _ServingModule(model, names, raw_transform)
  tf.saved_model.save(module, fn_args.serving_model_dir, signatures={
      model_io.SERVING_SIGNATURE: module.serve,
      model_io.TRANSFORM_SIGNATURE: module.transform_features,
  })
  warm_start.save(fn_args.serving_model_dir, model, facts, fn_args.schema_path, started)
