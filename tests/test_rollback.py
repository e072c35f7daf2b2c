"""Rollback on a copy of the shared run: atomic, compatibility-checked,
recorded in MLMD."""
import pathlib
import shutil

import pytest
import tensorflow_data_validation as tfdv

from components.serving_manifest import executor as manifest
from pipeline import __main__ as cli
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.operations import lineage, rollback
from tests import project_data

SETTINGS = project_data.SETTINGS


@pytest.fixture
def output_dir(first_run, tmp_path):
  shutil.copytree(first_run.paths.output_dir, tmp_path / "output")
  return tmp_path / "output"


def _versions(output_dir):
  return sorted(p.name for p in (output_dir / "serving").iterdir() if p.name != manifest.FILE_NAME)


def _store(output_dir):
  return mlmd_store.open_store(mlmd_store.sqlite_config(str(output_dir / "metadata.sqlite")))


def test_rollback_serves_a_copy_and_records_it(first_run, output_dir, capsys):
  old = first_run.report.pushed_version
  assert cli.main(["rollback", "--output-dir", str(output_dir), "--to", old]) == 0
  versions = _versions(output_dir)
  assert len(versions) == 2 and versions[0] == old and int(versions[1]) > int(old)
  new = output_dir / "serving" / versions[1]
  assert (new / "saved_model.pb").read_bytes() == (output_dir / "serving" / old / "saved_model.pb").read_bytes()
  store = _store(output_dir)
  (execution,) = store.get_executions_by_type(rollback.EXECUTION_TYPE)
  assert queries.custom(execution, "rolled_back_to") == old
  facts = lineage.explain(store)  # latest: the rollback, traced to the original model
  assert facts["version"] == versions[1]
  assert facts["data"] and [s["span"] for s in facts["data"]] == project_data.window_spans()
  active = manifest.read(str(output_dir / "serving"))
  assert active["active_version"] == versions[1] and active["role"] == "rollback"
  assert active["previous"]["active_version"] == old


def test_incompatible_rollback_is_refused(first_run, output_dir, tmp_path, capsys):
  renamed = SETTINGS.model_inputs[-1]
  schema = project_data.schema()
  tfdv.get_feature(schema, renamed).name = f"{renamed}_renamed"
  tfdv.write_schema_text(schema, str(tmp_path / "renamed.pbtxt"))
  before = _versions(output_dir)
  assert cli.main(["rollback", "--output-dir", str(output_dir), "--to", first_run.report.pushed_version,
                   "--schema", str(tmp_path / "renamed.pbtxt")]) == 1
  assert f"feature '{renamed}' the model reads is missing" in capsys.readouterr().err
  assert _versions(output_dir) == before


def test_unknown_version_is_refused(output_dir, capsys):
  assert cli.main(["rollback", "--output-dir", str(output_dir), "--to", "42"]) == 1
  assert "no pushed model has version 42" in capsys.readouterr().err


def test_interrupted_rollback_leaves_serving_consistent(first_run, output_dir, monkeypatch):
  before = _versions(output_dir)

  def crash(self, target):
    raise OSError("disk full (simulated)")

  monkeypatch.setattr(pathlib.Path, "rename", crash)
  with pytest.raises(OSError, match="simulated"):
    rollback.rollback(_store(output_dir), output_dir / "serving", first_run.report.pushed_version,
                      SETTINGS.schema_path)
  assert _versions(output_dir) == before  # no half-copied version, no leftover staging folder
  assert manifest.read(str(output_dir / "serving"))["active_version"] == first_run.report.pushed_version
  assert not _store(output_dir).get_executions_by_type(rollback.EXECUTION_TYPE)
