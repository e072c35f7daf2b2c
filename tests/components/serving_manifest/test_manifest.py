"""The serving manifest: content and atomic replacement."""
import datetime
import json

import pytest
import tensorflow as tf

from components.serving_manifest import executor as manifest

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.timezone.utc)


def test_a_fallback_manifest_says_what_it_excludes_why_and_what_it_replaces(tmp_path):
  primary = manifest.build(version="100", model_path=tmp_path / "100", role="primary",
                           model_id=7, now=NOW)
  manifest.write(tmp_path, primary)
  fallback = manifest.build(
      version="200", model_path=tmp_path / "200", role="fallback", model_id=9,
      excluded_features=["cat_b"], reason="broken inputs", drift_report_id=42,
      replaces_model_id=7, previous=manifest.read(tmp_path), now=NOW)
  manifest.write(tmp_path, fallback)
  current = manifest.read(tmp_path)
  assert current["active_version"] == "200" and current["role"] == "fallback"
  assert current["excluded_features"] == ["cat_b"] and current["drift_report_id"] == 42
  assert current["replaces_model_id"] == 7 and current["activated_at"] == "2026-11-30T12:00:00+00:00"
  assert current["previous"] == {"active_version": "100", "role": "primary", "model_id": 7}
  assert sorted(p.name for p in tmp_path.iterdir()) == [manifest.FILE_NAME]  # no temporary left


def test_an_interrupted_write_leaves_the_old_manifest_whole(tmp_path, monkeypatch):
  manifest.write(tmp_path, manifest.build(version="100", model_path="m", role="primary",
                                          model_id=1, now=NOW))

  def crash(*args, **kwargs):
    raise OSError("disk gone")

  monkeypatch.setattr(tf.io.gfile, "rename", crash)
  with pytest.raises(OSError):
    manifest.write(tmp_path, manifest.build(version="200", model_path="n", role="fallback",
                                            model_id=2, now=NOW))
  assert json.loads((tmp_path / manifest.FILE_NAME).read_text())["active_version"] == "100"


def test_no_manifest_reads_as_none(tmp_path):
  assert manifest.read(tmp_path) is None


def test_candidates_wait_without_changing_what_is_served(tmp_path):
  served = manifest.build(version="100", model_path="s/100", role="primary", model_id=7, now=NOW)
  waiting = manifest.with_candidate(served, version="200", model_path="s/candidates/200",
                                    role="fallback", model_id=9, excluded_features=["cat_b"], now=NOW)
  assert waiting["active_version"] == "100" and waiting["model_id"] == 7
  assert manifest.pending(waiting, "200")["excluded_features"] == ["cat_b"]
  assert manifest.is_candidate("s/candidates/200") and not manifest.is_candidate("s/100")
  with pytest.raises(LookupError, match="not a candidate pending approval; pending: 200"):
    manifest.pending(waiting, "100")
  rejected = manifest.with_rejection(waiting, "200", by="carol", note="weak", now=NOW)
  assert rejected["pending"] == [] and rejected["active_version"] == "100"
  with pytest.raises(LookupError, match="was rejected by carol at 2026-11-30T12:00:00"):
    manifest.pending(rejected, "200")
  # The first candidate of a serving folder that serves nothing yet.
  first = manifest.with_candidate(None, version="300", model_path="s/candidates/300",
                                  role="primary", model_id=11)
  assert first["active_version"] is None and [c["version"] for c in first["pending"]] == ["300"]
  approved = manifest.build(first, version="301", model_path="s/301", role="primary", model_id=11,
                            approval={"by": "alice", "note": "", "candidate_version": "300"})
  assert approved["previous"] is None and approved["approval"]["by"] == "alice"
