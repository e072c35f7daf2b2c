"""A served SavedModel scored on raw examples, and the task metrics on the
scored rows: the DriftDetector's realized performance, ChampionChallenger's
confidence interval and `simulate` read the same numbers."""
import numpy as np
import tensorflow as tf
from sklearn.metrics import accuracy_score, mean_absolute_error, mean_squared_error, roc_auc_score

from components.contracts import model_io

_BATCH = 1024
_HASH_BUCKETS = 1 << 30  # sample(): fine enough for any row share

# Metric key (components/contracts/metrics.py) -> f(labels, outputs).
METRIC_FUNCTIONS = {
    "auc": roc_auc_score,
    "binary_accuracy": lambda y, p: accuracy_score(y, p >= model_io.DECISION_THRESHOLD),
    "sparse_categorical_accuracy": lambda y, p: accuracy_score(y, p.argmax(axis=1)),
    "mean_absolute_error": mean_absolute_error,
    "mean_squared_error": mean_squared_error,
}


def score(model, files: list, task: str, label_key: str, max_rows: int = None):
  """(outputs, labels) of a loaded SavedModel on gzipped TFRecord `files`:
  one output per row (binary, regression) or a row of class probabilities
  (multiclass), and the labels its Transform graph derives (`label_key`).
  With `max_rows`, on a uniform sample of about that many rows (the same
  rows on every call), so that scoring takes bounded time at any size."""
  serve = model.signatures[model_io.SERVING_SIGNATURE]
  transform = model.signatures[model_io.TRANSFORM_SIGNATURE]
  outputs, labels = [], []
  for batch in sample(tf.data.TFRecordDataset(files, compression_type="GZIP"), max_rows).batch(_BATCH):
    scored = serve(**{model_io.SERVING_INPUT: batch})[model_io.output_key(task)].numpy()
    outputs.append(scored if task == "multiclass" else scored[:, 0])
    labels.append(transform(**{model_io.SERVING_INPUT: batch})[label_key].numpy())
  labels = np.concatenate(labels)
  return np.concatenate(outputs), labels if task == "regression" else labels.astype(int)


def sample(records: tf.data.Dataset, max_rows: int = None) -> tf.data.Dataset:
  """`records` itself when they are at most `max_rows` (or no bound);
  otherwise each record kept when its hash falls below max_rows/count of
  the hash range: a deterministic uniform sample of about `max_rows`."""
  if not max_rows:
    return records
  count = int(records.reduce(np.int64(0), lambda n, _: n + 1))
  if count <= max_rows:
    return records
  below = int(_HASH_BUCKETS * max_rows / count)
  return records.filter(lambda r: tf.strings.to_hash_bucket_fast(r, _HASH_BUCKETS) < below)


def difference_interval(metric: str, labels, challenger, champion, replicates: int = 200,
                        seed: int = 0, coverage: float = 0.95) -> tuple:
  """(low, high): the percentile interval of metric(challenger) minus
  metric(champion) over paired bootstrap resamples of the rows (both models
  scored on the same rows, so their shared noise cancels)."""
  measure = METRIC_FUNCTIONS[metric]
  labels, challenger, champion = map(np.asarray, (labels, challenger, champion))
  rng = np.random.default_rng(seed)
  differences = []
  for _ in range(replicates):
    rows = rng.integers(0, len(labels), len(labels))
    if metric == "auc" and len(np.unique(labels[rows])) < 2:
      continue  # no AUC on a resample with one class
    differences.append(measure(labels[rows], challenger[rows]) - measure(labels[rows], champion[rows]))
  low, high = np.quantile(differences, [(1 - coverage) / 2, (1 + coverage) / 2])
  return float(low), float(high)
