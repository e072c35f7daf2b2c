"""The warm-start guard: the pure check, then warm_start.load() over the real
model the shared end-to-end run pushed (its weights, schema and facts)."""
import copy
import json
import pathlib

import numpy as np
import pytest

from components.contracts import compatibility
from pipeline.modeling import warm_start
from tests import project_data


class _Network:
  """Stands in for the project's Keras model: warm_start.load only gets and
  sets the weights, here zeros shaped like the base model's."""

  def __init__(self, base_dir):
    saved = np.load(base_dir / warm_start.WARM_START_DIR / warm_start.WEIGHTS_FILE)
    self._weights = [np.zeros_like(saved[k]) for k in saved.files]

  def get_weights(self):
    return [w.copy() for w in self._weights]

  def set_weights(self, weights):
    assert [w.shape for w in weights] == [w.shape for w in self._weights]
    self._weights = [np.asarray(w).copy() for w in weights]


@pytest.fixture(scope="module")
def base(first_run):
  """The pushed model's folder and the network facts it was saved with."""
  base_dir = pathlib.Path(first_run.report.pushed_path)
  facts = json.loads((base_dir / warm_start.WARM_START_DIR / warm_start.FACTS_FILE).read_text())
  facts.pop("warm_start")
  return base_dir, facts


def _schema_file(base_dir):
  return str(base_dir / warm_start.WARM_START_DIR / warm_start.SCHEMA_FILE)


def _vocabulary(facts) -> str:
  """A raw column whose vocabulary the network reads (the largest one)."""
  if not facts["vocabularies"]:
    pytest.skip("the project's network reads no vocabulary feature")
  return max(sorted(facts["vocabularies"]), key=lambda k: len(set(facts["vocabularies"][k])))


def test_a_compatible_base_is_loaded(base):
  base_dir, facts = base
  network = _Network(base_dir)
  started = warm_start.load(network, str(base_dir), facts, _schema_file(base_dir))
  assert started == {"base_model": str(base_dir), "warm": True, "reason": "compatible"}
  saved = np.load(base_dir / warm_start.WARM_START_DIR / warm_start.WEIGHTS_FILE)
  for loaded, expected in zip(network.get_weights(), (saved[k] for k in saved.files)):
    np.testing.assert_array_equal(loaded, expected)


def _drop_input(facts):
  facts["inputs"].pop()


def _grow(facts):
  name = sorted(facts["hyperparameters"])[0]
  facts["hyperparameters"][name] = 999


def _reorder_vocabulary(facts):
  facts["vocabularies"][_vocabulary(facts)].reverse()


@pytest.mark.parametrize("edit,reason", [
    (_drop_input, lambda f: f"base only: ['{f['inputs'][-1]}']"),
    (_grow, lambda f: "the networks differ"),
    (_reorder_vocabulary, lambda f: f"the vocabulary of '{_vocabulary(f)}' changed, so its ids "
                                    "would stand for other values"),
])
def test_an_incompatible_base_leaves_training_cold(base, edit, reason):
  base_dir, facts = base
  current = copy.deepcopy(facts)
  edit(current)
  network = _Network(base_dir)
  before = network.get_weights()
  started = warm_start.load(network, str(base_dir), current, _schema_file(base_dir))
  assert not started["warm"] and reason(facts) in started["reason"]
  for now, then in zip(network.get_weights(), before):
    np.testing.assert_array_equal(now, then)


def test_a_base_reading_a_feature_the_current_schema_lacks_is_refused(base):
  _, facts = base
  dropped = project_data.dropped_column()
  assert dropped in facts["raw_features"]
  schema = project_data.schema()
  kept = [f for f in schema.feature if f.name != dropped]
  del schema.feature[:]
  schema.feature.extend(kept)
  problems = compatibility.check_warm_start(facts, project_data.schema(), facts, schema)
  assert problems == [f"feature '{dropped}' the model reads is missing from the current data schema"]


def test_no_base_means_a_cold_start_that_says_so(base):
  _, facts = base
  started = warm_start.load(_Network(pathlib.Path(base[0])), None, facts, None)
  assert started == {"base_model": None, "warm": False, "reason": "no served model to start from"}
