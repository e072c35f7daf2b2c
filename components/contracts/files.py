"""Files inside artifact folders: their names, and JSON I/O through
tf.io.gfile, so that gs:// (Vertex) and other filesystems TensorFlow knows
work as local folders do. TensorFlow is imported only for such paths: the
ad-hoc drift check writes local reports and must start in about a second,
not after TensorFlow's several."""
import json

REPORT_JSON = "report.json"  # DriftReport
REPORT_HTML = "report.html"  # DriftReport
PLAN_JSON = "plan.json"  # FallbackPlan


def is_local(path) -> bool:
  return "://" not in str(path)


def open_file(path, mode="r"):
  """A file object for any path tf.io.gfile knows."""
  if is_local(path):
    return open(path, mode, encoding=None if "b" in mode else "utf-8")  # pylint: disable=consider-using-with
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  return tf.io.gfile.GFile(str(path), mode)


def makedirs(path) -> None:
  if is_local(path):
    import os  # pylint: disable=import-outside-toplevel
    os.makedirs(path, exist_ok=True)
  else:
    import tensorflow as tf  # pylint: disable=import-outside-toplevel
    tf.io.gfile.makedirs(str(path))


def read_json(path):
  with open_file(path) as f:
    return json.load(f)


def write_json(path, value) -> None:
  with open_file(path, "w") as f:
    f.write(json.dumps(value, indent=2, default=float))
