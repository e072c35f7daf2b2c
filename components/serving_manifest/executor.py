"""The serving manifest: one small JSON file in the serving folder that says
which pushed version is active, whether it is the primary model or a
fallback, what it leaves out and why, and since when. Replaced atomically
(temporary file + rename), so a reader sees the old or the new one, whole."""
import datetime
import json
import os

import tensorflow as tf

FILE_NAME = "manifest.json"


def path(serving_dir: str) -> str:
  return os.path.join(str(serving_dir), FILE_NAME)


def read(serving_dir: str):
  """The current manifest, or None when nothing was activated yet."""
  if not tf.io.gfile.exists(path(serving_dir)):
    return None
  with tf.io.gfile.GFile(path(serving_dir)) as f:
    return json.load(f)


def build(*, version: str, model_path: str, role: str, model_id: int, excluded_features=(),
          reason: str = "", drift_report_id=None, replaces_model_id=None, previous=None,
          now=None) -> dict:
  activated = now or datetime.datetime.now(datetime.timezone.utc)
  return {
      "active_version": str(version),
      "model_path": str(model_path),
      "role": role,  # primary | fallback | rollback
      "model_id": model_id,
      "excluded_features": list(excluded_features),
      "reason": reason,
      "drift_report_id": drift_report_id,
      "replaces_model_id": replaces_model_id,
      "activated_at": activated.isoformat(timespec="seconds"),
      "previous": ({"active_version": previous["active_version"], "role": previous["role"],
                    "model_id": previous["model_id"]} if previous else None),
  }


def write(serving_dir: str, manifest: dict) -> None:
  """Atomically replaces the manifest (a rename within one folder; on object
  stores such as GCS a rename is a copy, atomic per object)."""
  tf.io.gfile.makedirs(str(serving_dir))
  temporary = path(serving_dir) + ".tmp"
  with tf.io.gfile.GFile(temporary, "w") as f:
    f.write(json.dumps(manifest, indent=2))
  tf.io.gfile.rename(temporary, path(serving_dir), overwrite=True)
