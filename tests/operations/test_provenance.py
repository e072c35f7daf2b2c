"""Provenance facts: the effective config's hash and who built a run."""
from pipeline.definition import settings as settings_lib
from pipeline.operations import provenance

SETTINGS = settings_lib.load()


def test_the_config_hash_covers_every_setting():
  digest = provenance.config_sha256(SETTINGS)
  assert len(digest) == 64 and digest == provenance.config_sha256(settings_lib.load())
  assert provenance.config_sha256(settings_lib.load(seed=SETTINGS.seed + 1)) != digest
  assert provenance.config_sha256(
      settings_lib.load(model_inputs=SETTINGS.model_inputs[1:])) != digest


def test_collected_facts_name_the_code_the_machine_and_the_libraries():
  facts = provenance.collect(SETTINGS)
  assert facts["config_sha256"] == provenance.config_sha256(SETTINGS)
  assert facts["user"] and facts["host"] and facts["git_dirty"] in (0, 1)
  assert facts["version_tfx"] and facts["version_apache-beam"]
