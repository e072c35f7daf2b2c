"""Feature summaries (see measures.py): read from TFDV statistics protos in
the pipeline, or computed from a pandas table by the ad-hoc check."""
import numpy as np
import pandas as pd
from tensorflow_metadata.proto.v0 import statistics_pb2

from components.drift_detector import measures

_QUANTILES = statistics_pb2.Histogram.QUANTILES


def from_statistics(dataset: statistics_pb2.DatasetFeatureStatistics) -> dict:
  """{feature name: NumericSummary or CategoricalSummary} of one dataset."""
  result = {}
  for feature in dataset.features:
    name = feature.path.step[0] if feature.path.step else feature.name
    if feature.HasField("num_stats"):
      summary = _numeric(feature.num_stats, dataset.num_examples)
    elif feature.HasField("string_stats"):
      summary = _categorical(feature.string_stats, dataset.num_examples)
    else:
      continue
    if summary is not None:
      result[name] = summary
  return result


def _numeric(num_stats, n_examples):
  histograms = [h for h in num_stats.histograms if h.type == _QUANTILES]
  if not histograms or not histograms[0].buckets:
    return None  # no values at all: only the missing fraction is meaningful
  buckets = histograms[0].buckets
  return measures.numeric_from_quantiles(
      [(b.low_value, b.high_value) for b in buckets], [b.sample_count for b in buckets],
      num_stats.mean, num_stats.std_dev, n_examples, num_stats.common_stats.tot_num_values)


def _categorical(string_stats, n_examples):
  counts = {b.label: b.sample_count for b in string_stats.rank_histogram.buckets}
  return measures.CategoricalSummary(counts, n_examples,
                                     string_stats.common_stats.tot_num_values)


def merge(per_dataset: list) -> dict:
  """Merges {feature: summary} dicts of several spans, feature by feature."""
  merged = {}
  for name in set().union(*per_dataset):
    parts = [d[name] for d in per_dataset if name in d]
    if all(isinstance(p, measures.NumericSummary) for p in parts):
      merged[name] = measures.merge_numeric(parts)
    elif all(isinstance(p, measures.CategoricalSummary) for p in parts):
      merged[name] = measures.merge_categorical(parts)
  return merged


def from_table(frame: pd.DataFrame, quantile_buckets: int, rank_buckets: int) -> dict:
  """{column: summary} of a table, as TFDV's statistics with these bucket
  counts would give them (equal-count quantile buckets; the most frequent
  levels, as strings), computed exactly and without TensorFlow."""
  result = {}
  for name in frame.columns:
    column = frame[name].dropna()
    if pd.api.types.is_numeric_dtype(column.dtype):
      values = column.to_numpy(dtype=float)
      if not len(values):
        continue  # no values at all: as from_statistics
      edges = np.quantile(values, np.linspace(0.0, 1.0, quantile_buckets + 1),
                          method="inverted_cdf")
      result[name] = measures.numeric_from_quantiles(
          list(zip(edges[:-1], edges[1:])), [len(values) / quantile_buckets] * quantile_buckets,
          values.mean(), values.std(), len(frame), len(values))
    else:
      counts = column.astype(str).value_counts().head(rank_buckets)
      result[name] = measures.CategoricalSummary(
          {str(level): int(count) for level, count in counts.items()}, len(frame), len(column))
  return result
