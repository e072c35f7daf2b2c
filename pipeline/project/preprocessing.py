"""The Transform step: raw features in, model-ready features out."""
import tensorflow as tf
import tensorflow_transform as tft

from pipeline.project import features


def _dense(tensor, default):
  """Turns an optional (sparse) feature into a dense [batch] tensor.

  Every feature is optional in the schema, so a row or a serving request that
  lacks one gets `default` instead of an error.
  """
  if isinstance(tensor, tf.sparse.SparseTensor):
    tensor = tf.sparse.to_dense(
        tf.sparse.SparseTensor(tensor.indices, tensor.values,
                               [tensor.dense_shape[0], 1]),
        default_value=default)
  return tf.squeeze(tensor, axis=1)


def _present(keys, inputs):
  """The keys the schema provides. A fallback model's training schema lacks
  its excluded features, so its Transform graph neither reads nor needs them."""
  return [key for key in keys if key in inputs]


def preprocessing_fn(inputs):
  """tf.Transform callback; its analyzers run over the training split."""
  outputs = {}
  # TODO(step 5): Change how each group of features is transformed.
  for key in _present(features.DENSE_FLOAT_FEATURES, inputs):
    outputs[features.transformed_name(key)] = tft.scale_to_z_score(
        tf.cast(_dense(inputs[key], tf.zeros([], inputs[key].dtype)), tf.float32))
  for key in _present(features.BUCKET_FEATURES, inputs):
    outputs[features.transformed_name(key)] = tft.bucketize(
        _dense(inputs[key], 0.0), features.FEATURE_BUCKET_COUNT)
  for key in _present(features.CATEGORICAL_INT_FEATURES, inputs):
    size = features.CATEGORICAL_INT_FEATURES[key]
    # Codes outside [0, size) (and missing values, -1) fold into code 0.
    codes = _dense(inputs[key], tf.constant(-1, tf.int64))
    outputs[features.transformed_name(key)] = tf.where(
        (codes >= 0) & (codes < size), codes, tf.zeros_like(codes))
  for key in _present(features.VOCAB_FEATURES, inputs):
    outputs[features.transformed_name(key)] = tft.compute_and_apply_vocabulary(
        _dense(inputs[key], ""), top_k=features.VOCAB_SIZE,
        num_oov_buckets=features.OOV_SIZE, vocab_filename=key)

  # TODO(step 6): Define the label from raw columns.
  tips = _dense(inputs["tips"], 0.0)
  fare = _dense(inputs["fare"], 0.0)
  outputs[features.transformed_name(features.LABEL_KEY)] = tf.cast(
      tips > features.BIG_TIP_SHARE * fare, tf.int64)
  return outputs
