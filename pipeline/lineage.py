"""Who built a pushed model, when, and from what: answered from MLMD and the
artifact files alone (python -m pipeline lineage)."""
import datetime
import json
import pathlib

from components.drift_detector.component import DriftReport
from components.fallback_planner import component as planning
from pipeline import metadata, provenance, report


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
                 if metadata.custom(a, "pushed", 0)), key=lambda a: a.id)


def _single_input(store, execution_id, key):
  artifacts = metadata.input_artifacts(store, execution_id).get(key, [])
  return artifacts[0] if artifacts else None


def explain(store, version: str = "latest") -> dict:
  pushed = pushed_models(store)
  if not pushed:
    raise LineageError("no model has been pushed yet (run `make run`)")
  if version == "latest":
    target = pushed[-1]
  else:
    matches = [p for p in pushed if metadata.custom(p, "pushed_version") == version]
    if not matches:
      known = ", ".join(metadata.custom(p, "pushed_version") for p in pushed)
      raise LineageError(f"no pushed model has version {version}; pushed versions: {known}")
    target = matches[-1]
  pusher = metadata.producer_execution_id(store, target.id)
  model = _single_input(store, pusher, "model")
  blessing = _single_input(store, pusher, "model_blessing")
  trainer_id = metadata.producer_execution_id(store, model.id)
  (trainer,) = store.get_executions_by_id([trainer_id])
  trainer_inputs = metadata.input_artifacts(store, trainer_id)
  transform_graph = trainer_inputs["transform_graph"][0]
  transform_inputs = metadata.input_artifacts(
      store, metadata.producer_execution_id(store, transform_graph.id))
  spans = [{"span": metadata.custom(e, "span"), "fingerprint": metadata.custom(e, "input_fingerprint"),
            "examples_uri": e.uri} for e in sorted(transform_inputs.get("examples", []),
                                                   key=lambda a: metadata.custom(a, "span"))]
  hyperparameters = trainer_inputs.get("hyperparameters", [])
  hp_values = None
  if hyperparameters:
    hp_file = next(pathlib.Path(hyperparameters[0].uri).glob("*"), None)
    hp_values = json.loads(hp_file.read_text()).get("values") if hp_file else None
  evaluation = metadata.evaluations_behind(store, blessing.id)[0]
  custom_config = json.loads(_exec_properties(trainer).get("custom_config", "{}") or "{}")
  drift = []
  drift_type_id = store.get_artifact_type(DriftReport.TYPE_NAME).id
  for context in store.get_contexts_by_execution(trainer_id):
    if store.get_context_type("pipeline_run").id != context.type_id:
      continue
    for artifact in store.get_artifacts_by_context(context.id):
      if artifact.type_id == drift_type_id:
        drift.append({"verdict": metadata.custom(artifact, "verdict"),
                      "drifted_features": metadata.custom(artifact, "drifted_features"),
                      "report": str(pathlib.Path(artifact.uri) / "report.html")})
  return {
      "version": metadata.custom(target, "pushed_version"),
      "pushed_to": metadata.custom(target, "pushed_destination"),
      "pushed_at": _when(target.create_time_since_epoch),
      "model": {"mlmd_id": model.id, "uri": model.uri},
      "built": {"trainer_execution": trainer_id, "started": _when(trainer.create_time_since_epoch),
                "finished": _when(trainer.last_update_time_since_epoch),
                "tfx_version": metadata.custom(model, "tfx_version"),
                "model_code_sha256": custom_config.get("model_code"), "seed": custom_config.get("seed")},
      "provenance": provenance.of_execution(store, trainer_id),
      "data": spans,
      "schema": trainer_inputs["schema"][0].uri,
      "transform_graph": transform_graph.uri,
      "hyperparameters": hp_values,
      "evaluation": {"uri": evaluation.uri, "metrics": report.overall_metrics(evaluation.uri)},
      "blessing": {"mlmd_id": blessing.id, "blessed": bool(metadata.custom(blessing, "blessed", 0)),
                   "for_model": metadata.custom(blessing, "current_model_id")},
      "drift_reports": drift,
      "fallback": _fallback(store, trainer_inputs["schema"][0], blessing),
  }


def _fallback(store, schema, blessing):
  """For a fallback model (its training schema came from FallbackPlanner):
  what it excludes, the drift report that caused it, the model it replaces."""
  planner = metadata.producer_execution_id(store, schema.id)
  plan = (metadata.output_artifacts(store, planner).get(planning.PLAN_KEY)
          if planner is not None else None)
  if not plan:
    return None
  excluded = metadata.custom(plan[0], "excluded_features", "")
  return {"excluded_features": excluded.split(",") if excluded else [],
          "drift_report_id": metadata.input_artifacts(
              store, planner)[planning.DRIFT_REPORT_KEY][0].id,
          "replaces_model_id": metadata.custom(blessing, "baseline_model_id"),
          "reason": metadata.custom(blessing, "reason")}


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
  fallback = facts["fallback"]
  if fallback:
    rows.append(("fallback", f"without {', '.join(fallback['excluded_features'])}, caused by drift "
                             f"report {fallback['drift_report_id']}, replacing model "
                             f"{fallback['replaces_model_id']}: {fallback['reason']}"))
  lines += [f"{bullet}{name}: {value}" for name, value in rows]
  return "\n".join(lines)
