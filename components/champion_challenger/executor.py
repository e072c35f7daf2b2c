"""ChampionChallenger logic: serve the challenger (a fallback model) only if
it is at least as good as the served champion on the newest labelled data,
or if the champion's inputs are broken there. Pure."""


def decide(*, challenger_auc: float, champion_auc, broken_inputs: dict, min_auc: float,
           tolerance: float, no_input_left: bool = False):
  """(serve the challenger?, the reason, in words)."""
  if no_input_left:
    return False, ("every model input drifted, so no fallback can do without them; the served "
                   "model stays (retrain once the drift is understood: --policy retrain)")
  if challenger_auc < min_auc:
    return False, (f"the fallback's AUC {challenger_auc:.4f} is below the minimum {min_auc}; "
                   "the served model stays")
  if champion_auc is None:
    return True, f"no model is served; the fallback's AUC is {challenger_auc:.4f}"
  compared = (f"fallback AUC {challenger_auc:.4f} vs served model {champion_auc:.4f} "
              "on the new span's eval split")
  if challenger_auc >= champion_auc - tolerance:
    return True, f"{compared}: the fallback is at least as good"
  if broken_inputs:
    broken = ", ".join(f"{name} ({what})" for name, what in sorted(broken_inputs.items()))
    return True, f"{compared}, but the served model's inputs are broken there: {broken}"
  return False, (f"{compared}: the fallback is worse and the served model's inputs are "
                 "intact, so the served model stays")
