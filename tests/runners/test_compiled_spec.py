"""The compiled KFP v2 spec runs, not only compiles: tests/kfp_spec_runner.py
executes the stages as `compile` writes them (ingest each window span but
the last, train on the window, monitor a span like the training data, then a
corrupted one, policy fallback), through TFX's own container entrypoints,
on the spans of the fallback replay; the decisions are the ones the
LocalDagRunner replay made on the same spans."""
import dataclasses
import shutil

import pytest

from components.contracts import artifacts as contract
from components.serving_manifest import executor as manifest
from pipeline.definition import beam
from pipeline.definition import node_ids as n
from pipeline.runners import kubeflow
from tests import fallback_replay, kfp_spec_runner, project_data

# The image holds this repository at CONTAINER_REPO_ROOT; here it is this checkout.
SETTINGS = dataclasses.replace(project_data.SETTINGS, container_repo_root=str(kubeflow.REPO_ROOT))
NEW, NEXT = fallback_replay.NEW, fallback_replay.NEXT


@dataclasses.dataclass
class Stage:
  stage: str
  span: int
  run: kfp_spec_runner.SpecRun
  manifest: dict  # the serving manifest after the run


@pytest.fixture(scope="module")
def cloud(replay, sample_data_root, tmp_path_factory):
  """[Stage] in the replay's order: an ingest per window span but the last,
  train (ingests the last), quiet span, broken span."""
  root = tmp_path_factory.mktemp("compiled")
  data_root = root / "spans"
  shutil.copytree(sample_data_root, data_root)
  shutil.copytree(replay[0].output_dir.parent / "spans", data_root, dirs_exist_ok=True)
  serving_dir, history, stages = root / "serving", kfp_spec_runner.History(), []
  *earlier, last = project_data.window_spans()
  for stage, span in ([("ingest", span) for span in earlier]
                      + [("train", last), ("monitor", NEW), ("monitor", NEXT)]):
    spec = kubeflow.compile_spec(
        SETTINGS, target="kubeflow", output=root / f"{stage}-{span}.yaml", image="local",
        pipeline_root=str(root / "pipeline_root"), data_root=str(data_root),
        serving_dir=str(serving_dir), beam=beam.Beam("direct", workers=1), project="",
        region="", span=span, stage=stage, policy="fallback")
    done = kfp_spec_runner.run(kfp_spec_runner.load(spec), str(root / "pipeline_root"), history)
    stages.append(Stage(stage, span, done, manifest.read(str(serving_dir))))
  return stages


def _state(spec_run):
  return contract.read_state(spec_run.outputs[n.SERVED_STATE]["state"][0]["uri"])


def test_the_train_stage_trains_on_the_window_and_serves(cloud):
  ingest, train = cloud[0].run, cloud[-3].run
  assert ingest.metadata(n.DRIFT_DETECTOR)[contract.VERDICT] == "no baseline"
  assert [s["span"] for s in _state(train)["window"]] == project_data.window_spans()
  assert train.metadata(n.PUSHER)[contract.PUSHED] == 1
  served = cloud[-3].manifest
  assert served["role"] == "primary" and served["active_version"] == train.metadata(
      n.PUSHER)[contract.PUSHED_VERSION]
  assert [s["span"] for s in served["artifacts"]["spans"]] == project_data.window_spans()


def test_monitoring_decides_as_the_local_runner(cloud, replay):
  _, local_quiet, local_drifted, _, _ = replay
  quiet, drifted = cloud[-2].run, cloud[-1].run
  # The drift check compares with the served model's training data, found
  # through the manifest and the span ledger on the artifact store.
  assert _state(quiet)["baseline"]["version"] == cloud[-3].manifest["active_version"]
  assert quiet.metadata(n.DRIFT_DETECTOR)[contract.VERDICT] == local_quiet.drift_verdict
  assert n.FALLBACK_TRAINER in quiet.skipped and local_quiet.fallback is None
  assert cloud[-2].manifest == cloud[-3].manifest
  report = drifted.metadata(n.DRIFT_DETECTOR)
  assert report[contract.VERDICT] == local_drifted.drift_verdict == "drift"
  assert (set(contract.split_list(report[contract.DRIFTED_FEATURES]))
          == set(contract.split_list(local_drifted.drifted_features)))
  assert [s["span"] for s in _state(drifted)["window"]] == fallback_replay.window(NEXT)
  served = bool(drifted.metadata(n.CHAMPION_CHALLENGER)[contract.BLESSED])
  assert served == local_drifted.fallback["served"]
  assert (n.FALLBACK_PUSHER not in drifted.skipped
          and drifted.metadata(n.FALLBACK_PUSHER)[contract.PUSHED] == 1) == served
  active = cloud[-1].manifest
  assert active["role"] == ("fallback" if served else "primary")
  if served:
    assert sorted(active["excluded_features"]) == sorted(local_drifted.fallback["excluded_features"])
