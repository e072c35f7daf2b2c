"""Where MLMD lives (SQLite, or MySQL named by the environment) and the
read-only queries on a store with nothing in it."""
import pytest

from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store

ENV = mlmd_store.MYSQL_ENV


def test_sqlite_unless_the_environment_names_a_server(tmp_path):
  config = mlmd_store.connection_config(str(tmp_path / "m.sqlite"), environ={})
  assert config.HasField("sqlite") and config.sqlite.filename_uri == str(tmp_path / "m.sqlite")
  assert mlmd_store.describe(config) == f"SQLite {tmp_path / 'm.sqlite'}"


def test_mysql_from_the_environment_never_shows_the_password(tmp_path):
  config = mlmd_store.connection_config(
      str(tmp_path / "m.sqlite"),
      environ={ENV["host"]: "db.example", ENV["port"]: "3307", ENV["password"]: "s3cret"})
  assert config.HasField("mysql") and config.mysql.port == 3307
  assert config.mysql.database == mlmd_store.MYSQL_DEFAULT_DATABASE and config.mysql.user == "root"
  described = mlmd_store.describe(config)
  assert described == f"MySQL root@db.example:3307/{mlmd_store.MYSQL_DEFAULT_DATABASE}"
  assert "s3cret" not in described


def test_an_empty_store_has_no_run_and_nothing_pushed(tmp_path):
  store = mlmd_store.open_store(mlmd_store.sqlite_config(str(tmp_path / "m.sqlite")))
  with pytest.raises(LookupError, match="no pipeline run"):
    queries.latest_run_id(store)
  assert queries.producer_execution_id(store, 1) is None
  assert queries.training_examples(store, 1) == []
