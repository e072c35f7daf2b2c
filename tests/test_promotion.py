"""Manual promotion on a copy of the shared run: with PROMOTION = "manual" a
blessed, compatible model is pushed as a candidate and nothing new is
served until `approve`; an approval re-checks compatibility, serves the
candidate atomically and is on record (MLMD, lineage, model card); a
rejection is on record too."""
import dataclasses
import pathlib
import shutil

import pytest
import tensorflow_data_validation as tfdv

from components.serving_manifest import executor as manifest
from pipeline import __main__ as cli
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.operations import lineage, notify, predict, promotion, serving
from pipeline.runners import local
from tests import conftest, fallback_replay, project_data

MANUAL = dataclasses.replace(project_data.SETTINGS, promotion="manual",
                             notify={"pending_approval": ["webhook"]})


@pytest.fixture(scope="module")
def candidate_run(first_run, sample_data_root, tmp_path_factory):
  """The shared run's output, then the same window again with manual
  promotion: everything up to the guard is cached, the Pusher pushes anew."""
  paths = fallback_replay.copy_output(first_run, tmp_path_factory.mktemp("promotion"))
  report = local.run(MANUAL, data_root=sample_data_root, spans=conftest.SAMPLE_WINDOW,
                     output_dir=paths.output_dir, beam=fallback_replay.IN_PROCESS)
  return paths, report


@pytest.fixture
def output_dir(candidate_run, tmp_path):
  shutil.copytree(candidate_run[0].output_dir, tmp_path / "output")
  return tmp_path / "output"


def _served(output_dir):
  """The numbered version folders: what TF Serving would load."""
  return sorted(p.name for p in (output_dir / "serving").iterdir() if p.name.isdigit())


def _store(output_dir):
  return mlmd_store.open_store(local.Paths(output_dir).metadata_config())


def test_a_candidate_is_pushed_but_not_served(first_run, candidate_run, webhook):
  paths, report = candidate_run
  assert report.pending_approval and report.pushed_version
  assert manifest.is_candidate(report.pushed_path)
  assert pathlib.Path(report.pushed_path).parent == paths.serving_dir / manifest.CANDIDATES_FOLDER
  current = manifest.read(str(paths.serving_dir))
  assert current["active_version"] == first_run.report.pushed_version  # unchanged
  assert [c["version"] for c in current["pending"]] == [report.pushed_version]
  assert _served(paths.output_dir) == [first_run.report.pushed_version]
  assert predict.active_version(paths.serving_dir).name == first_run.report.pushed_version
  store = _store(paths.output_dir)
  assert lineage.explain(store, report.pushed_version)["promotion"]["status"] == "pending"
  card = (pathlib.Path(report.pushed_path) / "model_card.md").read_text()
  assert "## Approval" in card and "pending approval: not served" in card
  # Whoever settings name hears that a model waits.
  url, posted, _ = webhook
  outcomes = notify.send(notify.events_of(report), MANUAL, env={notify.WEBHOOK_URL: url})
  assert outcomes == [("pending_approval", "webhook", "sent")]
  assert f"approve {report.pushed_version} --by NAME" in posted[0]["text"]


def test_approval_serves_the_candidate_and_is_on_record(candidate_run, output_dir, capsys):
  version = candidate_run[1].pushed_version
  before = _served(output_dir)
  assert cli.main(["approve", version, "--by", "alice", "--note", "checked the slices",
                   "--output-dir", str(output_dir)]) == 0
  (served,) = set(_served(output_dir)) - set(before)
  assert f"serving candidate {version} as version {served}" in capsys.readouterr().out
  current = manifest.read(str(output_dir / "serving"))
  assert current["active_version"] == served and current["pending"] == []
  assert current["approval"]["by"] == "alice" and current["approval"]["candidate_version"] == version
  assert predict.active_version(output_dir / "serving").name == served
  candidate = output_dir / "serving" / manifest.CANDIDATES_FOLDER / version
  assert (output_dir / "serving" / served / "saved_model.pb").read_bytes() == (
      candidate / "saved_model.pb").read_bytes()
  store = _store(output_dir)
  facts = lineage.explain(store, served)
  assert facts["promotion"]["status"] == serving.APPROVED and facts["promotion"]["by"] == "alice"
  assert facts["data"] and [s["span"] for s in facts["data"]] == project_data.window_spans()
  assert lineage.explain(store, version)["promotion"]["status"] == serving.APPROVED
  (decision,) = store.get_executions_by_type(serving.PROMOTION_TYPE)
  assert queries.custom(decision, serving.NOTE) == "checked the slices"
  assert facts["model"]["mlmd_id"] in queries.pushed_model_ids(store)[:1]  # the drift baseline
  assert cli.main(["lineage", "--model", served, "--output-dir", str(output_dir)]) == 0
  assert "promotion: approved by alice" in capsys.readouterr().out
  card = (output_dir / "serving" / served / "model_card.md").read_text()
  assert "approved by alice" in card and "checked the slices" in card
  # A candidate is served once.
  assert cli.main(["approve", version, "--by", "bob", "--output-dir", str(output_dir)]) == 1
  assert "not a candidate pending approval" in capsys.readouterr().err


def test_an_incompatible_candidate_is_refused_and_stays_pending(candidate_run, output_dir,
                                                               tmp_path, capsys):
  version = candidate_run[1].pushed_version
  renamed = project_data.SETTINGS.model_inputs[-1]
  schema = project_data.schema()
  tfdv.get_feature(schema, renamed).name = f"{renamed}_renamed"
  tfdv.write_schema_text(schema, str(tmp_path / "renamed.pbtxt"))
  before, current = _served(output_dir), manifest.read(str(output_dir / "serving"))
  assert cli.main(["approve", version, "--by", "alice", "--output-dir", str(output_dir),
                   "--schema", str(tmp_path / "renamed.pbtxt")]) == 1
  assert f"feature '{renamed}' the model reads is missing" in capsys.readouterr().err
  assert _served(output_dir) == before and manifest.read(str(output_dir / "serving")) == current
  (refused,) = lineage.explain(_store(output_dir), version)["promotion"]["history"]
  assert refused["decision"] == serving.REFUSED and refused["by"] == "alice"


def test_rejection_is_on_record_and_final(candidate_run, output_dir, capsys):
  version = candidate_run[1].pushed_version
  assert cli.main(["reject", version, "--by", "carol", "--note", "weak on a slice",
                   "--output-dir", str(output_dir)]) == 0
  current = manifest.read(str(output_dir / "serving"))
  assert current["pending"] == [] and current["rejected"][-1]["by"] == "carol"
  promotion_facts = lineage.explain(_store(output_dir), version)["promotion"]
  assert promotion_facts["status"] == serving.REJECTED
  assert promotion_facts["history"][-1]["note"] == "weak on a slice"
  card = (pathlib.Path(candidate_run[1].pushed_path) / "model_card.md").read_text()
  assert "rejected by carol" in card and "weak on a slice" in card
  assert cli.main(["approve", version, "--by", "alice", "--output-dir", str(output_dir)]) == 1
  assert "was rejected by carol" in capsys.readouterr().err


def test_an_interrupted_approval_leaves_serving_consistent(candidate_run, output_dir, monkeypatch):
  version = candidate_run[1].pushed_version
  before, current = _served(output_dir), manifest.read(str(output_dir / "serving"))

  def crash(self, target):
    raise OSError("disk full (simulated)")

  with monkeypatch.context() as patched:
    patched.setattr(pathlib.Path, "rename", crash)
    with pytest.raises(OSError, match="simulated"):
      promotion.approve(_store(output_dir), output_dir / "serving", version, by="alice", note="",
                        schema_path=project_data.SETTINGS.schema_path)
  serving_dir = output_dir / "serving"
  assert _served(output_dir) == before and manifest.read(str(serving_dir)) == current
  assert not [p for p in serving_dir.iterdir() if p.name.startswith(".staging")]
  assert not _store(output_dir).get_executions_by_type(serving.PROMOTION_TYPE)
  # The candidate is still pending, and a second try serves it.
  served = promotion.approve(_store(output_dir), serving_dir, version, by="alice", note="",
                             schema_path=project_data.SETTINGS.schema_path)
  assert manifest.read(str(serving_dir))["active_version"] == served
