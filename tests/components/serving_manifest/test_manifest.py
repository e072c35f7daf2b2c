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
