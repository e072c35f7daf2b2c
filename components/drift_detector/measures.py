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
  # Rank error of the sketch the CDF comes from (one quantile bucket's share):
  # a share read off the CDF may be off by this much whatever the sample size.
  resolution: float = 0.0

  def fraction_at_most(self, x) -> np.ndarray:
    """F(x): share of values <= x (0 below the smallest point). A step
    function: exact for discrete values (TFDV's quantile buckets of integer
    codes are not uniform inside); up to one bucket low in between points."""
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
                        int(n_examples), int(n_values), 1.0 / len(bucket_counts))


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
                        sum(s.n_examples for s in summaries), sum(s.n_values for s in summaries),
                        max(s.resolution for s in summaries))


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


def share_shift(reference_shares, current_shares) -> float:
  """Largest change of one bin's (level's) share, in share points: the
  L-infinity distance that TFDV and Vertex monitoring use for categories."""
  return float(np.max(np.abs(np.asarray(current_shares) - np.asarray(reference_shares))))


def new_level_share(reference: CategoricalSummary, current: CategoricalSummary) -> float:
  """Share of current values whose level never occurs in the reference."""
  unseen = sum(c for level, c in current.counts.items() if level not in reference.counts)
  return unseen / (current.n_values or 1)


def missing_fraction(summary) -> float:
  """Share of examples without a value (single-valued features)."""
  if not summary.n_examples:
    return 0.0
  return max(0.0, 1.0 - summary.n_values / summary.n_examples)


# Bands of out_of_range: below/above the reference's central range (its
# [tail, 1 - tail] quantiles; robust to a few extreme values, unlike mean +-
# k*std) and below/above its min/max.
RANGE_BANDS = ("below_range", "above_range", "below_min", "above_max")


def out_of_range(reference: NumericSummary, current: NumericSummary, tail=0.01) -> dict:
  """{band}_current and {band}_reference: each sample's share in each band."""
  low, high = (float(v) for v in reference.quantile([tail, 1.0 - tail]))
  # On a step CDF read at another sample's points, "at or below" runs about
  # half a bucket low and "above" half a bucket high, like the reference's own
  # shares at its own points. A low edge at the minimum (a mass there) counts
  # only values below it.
  low_strict = low <= reference.min
  result = {}
  for name, summary in (("current", current), ("reference", reference)):
    result[f"below_range_{name}"] = _below(summary, low, strict=low_strict)
    result[f"above_range_{name}"] = 1.0 - float(summary.fraction_at_most(high))
    result[f"below_min_{name}"] = _below(summary, reference.min, strict=True)
    result[f"above_max_{name}"] = 1.0 - float(summary.fraction_at_most(reference.max))
  return result


def _below(summary: NumericSummary, x, strict: bool) -> float:
  return float(summary.fraction_at_most(np.nextafter(x, -np.inf) if strict else x))


def _grid(reference: NumericSummary, current: NumericSummary, low=-np.inf, high=np.inf):
  """Both CDFs on the union of their points within [low, high]."""
  xs = np.unique(np.concatenate([reference.xs, current.xs, [low, high]]))
  xs = xs[(xs >= low) & (xs <= high)]
  return xs, reference.fraction_at_most(xs), current.fraction_at_most(xs)


def ks_statistic(reference: NumericSummary, current: NumericSummary) -> float:
  """Largest gap between the two CDFs (Kolmogorov-Smirnov)."""
  _, ref, cur = _grid(reference, current)
  return float(np.max(np.abs(ref - cur)))


def wasserstein(reference: NumericSummary, current: NumericSummary, trim=0.01) -> float:
  """Earth mover's distance in reference standard deviations (Evidently's
  numeric measure), over the reference's central [trim, 1 - trim] range.

  Outside that range a few extreme values (the sample maximum is the
  noisiest statistic there is) would decide it; values moving out of the
  range are the out-of-range measure's job. The standard deviation is the
  reference's within that range, for the same reason.
  """
  low, high = (float(v) for v in reference.quantile([trim, 1.0 - trim]))
  xs, ref, cur = _grid(reference, current, low, high)
  if len(xs) < 2:
    return 0.0
  distance = float(np.sum(np.abs(ref - cur)[:-1] * np.diff(xs)))
  scale = _central_std(reference, low, high) or reference.std
  return distance / scale if scale > 0 else (0.0 if distance == 0 else float("inf"))


def _central_std(summary: NumericSummary, low, high) -> float:
  """Standard deviation of the values clipped to [low, high]."""
  masses = np.diff(np.concatenate([[0.0], summary.cdf]))
  values = np.clip(summary.xs, low, high)
  mean = float(np.sum(masses * values))
  return float(np.sqrt(np.sum(masses * (values - mean) ** 2)))


SCORE_BINS = 10


def psi_of_samples(reference, current, n_bins=SCORE_BINS) -> float:
  """PSI of two samples (e.g. model scores) on the reference deciles."""
  reference, current = np.asarray(reference, float), np.asarray(current, float)
  if not len(reference) or not len(current):
    return 0.0
  edges = np.unique(np.quantile(reference, np.arange(1, n_bins) / n_bins))

  def fractions(values):
    return np.bincount(np.searchsorted(edges, values, side="left"),
                       minlength=len(edges) + 1) / len(values)

  return psi(fractions(reference), fractions(current))
