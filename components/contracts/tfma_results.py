"""Reading TFMA results, shared by the components and the run summaries."""
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.writers import eval_config_writer


def _load(evaluation_uri: str, model_name=None):
  """The evaluation of `model_name`; by default the only model, or the
  candidate when the Evaluator compared it with a baseline."""
  if model_name is None:
    config, *_ = eval_config_writer.load_eval_run(evaluation_uri)
    model_name = tfma.CANDIDATE_KEY if len(config.model_specs) > 1 else None
  return tfma.load_eval_result(evaluation_uri, model_name=model_name)


def by_slice(evaluation_uri: str, model_name=None) -> list:
  """[(slice key, {metric name: value})] of a TFMA evaluation, the overall
  slice (key ()) included; `model_name`: tfma.CANDIDATE_KEY or BASELINE_KEY."""
  return [(slice_key, {name: next(iter(value.values())) for name, value in metrics[""][""].items()
                       if isinstance(value, dict)})
          for slice_key, metrics in _load(evaluation_uri, model_name).slicing_metrics]


def overall(evaluation_uri: str, model_name=None) -> dict:
  """{metric name: value} of the overall slice of a TFMA evaluation."""
  for slice_key, metrics in by_slice(evaluation_uri, model_name):
    if slice_key == ():
      return metrics
  raise ValueError(f"no overall slice in the evaluation at {evaluation_uri}")


def overall_plots(evaluation_uri: str) -> dict:
  """{plot name: plot data} of the overall slice (the EvalConfig's plots;
  none for regression, whose evaluation holds no plot)."""
  loaded = _load(evaluation_uri).plots or []
  for slice_key, plots in loaded:
    if slice_key == ():
      return plots[""][""] if plots else {}
  if not loaded:
    return {}
  raise ValueError(f"no plots of the overall slice in the evaluation at {evaluation_uri}")
