"""What a finished run did, read from MLMD and artifact files, for people."""
import dataclasses
import os

import tensorflow_model_analysis as tfma
from tfx.types import standard_component_specs as specs

from components.champion_challenger import component as deciding
from components.contracts import artifacts as contract
from components.contracts import metrics, tfma_results
from components.drift_detector import component as detecting
from components.fallback_planner import component as planning
from components.guardrails import component as guarding
from components.serving_manifest import executor as manifest
from pipeline.definition import node_ids
from pipeline.mlmd import queries

# Metrics shown in the summary, in this order, from the overall slice (a
# task's evaluation holds only some of them).
_SUMMARY_METRICS = (*metrics.METRICS, "precision", "recall", "example_count")


@dataclasses.dataclass
class RunReport:
  run_id: str
  executions: list
  span: int = None  # the span the run ingested
  input_warnings: list = dataclasses.field(default_factory=list)  # the input check's
  guardrails: list = dataclasses.field(default_factory=list)  # "action: finding", one each
  guardrails_uri: str = None
  pushed_version: str = None
  pushed_path: str = None
  pushed_reused: bool = False
  pending_approval: bool = False  # pushed as a candidate (PROMOTION = "manual"), not served
  blessed: bool = None
  metrics: dict = dataclasses.field(default_factory=dict)
  evaluation_uri: str = None  # the Evaluator's, when it ran
  not_blessed_reasons: list = dataclasses.field(default_factory=list)
  has_baseline: bool = False
  drift_verdict: str = None
  drifted_features: str = ""
  drift_report_uri: str = None
  # A monitoring run's fallback: excluded_features, served (bool), reason,
  # fallback_metric, served_metric (the gate metric of the model it was
  # compared with), seconds to train.
  fallback: dict = None
  trained: bool = False  # a Trainer (primary or fallback) ran or was reused


def overall_metrics(evaluation_uri: str) -> dict:
  """The summary metrics of the overall slice of a TFMA evaluation."""
  return {name: value for name, value in tfma_results.overall(evaluation_uri).items()
          if name in _SUMMARY_METRICS}


def failed_thresholds(evaluation_uri: str) -> list:
  """Readable reasons TFMA's validation failed (empty when it passed)."""
  validation = tfma.load_validation_result(evaluation_uri)
  reasons = []
  for per_slice in validation.metric_validations_per_slice:
    for failure in per_slice.failures:
      threshold = failure.metric_threshold
      reasons.append(f"{failure.metric_key.name} {failure.metric_value.double_value.value:+.4g} "
                     f"{_describe_threshold(threshold)} {failure.message}".strip())
  return reasons


def _describe_threshold(threshold) -> str:
  if threshold.HasField("value_threshold"):
    bounds = threshold.value_threshold
    if bounds.HasField("upper_bound"):
      return f"(value; maximum: {bounds.upper_bound.value:.4g})"
    return f"(value; minimum: {bounds.lower_bound.value:.4g})"
  change = threshold.change_threshold.absolute.value
  return f"(change against the baseline model; allowed: {change:+.4g} or better)"


def read(store, settings, run_id=None) -> RunReport:
  """What run `run_id` (by default the newest) did."""
  run_id = run_id or queries.latest_run_id(store)
  executions = queries.run_executions(store, settings.pipeline_name, run_id)
  report = RunReport(run_id=run_id, executions=executions)
  by_node = {e.node_id: e for e in executions}
  if node_ids.EXAMPLE_GEN in by_node:
    examples = queries.output_artifacts(
        store, by_node[node_ids.EXAMPLE_GEN].execution.id).get(specs.EXAMPLES_KEY, [])
    if examples:
      report.span = queries.custom(examples[0], contract.SPAN)
      report.input_warnings = contract.split_lines(
          queries.custom(examples[0], contract.INPUT_WARNINGS, ""))
  report.trained = any(node in by_node for node in node_ids.TRAINERS)
  if node_ids.GUARDRAILS in by_node:
    found = queries.output_artifacts(
        store, by_node[node_ids.GUARDRAILS].execution.id)[guarding.REPORT_KEY][0]
    report.guardrails = contract.split_lines(queries.custom(found, contract.FINDINGS, ""))
    report.guardrails_uri = found.uri
  if node_ids.EVALUATOR in by_node:
    evaluator = by_node[node_ids.EVALUATOR].execution.id
    outputs = queries.output_artifacts(store, evaluator)
    evaluation_uri = report.evaluation_uri = outputs[specs.EVALUATION_KEY][0].uri
    report.metrics = overall_metrics(evaluation_uri)
    report.blessed = bool(queries.custom(outputs[specs.BLESSING_KEY][0], contract.BLESSED, 0))
    report.not_blessed_reasons = failed_thresholds(evaluation_uri)
    report.has_baseline = bool(queries.input_artifacts(store, evaluator).get(specs.BASELINE_MODEL_KEY))
  if node_ids.DRIFT_DETECTOR in by_node:
    drift_report = queries.output_artifacts(
        store, by_node[node_ids.DRIFT_DETECTOR].execution.id)[detecting.DRIFT_REPORT_KEY][0]
    report.drift_verdict = queries.custom(drift_report, contract.VERDICT)
    report.drifted_features = queries.custom(drift_report, contract.DRIFTED_FEATURES, "")
    report.drift_report_uri = drift_report.uri
  pushed_by = None
  for pusher in (by_node[n] for n in node_ids.PUSHERS if n in by_node):
    pushed = queries.output_artifacts(store, pusher.execution.id)[specs.PUSHED_MODEL_KEY][0]
    if queries.custom(pushed, contract.PUSHED, 0):
      report.pushed_version = queries.custom(pushed, contract.PUSHED_VERSION)
      report.pushed_path = queries.custom(pushed, contract.PUSHED_DESTINATION)
      report.pushed_reused = pusher.state == "CACHED"
      report.pending_approval = manifest.is_candidate(report.pushed_path)
      pushed_by = pusher.node_id
  if node_ids.CHAMPION_CHALLENGER in by_node:
    report.fallback = _fallback(store, by_node, served=(
        pushed_by == node_ids.FALLBACK_PUSHER and not report.pending_approval))
  return report


def _fallback(store, by_node, served: bool) -> dict:
  blessing = queries.output_artifacts(
      store, by_node[node_ids.CHAMPION_CHALLENGER].execution.id)[deciding.BLESSING_KEY][0]
  plan = queries.output_artifacts(
      store, by_node[node_ids.FALLBACK_PLANNER].execution.id)[planning.PLAN_KEY][0]
  return {"excluded_features": contract.split_list(
              queries.custom(plan, contract.EXCLUDED_FEATURES, "")),
          "served": served,
          "reason": queries.custom(blessing, contract.REASON),
          "fallback_metric": queries.custom(blessing, contract.CANDIDATE_METRIC),
          "served_metric": queries.custom(blessing, contract.BASELINE_METRIC),
          "seconds": by_node[node_ids.FALLBACK_TRAINER].seconds}


def decision(report: RunReport) -> str:
  """What the run decided, in one line, from what it ran."""
  failed = [e.node_id for e in report.executions if e.state == "FAILED"]
  if failed:
    return f"stopped: {failed[0]} failed (nothing pushed)"
  if report.pending_approval:
    return f"trained and pushed version {report.pushed_version} as a candidate, pending approval"
  if report.fallback:
    fallback = report.fallback
    without = ", ".join(fallback["excluded_features"]) or "any feature"
    return (f"fallback without {without} {'SERVED' if fallback['served'] else 'not served'}: "
            f"{fallback['reason']}")
  if report.pushed_version:
    return f"trained and pushed version {report.pushed_version}"
  if report.blessed is False:
    return "trained, not pushed: " + ("; ".join(report.not_blessed_reasons) or "not blessed")
  if report.trained:
    return "trained, not pushed (refused before the push)"
  if report.drift_verdict == "drift":
    return "drift found; nothing trained (policy alert)"
  return f"nothing trained (drift: {report.drift_verdict or 'not checked'})"


def serving_lines(active) -> list:
  """What the serving manifest serves, and which candidates wait."""
  if not active:
    return []
  lines = []
  if active["active_version"]:
    excluded = (f", without {', '.join(active['excluded_features'])}"
                if active["excluded_features"] else "")
    approved = (f", approved by {active['approval']['by']}" if active.get("approval") else "")
    lines.append(f"Serving now: version {active['active_version']} ({active['role']}{excluded}"
                 f"{approved}), active since {active['activated_at']}")
  else:
    lines.append("Serving now: nothing (no model approved yet)")
  waiting = [c["version"] for c in active.get("pending", [])]
  if waiting:
    lines.append(f"Pending approval: {', '.join(waiting)}")
  return lines


def format_summary(report: RunReport, paths, model_card_file: str) -> str:
  lines = [f"Input check warning: {warning}" for warning in report.input_warnings]
  if report.guardrails:
    lines.append(f"Guardrails: {len(report.guardrails)} finding(s) "
                 f"({os.path.join(report.guardrails_uri, contract.GUARDRAILS_HTML)})")
    lines += [f"  - {finding}" for finding in report.guardrails]
  if report.pushed_version:
    reused = " (unchanged since an earlier run; reused from cache)" if report.pushed_reused else ""
    pending = " as a candidate, PENDING APPROVAL (not served)" if report.pending_approval else ""
    lines.append(f"Model pushed{pending}: version {report.pushed_version}{reused}")
    lines.append(f"  model card: {os.path.join(report.pushed_path, model_card_file)}")
    if report.pending_approval:
      lines.append(f"  serve it:  python -m pipeline approve {report.pushed_version} --by NAME "
                   "[--note TEXT]   refuse it: python -m pipeline reject "
                   f"{report.pushed_version} --by NAME --note TEXT")
  elif not report.trained:
    lines.append("Nothing trained in this run (no drift that calls for it, or policy alert).")
  elif report.blessed is False:
    lines.append("No model pushed: the Evaluator did not bless the candidate.")
    lines += [f"  - {reason}" for reason in report.not_blessed_reasons]
  elif not report.fallback:
    lines.append("No model pushed: the run stopped before evaluation.")
  if report.fallback:
    fallback = report.fallback
    lines.append(f"Fallback model without {', '.join(fallback['excluded_features']) or 'any feature'}"
                 f" (trained in {fallback['seconds']:.1f} s): "
                 f"{'SERVED' if fallback['served'] else 'NOT SERVED'}")
    lines.append(f"  {fallback['reason']}")
  if report.drift_verdict:
    drifted = f" ({report.drifted_features})" if report.drifted_features else ""
    lines.append(f"Drift of the new span against the served model's training data: "
                 f"{report.drift_verdict}{drifted}")
    lines.append(f"  report: {os.path.join(report.drift_report_uri, contract.REPORT_HTML)}")
  if report.metrics:
    shown = ", ".join(f"{name} {value:.4g}" for name, value in sorted(
        report.metrics.items(), key=lambda kv: _SUMMARY_METRICS.index(kv[0])))
    lines.append(f"Evaluation (eval split): {shown}")
  if report.blessed is not None:
    baseline = "against the last blessed model" if report.has_baseline else "no earlier blessed model"
    lines.append(f"Blessing: {'BLESSED' if report.blessed else 'NOT BLESSED'} ({baseline})")
  lines += serving_lines(manifest.read(str(paths.serving_dir)))
  lines += [
      f"Serving folder:  {report.pushed_path or paths.serving_dir}",
      f"Pipeline root:   {paths.pipeline_root}",
      f"Metadata (MLMD): {paths.metadata_path}",
  ]
  return "\n".join(lines)
