"""A served SavedModel scored on raw examples, and the task metrics on the
scored rows: the DriftDetector's realized performance, ChampionChallenger's
confidence interval and `simulate` read the same numbers."""
import numpy as np
import tensorflow as tf
from sklearn.metrics import accuracy_score, mean_absolute_error, mean_squared_error, roc_auc_score

from components.contracts import model_io

_BATCH = 1024

# Metric key (components/contracts/metrics.py) -> f(labels, outputs).
METRIC_FUNCTIONS = {
    "auc": roc_auc_score,
    "binary_accuracy": lambda y, p: accuracy_score(y, p >= model_io.DECISION_THRESHOLD),
    "sparse_categorical_accuracy": lambda y, p: accuracy_score(y, p.argmax(axis=1)),
    "mean_absolute_error": mean_absolute_error,
    "mean_squared_error": mean_squared_error,
}


def score(model, files: list, task: str, label_key: str):
  """(outputs, labels) of a loaded SavedModel on gzipped TFRecord `files`:
  one output per row (binary, regression) or a row of class probabilities
  (multiclass), and the labels its Transform graph derives (`label_key`)."""
  serve = model.signatures[model_io.SERVING_SIGNATURE]
  transform = model.signatures[model_io.TRANSFORM_SIGNATURE]
  outputs, labels = [], []
  for batch in tf.data.TFRecordDataset(files, compression_type="GZIP").batch(_BATCH):
    scored = serve(**{model_io.SERVING_INPUT: batch})[model_io.output_key(task)].numpy()
    outputs.append(scored if task == "multiclass" else scored[:, 0])
    labels.append(transform(**{model_io.SERVING_INPUT: batch})[label_key].numpy())
  labels = np.concatenate(labels)
  return np.concatenate(outputs), labels if task == "regression" else labels.astype(int)


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
