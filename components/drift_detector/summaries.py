"""Feature summaries (see measures.py) read from TFDV statistics protos."""
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
