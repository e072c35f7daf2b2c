"""Compiled Vertex/KFP v2 specs, the Dockerfile that runs them, and the submit
path up to the network call."""
import importlib
import json
import pathlib
import re

import kfp.components
from tfx.orchestration.kubeflow.v2 import compiler_utils
from tfx.utils import import_utils
import pytest
import yaml

from pipeline import __main__ as cli
from components.contracts import artifacts as contract
from pipeline.definition import beam
from pipeline.definition import node_ids as n
from pipeline.definition import settings as settings_lib
from pipeline.runners import kubeflow

SETTINGS = settings_lib.load()
REPO = kubeflow.REPO_ROOT
IMAGE = "europe-docker.pkg.dev/acme/model-factory/pipeline:test"
ROOT = "gs://acme-bucket/root"
INGEST = {n.EXAMPLE_GEN, n.STATISTICS_GEN, n.SCHEMA_GEN, n.EXAMPLE_VALIDATOR, n.ANOMALY_GATE,
          n.SERVED_STATE, n.DRIFT_DETECTOR}
NODES = INGEST | {n.GUARDRAILS, n.TRANSFORM, n.TUNER, n.TRAINER, n.EVALUATOR, n.COMPATIBILITY_GUARD,
                  n.PUSHER, n.SERVING_MANIFEST, f"{n.LATEST_BLESSED_MODEL_RESOLVER}-model-resolver",
                  f"{n.LATEST_BLESSED_MODEL_RESOLVER}-model-blessing-resolver"}
DEPENDS = {n.STATISTICS_GEN: {n.EXAMPLE_GEN}, n.EXAMPLE_VALIDATOR: {n.STATISTICS_GEN, n.SCHEMA_GEN},
           n.ANOMALY_GATE: {n.EXAMPLE_VALIDATOR},
           n.SERVED_STATE: {n.ANOMALY_GATE, n.EXAMPLE_GEN, n.STATISTICS_GEN},
           n.DRIFT_DETECTOR: {n.ANOMALY_GATE, n.STATISTICS_GEN, n.SERVED_STATE},
           n.GUARDRAILS: {n.DRIFT_DETECTOR, n.SERVED_STATE, n.SCHEMA_GEN},
           n.TRANSFORM: {n.GUARDRAILS, n.SERVED_STATE}, n.TUNER: {n.TRANSFORM},
           n.TRAINER: {n.TUNER, n.TRANSFORM, n.GUARDRAILS}, n.EVALUATOR: {n.TRAINER, n.SERVED_STATE},
           n.COMPATIBILITY_GUARD: {n.EVALUATOR, n.TRAINER},
           n.PUSHER: {n.COMPATIBILITY_GUARD, n.EVALUATOR, n.TRAINER},
           n.SERVING_MANIFEST: {n.PUSHER, n.SERVED_STATE}}
# The monitor stage with policy fallback: the drift check against the served
# model (ServedState), the fallback branch, champion/challenger and the push.
MONITOR = INGEST | {n.GUARDRAILS, n.FALLBACK_PLANNER, n.LAST_TUNER_RESOLVER,
                    n.FALLBACK_TRAINER, n.EVAL_SAMPLE, n.FALLBACK_EVALUATOR, n.CHAMPION_CHALLENGER,
                    n.FALLBACK_COMPATIBILITY_GUARD, n.FALLBACK_PUSHER, n.FALLBACK_SERVING_MANIFEST}
MONITOR_DEPENDS = {
    n.FALLBACK_PLANNER: {n.DRIFT_DETECTOR, n.GUARDRAILS},
    # No Transform of its own: the served model's graph, from ServedState.
    n.FALLBACK_TRAINER: {n.FALLBACK_PLANNER, n.LAST_TUNER_RESOLVER, n.SERVED_STATE},
    n.EVAL_SAMPLE: {n.EXAMPLE_GEN},
    n.FALLBACK_EVALUATOR: {n.FALLBACK_TRAINER, n.SERVED_STATE, n.EVAL_SAMPLE},
    n.CHAMPION_CHALLENGER: {n.FALLBACK_EVALUATOR, n.FALLBACK_PLANNER, n.SERVED_STATE,
                            n.EVAL_SAMPLE},
    n.FALLBACK_COMPATIBILITY_GUARD: {n.CHAMPION_CHALLENGER, n.FALLBACK_PLANNER},
    n.FALLBACK_PUSHER: {n.FALLBACK_COMPATIBILITY_GUARD, n.CHAMPION_CHALLENGER},
    n.FALLBACK_SERVING_MANIFEST: {n.FALLBACK_PUSHER, n.SERVED_STATE}}


def _compile(tmp_path_factory, target, suffix, *extra):
  output = tmp_path_factory.mktemp(target) / f"pipeline{suffix}"
  code = cli.main(["compile", "--target", target, "--output", str(output), "--image", IMAGE,
                   "--pipeline-root", ROOT, "--project", "acme", *extra])
  assert code == 0
  return output


@pytest.fixture(scope="module")
def vertex_spec(tmp_path_factory):
  path = _compile(tmp_path_factory, "vertex", ".json", "--beam", "dataflow")
  return path, json.loads(path.read_text())


@pytest.fixture(scope="module")
def kubeflow_spec(tmp_path_factory):
  path = _compile(tmp_path_factory, "kubeflow", ".yaml")
  return path, yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def monitor_specs(tmp_path_factory):
  """The monitor stage (policy fallback, the newest span) for both targets."""
  vertex = _compile(tmp_path_factory, "vertex", ".json", "--stage", "monitor", "--policy",
                    "fallback", "--span", "latest")
  kubeflow = _compile(tmp_path_factory, "kubeflow", ".yaml", "--stage", "monitor", "--policy",
                      "fallback", "--span", "latest")
  return [(vertex, json.loads(vertex.read_text())["pipelineSpec"]),
          (kubeflow, yaml.safe_load(kubeflow.read_text()))]


def _specs(vertex_spec, kubeflow_spec):
  return [vertex_spec[1]["pipelineSpec"], kubeflow_spec[1]]


def test_every_component_is_present_with_its_dependencies(vertex_spec, kubeflow_spec):
  for spec in _specs(vertex_spec, kubeflow_spec):
    tasks = spec["root"]["dag"]["tasks"]
    assert set(tasks) == NODES
    for node, upstream in DEPENDS.items():
      assert upstream <= set(tasks[node].get("dependentTasks", [])), node


def test_the_monitor_stage_holds_drift_fallback_decision_and_push(monitor_specs):
  for _, spec in monitor_specs:
    tasks = spec["root"]["dag"]["tasks"]
    assert set(tasks) == MONITOR
    for node, upstream in MONITOR_DEPENDS.items():
      assert upstream <= set(tasks[node].get("dependentTasks", [])), node
    # The drift check reads the served model's state, found on the artifact store.
    drift_inputs = tasks[n.DRIFT_DETECTOR]["inputs"]["artifacts"]
    assert drift_inputs["served_state"]["taskOutputArtifact"]["producerTask"] == n.SERVED_STATE
    for node in (n.FALLBACK_PLANNER, n.FALLBACK_TRAINER, n.CHAMPION_CHALLENGER):
      assert f"['{contract.DRIFT_DETECTED}'] == 1" in tasks[node]["triggerPolicy"]["condition"]
    for node in (n.FALLBACK_PUSHER, n.FALLBACK_SERVING_MANIFEST):
      assert f"['{contract.COMPATIBLE}'] == 1" in tasks[node]["triggerPolicy"]["condition"]
    # No span range: ExampleGen's driver ingests the newest span folder.
    example_gen = tasks[n.EXAMPLE_GEN]["inputs"]["parameters"]
    assert "range_config" not in example_gen or not example_gen["range_config"]["runtimeValue"][
        "constantValue"].get("stringValue")


@pytest.mark.parametrize("policy", ["retrain", "alert"])
def test_the_other_policies_compile_their_branch_of_the_monitor_stage(tmp_path_factory, policy):
  spec = yaml.safe_load(_compile(tmp_path_factory, "kubeflow", ".yaml", "--stage", "monitor",
                                 "--policy", policy, "--span", "latest").read_text())
  tasks = spec["root"]["dag"]["tasks"]
  if policy == "alert":  # the drift check and its report only
    assert set(tasks) == INGEST
    return
  assert set(tasks) == NODES
  for node in (n.GUARDRAILS, n.TRANSFORM, n.TUNER, n.TRAINER, n.EVALUATOR):
    assert f"['{contract.DRIFT_DETECTED}'] == 1" in tasks[node]["triggerPolicy"]["condition"]
  for node in (n.PUSHER, n.SERVING_MANIFEST):
    assert f"['{contract.COMPATIBLE}'] == 1" in tasks[node]["triggerPolicy"]["condition"]
  # The retrain reads the window's examples, from ServedState's span ledger.
  assert n.SERVED_STATE in tasks[n.TRANSFORM]["dependentTasks"]


def test_the_monitor_yaml_loads_in_the_kfp_sdk(monitor_specs):
  component = kfp.components.load_component_from_file(str(monitor_specs[1][0]))
  assert n.CHAMPION_CHALLENGER in component.pipeline_spec.root.dag.tasks


def test_every_executor_and_user_function_imports_here(vertex_spec, kubeflow_spec, monitor_specs):
  for spec in _specs(vertex_spec, kubeflow_spec) + [spec for _, spec in monitor_specs]:
    for name, executor in spec["deploymentSpec"]["executors"].items():
      if "container" not in executor:
        continue  # resolvers run in the orchestrator
      args = executor["container"]["args"]
      module, _, attr = args[args.index("--executor_class_path") + 1].rpartition(".")
      assert hasattr(importlib.import_module(module), attr), name
      for command in (executor["container"]["command"],
                      executor["container"].get("lifecycle", {}).get("preCacheCheck", {}).get("command")):
        if command:
          importlib.import_module(command[command.index("-m") + 1])
    tasks = spec["root"]["dag"]["tasks"]
    for node, key in ((n.TRANSFORM, "preprocessing_fn"), (n.TUNER, "tuner_fn"), (n.TRAINER, "run_fn"),
                      (n.FALLBACK_TRAINER, "run_fn")):
      if node not in tasks:
        continue
      path = tasks[node]["inputs"]["parameters"][key]["runtimeValue"]["constantValue"]["stringValue"]
      module, _, attr = path.rpartition(".")
      assert not module.startswith("__main__") and callable(getattr(importlib.import_module(module), attr))


def test_every_artifact_type_imports_as_the_entrypoint_does(monitor_specs):
  """TFX's container entrypoint imports a custom type by its schema title."""
  for _, spec in monitor_specs:
    for component in spec["components"].values():
      for side in ("inputDefinitions", "outputDefinitions"):
        for definition in component.get(side, {}).get("artifacts", {}).values():
          title = yaml.safe_load(definition["artifactType"]["instanceSchema"])["title"]
          if title not in compiler_utils.TITLE_TO_CLASS_PATH:  # TFX's own types
            assert import_utils.import_class_by_path(title).TYPE_NAME == title


def test_image_pipeline_root_and_beam_arguments(vertex_spec, kubeflow_spec):
  assert vertex_spec[1]["runtimeConfig"]["gcsOutputDirectory"] == ROOT
  for spec, profile in zip(_specs(vertex_spec, kubeflow_spec), ("dataflow", "direct")):
    executors = spec["deploymentSpec"]["executors"]
    images = {e["container"]["image"] for e in executors.values() if "container" in e}
    assert images == {IMAGE}
    expected = beam.Beam(profile).args(SETTINGS, project="acme", region=SETTINGS.gcp_region,
                                       pipeline_root=ROOT, image=IMAGE)
    for node in n.BEAM_COMPONENTS:
      args = executors[f"{node}_executor"]["container"]["args"]
      assert all(arg in args for arg in expected), (node, args)
  dataflow_args = vertex_spec[1]["pipelineSpec"]["deploymentSpec"]["executors"][f"{n.TRANSFORM}_executor"]
  assert "--runner=DataflowRunner" in dataflow_args["container"]["args"]
  assert f"--temp_location={ROOT}/beam/tmp" in dataflow_args["container"]["args"]


def test_pusher_runs_only_for_a_compatible_model(vertex_spec, kubeflow_spec):
  for spec in _specs(vertex_spec, kubeflow_spec):
    condition = spec["root"]["dag"]["tasks"][n.PUSHER]["triggerPolicy"]["condition"]
    assert f"{n.COMPATIBILITY_GUARD}.verdict" in condition
    assert f"['{contract.COMPATIBLE}'] == 1" in condition


def test_yaml_is_a_valid_kfp_v2_package(kubeflow_spec):
  component = kfp.components.load_component_from_file(str(kubeflow_spec[0]))
  assert component.pipeline_spec.root.dag.tasks[n.PUSHER].component_ref.name == n.PUSHER


def test_dockerfile_copies_existing_paths_and_matches_the_spec(vertex_spec):
  dockerfile = (REPO / "Dockerfile").read_text()
  for line in re.findall(r"^COPY (.+)$", dockerfile, flags=re.M):
    for source in line.split()[:-1]:
      assert (REPO / source).exists(), source
  entrypoint = json.loads(re.search(r"^ENTRYPOINT (.+)$", dockerfile, flags=re.M).group(1))
  executors = vertex_spec[1]["pipelineSpec"]["deploymentSpec"]["executors"]
  commands = {tuple(e["container"]["command"]) for e in executors.values() if "container" in e}
  assert commands == {tuple(entrypoint)}
  # The schema path baked into the spec is where the Dockerfile copies it.
  schema_dir = re.search(r"^WORKDIR (.+)$", dockerfile, flags=re.M).group(1)
  assert schema_dir == SETTINGS.container_repo_root
  schema_folder = pathlib.Path(SETTINGS.schema_path).parent.relative_to(REPO)
  assert f"COPY {schema_folder} {schema_folder}" in dockerfile


def test_vertex_dry_run_prints_the_request(vertex_spec, capsys):
  path, _ = vertex_spec
  assert cli.main(["submit", "--target", "vertex", "--spec", str(path), "--project", "acme",
                   "--pipeline-root", ROOT, "--dry-run"]) == 0
  request = json.loads(capsys.readouterr().out)
  assert request["sdk"] == "google.cloud.aiplatform.PipelineJob"
  assert request["project"] == "acme" and request["pipeline_root"] == ROOT
  assert request["package"] == str(path)


def test_kubeflow_dry_run_compiles_when_no_spec_is_given(monkeypatch, capsys):
  monkeypatch.setenv("KFP_ENDPOINT", "http://kfp.example:8888")
  assert cli.main(["submit", "--target", "kubeflow", "--dry-run", "--image", IMAGE]) == 0
  out = capsys.readouterr().out
  request = json.loads(out[out.index("{\n"):])
  assert request["host"] == "http://kfp.example:8888"
  assert pathlib.Path(request["package"]).suffix == ".yaml"


def test_submit_without_project_endpoint_or_server_fails_clearly(vertex_spec, kubeflow_spec,
                                                                 monkeypatch, capsys):
  monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
  monkeypatch.delenv("KFP_ENDPOINT", raising=False)
  assert cli.main(["submit", "--target", "vertex", "--spec", str(vertex_spec[0])]) == 1
  assert "no Google Cloud project" in capsys.readouterr().err
  assert cli.main(["submit", "--target", "kubeflow", "--spec", str(kubeflow_spec[0])]) == 1
  assert "no Kubeflow Pipelines endpoint" in capsys.readouterr().err
  assert cli.main(["submit", "--target", "kubeflow", "--spec", str(kubeflow_spec[0]),
                   "--endpoint", "http://127.0.0.1:9"]) == 1
  assert "refused or is unreachable" in capsys.readouterr().err




def test_schedules_dry_run_for_both_targets(vertex_spec, kubeflow_spec, capsys):
  assert cli.main(["schedule", "--target", "vertex", "--spec", str(vertex_spec[0]), "--project",
                   "acme", "--pipeline-root", ROOT, "--cron", "TZ=Europe/Berlin 0 6 * * 1-5",
                   "--dry-run"]) == 0
  request = json.loads(capsys.readouterr().out)
  assert request["sdk"] == "google.cloud.aiplatform.PipelineJobSchedule.create"
  assert request["cron"] == "TZ=Europe/Berlin 0 6 * * 1-5" and request["max_concurrent_run_count"] == 1
  assert request["project"] == "acme" and request["package"] == str(vertex_spec[0])
  assert cli.main(["schedule", "--target", "kubeflow", "--spec", str(kubeflow_spec[0]),
                   "--endpoint", "http://kfp.example:8888", "--cron", "*/30 * * * *",
                   "--dry-run"]) == 0
  request = json.loads(capsys.readouterr().out)
  assert request["sdk"] == "kfp.Client.create_recurring_run"
  assert request["cron_expression"] == "0 */30 * * * *"  # KFP's leading seconds field
  assert request["host"] == "http://kfp.example:8888" and request["max_concurrency"] == 1


def test_schedule_errors_are_those_of_submit_and_a_bad_cron(kubeflow_spec, monkeypatch, capsys):
  monkeypatch.delenv("KFP_ENDPOINT", raising=False)
  spec = ["--spec", str(kubeflow_spec[0])]
  assert cli.main(["schedule", "--target", "kubeflow", *spec, "--cron", "0 6 * *"]) == 1
  assert "--cron must have five fields" in capsys.readouterr().err
  assert cli.main(["schedule", "--target", "kubeflow", *spec, "--cron", "TZ=UTC 0 6 * * *"]) == 1
  assert "take no time zone" in capsys.readouterr().err
  assert cli.main(["schedule", "--target", "kubeflow", *spec, "--cron", "0 6 * * *"]) == 1
  assert "no Kubeflow Pipelines endpoint" in capsys.readouterr().err
  assert cli.main(["schedule", "--target", "kubeflow", *spec, "--cron", "0 6 * * *",
                   "--endpoint", "http://127.0.0.1:9"]) == 1
  assert "refused or is unreachable" in capsys.readouterr().err
  monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
  assert cli.main(["schedule", "--target", "vertex", "--spec", str(kubeflow_spec[0]),
                   "--cron", "0 6 * * *"]) == 1
  assert "no Google Cloud project" in capsys.readouterr().err


def test_a_schedule_compiles_the_monitor_stage_by_default(capsys):
  assert cli.main(["schedule", "--target", "kubeflow", "--endpoint", "http://kfp.example:8888",
                   "--cron", "0 6 * * *", "--image", IMAGE, "--dry-run"]) == 0
  out = capsys.readouterr().out
  request = json.loads(out[out.index("{\n"):])
  tasks = yaml.safe_load(pathlib.Path(request["package"]).read_text())["root"]["dag"]["tasks"]
  assert {n.SERVED_STATE, n.DRIFT_DETECTOR, n.CHAMPION_CHALLENGER, n.FALLBACK_PUSHER} <= set(tasks)
