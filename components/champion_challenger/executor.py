"""ChampionChallenger logic: serve the challenger (a fallback model) only if
it is at least as good as the served champion on the newest labelled data,
or if the champion's inputs are broken there. Pure."""
from components.contracts import metrics


def compared_on(rows, interval) -> str:
  """Where the two models were compared and how sure the difference is."""
  where = f"on {int(rows):,} rows of the new span's eval split" if rows else (
      "on the new span's eval split")
  if interval is None:
    return where
  low, high = interval
  return f"{where} (difference 95% CI [{low:+.4f}, {high:+.4f}])"


def decide(*, challenger: float, champion, broken_inputs: dict, metric: str, threshold: float,
           tolerance: float, no_input_left: bool = False, rows=None, interval=None):
  """(serve the challenger?, the reason, in words). `challenger` and
  `champion` are values of `metric` (components/contracts/metrics.py), which
  says which way is better; `threshold` is the gate every served model passes;
  `rows` and `interval` (challenger minus champion, 95%) are stated in the reason."""
  name = metrics.METRICS[metric].label
  if no_input_left:
    return False, ("every model input drifted, so no fallback can do without them; the served "
                   "model stays (retrain once the drift is understood: --policy retrain)")
  if not metrics.passes(metric, challenger, threshold):
    return False, (f"the fallback's {name} {challenger:.4f} does not pass the gate {threshold}; "
                   "the served model stays")
  if champion is None:
    return True, f"no model is served; the fallback's {name} is {challenger:.4f}"
  compared = (f"fallback {name} {challenger:.4f} vs served model {champion:.4f} "
              + compared_on(rows, interval))
  if metrics.worsening(metric, champion, challenger) <= tolerance:
    return True, f"{compared}: the fallback is at least as good"
  if broken_inputs:
    broken = ", ".join(f"{name} ({what})" for name, what in sorted(broken_inputs.items()))
    return True, f"{compared}, but the served model's inputs are broken there: {broken}"
  return False, (f"{compared}: the fallback is worse and the served model's inputs are "
                 "intact, so the served model stays")
