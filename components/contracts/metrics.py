"""What each task type is judged by: the TFMA metrics the Evaluator
computes, and which way each gate metric is better. The Evaluator, the
ChampionChallenger, the DriftDetector and the run summaries read it, so a
metric is named once."""
import dataclasses

TASKS = ("binary", "multiclass", "regression")


@dataclasses.dataclass(frozen=True)
class Metric:
  key: str  # the name TFMA reports it under
  tfma_class: str  # the MetricConfig class_name that computes it
  higher_is_better: bool
  label: str  # for people


METRICS = {m.key: m for m in (
    Metric("auc", "AUC", True, "AUC"),
    Metric("binary_accuracy", "BinaryAccuracy", True, "accuracy"),
    Metric("sparse_categorical_accuracy", "SparseCategoricalAccuracy", True, "accuracy"),
    Metric("mean_absolute_error", "MeanAbsoluteError", False, "MAE"),
    Metric("mean_squared_error", "MeanSquaredError", False, "MSE"),
)}
# Every metric the Evaluator computes for a task, besides ExampleCount and
# the plots; the gate metric (settings METRIC) must be one of them.
TASK_METRICS = {
    "binary": ("auc", "binary_accuracy"),
    "multiclass": ("sparse_categorical_accuracy",),
    "regression": ("mean_absolute_error", "mean_squared_error"),
}
# TFMA's extra metrics per task (not gates): binary precision/recall and the
# reliability and ROC curves the model notebook draws.
TASK_EXTRAS = {
    "binary": (("Precision", None), ("Recall", None),
               ("CalibrationPlot", '{"num_buckets": 20}'),
               ("ConfusionMatrixPlot", '{"num_thresholds": 100}')),
    "multiclass": (("MultiClassConfusionMatrixPlot", None),),
    "regression": (),
}


def check(task: str, metric: str) -> Metric:
  """The gate metric, refused when it does not fit the task."""
  if task not in TASKS:
    raise ValueError(f"TASK must be one of {TASKS}, not {task!r}")
  if metric not in TASK_METRICS[task]:
    raise ValueError(f"METRIC {metric!r} does not fit a {task} task; use one of "
                     f"{TASK_METRICS[task]}")
  return METRICS[metric]


def worsening(metric: str, before: float, after: float) -> float:
  """How much worse `after` is than `before` (negative: better)."""
  return before - after if METRICS[metric].higher_is_better else after - before


def passes(metric: str, value: float, threshold: float) -> bool:
  """Whether `value` is on the good side of the gate `threshold`."""
  return value >= threshold if METRICS[metric].higher_is_better else value <= threshold
