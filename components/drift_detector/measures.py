"""Drift measures over feature summaries. Pure functions: no Beam, no TFX.

A numeric feature is summarised by its empirical CDF (a step function
through the points of TFDV's quantiles histogram: exact for values the
histogram names, such as integer codes with a large share, and within one
bucket, 1% with 100 buckets, elsewhere), mean, standard deviation, min and max; a categorical one by its
level counts. Summaries of several spans merge exactly (CDF mixture, summed
counts), so a baseline can be the whole training window of a model.
"""
import dataclasses
import math

import numpy as np

OTHER = "__other__"


@dataclasses.dataclass
class NumericSummary:
  xs: np.ndarray  # increasing points of the CDF
  cdf: np.ndarray  # fraction of values <= xs[i]
  mean: float
  std: float
  min: float
  max: float
  n_examples: int
  n_values: int

  def fraction_at_most(self, x) -> np.ndarray:
    """F(x): share of values <= x (0 below the smallest point)."""
    index = np.searchsorted(self.xs, x, side="right") - 1
    return np.where(index >= 0, self.cdf[np.maximum(index, 0)], 0.0)

  def quantile(self, q) -> np.ndarray:
    """Smallest known point with F >= q: a value the data holds, so a mass at
    one value (an integer code, a zero amount) stays inside one bin."""
    index = np.searchsorted(self.cdf, np.asarray(q) - 1e-12, side="left")
    return self.xs[np.minimum(index, len(self.xs) - 1)]


@dataclasses.dataclass
class CategoricalSummary:
  counts: dict  # level -> count, for the most frequent levels
  n_examples: int
  n_values: int  # all values, including levels beyond `counts`


def numeric_from_quantiles(bucket_edges, bucket_counts, mean, std, n_examples,
                           n_values) -> NumericSummary:
  """Builds the CDF from quantile-histogram buckets [(low, high)], counts."""
  xs, cdf, total = [bucket_edges[0][0]], [0.0], float(sum(bucket_counts)) or 1.0
  running = 0.0
  for (_, high), count in zip(bucket_edges, bucket_counts):
    running += count
    xs.append(high)
    cdf.append(running / total)
  xs, cdf = _right_continuous(np.array(xs, float), np.array(cdf, float))
  return NumericSummary(xs, cdf, float(mean), float(std), float(xs[0]), float(xs[-1]),
                        int(n_examples), int(n_values))


def _right_continuous(xs, cdf):
  """Collapses repeated points (a mass at one value) to their highest F."""
  unique, index = np.unique(xs, return_index=False, return_inverse=True)
  highest = np.zeros(len(unique))
  np.maximum.at(highest, index, cdf)
  if len(unique) == 1:  # a constant feature: a step at that value
    return np.array([unique[0], unique[0]]), np.array([0.0, 1.0])
  # F just below the first point is 0: a mass there shows as the first step.
  return np.concatenate([[unique[0]], unique]), np.concatenate([[0.0], highest])


def merge_numeric(summaries) -> NumericSummary:
  """The summary of the union of the spans behind `summaries`."""
  weights = np.array([s.n_values for s in summaries], float)
  weights = weights / (weights.sum() or 1.0)
  xs = np.unique(np.concatenate([s.xs for s in summaries]))
  cdf = sum(w * s.fraction_at_most(xs) for w, s in zip(weights, summaries))
  mean = float(sum(w * s.mean for w, s in zip(weights, summaries)))
  second = float(sum(w * (s.std ** 2 + s.mean ** 2) for w, s in zip(weights, summaries)))
  xs, cdf = _right_continuous(xs, cdf)
  return NumericSummary(xs, cdf, mean, math.sqrt(max(second - mean ** 2, 0.0)),
                        min(s.min for s in summaries), max(s.max for s in summaries),
                        sum(s.n_examples for s in summaries), sum(s.n_values for s in summaries))


def merge_categorical(summaries) -> CategoricalSummary:
  counts = {}
  for summary in summaries:
    for level, count in summary.counts.items():
      counts[level] = counts.get(level, 0) + count
  return CategoricalSummary(counts, sum(s.n_examples for s in summaries),
                            sum(s.n_values for s in summaries))


def psi(reference, current, epsilon=1e-4) -> float:
  """Population stability index of two distributions over the same bins.

  Empty bins get `epsilon` so the logarithm stays finite.
  """
  ref = np.maximum(np.asarray(reference, float), epsilon)
  cur = np.maximum(np.asarray(current, float), epsilon)
  return float(np.sum((cur - ref) * np.log(cur / ref)))


def numeric_bins(reference: NumericSummary, current: NumericSummary, n_bins=10):
  """Bins at the reference quantiles with open outer edges.

  Returns (inner edges, reference fractions, current fractions). Repeated
  quantiles (a mass at one value) give fewer, wider bins.
  """
  edges = np.unique(reference.quantile(np.arange(1, n_bins) / n_bins))
  ref_cdf = np.concatenate([[0.0], reference.fraction_at_most(edges), [1.0]])
  cur_cdf = np.concatenate([[0.0], current.fraction_at_most(edges), [1.0]])
  return edges, np.diff(ref_cdf), np.diff(cur_cdf)


def categorical_bins(reference: CategoricalSummary, current: CategoricalSummary):
  """One bin per reference level, plus OTHER for levels the reference lacks."""
  levels = sorted(reference.counts, key=lambda level: -reference.counts[level])
  ref_total = reference.n_values or 1
  cur_total = current.n_values or 1
  ref = [reference.counts[level] / ref_total for level in levels] + [0.0]
  cur = [current.counts.get(level, 0) / cur_total for level in levels]
  # OTHER: unseen levels, and levels too rare for the statistics' histogram.
  cur.append(max(0.0, 1.0 - sum(cur)))
  ref[-1] = max(0.0, 1.0 - sum(ref[:-1]))
  return levels + [OTHER], np.array(ref), np.array(cur)


def new_level_share(reference: CategoricalSummary, current: CategoricalSummary) -> float:
  """Share of current values whose level never occurs in the reference."""
  unseen = sum(c for level, c in current.counts.items() if level not in reference.counts)
  return unseen / (current.n_values or 1)


def missing_fraction(summary) -> float:
  """Share of examples without a value (single-valued features)."""
  if not summary.n_examples:
    return 0.0
  return max(0.0, 1.0 - summary.n_values / summary.n_examples)


def out_of_range(reference: NumericSummary, current: NumericSummary, k=2.0) -> dict:
  """Shares outside the reference mean +- k*std and outside its [min, max],
  for the current data and for the reference itself."""
  low, high = reference.mean - k * reference.std, reference.mean + k * reference.std
  return {
      "sigma_current": _outside(current, low, high),
      "sigma_reference": _outside(reference, low, high),
      "minmax_current": _outside(current, reference.min, reference.max),
      "minmax_reference": _outside(reference, reference.min, reference.max),
  }


def _outside(summary: NumericSummary, low, high) -> float:
  """Share of values < low or > high."""
  below = float(summary.fraction_at_most(np.nextafter(low, -np.inf)))
  return below + 1.0 - float(summary.fraction_at_most(high))


def psi_of_samples(reference, current, n_bins=10) -> float:
  """PSI of two samples (e.g. model scores) on the reference deciles."""
  reference, current = np.asarray(reference, float), np.asarray(current, float)
  if not len(reference) or not len(current):
    return 0.0
  edges = np.unique(np.quantile(reference, np.arange(1, n_bins) / n_bins))

  def fractions(values):
    return np.bincount(np.searchsorted(edges, values, side="left"),
                       minlength=len(edges) + 1) / len(values)

  return psi(fractions(reference), fractions(current))
