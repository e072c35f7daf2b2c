"""The contract between the project's model code and the factory: how
transformed features are named, and what the served SavedModel exposes.
The project's preprocessing_fn and run_fn follow it; the Evaluator, the
DriftDetector, `predict` and `simulate` rely on it."""
import re

# Signature the Pusher serves: serialized tf.Examples in, output_key(task) out.
SERVING_SIGNATURE = "serving_default"
SERVING_INPUT = "examples"
# The model's output per task: binary, the probability of the positive class
# [batch, 1]; multiclass, one probability per class [batch, classes];
# regression, the predicted value [batch, 1].
_OUTPUT_KEYS = {"binary": "probabilities", "multiclass": "probabilities",
                "regression": "predictions"}
# Score at or above which a row counts as predicted positive (TFMA's default
# for binary accuracy); estimated and realized accuracy use it.
DECISION_THRESHOLD = 0.5
# Signature that applies the Transform graph to raw examples; the Evaluator
# and the DriftDetector take the label from it.
TRANSFORM_SIGNATURE = "transform_features"
_TRANSFORMED_SUFFIX = "_xf"


def layer_name(key: str) -> str:
  """A column name as Keras layer names and Transform's vocabulary files
  accept it: a CSV header may hold "/", spaces and other characters they
  refuse."""
  return re.sub(r"[^A-Za-z0-9_.-]", "_", key)


def transformed_name(key: str) -> str:
  """The name Transform gives the transformed version of raw column `key`."""
  return key + _TRANSFORMED_SUFFIX


def output_key(task: str) -> str:
  """The served signature's output for a task type."""
  return _OUTPUT_KEYS[task]
