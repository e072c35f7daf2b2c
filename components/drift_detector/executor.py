"""DriftDetector executor: loads artifacts, calls the pure measures, writes."""
import json
import os

import numpy as np
import tensorflow as tf
from absl import logging
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils, standard_artifacts
from tfx.utils import path_utils

from components.contracts import artifacts, model_io, scoring, tfma_results
from components.drift_detector import (drift, measures, performance, report, significance,
                                        summaries)

# Statistics split compared: the train split is a hash sample of 3/4 of each
# span, and a single split keeps a one-span baseline exactly TFDV's figures.
STATS_SPLIT = "train"


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    from components.drift_detector import component as c  # keys; avoids an import cycle
    config = json.loads(exec_properties[c.CONFIG_KEY])
    if input_dict.get(c.SERVED_STATE_KEY):
      input_dict = {**input_dict, **baseline_from_state(
          artifacts.read_state(input_dict[c.SERVED_STATE_KEY][0].uri)["baseline"], c)}
    current_stats = _load_stats(input_dict[c.CURRENT_STATISTICS_KEY][0])
    baseline_stats = [_load_stats(a) for a in input_dict.get(c.BASELINE_STATISTICS_KEY, [])]
    current_examples = input_dict[c.CURRENT_EXAMPLES_KEY][0]
    current = {"description": f"span {_span(current_examples)}", "span": _span(current_examples),
               "examples_uri": current_examples.uri}
    baseline_examples = input_dict.get(c.BASELINE_EXAMPLES_KEY, [])
    models = input_dict.get(c.MODEL_KEY, [])
    if baseline_stats:
      spans = sorted(_span(a) for a in baseline_examples) or [None]
      baseline = {"description": (f"training data (spans {spans}) of served model {models[0].uri}"
                                  if models else f"statistics of span {spans}"),
                  "spans": spans, "model_uri": models[0].uri if models else None}
      features, prediction, assessed = analyse(
          current_stats, baseline_stats, config,
          model_uri=models[0].uri if models else None,
          baseline_examples=baseline_examples, current_examples=current_examples,
          evaluation=(input_dict.get(c.EVALUATION_KEY) or [None])[0])
    else:
      baseline, features, prediction, assessed = None, [], None, None
    result = report.build(features, baseline=baseline, current=current,
                          thresholds=config["thresholds"],
                          feature_thresholds=config["feature_thresholds"],
                          ignored=config["ignored_features"],
                          prediction=prediction, performance=assessed)
    out = output_dict[c.DRIFT_REPORT_KEY][0]
    report.write(result, out.uri)
    out.set_int_custom_property(artifacts.DRIFT_DETECTED, int(result["drift_detected"]))
    out.set_string_custom_property(artifacts.DRIFTED_FEATURES, ",".join(result["drifted_features"]))
    out.set_float_custom_property(artifacts.MAX_PSI, float(result["max_psi"]))
    out.set_string_custom_property(artifacts.VERDICT, result["verdict"])
    if assessed:
      _record_performance(out, assessed)
    logging.info("Drift verdict: %s; drifted features: %s", result["verdict"],
                 result["drifted_features"])


def baseline_from_state(baseline, keys) -> dict:
  """The baseline inputs a ServedState names (on Vertex and KFP), as the
  artifacts the local run's resolver would pass; {} without a baseline."""
  if not baseline:
    return {}
  result = {keys.BASELINE_STATISTICS_KEY: [], keys.BASELINE_EXAMPLES_KEY: []}
  for entry in baseline["spans"]:
    for key, artifact_type, uri in (
        (keys.BASELINE_STATISTICS_KEY, standard_artifacts.ExampleStatistics, entry["statistics"]),
        (keys.BASELINE_EXAMPLES_KEY, standard_artifacts.Examples, entry["examples"])):
      found = artifact_type()
      found.uri = uri
      found.split_names = artifact_utils.encode_split_names(["train", "eval"])
      found.set_int_custom_property(artifacts.SPAN, entry["span"])
      result[key].append(found)
  for key, artifact_type in ((keys.MODEL_KEY, standard_artifacts.Model),
                             (keys.EVALUATION_KEY, standard_artifacts.ModelEvaluation)):
    if baseline[key]:
      result[key] = [artifact_type()]
      result[key][0].uri = baseline[key]
  return result


def _record_performance(out, assessed: dict) -> None:
  """The served model's AUC on the span in MLMD, queryable without the report."""
  if "estimated_auc" not in assessed:  # no label-free estimate for this task
    return
  low, high = assessed["estimated_auc_interval"]
  for key, value in ((artifacts.ESTIMATED_AUC, assessed["estimated_auc"]),
                     (artifacts.ESTIMATED_AUC_LOW, low), (artifacts.ESTIMATED_AUC_HIGH, high),
                     (artifacts.REALIZED_AUC, assessed.get("realized_auc"))):
    if value is not None and np.isfinite(value):
      out.set_float_custom_property(key, float(value))


def _span(examples_artifact) -> int:
  return artifacts.span_of(examples_artifact)


def _load_stats(artifact):
  return stats_artifact_utils.load_statistics(artifact, STATS_SPLIT).proto()


def analyse(current_stats, baseline_stats, config, *, model_uri=None, baseline_examples=(),
            current_examples=None, evaluation=None):
  """Feature drift, and with a model, prediction drift and its performance
  (estimated from its scores; realized too where the span has labels)."""
  thresholds = config["thresholds"]
  current = summaries.from_statistics(current_stats.datasets[0])
  reference = summaries.merge([summaries.from_statistics(s.datasets[0]) for s in baseline_stats])
  features = drift.compare(reference, current, config)
  prediction = assessed = None
  if model_uri and baseline_examples and current_examples is not None:
    task = config["task"]
    model = tf.saved_model.load(path_utils.serving_model_path(model_uri))
    ref_outputs, ref_labels = score(model, [_files(a, "eval") for a in baseline_examples], config)
    cur_outputs, cur_labels = score(model, [_files(current_examples, None)], config)
    prediction = _prediction_drift(prediction_scores(task, ref_outputs),
                                   prediction_scores(task, cur_outputs),
                                   thresholds, config["false_alarm_rate"])
    labelled = all(measures.missing_fraction(current[k]) < 1.0
                   for k in config["outcome_columns"] if k in current)
    if task == "binary":
      assessed = performance.assess(
          ref_outputs, ref_labels, cur_outputs, cur_labels if labelled else None, thresholds,
          model_io.DECISION_THRESHOLD, act_on_estimate=config["on_estimated_drop"],
          false_alarm_rate=config["false_alarm_rate"])
    else:
      assessed = performance.assess_realized(
          task, ref_outputs, ref_labels, cur_outputs, cur_labels if labelled else None,
          thresholds, config["false_alarm_rate"])
    if evaluation:
      assessed["at_blessing"] = tfma_results.overall(evaluation.uri)[config["metric"]]
  return features, prediction, assessed


def _prediction_drift(ref_scores, cur_scores, thresholds, false_alarm_rate) -> dict:
  value = measures.psi_of_samples(ref_scores, cur_scores)
  p_value = significance.psi_p_value(value, measures.SCORE_BINS, len(ref_scores), len(cur_scores))
  drifted = value >= thresholds["prediction_psi"] and p_value <= false_alarm_rate
  return {"psi": value, "p_value": p_value, "n_reference": len(ref_scores),
          "n_current": len(cur_scores), "mean_reference": float(np.mean(ref_scores)),
          "mean_current": float(np.mean(cur_scores)), "status": "drift" if drifted else "ok"}


def prediction_scores(task: str, outputs) -> np.ndarray:
  """What prediction drift compares: a multiclass model's predicted class,
  otherwise its one output (probability or value), from `outputs` of shape
  [rows] or [rows, outputs]."""
  outputs = np.asarray(outputs)
  if task == "multiclass":
    return np.argmax(outputs, axis=1).astype(float)
  return outputs if outputs.ndim == 1 else outputs[:, 0]


def _files(examples_artifact, split):
  splits = [split] if split else artifact_utils.decode_split_names(examples_artifact.split_names)
  return [path for s in splits for path in sorted(tf.io.gfile.glob(
      os.path.join(artifact_utils.get_split_uri([examples_artifact], s), "*.gz")))]


def score(model, file_lists, config):
  """The served model's outputs and labels on the rows of `file_lists`, a
  uniform sample of at most the config's "scored_rows"
  (components/contracts/scoring.py)."""
  return scoring.score(model, [f for files in file_lists for f in files], config["task"],
                       config["label_key"], max_rows=config.get("scored_rows"))
