"""ServedState's logic: the span ledger, the training window, the drift
baseline, and copies between artifact folders, all through tf.io.gfile
(gs:// on Vertex, ram:// in tests, local folders)."""
import json
import os

import tensorflow as tf

from components.contracts import files

SPLIT_PREFIX = "Split-"


def read_json_or(path: str, default):
  return files.read_json(path) if tf.io.gfile.exists(path) else default


def write_atomically(path: str, value) -> None:
  """A temporary file and one rename: a reader sees the old or the new file."""
  files.makedirs(os.path.dirname(path))
  files.write_json(path + ".tmp", value)
  tf.io.gfile.rename(path + ".tmp", path, overwrite=True)


def record_span(ledger: dict, span: int, examples: str, statistics: str) -> dict:
  """The ledger ({span: {examples, statistics}}, keys as text for JSON) with
  this ingestion of `span`; a later ingestion of a span replaces the earlier."""
  return {**ledger, str(span): {"examples": examples, "statistics": statistics}}


def window(ledger: dict, span: int, size: int) -> list:
  """The last `size` ingested spans up to `span`: [{span, examples, statistics}]."""
  spans = sorted(int(s) for s in ledger if int(s) <= span)[-size:] if size else []
  return [{"span": s, **ledger[str(s)]} for s in spans]


def baseline(manifest, ledger: dict, fallback_span: int):
  """What new data is compared with: the served model (the manifest's active
  version) with its evaluation and training spans; without one, the
  statistics of `fallback_span` if it was ingested; else None."""
  served = (manifest or {}).get("artifacts") if (manifest or {}).get("active_version") else None
  if served:
    return {"model": served["model"], "evaluation": served["evaluation"], "spans": served["spans"],
            "transform_graph": served["transform_graph"], "version": manifest["active_version"]}
  if fallback_span and str(fallback_span) in ledger:
    return {"model": None, "evaluation": None, "transform_graph": None, "version": None,
            "spans": [{"span": fallback_span, **ledger[str(fallback_span)]}]}
  return None


def copy_tree(source: str, target: str) -> None:
  for folder, _, names in tf.io.gfile.walk(source):
    copied = target + folder[len(source.rstrip("/")):]
    tf.io.gfile.makedirs(copied)
    for name in names:
      tf.io.gfile.copy(os.path.join(folder, name), os.path.join(copied, name), overwrite=True)


def merge_examples(spans: list, target: str) -> list:
  """Copies the split folders of every span's examples into `target`, one
  Examples artifact for the whole window (file names prefixed by the span);
  returns the split names."""
  splits = set()
  for entry in spans:
    for split in tf.io.gfile.listdir(entry["examples"]):
      split = split.rstrip("/")
      if not split.startswith(SPLIT_PREFIX):
        continue
      splits.add(split[len(SPLIT_PREFIX):])
      tf.io.gfile.makedirs(os.path.join(target, split))
      for name in tf.io.gfile.listdir(os.path.join(entry["examples"], split)):
        tf.io.gfile.copy(os.path.join(entry["examples"], split, name),
                         os.path.join(target, split, f"span-{entry['span']}-{name}"), overwrite=True)
  return sorted(splits)


def state(span: int, window_spans: list, found_baseline) -> str:
  return json.dumps({"span": span, "window": window_spans, "baseline": found_baseline}, indent=2)
