"""The bundled project is what `init` makes of the raw taxi CSV, plus the
curation data/README.md documents: init is re-run into a temporary folder
and its output compared with the repository's. Project tests may name the
data's columns."""
import ast
import filecmp
import pathlib
import shutil

import pytest

from pipeline.operations import init_project

REPO = pathlib.Path(__file__).resolve().parents[2]
RAW = REPO.parent / "shared" / "data" / "chicago_taxi" / "data.csv"
# The command in data/README.md.
INIT = dict(label="big_tipper", task=None, positive="tips > 0.2 * fare", keep_input=["fare"],
            time_column="trip_start_timestamp", span_by="year", spans=None,
            drop=["pickup_census_tract"], force=True)
# The assignments data/README.md lists as curated after init.
CURATED = {
    "features.py": {"DENSE_FLOAT_FEATURES", "BUCKET_FEATURES", "CATEGORICAL_INT_FEATURES"},
    "settings.py": {"METRIC_THRESHOLD", "SLICE_FEATURES", "DRIFT_IGNORED_FEATURES", "TRAIN_STEPS",
                    "TUNER_TRAIN_STEPS", "MODEL_CARD_TITLE", "MODEL_CARD_INTENDED_USE",
                    "MODEL_CARD_CAVEATS"},
}


def _literals(path) -> dict:
  values = {}
  for node in ast.parse(path.read_text()).body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
      try:
        values[node.targets[0].id] = ast.literal_eval(node.value)
      except ValueError:
        pass  # an expression (paths), not a value init writes
  return values


@pytest.mark.skipif(not RAW.exists(), reason=f"no raw taxi CSV at {RAW}")
def test_init_on_the_raw_csv_makes_the_bundled_project_but_the_documented_curation(tmp_path):
  project = tmp_path / "pipeline" / "project"
  project.mkdir(parents=True)
  for name in CURATED:
    shutil.copy(REPO / "pipeline" / "project" / name, project / name)
  init_project.init(str(RAW), root=tmp_path, **INIT)
  spans = sorted(p.relative_to(tmp_path) for p in (tmp_path / "data").rglob("*.csv"))
  assert spans == sorted(p.relative_to(REPO) for p in (REPO / "data" / "spans").rglob("*.csv"))
  for relative in spans + [pathlib.Path("schema", "schema.pbtxt")]:
    assert filecmp.cmp(tmp_path / relative, REPO / relative, shallow=False), relative
  for name, curated in CURATED.items():
    made, bundled = _literals(project / name), _literals(REPO / "pipeline" / "project" / name)
    differing = {k for k in made if made[k] != bundled.get(k)}
    assert differing == curated, name
  # The same report, but for the CSV's path in the command it quotes.
  report = (project / init_project.REPORT).read_text().replace(
      str(RAW), "../shared/data/chicago_taxi/data.csv")
  assert report == (REPO / "pipeline" / "project" / init_project.REPORT).read_text()
