"""A test harness for a compiled KFP v2 pipeline spec; not an orchestrator.

It executes the spec's tasks on this machine in dependency order, the way
Vertex AI or Kubeflow Pipelines would, to show that what `compile` writes
runs and decides as LocalDagRunner does:
- a container task runs TFX's own container entrypoints from the spec's
  command (ExampleGen's driver first when the spec names one, then
  `kubeflow_v2_run_executor`), in this process, with the spec's arguments
  and an executor input built from the spec and the upstream tasks' outputs;
- a trigger condition is evaluated on the metadata of the task's inputs; a
  task whose condition is false, or whose input a skipped task would have
  made, is skipped;
- a resolver task answers its artifact query (type, state, metadata, name)
  from the artifacts that earlier tasks and earlier runs of `History` made:
  what the services' metadata store would hold.
Outputs go under `pipeline_root/<run>/<task>/<key>`, local or ram://."""
import dataclasses
import json
import os
import re

import tensorflow as tf
import yaml
from absl import logging as absl_logging
from tfx.orchestration.kubeflow.v2.container import kubeflow_v2_run_executor
from tfx.orchestration.kubeflow.v2.file_based_example_gen import driver

EXECUTOR_MODULE = "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"
DRIVER_MODULE = "tfx.orchestration.kubeflow.v2.file_based_example_gen.driver"
_CONDITION = re.compile(r"inputs\.artifacts\['([^']+)'\]\.artifacts\[0\]\.metadata\['([^']+)'\]"
                        r"\s*==\s*([0-9.]+)")
_QUERY = re.compile(r'(schema_title|name)="([^"]*)"|metadata\.(\w+)\.number_value=([0-9.]+)')
_PLACEHOLDER = re.compile(r"\{\{\$\.inputs\.artifacts\['([^']+)'\]\.metadata\['([^']+)'\]\}\}")


@dataclasses.dataclass
class History:
  """Every artifact the runs made, oldest first: [(schema title, RuntimeArtifact dict)]."""
  artifacts: list = dataclasses.field(default_factory=list)
  runs: int = 0


@dataclasses.dataclass
class SpecRun:
  outputs: dict  # task -> {output key: [RuntimeArtifact dict]}
  skipped: list  # tasks not run: a false condition, or an input of a skipped task

  def metadata(self, task, key="", index=0) -> dict:
    """The metadata of a task's output artifact (its only output by default)."""
    found = self.outputs[task]
    return found[key or next(iter(found))][index]["metadata"]


def load(path) -> dict:
  """The pipeline spec of a compiled file: Vertex's JSON job or KFP's YAML."""
  with open(path, encoding="utf-8") as f:
    document = json.load(f) if str(path).endswith(".json") else yaml.safe_load(f)
  return document.get("pipelineSpec", document)


def _order(tasks: dict) -> list:
  done, order = set(), []
  while len(order) < len(tasks):
    ready = sorted(t for t in tasks if t not in done
                   and set(tasks[t].get("dependentTasks", [])) <= done)
    if not ready:
      raise ValueError(f"the spec's tasks form a cycle: {sorted(set(tasks) - done)}")
    order += ready
    done.update(ready)
  return order


def _title(artifact_type: dict) -> str:
  if "schemaTitle" in artifact_type:
    return artifact_type["schemaTitle"]
  return yaml.safe_load(artifact_type["instanceSchema"])["title"]


def _constants(task) -> dict:
  """The task's parameters; an empty constant (an empty proto) is left out."""
  return {key: p["runtimeValue"]["constantValue"]
          for key, p in task.get("inputs", {}).get("parameters", {}).items()
          if p["runtimeValue"]["constantValue"]}


def run(spec: dict, pipeline_root: str, history: History) -> SpecRun:
  """Runs every task of `spec` once; returns what each made."""
  history.runs += 1
  root = os.path.join(pipeline_root, f"run-{history.runs}")
  tasks = spec["root"]["dag"]["tasks"]
  result = SpecRun({}, [])
  for name in _order(tasks):
    task = tasks[name]
    component = spec["components"][task["componentRef"]["name"]]
    executor = spec["deploymentSpec"]["executors"][component["executorLabel"]]
    inputs = {}
    for key, source in task.get("inputs", {}).get("artifacts", {}).items():
      producer = source["taskOutputArtifact"]["producerTask"]
      if producer in result.outputs:
        inputs[key] = result.outputs[producer][source["taskOutputArtifact"]["outputArtifactKey"]]
    wanted = {s["taskOutputArtifact"]["producerTask"]
              for s in task.get("inputs", {}).get("artifacts", {}).values()}
    if wanted & set(result.skipped) or not _condition_holds(task, inputs):
      result.skipped.append(name)
      continue
    if "resolver" in executor:
      result.outputs[name] = _resolve(executor["resolver"], inputs, history)
    else:
      result.outputs[name] = _execute(name, task, component, executor["container"], inputs,
                                      os.path.join(root, name), history)
  return result


def _condition_holds(task, inputs) -> bool:
  condition = task.get("triggerPolicy", {}).get("condition")
  if not condition:
    return True
  clauses = _CONDITION.findall(condition)
  if not clauses or len(clauses) != condition.count("inputs.artifacts"):
    raise ValueError(f"the harness cannot read this trigger condition: {condition}")
  return all(key in inputs and float(inputs[key][0]["metadata"].get(field, "nan")) == float(value)
             for key, field, value in clauses)


def _resolve(resolver, inputs, history) -> dict:
  """The newest artifact that matches each output's query (or none)."""
  outputs = {}
  for key, query in resolver["outputArtifactQueries"].items():
    named = [inputs.get(m.group(1)) for m in _PLACEHOLDER.finditer(query["filter"])]
    if not all(named):  # the query names an artifact an upstream resolver did not find
      outputs[key] = []
      continue
    text = _PLACEHOLDER.sub(lambda m: str(inputs[m.group(1)][0]["metadata"].get(m.group(2), "")),
                            query["filter"])
    found = []
    for title, artifact in reversed(history.artifacts):
      if _matches(text, title, artifact):
        found = [artifact]
        break
    outputs[key] = found
  return outputs


def _matches(query, title, artifact) -> bool:
  for field, value, metadata_key, number in _QUERY.findall(query):
    if field == "schema_title" and value != title:
      return False
    if field == "name" and value != artifact["name"]:
      return False
    if metadata_key and artifact["metadata"].get(metadata_key) != float(number):
      return False
  return True


def _execute(name, task, component, container, inputs, task_root, history) -> dict:
  outputs = {}
  for key, definition in component.get("outputDefinitions", {}).get("artifacts", {}).items():
    outputs[key] = {"artifacts": [{
        "name": f"{task_root}/{key}", "type": definition["artifactType"],
        "uri": os.path.join(task_root, key), "metadata": {}}]}
    tf.io.gfile.makedirs(os.path.join(task_root, key))  # as KFP's launcher prepares them
  output_file = os.path.join(task_root, "executor_output.json")
  executor_input = {
      "inputs": {"artifacts": {k: {"artifacts": v} for k, v in inputs.items() if v},
                 "parameters": _constants(task)},
      "outputs": {"artifacts": outputs, "outputFile": output_file}}
  driver_command = container.get("lifecycle", {}).get("preCacheCheck")
  if driver_command:
    _call(driver_command["command"], driver_command["args"], json.dumps(executor_input))
    # As the service does: the driver's parameters (span, fingerprint, the
    # resolved input pattern) and output metadata update the executor's input.
    with open(output_file, encoding="utf-8") as f:
      driven = json.load(f)
    for key, value in driven.get("parameterValues", {}).items():
      executor_input["inputs"]["parameters"][key] = _value(value)
    for key, found in driven.get("artifacts", {}).items():
      outputs[key]["artifacts"][0]["metadata"] = found["artifacts"][0].get("metadata", {})
  _call(container["command"], container["args"], json.dumps(executor_input))
  with open(output_file, encoding="utf-8") as f:
    written = json.load(f).get("artifacts", {})
  made = {}
  for key, declared in outputs.items():
    artifact = dict(declared["artifacts"][0])
    artifact["metadata"] = (written.get(key, {}).get("artifacts") or [{}])[0].get("metadata", {})
    made[key] = [artifact]
    history.artifacts.append((_title(artifact["type"]), artifact))
  return made


def _value(value) -> dict:
  """A google.protobuf.Value (as JSON) as the pipeline spec's Value."""
  if isinstance(value, str):
    return {"stringValue": value}
  return {"intValue": str(int(value))} if float(value).is_integer() else {"doubleValue": value}


def _call(command, args, executor_input) -> None:
  """One of TFX's container entrypoints, as the spec's command names it."""
  module = command[command.index("-m") + 1]
  argv = [executor_input if a == "{{$}}" else a for a in args]
  if module == EXECUTOR_MODULE:
    kubeflow_v2_run_executor.main(kubeflow_v2_run_executor._parse_flags(argv))  # pylint: disable=protected-access
  elif module == DRIVER_MODULE:
    driver.main(driver._parse_flags(argv))  # pylint: disable=protected-access
  else:
    raise ValueError(f"the harness knows no entrypoint {module}")
  absl_logging.set_verbosity(absl_logging.WARNING)  # the entrypoints set INFO
