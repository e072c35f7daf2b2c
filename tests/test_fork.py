"""A fork with other data passes the factory's own tests.

Copies the repository (its tracked files) to a temporary folder and makes
it a penguin project by editing only the project part: two span folders of
the penguins CSV, a schema inferred from them, the label "is it species 0"
with four numeric inputs (features.py, the label lines of preprocessing.py)
and a few settings. Then runs the fork's own test suite there (its factory
tests: the fork has no project tests yet), which must pass. The penguins
have no string input, no optional column and only two spans, so the fork
exercises what the bundled project cannot.
"""
import os
import pathlib
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import tensorflow_data_validation as tfdv

REPO = pathlib.Path(__file__).resolve().parents[1]
PENGUINS = REPO.parent / "shared" / "data" / "penguins" / "penguins_processed.csv"

_FEATURES = '''"""Penguin measurements in, "is it species 0?" out."""
from components.contracts.model_io import transformed_name

LABEL_KEY = "is_species_0"
OUTCOME_COLUMNS = ("species",)
LABEL_SOURCE_COLUMNS = ("species",)
DENSE_FLOAT_FEATURES = ("culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g")
BUCKET_FEATURES = ()
FEATURE_BUCKET_COUNT = 10
CATEGORICAL_INT_FEATURES = {}
VOCAB_FEATURES = ()
VOCAB_SIZE = 100
OOV_SIZE = 5


def categorical_sizes() -> dict:
  return {}


def raw_input_features() -> tuple:
  return DENSE_FLOAT_FEATURES
'''
_LABEL = '''  species = _dense(inputs["species"], tf.constant(-1, tf.int64))
  outputs[features.transformed_name(features.LABEL_KEY)] = tf.cast(tf.equal(species, 0), tf.int64)
  return outputs
'''
# Appended to the project's settings.py: later assignments win.
_SETTINGS = '''
# The penguin fork.
DEFAULT_SPANS = (1, 2)
SLICE_FEATURES = ()
DRIFT_IGNORED_FEATURES = ()
SIMULATE_FIRST_WINDOW = (1, 1)
SIMULATE_LAST_SPAN = 2
CLOUD_SPAN = 2
MODEL_CARD_TITLE = "Adelie penguin recognizer"
MODEL_CARD_INTENDED_USE = "Says whether a penguin is of species 0 from its measurements."
MODEL_CARD_CAVEATS = ("Measured on three islands only.",)
'''


def _copy_tracked_files(dest: pathlib.Path):
  files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True,
                         text=True).stdout.split("\0")
  for name in filter(None, files):
    source = REPO / name
    if source.is_file():
      (dest / name).parent.mkdir(parents=True, exist_ok=True)
      shutil.copy2(source, dest / name)


def make_penguin_fork(dest: pathlib.Path):
  _copy_tracked_files(dest)
  shutil.rmtree(dest / "data" / "spans")
  frame = pd.read_csv(PENGUINS).sample(frac=1.0, random_state=0)
  half = len(frame) // 2
  for span, part in ((1, frame.iloc[:half]), (2, frame.iloc[half:])):
    (dest / "data" / "spans" / f"span-{span}").mkdir(parents=True)
    part.to_csv(dest / "data" / "spans" / f"span-{span}" / "penguins.csv", index=False)
  stats = tfdv.generate_statistics_from_dataframe(frame.reset_index(drop=True))
  tfdv.write_schema_text(tfdv.infer_schema(stats, infer_feature_shape=False),
                         str(dest / "schema" / "schema.pbtxt"))
  project = dest / "pipeline" / "project"
  (project / "features.py").write_text(_FEATURES)
  preprocessing = (project / "preprocessing.py").read_text()
  label_at = preprocessing.index("  # TODO(step 6)")
  (project / "preprocessing.py").write_text(preprocessing[:label_at] + _LABEL)
  with open(project / "settings.py", "a", encoding="utf-8") as settings:
    settings.write(_SETTINGS)
  shutil.rmtree(dest / "tests" / "project")  # the bundled project's own tests
  (dest / "tests" / "test_fork.py").unlink()
  # A commit, so that provenance records one as it does here.
  subprocess.run("git init -q && git add -A && git -c user.name=fork -c user.email=fork@localhost "
                 "commit -qm fork", shell=True, cwd=dest, check=True)


@pytest.mark.skipif(not PENGUINS.exists(), reason=f"no penguins data at {PENGUINS}")
def test_the_factory_tests_pass_on_a_penguin_fork(tmp_path):
  fork = tmp_path / "fork"
  make_penguin_fork(fork)
  # The fork imports its own code (cwd first on sys.path), not this checkout's.
  env = {k: v for k, v in os.environ.items()
         if not k.startswith(("MODEL_FACTORY_TEST_MYSQL", "MODEL_FACTORY_REQUIRE_MYSQL",
                                     "MLMD_MYSQL", "PYTEST"))}
  # Left out: the portable-runner run and the kill-and-resume run (factory
  # runner code a fork does not change; each costs minutes, and this
  # repository's suite runs them).
  done = subprocess.run([sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider",
                         "-W", "ignore", "--ignore=tests/runners/test_portable.py",
                         "--ignore=tests/runners/test_kill_resume.py"],
                        cwd=fork, env=env, capture_output=True, text=True, timeout=1800)
  summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
  assert done.returncode == 0, f"the fork's tests failed ({summary}):\n{done.stdout[-6000:]}"
  assert " passed" in summary and "failed" not in summary
