"""DriftDetector executor: loads artifacts, calls the pure measures, writes."""
import json
import os

import numpy as np
import tensorflow as tf
from absl import logging
from sklearn.metrics import roc_auc_score
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils, path_utils

from components.contracts import artifacts, model_io, tfma_results
from components.drift_detector import drift, measures, report, summaries, tfdv_distance

# Statistics split compared: the train split is a hash sample of 3/4 of each
# span, and a single split keeps a one-span baseline exactly TFDV's figures.
STATS_SPLIT = "train"
_BATCH = 1024


class Executor(base_executor.BaseExecutor):

  def Do(self, input_dict, output_dict, exec_properties):
    from components.drift_detector import component as c  # keys; avoids an import cycle
    config = json.loads(exec_properties[c.CONFIG_KEY])
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
      schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(
          input_dict[c.SCHEMA_KEY][0].uri))
      features, prediction, performance = analyse(
          current_stats, baseline_stats, schema, config,
          model_uri=models[0].uri if models else None,
          baseline_examples=baseline_examples, current_examples=current_examples,
          evaluation=(input_dict.get(c.EVALUATION_KEY) or [None])[0])
    else:
      baseline, features, prediction, performance = None, [], None, None
    result = report.build(features, baseline=baseline, current=current,
                          thresholds=config["thresholds"],
                          feature_thresholds=config["feature_thresholds"],
                          ignored=config["ignored_features"],
                          prediction=prediction, performance=performance)
    out = output_dict[c.DRIFT_REPORT_KEY][0]
    report.write(result, out.uri)
    out.set_int_custom_property(artifacts.DRIFT_DETECTED, int(result["drift_detected"]))
    out.set_string_custom_property(artifacts.DRIFTED_FEATURES, ",".join(result["drifted_features"]))
    out.set_float_custom_property(artifacts.MAX_PSI, float(result["max_psi"]))
    out.set_string_custom_property(artifacts.VERDICT, result["verdict"])
    logging.info("Drift verdict: %s; drifted features: %s", result["verdict"],
                 result["drifted_features"])


def _span(examples_artifact) -> int:
  return examples_artifact.get_int_custom_property(artifacts.SPAN)  # as ExampleGen records it


def _load_stats(artifact):
  return stats_artifact_utils.load_statistics(artifact, STATS_SPLIT).proto()


def analyse(current_stats, baseline_stats, schema, config, *, model_uri=None,
            baseline_examples=(), current_examples=None, evaluation=None):
  """Feature drift, and with a model, prediction and performance drift."""
  thresholds = config["thresholds"]
  current = summaries.from_statistics(current_stats.datasets[0])
  reference = summaries.merge([summaries.from_statistics(s.datasets[0]) for s in baseline_stats])
  distances = tfdv_distance.distances(current_stats, baseline_stats, schema,
                                      thresholds["tfdv_linf"], thresholds["tfdv_js"])
  features = drift.compare(reference, current, thresholds, config["feature_thresholds"],
                           config["ignored_features"], distances)
  prediction = performance = None
  if model_uri and baseline_examples and current_examples is not None:
    model = tf.saved_model.load(path_utils.serving_model_path(model_uri))
    ref_scores, _ = score(model, [_files(a, "eval") for a in baseline_examples], config)
    cur_scores, cur_labels = score(model, [_files(current_examples, None)], config)
    value = measures.psi_of_samples(ref_scores, cur_scores)
    prediction = {"psi": value, "n_reference": len(ref_scores), "n_current": len(cur_scores),
                  "mean_reference": float(np.mean(ref_scores)),
                  "mean_current": float(np.mean(cur_scores)),
                  "status": "drift" if value >= thresholds["prediction_psi"] else "ok"}
    labelled = all(measures.missing_fraction(current[k]) < 1.0
                   for k in config["outcome_columns"] if k in current)
    if evaluation is not None and labelled and len(set(cur_labels)) == 2:
      performance = _performance(evaluation.uri, cur_labels, cur_scores, thresholds["metric_drop"])
  return features, prediction, performance


def _files(examples_artifact, split):
  splits = [split] if split else artifact_utils.decode_split_names(examples_artifact.split_names)
  return [path for s in splits for path in sorted(tf.io.gfile.glob(
      os.path.join(artifact_utils.get_split_uri([examples_artifact], s), "*.gz")))]


def score(model, file_lists, config):
  """The served model's scores and the labels its Transform graph derives."""
  files = [f for files in file_lists for f in files]
  dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(_BATCH)
  scores, labels = [], []
  for batch in dataset:
    serve, transform = (model.signatures[model_io.SERVING_SIGNATURE],
                        model.signatures[model_io.TRANSFORM_SIGNATURE])
    scores.append(serve(**{model_io.SERVING_INPUT: batch})[model_io.OUTPUT_KEY].numpy()[:, 0])
    labels.append(transform(**{model_io.SERVING_INPUT: batch})[config["label_key"]].numpy())
  return np.concatenate(scores), np.concatenate(labels).astype(int)


def _performance(evaluation_uri, labels, scores, max_drop):
  blessed_auc = tfma_results.overall(evaluation_uri)["auc"]
  current_auc = float(roc_auc_score(labels, scores))
  drop = blessed_auc - current_auc
  return {"metric": "auc", "at_blessing": blessed_auc, "current": current_auc, "drop": drop,
          "n_current": len(labels), "status": "drift" if drop > max_drop else "ok"}
