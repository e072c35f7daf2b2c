"""Raw examples in, transformed features out, without the excluded features.

A fallback model reuses the served model's Transform graph instead of
running a Transform of its own (a Beam job that took three quarters of a
fallback's training time): the Trainer reads the window's raw examples and
applies that graph batch by batch. The features the graph parses but the
fallback's training schema lacks are the excluded ones. They are never
parsed: training and serving both feed them to the graph as missing
values, so the model cannot read them, a request need not carry them,
and its prediction does not change with them.

The project's run_fn uses `RawTransform` for its serving signature in
every model (the primary's training schema holds every feature its graph
parses, so nothing is excluded) and for its datasets when the Trainer is
given raw examples (custom_config[RAW_EXAMPLES], set by the fallback
builder)."""
import tensorflow as tf
import tensorflow_transform as tft
from tfx.utils import io_utils

# custom_config key: the Trainer's examples are raw (ExampleGen's), not Transform's.
RAW_EXAMPLES = "raw_examples"


def excluded_features(raw_feature_spec: dict, schema_path: str) -> list:
  """The raw features the graph parses that the training schema lacks."""
  kept = {f.name for f in io_utils.SchemaReader().read(schema_path).feature}
  return sorted(set(raw_feature_spec) - kept)


def _missing(spec, batch_size):
  """A batch in which every row lacks the feature (`spec`'s tensor kind)."""
  if isinstance(spec, tf.io.VarLenFeature):
    return tf.sparse.SparseTensor(tf.zeros([0, 2], tf.int64), tf.zeros([0], spec.dtype),
                                  tf.stack([batch_size, tf.constant(1, tf.int64)]))
  default = spec.default_value if spec.default_value is not None else tf.zeros([], spec.dtype)
  return tf.broadcast_to(tf.cast(default, spec.dtype), tf.concat([[batch_size], spec.shape], 0))


class RawTransform(tf.Module):
  """Serialized tf.Examples -> transformed features, the excluded features
  left out of parsing and fed to the graph as missing."""

  def __init__(self, tf_transform_output: tft.TFTransformOutput, schema_path: str):
    super().__init__()
    raw_spec = tf_transform_output.raw_feature_spec()
    self.excluded = excluded_features(raw_spec, schema_path)
    self._parse_spec = {k: v for k, v in raw_spec.items() if k not in self.excluded}
    self._missing_spec = {k: raw_spec[k] for k in self.excluded}
    self.tft_layer = tf_transform_output.transform_features_layer()

  # One signature, so one trace: importing the Transform graph into a
  # function costs seconds, and training, evaluation and serving share it.
  @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
  def __call__(self, serialized):
    raw = tf.io.parse_example(serialized, self._parse_spec)
    batch_size = tf.shape(serialized, out_type=tf.int64)[0]
    raw.update({k: _missing(spec, batch_size) for k, spec in self._missing_spec.items()})
    return self.tft_layer(raw)

  def dataset(self, file_patterns: list, batch_size: int, label: str, seed: int):
    """(transformed features, label) batches from the raw examples' gzipped
    TFRecord files (ExampleGen's format), shuffled, repeated."""
    files = sorted(f for pattern in file_patterns for f in tf.io.gfile.glob(pattern))
    records = tf.data.TFRecordDataset(files, compression_type="GZIP")
    records = records.shuffle(10 * batch_size, seed=seed).repeat().batch(batch_size)

    def split(serialized):
      transformed = self(serialized)
      return transformed, transformed.pop(label)

    return records.map(split, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
