"""Warm start of a Trainer from the served model, only when it fits.

The project's run_fn calls `network_facts`, then `load` before training and
`save` after. The facts, weights and training schema are written next to the
SavedModel (the Pusher copies them along), so a later Trainer can check,
then warm-start from, this model. The check itself is the compatibility
contract shared with the CompatibilityGuard."""
import io
import json
import os

import numpy as np
import tensorflow as tf
from absl import logging
from tfx.utils import io_utils

from components.contracts import compatibility
from components.contracts.model_io import layer_name, transformed_name

WARM_START_DIR = "assets.extra"
FACTS_FILE = "network.json"
WEIGHTS_FILE = "weights.npz"
SCHEMA_FILE = "schema.pbtxt"


def network_facts(tf_transform_output, names: list, hyperparameters: dict,
                  vocabulary_keys, excluded=()) -> dict:
  """What a warm start must match (see compatibility.check_warm_start):
  `names` are the transformed features the network reads, in order;
  `vocabulary_keys` the raw columns whose Transform vocabulary is named
  after them (only those the network reads are compared); `excluded` the
  raw features the serving signature does not parse (a fallback's)."""
  vocabularies = {key: [t.decode() for t in tf_transform_output.vocabulary_by_name(layer_name(key))]
                  for key in vocabulary_keys if transformed_name(key) in names}
  return {"raw_features": sorted(set(tf_transform_output.raw_feature_spec()) - set(excluded)),
          "inputs": names,
          "hyperparameters": hyperparameters, "vocabularies": vocabularies}


def load(model, base_dir, facts: dict, schema_path) -> dict:
  """Loads the base model's weights into `model` if the compatibility check
  passes; otherwise leaves it cold. Returns what happened and why."""
  if not base_dir:
    return {"base_model": None, "warm": False, "reason": "no served model to start from"}
  extra = os.path.join(base_dir, WARM_START_DIR)
  if not tf.io.gfile.exists(os.path.join(extra, FACTS_FILE)):
    problems = [f"the base model {base_dir} has no {FACTS_FILE}"]
  else:
    with tf.io.gfile.GFile(os.path.join(extra, FACTS_FILE)) as f:
      base = json.load(f)
    problems = compatibility.check_warm_start(
        base, io_utils.SchemaReader().read(os.path.join(extra, SCHEMA_FILE)),
        facts, io_utils.SchemaReader().read(schema_path))
  if problems:
    logging.warning("Cold start: the base model %s fails the compatibility check: %s",
                    base_dir, "; ".join(problems))
    return {"base_model": base_dir, "warm": False, "reason": "; ".join(problems)}
  with tf.io.gfile.GFile(os.path.join(extra, WEIGHTS_FILE), "rb") as f:
    weights = np.load(io.BytesIO(f.read()))
  model.set_weights([weights[f"arr_{i}"] for i in range(len(weights.files))])
  logging.info("Warm start from %s", base_dir)
  return {"base_model": base_dir, "warm": True, "reason": "compatible"}


def save(model_dir, model, facts: dict, schema_path, started: dict) -> None:
  """Writes what `load` needs next to the SavedModel in `model_dir`."""
  extra = os.path.join(model_dir, WARM_START_DIR)
  tf.io.gfile.makedirs(extra)
  buffer = io.BytesIO()  # np.savez seeks, which GFile (e.g. on GCS) cannot in write mode
  np.savez(buffer, *model.get_weights())
  with tf.io.gfile.GFile(os.path.join(extra, WEIGHTS_FILE), "wb") as f:
    f.write(buffer.getvalue())
  tf.io.gfile.copy(schema_path, os.path.join(extra, SCHEMA_FILE), overwrite=True)
  with tf.io.gfile.GFile(os.path.join(extra, FACTS_FILE), "w") as f:
    json.dump({**facts, "warm_start": started}, f, indent=2)
