"""The Transform step: raw features in, model-ready features out."""
import ast

import tensorflow as tf
import tensorflow_transform as tft

from components.contracts import model_io
from pipeline.project import features

# What a label expression may hold: column names, numbers, arithmetic and comparisons.
_EXPRESSION_NODES = (ast.Expression, ast.Compare, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Name,
                     ast.Load, ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub,
                     ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq, ast.And, ast.Or)


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


def expression_columns(expression: str) -> list:
  """The raw columns a label expression reads; refuses anything but
  arithmetic and comparisons over column names and numbers."""
  tree = ast.parse(expression, mode="eval")
  for node in ast.walk(tree):
    if not isinstance(node, _EXPRESSION_NODES):
      raise ValueError(f"label expression {expression!r}: {type(node).__name__} is not allowed; "
                       "use column names, numbers, + - * /, comparisons, and/or")
  return sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)})


def _as_text(tensor):
  """Values as text, as init writes them: a float 1.0 reads "1", like the
  integer-valued float columns init writes as integers."""
  if tensor.dtype == tf.string:
    return tensor
  return tf.strings.as_string(tensor, shortest=tensor.dtype.is_floating)


def _evaluate(node, columns):
  """Evaluates a checked expression node over float tensors."""
  if isinstance(node, ast.Expression):
    return _evaluate(node.body, columns)
  if isinstance(node, ast.Name):
    return columns[node.id]
  if isinstance(node, ast.Constant):
    return tf.constant(float(node.value))
  if isinstance(node, ast.UnaryOp):
    return -_evaluate(node.operand, columns)
  if isinstance(node, ast.BinOp):
    ops = {ast.Add: tf.add, ast.Sub: tf.subtract, ast.Mult: tf.multiply, ast.Div: tf.math.divide_no_nan}
    return ops[type(node.op)](_evaluate(node.left, columns), _evaluate(node.right, columns))
  if isinstance(node, ast.BoolOp):
    combine = tf.logical_and if isinstance(node.op, ast.And) else tf.logical_or
    result = _evaluate(node.values[0], columns)
    for value in node.values[1:]:
      result = combine(result, _evaluate(value, columns))
    return result
  ops = {ast.Gt: tf.greater, ast.GtE: tf.greater_equal, ast.Lt: tf.less, ast.LtE: tf.less_equal,
         ast.Eq: tf.equal, ast.NotEq: tf.not_equal}
  left, result = _evaluate(node.left, columns), None
  for op, comparator in zip(node.ops, node.comparators):
    right = _evaluate(comparator, columns)
    step = ops[type(op)](left, right)
    result = step if result is None else tf.logical_and(result, step)
    left = right
  return result


def label(inputs):
  """The label from raw columns: an int64 class id (binary: 1 = positive) or
  a float32 value (regression)."""
  # TODO(step 6): Define the label from raw columns, if init's rule does not fit.
  if features.LABEL_EXPRESSION:
    columns = {key: tf.cast(_dense(inputs[key], tf.zeros([], inputs[key].dtype)), tf.float32)
               for key in expression_columns(features.LABEL_EXPRESSION)}
    return tf.cast(_evaluate(ast.parse(features.LABEL_EXPRESSION, mode="eval"), columns), tf.int64)
  raw = inputs[features.LABEL_KEY]
  if features.TASK == "regression":
    return tf.cast(_dense(raw, tf.zeros([], raw.dtype)), tf.float32)
  text = _as_text(_dense(raw, tf.zeros([], raw.dtype)))
  if features.TASK == "binary":
    positive = tf.constant(list(features.POSITIVE_VALUES), tf.string)
    return tf.cast(tf.reduce_any(tf.equal(tf.expand_dims(text, -1), positive), axis=-1), tf.int64)
  # Values outside CLASSES are refused earlier (the schema's label domain);
  # one that slips through counts as the first class rather than failing.
  table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
      tf.constant(list(features.CLASSES)), tf.range(len(features.CLASSES), dtype=tf.int64)),
      default_value=0)
  return table.lookup(text)


def preprocessing_fn(inputs):
  """tf.Transform callback; its analyzers run over the training split."""
  outputs = {}
  # TODO(step 5): Change how each group of features is transformed.
  for key in _present(features.DENSE_FLOAT_FEATURES, inputs):
    outputs[features.transformed_name(key)] = tft.scale_to_z_score(
        tf.cast(_dense(inputs[key], tf.zeros([], inputs[key].dtype)), tf.float32))
  for key in _present(features.BUCKET_FEATURES, inputs):
    outputs[features.transformed_name(key)] = tft.bucketize(
        tf.cast(_dense(inputs[key], tf.zeros([], inputs[key].dtype)), tf.float32),
        features.FEATURE_BUCKET_COUNT)
  for key in _present(features.CATEGORICAL_INT_FEATURES, inputs):
    size = features.CATEGORICAL_INT_FEATURES[key]
    # Codes outside [0, size) (and missing values, -1) fold into code 0.
    codes = _dense(inputs[key], tf.constant(-1, tf.int64))
    outputs[features.transformed_name(key)] = tf.where(
        (codes >= 0) & (codes < size), codes, tf.zeros_like(codes))
  for key in _present(features.VOCAB_FEATURES, inputs):
    outputs[features.transformed_name(key)] = tft.compute_and_apply_vocabulary(
        _as_text(_dense(inputs[key], tf.zeros([], inputs[key].dtype))), top_k=features.VOCAB_SIZE,
        num_oov_buckets=features.OOV_SIZE, vocab_filename=model_io.layer_name(key))
  for key in _present(features.TIMESTAMP_FEATURES, inputs):
    seconds = tf.cast(_dense(inputs[key], tf.zeros([], inputs[key].dtype)), tf.int64)
    for part, unit, cycle in features.TIMESTAMP_PARTS:
      # The Unix epoch began on a Thursday: shift so that Monday is 0.
      offset = 3 if part == "weekday" else 0
      outputs[features.transformed_name(f"{key}_{part}")] = (seconds // unit + offset) % cycle
  outputs[features.transformed_name(features.LABEL_KEY)] = label(inputs)
  return outputs
