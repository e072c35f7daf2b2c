"""The warm-start guard: the pure check, then warm_start() over the real
model the shared end-to-end run pushed (its weights, schema and facts)."""
import copy
import json
import pathlib

import keras_tuner
import numpy as np
import pytest

from components.compatibility_guard import checks
from pipeline.model import model as model_code
from tests import rows


@pytest.fixture(scope="module")
def base(first_run):
  """The pushed model's folder and the network facts it was saved with."""
  base_dir = pathlib.Path(first_run.report.pushed_path)
  facts = json.loads((base_dir / model_code.WARM_START_DIR / model_code.FACTS_FILE).read_text())
  facts.pop("warm_start")
  return base_dir, facts


def _network(facts):
  hp = keras_tuner.HyperParameters()
  for name, value in facts["hyperparameters"].items():
    hp.Fixed(name, value)
  return model_code.build_model(hp, facts["inputs"])


def _schema_file(base_dir):
  return str(base_dir / model_code.WARM_START_DIR / model_code.SCHEMA_FILE)


def test_a_compatible_base_is_loaded(base):
  base_dir, facts = base
  network = _network(facts)
  started = model_code.warm_start(network, str(base_dir), facts, _schema_file(base_dir))
  assert started == {"base_model": str(base_dir), "warm": True, "reason": "compatible"}
  saved = np.load(base_dir / model_code.WARM_START_DIR / model_code.WEIGHTS_FILE)
  for loaded, expected in zip(network.get_weights(), (saved[k] for k in saved.files)):
    np.testing.assert_array_equal(loaded, expected)


@pytest.mark.parametrize("edit,reason", [
    (lambda f: f["inputs"].remove("company_xf"), "base only: ['company_xf']"),
    (lambda f: f["hyperparameters"].update(hidden_units=999), "the networks differ"),
    (lambda f: f["vocabularies"]["company"].reverse(),
     "the vocabulary of 'company' changed, so its ids would stand for other values"),
])
def test_an_incompatible_base_leaves_training_cold(base, edit, reason):
  base_dir, facts = base
  current = copy.deepcopy(facts)
  edit(current)
  network = _network(facts)
  before = [w.copy() for w in network.get_weights()]
  started = model_code.warm_start(network, str(base_dir), current, _schema_file(base_dir))
  assert not started["warm"] and reason in started["reason"]
  for now, then in zip(network.get_weights(), before):
    np.testing.assert_array_equal(now, then)


def test_a_base_reading_a_feature_the_current_schema_lacks_is_refused(base):
  _, facts = base
  schema = rows.schema()
  kept = [f for f in schema.feature if f.name != "trip_miles"]
  del schema.feature[:]
  schema.feature.extend(kept)
  problems = checks.check_warm_start(facts, rows.schema(), facts, schema)
  assert problems == ["feature 'trip_miles' the model reads is missing from the current data schema"]


def test_no_base_means_a_cold_start_that_says_so(base):
  _, facts = base
  started = model_code.warm_start(_network(facts), None, facts, None)
  assert started == {"base_model": None, "warm": False, "reason": "no served model to start from"}
