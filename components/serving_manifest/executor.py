"""The serving manifest: one small JSON file in the serving folder that says
which pushed version is active, whether it is the primary model or a
fallback, what it leaves out and why, since when, and who approved it; and
which candidates wait for approval (PROMOTION = "manual") or were rejected.
Replaced atomically (temporary file + rename), so a reader sees the old or
the new one, whole."""
import datetime
import json
import os

import tensorflow as tf

from components.contracts import files

FILE_NAME = files.MANIFEST_JSON
# Where a candidate is pushed in manual promotion, inside the serving folder:
# TF Serving loads only numbered folders, so it never serves from here.
CANDIDATES_FOLDER = "candidates"


def path(serving_dir: str) -> str:
  return os.path.join(str(serving_dir), FILE_NAME)


def candidates_dir(serving_dir: str) -> str:
  return os.path.join(str(serving_dir), CANDIDATES_FOLDER)


def is_candidate(destination: str) -> bool:
  """Whether a push destination is a candidate's (not served) folder."""
  return os.path.basename(os.path.dirname(str(destination).rstrip("/"))) == CANDIDATES_FOLDER


def read(serving_dir: str):
  """The current manifest, or None when nothing was activated yet."""
  if not tf.io.gfile.exists(path(serving_dir)):
    return None
  with tf.io.gfile.GFile(path(serving_dir)) as f:
    return json.load(f)


def now_text(now=None) -> str:
  """UTC time as ISO 8601 text, to the second."""
  return (now or datetime.datetime.now(datetime.timezone.utc)).isoformat(timespec="seconds")


def build(previous=None, *, version: str, model_path: str, role: str, model_id: int,
          excluded_features=(), reason: str = "", drift_report_id=None, replaces_model_id=None,
          approval=None, artifacts=None, now=None) -> dict:
  """The manifest that serves `version`; the previous one's candidates
  carry over, less this version. `approval`: {"by", "note", "at"};
  `artifacts`: the URIs a run on Vertex or KFP reads the served model's
  state from (model, evaluation, schema, transform_graph, and its training
  spans' examples and statistics)."""
  previous = previous or {}
  return {
      "active_version": str(version),
      "model_path": str(model_path),
      "role": role,  # primary | fallback | rollback
      "model_id": model_id,
      "excluded_features": list(excluded_features),
      "reason": reason,
      "drift_report_id": drift_report_id,
      "replaces_model_id": replaces_model_id,
      "activated_at": now_text(now),
      "approval": approval,
      "artifacts": artifacts,
      "previous": ({"active_version": previous["active_version"], "role": previous["role"],
                    "model_id": previous["model_id"]}
                   if previous.get("active_version") else None),
      "pending": [c for c in previous.get("pending", []) if c["version"] != str(version)],
      "rejected": previous.get("rejected", []),
  }


def with_candidate(previous, *, version: str, model_path: str, role: str, model_id: int,
                   excluded_features=(), reason: str = "", drift_report_id=None,
                   replaces_model_id=None, artifacts=None, now=None) -> dict:
  """The previous manifest (or one that serves nothing yet) with one more
  candidate pending approval; what is served does not change."""
  current = dict(previous or {"active_version": None, "role": None, "model_id": None})
  candidate = {"version": str(version), "model_path": str(model_path), "role": role,
               "model_id": model_id, "excluded_features": list(excluded_features),
               "reason": reason, "drift_report_id": drift_report_id,
               "replaces_model_id": replaces_model_id, "artifacts": artifacts,
               "pushed_at": now_text(now)}
  current["pending"] = [c for c in current.get("pending", []) if c["version"] != str(version)]
  current["pending"].append(candidate)
  current.setdefault("rejected", [])
  return current


def pending(current, version: str) -> dict:
  """The pending candidate `version`; LookupError says what is pending."""
  for candidate in (current or {}).get("pending", []):
    if candidate["version"] == str(version):
      return candidate
  rejected = [r for r in (current or {}).get("rejected", []) if r["version"] == str(version)]
  if rejected:
    raise LookupError(f"version {version} was rejected by {rejected[-1]['by']} at "
                      f"{rejected[-1]['at']}: {rejected[-1]['note']}")
  waiting = ", ".join(c["version"] for c in (current or {}).get("pending", [])) or "none"
  raise LookupError(f"version {version} is not a candidate pending approval; pending: {waiting}")


def with_rejection(current, version: str, *, by: str, note: str, now=None) -> dict:
  """`current` with candidate `version` moved from pending to rejected."""
  candidate = pending(current, version)
  result = dict(current)
  result["pending"] = [c for c in current["pending"] if c is not candidate]
  result["rejected"] = current.get("rejected", []) + [
      {"version": str(version), "model_id": candidate["model_id"], "by": by, "note": note,
       "at": now_text(now)}]
  return result


def write(serving_dir: str, manifest: dict) -> None:
  """Atomically replaces the manifest (a rename within one folder; on object
  stores such as GCS a rename is a copy, atomic per object)."""
  tf.io.gfile.makedirs(str(serving_dir))
  temporary = path(serving_dir) + ".tmp"
  with tf.io.gfile.GFile(temporary, "w") as f:
    f.write(json.dumps(manifest, indent=2))
  tf.io.gfile.rename(temporary, path(serving_dir), overwrite=True)
