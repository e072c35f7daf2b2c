"""Replays one finished execution of a custom component with every input and
output artifact on TensorFlow's in-memory filesystem (`ram://`), the way
Vertex or KFP hand a component `gs://` URIs: the execution's real input
artifacts (from MLMD) are copied there first, its executor class runs with
the same parameters, and the outputs stay there for comparison with the
local run's. Not an orchestrator: one execution, its recorded inputs."""
import itertools
import os

import tensorflow as tf
from tfx.orchestration import data_types_utils
from tfx.types import artifact_utils

from pipeline.mlmd import queries

_RUNS = itertools.count()


def copy_tree(source: str, target: str) -> None:
  """Copies a file or a folder tree between any two filesystems gfile knows."""
  if not tf.io.gfile.isdir(source):
    tf.io.gfile.makedirs(os.path.dirname(target))
    tf.io.gfile.copy(source, target, overwrite=True)
    return
  for folder, _, names in tf.io.gfile.walk(source):
    # Not os.path.relpath: "./" would become part of a ram:// file's name.
    copied = target + folder[len(source.rstrip("/")):]
    tf.io.gfile.makedirs(copied)
    for name in names:
      tf.io.gfile.copy(os.path.join(folder, name), os.path.join(copied, name), overwrite=True)


def as_tfx(store, protos_by_key: dict) -> dict:
  """{key: [MLMD artifact proto]} -> {key: [TFX Artifact]}."""
  type_ids = list({a.type_id for protos in protos_by_key.values() for a in protos})
  types = {t.id: t for t in store.get_artifact_types_by_id(type_ids)}
  return {key: [artifact_utils.deserialize_artifact(types[a.type_id], a) for a in protos]
          for key, protos in protos_by_key.items()}


def replay(store, execution, executor_class, parameters=None) -> tuple:
  """Runs `executor_class` on `execution`'s inputs copied to ram://, with its
  recorded parameters (`parameters` override some). Returns (input_dict,
  output_dict, exec_properties) of the replay."""
  root = f"ram://replay-{next(_RUNS)}"
  inputs = as_tfx(store, queries.input_artifacts(store, execution.id))
  moved = {}
  for key, artifacts in inputs.items():
    for index, artifact in enumerate(artifacts):
      target = f"{root}/inputs/{key}/{index}"
      copy_tree(artifact.uri, target)
      moved[artifact.uri] = artifact.uri = target
  # A property that names another input by URI (a blessing's model) names
  # its copy, as the cloud run's own artifacts would.
  for artifact in (a for artifacts in inputs.values() for a in artifacts):
    for name in list(artifact.mlmd_artifact.custom_properties):
      value = artifact.get_custom_property(name)
      if isinstance(value, str) and value in moved:
        artifact.set_string_custom_property(name, moved[value])
  outputs = as_tfx(store, queries.output_artifacts(store, execution.id))
  for key, artifacts in outputs.items():
    for index, artifact in enumerate(artifacts):
      fresh = type(artifact)()
      fresh.uri = f"{root}/outputs/{key}/{index}"
      tf.io.gfile.makedirs(fresh.uri)
      artifacts[index] = fresh
  exec_properties = {name: data_types_utils.get_metadata_value(value)
                     for name, value in execution.custom_properties.items()
                     if not name.startswith("__")}
  exec_properties.update(parameters or {})
  executor_class().Do(inputs, outputs, exec_properties)
  return inputs, outputs, exec_properties


def local_outputs(store, execution) -> dict:
  return as_tfx(store, queries.output_artifacts(store, execution.id))


def files(uri: str) -> dict:
  """{relative path: bytes} of every file under `uri`."""
  found = {}
  for folder, _, names in tf.io.gfile.walk(uri):
    for name in names:
      with tf.io.gfile.GFile(os.path.join(folder, name), "rb") as f:
        found[(folder[len(uri.rstrip("/")):] + "/" + name).lstrip("/")] = f.read()
  return found
