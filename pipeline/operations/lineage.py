"""Who built a pushed model, when, and from what: answered from MLMD and the
artifact files alone (python -m pipeline lineage)."""
import dataclasses
import datetime
import json
import os

import tensorflow as tf
from tfx.types import standard_component_specs as specs

from components.contracts import artifacts as contract
from components.contracts.artifacts import DriftReport
from components.drift_detector import component as detecting
from components.fallback_planner import component as planning
from components.guardrails import component as guarding
from pipeline.definition import node_ids
from pipeline.mlmd import queries
from components.serving_manifest import executor as manifest
from pipeline.operations import provenance, report, serving


class LineageError(LookupError):
  """No such pushed model; the message lists the versions that exist."""


def _when(ms: int) -> str:
  return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).isoformat(timespec="seconds")


def _exec_properties(execution) -> dict:
  """TFX records a component's execution properties as custom properties."""
  return {k: getattr(v, v.WhichOneof("value")) for k, v in execution.custom_properties.items()
          if v.WhichOneof("value")}


def pushed_models(store) -> list:
  """PushedModel artifacts that really pushed, oldest first."""
  return sorted((a for a in store.get_artifacts_by_type("PushedModel")
                 if queries.custom(a, contract.PUSHED, 0)), key=lambda a: a.id)


def latest_drift(store):
  """The newest drift check in this metadata store (any run), or None."""
  reports = store.get_artifacts_by_type(DriftReport.TYPE_NAME)
  if not reports:
    return None
  newest = max(reports, key=lambda a: a.id)
  return {**_drift_facts(newest), "at": _when(newest.create_time_since_epoch)}


def _drift_facts(report) -> dict:
  """A DriftReport artifact's verdict, drifted features and HTML page."""
  return {"verdict": queries.custom(report, contract.VERDICT),
          "drifted_features": queries.custom(report, contract.DRIFTED_FEATURES),
          "report": os.path.join(report.uri, contract.REPORT_HTML)}


def _single_input(store, execution_id, key):
  artifacts = queries.input_artifacts(store, execution_id).get(key, [])
  return artifacts[0] if artifacts else None


def explain(store, version: str = "latest") -> dict:
  pushed = pushed_models(store)
  if not pushed:
    raise LineageError("no model has been pushed yet (run `make run`)")
  if version == "latest":
    target = pushed[-1]
  else:
    matches = [p for p in pushed if queries.custom(p, contract.PUSHED_VERSION) == version]
    if not matches:
      known = ", ".join(queries.custom(p, contract.PUSHED_VERSION) for p in pushed)
      raise LineageError(f"no pushed model has version {version}; pushed versions: {known}")
    target = matches[-1]
  pusher = queries.producer_execution_id(store, target.id)
  model = _single_input(store, pusher, specs.MODEL_KEY)
  blessing = _single_input(store, pusher, specs.MODEL_BLESSING_KEY)
  trainer_id = queries.producer_execution_id(store, model.id)
  (trainer,) = store.get_executions_by_id([trainer_id])
  trainer_inputs = queries.input_artifacts(store, trainer_id)
  # A fallback reuses the served model's Transform graph: the spans are its
  # own training window's, which lineage gives whichever way it transformed.
  transform_graph = trainer_inputs[specs.TRANSFORM_GRAPH_KEY][0]
  trained_on = store.get_artifacts_by_id(queries.training_examples(store, model.id))
  spans = [{"span": queries.custom(e, contract.SPAN), "fingerprint": queries.custom(e, contract.INPUT_FINGERPRINT),
            "examples_uri": e.uri} for e in sorted(trained_on,
                                                   key=lambda a: queries.custom(a, contract.SPAN))]
  hyperparameters = trainer_inputs.get(specs.HYPERPARAMETERS_KEY, [])
  hp_values = None
  if hyperparameters:
    hp_files = tf.io.gfile.glob(os.path.join(hyperparameters[0].uri, "*"))
    if hp_files:
      with tf.io.gfile.GFile(hp_files[0]) as f:
        hp_values = json.load(f).get("values")
  evaluation = queries.evaluations_behind(store, blessing.id)[0]
  custom_config = json.loads(_exec_properties(trainer).get("custom_config", "{}") or "{}")
  drift = []
  drift_type_id = store.get_artifact_type(DriftReport.TYPE_NAME).id
  for context in store.get_contexts_by_execution(trainer_id):
    if store.get_context_type("pipeline_run").id != context.type_id:
      continue
    for artifact in store.get_artifacts_by_context(context.id):
      if artifact.type_id == drift_type_id:
        drift.append(_drift_facts(artifact))
  return {
      "pushed_id": target.id,
      "promotion": _promotion(store, target, pusher),
      "version": queries.custom(target, contract.PUSHED_VERSION),
      "pushed_to": queries.custom(target, contract.PUSHED_DESTINATION),
      "pushed_at": _when(target.create_time_since_epoch),
      "model": {"mlmd_id": model.id, "uri": model.uri},
      "built": {"trainer_execution": trainer_id, "started": _when(trainer.create_time_since_epoch),
                "finished": _when(trainer.last_update_time_since_epoch),
                "tfx_version": queries.custom(model, "tfx_version"),
                "model_code_sha256": custom_config.get("model_code"), "seed": custom_config.get("seed")},
      "provenance": provenance.of_execution(store, trainer_id),
      "data": spans,
      "schema": trainer_inputs[specs.SCHEMA_KEY][0].uri,
      "transform_graph": transform_graph.uri,
      "hyperparameters": hp_values,
      "evaluation": {"uri": evaluation.uri, "metrics": report.overall_metrics(evaluation.uri)},
      "blessing": {"mlmd_id": blessing.id,
                   "blessed": bool(queries.custom(blessing, contract.BLESSED, 0)),
                   "for_model": queries.custom(blessing, contract.CURRENT_MODEL_ID)},
      "drift_reports": drift,
      "fallback": _fallback(store, trainer_inputs[specs.SCHEMA_KEY][0], blessing),
      "guardrails": _guardrails(store, trainer_inputs[specs.SCHEMA_KEY][0]),
  }


def _decisions(store, execution_ids) -> list:
  """The promotion decisions among `execution_ids`, oldest first."""
  promotion_type = {t.id for t in store.get_execution_types() if t.name == serving.PROMOTION_TYPE}
  return [{"decision": queries.custom(e, serving.DECISION), "by": queries.custom(e, serving.BY),
           "note": queries.custom(e, serving.NOTE), "at": _when(e.create_time_since_epoch),
           "candidate_version": queries.custom(e, serving.CANDIDATE_VERSION)}
          for e in sorted(store.get_executions_by_id(execution_ids), key=lambda e: e.id)
          if e.type_id in promotion_type]


def _promotion(store, pushed, pusher):
  """Manual promotion: for a served copy, the approval that served it; for a
  candidate, "pending" or its decisions. None for a model served at once."""
  approval = _decisions(store, [pusher])
  if approval:
    return {"status": serving.APPROVED, **approval[0]}
  if not manifest.is_candidate(queries.custom(pushed, contract.PUSHED_DESTINATION, "")):
    return None
  history = _decisions(store, queries.consumer_execution_ids(store, pushed.id))
  final = [d for d in history if d["decision"] != serving.REFUSED]
  return {"status": final[-1]["decision"] if final else "pending", "history": history}


def _fallback(store, schema, blessing):
  """For a fallback model (its training schema came from FallbackPlanner):
  what it excludes, the drift report that caused it, the model it replaces."""
  planner = queries.producer_execution_id(store, schema.id)
  plan = (queries.output_artifacts(store, planner).get(planning.PLAN_KEY)
          if planner is not None else None)
  if not plan:
    return None
  return {"excluded_features": contract.split_list(
              queries.custom(plan[0], contract.EXCLUDED_FEATURES, "")),
          "drift_report_id": queries.input_artifacts(
              store, planner)[planning.DRIFT_REPORT_KEY][0].id,
          "replaces_model_id": queries.custom(blessing, contract.BASELINE_MODEL_ID),
          "reason": queries.custom(blessing, contract.REASON)}


def _guardrails(store, schema):
  """The guardrail report on the model's training window: written by the
  Guardrails execution that produced its training schema (for a fallback,
  the schema the FallbackPlanner reduced). None for a model built before
  guardrails existed."""
  producer = queries.producer_execution_id(store, schema.id)
  while producer is not None:
    outputs = queries.output_artifacts(store, producer)
    if guarding.REPORT_KEY in outputs:
      found = outputs[guarding.REPORT_KEY][0]
      return {**contract.read_guardrails(found.uri),
              "report": os.path.join(found.uri, contract.GUARDRAILS_HTML)}
    schemas = queries.input_artifacts(store, producer).get(planning.SCHEMA_KEY)
    producer = queries.producer_execution_id(store, schemas[0].id) if schemas else None
  return None


def promotion_lines(promotion) -> list:
  """Who approved or rejected the model, when and why, one line each."""
  if not promotion:
    return []
  if promotion["status"] == serving.APPROVED and "history" not in promotion:
    return [f"approved by {promotion['by']} at {promotion['at']} (candidate "
            f"{promotion['candidate_version']}): {promotion['note'] or 'no note'}"]
  lines = [f"{d['decision']} by {d['by']} at {d['at']}: {d['note'] or 'no note'}"
           for d in promotion["history"]]
  if promotion["status"] == "pending":
    lines.append("candidate, pending approval: not served")
  return lines


def _who(facts: dict) -> str:
  if not facts:
    return "not recorded"
  dirty = " (uncommitted changes)" if facts["git_dirty"] else ""
  return (f"{facts['user']}@{facts['host']}, git {facts['git_commit']}{dirty}, "
          f"config sha256 {facts['config_sha256'][:16]}, tfx {facts['version_tfx']}, "
          f"tensorflow {facts['version_tensorflow']}, beam {facts['version_apache-beam']}")


def render(facts: dict, fmt: str) -> str:
  if fmt == "json":
    return json.dumps(facts, indent=2, default=str)
  lines = []
  bullet = "- " if fmt == "md" else "  "
  if fmt == "md":
    lines.append(f"# Model version {facts['version']}\n")
  else:
    lines.append(f"Model version {facts['version']}")
  built = facts["built"]
  rows = [
      ("pushed", f"{facts['pushed_at']} to {facts['pushed_to']}"),
      ("built by", f"Trainer execution {built['trainer_execution']}, {built['started']} to "
                   f"{built['finished']}, TFX {built['tfx_version']}"),
      ("who", _who(facts["provenance"])),
      ("code", f"model code sha256 {built['model_code_sha256']}, seed {built['seed']}"),
      ("data", ", ".join(f"span {s['span']} ({s['fingerprint']})" for s in facts["data"])),
      ("schema", facts["schema"]),
      ("transform graph", facts["transform_graph"]),
      ("hyperparameters", json.dumps(facts["hyperparameters"])),
      ("evaluation", ", ".join(f"{k} {v:.4g}" for k, v in sorted(facts["evaluation"]["metrics"].items()))),
      ("blessing", f"{'blessed' if facts['blessing']['blessed'] else 'not blessed'} "
                   f"(issued for model {facts['blessing']['for_model']})"),
      ("drift", "; ".join(f"{d['verdict']} {d['drifted_features']} ({d['report']})"
                          for d in facts["drift_reports"]) or "none recorded"),
  ]
  rows += [("promotion", line) for line in promotion_lines(facts.get("promotion"))]
  fallback = facts["fallback"]
  if fallback:
    rows.append(("fallback", f"without {', '.join(fallback['excluded_features'])}, caused by drift "
                             f"report {fallback['drift_report_id']}, replacing model "
                             f"{fallback['replaces_model_id']}: {fallback['reason']}"))
  guardrails = facts.get("guardrails")
  if guardrails:
    excluded = ", ".join(guardrails["excluded_features"]) or "none"
    rows.append(("guardrails", f"{len(guardrails['findings'])} finding(s), excluded: {excluded} "
                               f"({guardrails['report']})"))
    rows += [("  finding", f"{f['action']}: {f['message']}") for f in guardrails["findings"]]
  lines += [f"{bullet}{name}: {value}" for name, value in rows]
  return "\n".join(lines)


ARTIFACT, EXECUTION = "artifact", "execution"
def _walks(node: str, key: str, artifact_id: int, model_id: int) -> bool:
  """Whether an input is part of the model's own lineage. Another model (a
  warm start, a baseline, the model served during a drift check) and the
  drift check's reference data are shown, not walked: their lineage is
  another model's."""
  if node == node_ids.DRIFT_DETECTOR:
    return key in (detecting.CURRENT_STATISTICS_KEY, detecting.CURRENT_EXAMPLES_KEY)
  if key in (specs.BASE_MODEL_KEY, specs.BASELINE_MODEL_KEY):
    return False
  return key != specs.MODEL_KEY or artifact_id == model_id


@dataclasses.dataclass
class Graph:
  """Artifacts and executions (keys (ARTIFACT or EXECUTION, MLMD id)) with
  their labels, and edges (source key, target key) in the data's direction."""
  target: tuple
  labels: dict = dataclasses.field(default_factory=dict)
  edges: list = dataclasses.field(default_factory=list)

  def depths(self) -> dict:
    """Each node's longest distance, in edges, down to the target."""
    downstream = {}
    for source, target in self.edges:
      downstream.setdefault(source, []).append(target)
    depth = {self.target: 0}

    def of(key):
      if key not in depth:
        depth[key] = 1 + max(of(child) for child in downstream[key])
      return depth[key]

    for key in self.labels:
      of(key)
    return depth


def _label(artifact, type_names) -> str:
  name = type_names[artifact.type_id].split(".")[-1]
  span = queries.custom(artifact, contract.SPAN)
  version = queries.custom(artifact, contract.PUSHED_VERSION)
  detail = f"span {span}" if span is not None else f"version {version}" if version else f"#{artifact.id}"
  return f"{name}\n{detail}"


def graph(store, pipeline_name: str, version: str = "latest") -> Graph:
  """The lineage of a pushed model as a graph: from the data spans, through
  every execution that led to it, to the serving folder it was pushed to.
  A model read as a baseline, warm start or served model is shown, not walked."""
  facts = explain(store, version)
  pushed = next(p for p in pushed_models(store)
                if queries.custom(p, contract.PUSHED_VERSION) == facts["version"])
  type_names = {t.id: t.name for t in store.get_artifact_types()}
  serving = ("serving", pushed.id)
  result = Graph(target=serving, labels={serving: f"serving folder\n{facts['version']}"},
                 edges=[((ARTIFACT, pushed.id), serving)])
  todo, walked = [pushed.id], set()
  while todo:
    artifact_id = todo.pop()
    if artifact_id in walked:
      continue
    walked.add(artifact_id)
    producer = queries.producer_execution_id(store, artifact_id)
    if producer is None:
      continue
    result.edges.append(((EXECUTION, producer), (ARTIFACT, artifact_id)))
    if (EXECUTION, producer) in result.labels:
      continue
    node = result.labels[(EXECUTION, producer)] = queries.node_id(store, pipeline_name, producer)
    for key, inputs in queries.input_artifacts(store, producer).items():
      for artifact in inputs:
        result.edges.append(((ARTIFACT, artifact.id), (EXECUTION, producer)))
        if _walks(node, key, artifact.id, facts["model"]["mlmd_id"]):
          todo.append(artifact.id)
  for artifact in store.get_artifacts_by_id(
      sorted({key[1] for edge in result.edges for key in edge if key[0] == ARTIFACT})):
    result.labels[(ARTIFACT, artifact.id)] = _label(artifact, type_names)
  return result
