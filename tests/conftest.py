"""One shared end-to-end pipeline run (and its rerun) on a sample of the
configured project's default spans."""
import dataclasses
import pathlib
import shutil

import pytest

from components.contracts import artifacts as contract
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.runners import local
from tests import project_data

SETTINGS = project_data.SETTINGS
# The window the shared run trains on: the project's default spans (first, last).
SAMPLE_WINDOW = project_data.window()
# Rows kept per span: enough for a blessed model (well past METRIC_THRESHOLD),
# few enough to keep Beam and training quick.
SAMPLE_ROWS = 1500


@dataclasses.dataclass
class Run:
  paths: local.Paths
  report: object  # pipeline.operations.report.RunReport
  run_ids: list  # every pipeline run this invocation made, ingest runs first

  def store(self):
    return mlmd_store.open_store(self.paths.metadata_config())


def write_sample_spans(out_dir: pathlib.Path, spans=None, rows=SAMPLE_ROWS):
  """A seeded sample of `rows` rows of each span (default: the window's),
  from every CSV file of its folder, as one CSV file per span."""
  for span in project_data.window_spans() if spans is None else spans:
    project_data.write_span(
        out_dir, span, project_data.sample(project_data.read_span(span), span, rows))
  return out_dir


def run_pipeline(data_root, output_dir, spans=SAMPLE_WINDOW, beam=None) -> Run:
  paths = local.Paths(pathlib.Path(output_dir))
  before = _run_ids(paths)
  report = local.run(SETTINGS, data_root=data_root, spans=spans, output_dir=output_dir, beam=beam)
  return Run(paths, report, [r for r in _run_ids(paths) if r not in before])


def training_run_inputs(run: Run, node_id: str) -> dict:
  """{input key: [TFX artifact]} of node `node_id` in the last pipeline run
  of `run`, as MLMD recorded them; each artifact of its recorded type."""
  from tfx.types import artifact_utils  # pylint: disable=import-outside-toplevel
  store = run.store()
  execution = next(e for e in queries.run_executions(store, SETTINGS.pipeline_name, run.run_ids[-1])
                   if e.node_id == node_id)
  types = {t.id: t for t in store.get_artifact_types()}
  return {key: [artifact_utils.deserialize_artifact(types[a.type_id], a) for a in found]
          for key, found in queries.input_artifacts(store, execution.execution.id).items()}


def served_model_inputs(store) -> dict:
  """Every artifact of the types ServedModelBaselineStrategy reads, as its
  resolver node would pass them (Examples: ExampleGen's raw ones only)."""
  from tfx.types import standard_artifacts  # pylint: disable=import-outside-toplevel

  def artifacts(cls):
    result = []
    for proto in store.get_artifacts_by_type(cls.TYPE_NAME):
      artifact = cls()
      artifact.set_mlmd_artifact(proto)
      result.append(artifact)
    return result

  return {"model": artifacts(standard_artifacts.Model),
          "transform_graph": artifacts(standard_artifacts.TransformGraph),
          "model_blessing": artifacts(standard_artifacts.ModelBlessing),
          "evaluation": artifacts(standard_artifacts.ModelEvaluation),
          "statistics": artifacts(standard_artifacts.ExampleStatistics),
          "examples": [a for a in artifacts(standard_artifacts.Examples)
                       if a.has_custom_property(contract.INPUT_FINGERPRINT)]}


def _run_ids(paths):
  return queries.run_ids(mlmd_store.open_store(paths.metadata_config()))


@pytest.fixture(scope="session")
def sample_data_root(tmp_path_factory):
  return write_sample_spans(tmp_path_factory.mktemp("spans"))


@pytest.fixture(scope="session")
def first_run(tmp_path_factory, sample_data_root) -> Run:
  return run_pipeline(sample_data_root, tmp_path_factory.mktemp("e2e") / "output")


@pytest.fixture(scope="session")
def second_run(first_run, sample_data_root, tmp_path_factory) -> Run:
  """The same command again in the first run's folder (in a copy, the
  Pusher's destination would differ and it would rightly run again). Then
  that folder moves aside and a copy of it as the first run left it takes its
  place, so that whichever test reads the first run's folder later sees
  exactly the runs it made."""
  original = first_run.paths.output_dir
  as_left = tmp_path_factory.mktemp("first-run") / "output"
  shutil.copytree(original, as_left)
  rerun = run_pipeline(sample_data_root, original)
  moved = tmp_path_factory.mktemp("rerun") / "output"
  shutil.move(original, moved)
  shutil.move(as_left, original)
  return dataclasses.replace(rerun, paths=local.Paths(moved))


# Session fixtures of the fallback replay, shared by the fallback e2e tests
# and the notebook tests; imported last, since that module uses this one.
from tests.fallback_replay import replay, roles  # noqa: E402,F401 pylint: disable=wrong-import-position,unused-import
# The notification tests' loopback servers (tests/local_servers.py).
from tests.local_servers import smtp, webhook  # noqa: E402,F401 pylint: disable=wrong-import-position,unused-import
