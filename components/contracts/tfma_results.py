"""Reading TFMA results, shared by the components and the run summaries."""
import tensorflow_model_analysis as tfma


def overall(evaluation_uri: str, model_name=None) -> dict:
  """{metric name: value} of the overall slice of a TFMA evaluation; give
  `model_name` (tfma.CANDIDATE_KEY or BASELINE_KEY) for a two-model one."""
  result = tfma.load_eval_result(evaluation_uri, model_name=model_name)
  for slice_key, metrics in result.slicing_metrics:
    if slice_key == ():
      return {name: next(iter(value.values())) for name, value in metrics[""][""].items()
              if isinstance(value, dict)}
  raise ValueError(f"no overall slice in the evaluation at {evaluation_uri}")
