"""TFDV's own drift distances: L-infinity (categorical), Jensen-Shannon (numeric)."""
import copy

import numpy as np
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

from components.drift_detector import measures, summaries

_STANDARD = statistics_pb2.Histogram.STANDARD
_KEYS = {"L_INFTY": "tfdv_linf", "JENSEN_SHANNON_DIVERGENCE": "tfdv_js"}


def distances(current, baselines, schema, linf_threshold, js_threshold) -> dict:
  """{feature: {"tfdv_linf" or "tfdv_js": value}}.

  `current` and each of `baselines` are DatasetFeatureStatisticsList protos.
  Several baseline spans are merged first (see merged_statistics).
  """
  schema = copy.deepcopy(schema)
  for feature in schema.feature:
    if feature.type == schema_pb2.BYTES:
      feature.drift_comparator.infinity_norm.threshold = linf_threshold
    else:
      feature.drift_comparator.jensen_shannon_divergence.threshold = js_threshold
  previous = baselines[0] if len(baselines) == 1 else merged_statistics(baselines)
  anomalies = tfdv.validate_statistics(current, schema, previous_statistics=previous)
  result = {}
  for info in anomalies.drift_skew_info:
    for measurement in info.drift_measurements:
      key = _KEYS[measurement.Type.Name(measurement.type)]
      result.setdefault(info.path.step[0], {})[key] = measurement.value
  return result


def merged_statistics(stats_lists) -> statistics_pb2.DatasetFeatureStatisticsList:
  """One dataset's statistics for several spans, enough for TFDV's distances:
  summed level counts, and a standard histogram of the mixed distribution on
  the union of the spans' bucket edges."""
  datasets = [s.datasets[0] for s in stats_lists]
  merged_summaries = summaries.merge([summaries.from_statistics(d) for d in datasets])
  result = statistics_pb2.DatasetFeatureStatistics(
      num_examples=sum(d.num_examples for d in datasets))
  for name, summary in merged_summaries.items():
    feature = result.features.add()
    feature.path.step.append(name)
    if isinstance(summary, measures.NumericSummary):
      feature.type = statistics_pb2.FeatureNameStatistics.FLOAT
      _numeric_histogram(feature.num_stats, summary, datasets, name)
    else:
      feature.type = statistics_pb2.FeatureNameStatistics.STRING
      feature.string_stats.common_stats.num_non_missing = summary.n_values
      feature.string_stats.common_stats.tot_num_values = summary.n_values
      feature.string_stats.unique = len(summary.counts)
      for label, count in sorted(summary.counts.items(), key=lambda kv: -kv[1]):
        bucket = feature.string_stats.rank_histogram.buckets.add()
        bucket.label, bucket.sample_count = label, count
  return statistics_pb2.DatasetFeatureStatisticsList(datasets=[result])


def _numeric_histogram(num_stats, summary, datasets, name):
  edges = set()
  for dataset in datasets:
    for feature in dataset.features:
      if feature.path.step and feature.path.step[0] == name:
        for histogram in feature.num_stats.histograms:
          if histogram.type == _STANDARD:
            edges.update(b.low_value for b in histogram.buckets)
            edges.update(b.high_value for b in histogram.buckets)
  edges = np.array(sorted(edges))
  num_stats.common_stats.num_non_missing = summary.n_values
  num_stats.common_stats.tot_num_values = summary.n_values
  num_stats.mean, num_stats.std_dev = summary.mean, summary.std
  num_stats.min, num_stats.max = summary.min, summary.max
  histogram = num_stats.histograms.add(type=_STANDARD)
  masses = np.diff(summary.fraction_at_most(edges)) if len(edges) > 1 else []
  for low, high, mass in zip(edges[:-1], edges[1:], masses):
    histogram.buckets.add(low_value=low, high_value=high, sample_count=mass * summary.n_values)
