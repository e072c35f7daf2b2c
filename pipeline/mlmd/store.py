"""Where MLMD is: SQLite in the output folder, or a MySQL/MariaDB server
named by the environment; opening it with a clear error; and settling the
executions of an interrupted run."""
import os

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2
from tfx.orchestration import metadata

# The environment variables that name a MySQL/MariaDB server (the password
# is never stored in a file).
MYSQL_ENV = {"host": "MLMD_MYSQL_HOST", "port": "MLMD_MYSQL_PORT",
             "database": "MLMD_MYSQL_DATABASE", "user": "MLMD_MYSQL_USER",
             "password": "MLMD_MYSQL_PASSWORD"}
MYSQL_DEFAULT_DATABASE = "model_factory"


def sqlite_config(path: str):
  return metadata.sqlite_metadata_connection_config(path)


class MetadataUnreachable(RuntimeError):
  """The metadata database cannot be opened; the message says where and why."""


def connection_config(sqlite_path: str, environ=os.environ):
  """MySQL/MariaDB when MLMD_MYSQL_HOST is set (see MYSQL_ENV),
  else SQLite at `sqlite_path`. The password is read from the environment
  only, never from a file in the repository."""
  env = MYSQL_ENV
  if not environ.get(env["host"]):
    return sqlite_config(sqlite_path)
  return metadata.mysql_metadata_connection_config(
      host=environ[env["host"]], port=int(environ.get(env["port"], "3306")),
      database=environ.get(env["database"], MYSQL_DEFAULT_DATABASE),
      username=environ.get(env["user"], "root"), password=environ.get(env["password"], ""))


def describe(connection_config) -> str:
  if connection_config.HasField("mysql"):
    mysql = connection_config.mysql
    return f"MySQL {mysql.user}@{mysql.host}:{mysql.port}/{mysql.database}"
  return f"SQLite {connection_config.sqlite.filename_uri}"


def open_store(connection_config) -> metadata_store.MetadataStore:
  try:
    return metadata_store.MetadataStore(connection_config)
  except Exception as error:  # MLMD raises absl status errors of several kinds
    raise MetadataUnreachable(
        f"cannot open the metadata store ({describe(connection_config)}): {error}") from error


UNFINISHED_STATES = (metadata_store_pb2.Execution.NEW, metadata_store_pb2.Execution.RUNNING)


def cancel_unfinished(store) -> list:
  """Marks CANCELED every execution still NEW or RUNNING, and ABANDONED the
  artifacts they had begun to write; returns the executions' ids. Call it
  only while no other process runs on this store (local.exclusive): then
  such an execution belongs to a process that was killed, and a reader that
  trusted its state (lineage, the resolvers) would be misled."""
  stale = [e for e in store.get_executions() if e.last_known_state in UNFINISHED_STATES]
  if not stale:
    return []
  for execution in stale:
    execution.last_known_state = metadata_store_pb2.Execution.CANCELED
  outputs = [e.artifact_id for e in store.get_events_by_execution_ids([e.id for e in stale])
             if e.type in (metadata_store_pb2.Event.OUTPUT, metadata_store_pb2.Event.PENDING_OUTPUT)]
  artifacts = [a for a in store.get_artifacts_by_id(outputs)
               if a.state in (metadata_store_pb2.Artifact.PENDING, metadata_store_pb2.Artifact.UNKNOWN)]
  for artifact in artifacts:
    artifact.state = metadata_store_pb2.Artifact.ABANDONED
  store.put_artifacts(artifacts)
  store.put_executions(stale)
  return [e.id for e in stale]
