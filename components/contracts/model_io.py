"""The contract between the project's model code and the factory: how
transformed features are named, and what the served SavedModel exposes.
The project's preprocessing_fn and run_fn follow it; the Evaluator, the
DriftDetector, `predict` and `simulate` rely on it."""

# Signature the Pusher serves: serialized tf.Examples in, OUTPUT_KEY out.
SERVING_SIGNATURE = "serving_default"
SERVING_INPUT = "examples"
# The model's score: the probability of the positive class, shape [batch, 1].
OUTPUT_KEY = "probabilities"
# Score at or above which a row counts as predicted positive (TFMA's default
# for binary accuracy); estimated and realized accuracy use it.
DECISION_THRESHOLD = 0.5
# Signature that applies the Transform graph to raw examples; the Evaluator
# and the DriftDetector take the label from it.
TRANSFORM_SIGNATURE = "transform_features"
_TRANSFORMED_SUFFIX = "_xf"


def transformed_name(key: str) -> str:
  """The name Transform gives the transformed version of raw column `key`."""
  return key + _TRANSFORMED_SUFFIX
