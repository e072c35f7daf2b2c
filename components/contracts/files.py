"""Files inside artifact folders: their names, and I/O through tf.io.gfile,
so that gs:// (Vertex) and other filesystems TensorFlow knows work as local
folders do."""
import json

import tensorflow as tf

REPORT_JSON = "report.json"  # DriftReport
REPORT_HTML = "report.html"  # DriftReport
PLAN_JSON = "plan.json"  # FallbackPlan
GUARDRAILS_JSON = "guardrails.json"  # GuardrailsReport
GUARDRAILS_HTML = "guardrails.html"  # GuardrailsReport
STATE_JSON = "state.json"  # ServedState
# In the serving folder: the serving manifest (ServingManifest writes it),
# and the ledger of validated span ingestions (ServedState keeps it).
MANIFEST_JSON = "manifest.json"
SPANS_JSON = "spans.json"


def open_file(path, mode="r"):
  return tf.io.gfile.GFile(str(path), mode)


def makedirs(path) -> None:
  tf.io.gfile.makedirs(str(path))


def read_json(path):
  with open_file(path) as f:
    return json.load(f)


def write_json(path, value) -> None:
  with open_file(path, "w") as f:
    f.write(json.dumps(value, indent=2, default=float))
