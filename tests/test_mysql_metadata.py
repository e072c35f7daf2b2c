"""MLMD on a real MySQL/MariaDB server (.ci/run starts MariaDB), and a clear
error when the server cannot be reached."""
import os
import shutil
import subprocess
import time

import pytest

from pipeline import __main__ as cli
from pipeline.definition import node_ids as n
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from tests import conftest, project_data

pytestmark = pytest.mark.standalone
ENV = mlmd_store.MYSQL_ENV
LAST = project_data.window()[1]


@pytest.fixture
def mysql_database(monkeypatch):
  host = os.environ.get("MODEL_FACTORY_TEST_MYSQL_HOST")
  if not host:
    if os.environ.get("MODEL_FACTORY_REQUIRE_MYSQL"):
      pytest.fail("MODEL_FACTORY_REQUIRE_MYSQL is set but no test server is configured")
    pytest.skip("no MySQL/MariaDB test server configured (.ci/run starts one)")
  database = f"model_factory_test_{int(time.time())}_{os.getpid()}"
  monkeypatch.setenv(ENV["host"], host)
  monkeypatch.setenv(ENV["port"], os.environ.get("MODEL_FACTORY_TEST_MYSQL_PORT", "3306"))
  monkeypatch.setenv(ENV["user"], os.environ.get("MODEL_FACTORY_TEST_MYSQL_USER", "root"))
  monkeypatch.setenv(ENV["password"], os.environ.get("MODEL_FACTORY_TEST_MYSQL_PASSWORD", ""))
  monkeypatch.setenv(ENV["database"], database)
  yield database
  if shutil.which("mariadb"):
    subprocess.run(["mariadb", "-e", f"DROP DATABASE IF EXISTS {database}"], check=False)


def test_pipeline_runs_with_mlmd_on_mysql(mysql_database, sample_data_root, tmp_path):
  run = conftest.run_pipeline(sample_data_root, tmp_path / "output", spans=(LAST, LAST))
  assert run.paths.metadata_config().HasField("mysql")
  assert not run.paths.metadata_path.exists(), "nothing may fall back to SQLite"
  executions = queries.run_executions(run.store(), project_data.SETTINGS.pipeline_name,
                                      run.run_ids[-1])
  states = {e.node_id: e.state for e in executions}
  for node in (n.EXAMPLE_GEN, n.STATISTICS_GEN, n.TRANSFORM, n.TRAINER, n.EVALUATOR, n.PUSHER):
    assert states[node] == "COMPLETE", states
  assert run.report.pushed_version and run.report.blessed


def test_unreachable_mysql_is_a_clear_error(monkeypatch, tmp_path, capsys):
  monkeypatch.setenv(ENV["host"], "127.0.0.1")
  monkeypatch.setenv(ENV["port"], "9")  # discard port: nothing listens there
  monkeypatch.setenv(ENV["password"], "not-a-secret")
  code = cli.main(["run", "--spans", str(LAST), "--output-dir", str(tmp_path / "out")])
  assert code == 1
  error = capsys.readouterr().err
  assert ("cannot open the metadata store (MySQL "
          f"root@127.0.0.1:9/{mlmd_store.MYSQL_DEFAULT_DATABASE})") in error
  assert "not-a-secret" not in error
