"""Compiles the pipeline for Vertex AI Pipelines or Kubeflow Pipelines v2,
submits it or schedules it through the official SDKs. Compiling needs no
network and no credentials; `submit --dry-run` and `schedule --dry-run` need
neither and print what they would send."""
import hashlib
import json
import os
import pathlib
import re
import tempfile

from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

from pipeline.definition.pipeline import create_pipeline
from pipeline.definition.settings import RunSpec

# The repository's root here; the Dockerfile copies it to CONTAINER_REPO_ROOT.
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]

TARGET_SUFFIX = {"vertex": ".json", "kubeflow": ".yaml"}


class SubmitError(RuntimeError):
  """Submission cannot proceed; the message says what is missing."""


def cloud_run_spec(settings, *, pipeline_root, data_root, serving_dir, beam_args,
                   span, stage="train", policy=None) -> RunSpec:
  """A cloud run: the image's paths, no MLMD connection (Vertex and KFP
  bring their own metadata store), and only the resolvers KFP v2 supports;
  the served model and the training window (TRAINING_WINDOW_SPANS) come
  from the artifact store (ServedState). `span` None: the newest span."""
  schema = (pathlib.PurePosixPath(settings.container_repo_root)
            / pathlib.Path(settings.schema_path).relative_to(REPO_ROOT))
  return RunSpec(stage=stage, ingest_span=span, train_spans=(),
                 data_root=data_root, pipeline_root=pipeline_root, serving_dir=serving_dir,
                 schema_path=str(schema), beam_pipeline_args=tuple(beam_args),
                 drift_policy=policy or settings.drift_policy, mlmd_resolvers=False,
                 window_spans=settings.training_window_spans)


def compile_spec(settings, *, target, output: pathlib.Path, image, pipeline_root, data_root,
                 serving_dir, beam, project, region, span, stage="train",
                 policy=None) -> pathlib.Path:
  """Writes the pipeline spec: JSON PipelineJob for Vertex, YAML for KFP v2."""
  if output.suffix != TARGET_SUFFIX[target]:
    raise ValueError(f"--output for {target} must end in {TARGET_SUFFIX[target]}")
  beam_args = beam.args(settings, project=project, region=region,
                        pipeline_root=pipeline_root, image=image)
  pipeline = create_pipeline(settings, cloud_run_spec(
      settings, pipeline_root=pipeline_root, data_root=data_root, serving_dir=serving_dir,
      beam_args=beam_args, span=span, stage=stage, policy=policy))
  runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
      config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(default_image=image),
      output_dir=str(output.parent), output_filename=output.name)
  output.parent.mkdir(parents=True, exist_ok=True)
  runner.run(pipeline)
  return output


def submission(settings, *, target, spec: pathlib.Path, project, region, endpoint,
               pipeline_root) -> dict:
  """Exactly what submit sends, as a dict (printed by --dry-run)."""
  request = {"target": target, "package": str(spec),
             "package_sha256": hashlib.sha256(spec.read_bytes()).hexdigest(),
             "display_name": settings.pipeline_name, "enable_caching": True}
  if target == "vertex":
    request.update(sdk="google.cloud.aiplatform.PipelineJob", project=project,
                   location=region, pipeline_root=pipeline_root)
  else:
    request.update(sdk="kfp.Client.create_run_from_pipeline_package", host=endpoint,
                   experiment_name=settings.pipeline_name, arguments={})
  return request


# One field of a five-field cron expression (minute hour day month weekday).
_CRON_FIELD = re.compile(r"[0-9A-Za-z*?/,\-]+")


def cron_fields(target: str, cron: str) -> str:
  """The five fields of `cron` (minute hour day month weekday), checked; a
  leading "TZ=Area/City " is allowed for Vertex only (KFP uses the cluster's)."""
  zone, fields = "", cron.strip()
  if fields.startswith(("TZ=", "CRON_TZ=")):
    zone, _, fields = fields.partition(" ")
  if len(fields.split()) != 5 or not all(map(_CRON_FIELD.fullmatch, fields.split())):
    raise ValueError(f"--cron must have five fields (minute hour day month weekday), e.g. "
                     f"'0 6 * * *', optionally after 'TZ=Europe/Berlin '; got {cron!r}")
  if zone and target == "kubeflow":
    raise ValueError("Kubeflow Pipelines recurring runs take no time zone (TZ=): they use the "
                     "cluster's; give the five fields alone")
  return " ".join(fields.split())


def scheduled(request: dict, cron: str) -> dict:
  """The submission as a schedule: Vertex's PipelineJobSchedule, or a KFP
  recurring run (whose cron has a leading seconds field); one run at a time."""
  fields = cron_fields(request["target"], cron)
  result = {**request, "display_name": f"{request['display_name']}-schedule"}
  if request["target"] == "vertex":
    result.update(sdk="google.cloud.aiplatform.PipelineJobSchedule.create", cron=cron.strip(),
                  max_concurrent_run_count=1)
  else:
    result.update(sdk="kfp.Client.create_recurring_run", cron_expression=f"0 {fields}",
                  max_concurrency=1)
  return result


def _vertex_job(request: dict):
  """Vertex's PipelineJob for the request, after checking project and credentials."""
  if not request["project"]:
    raise SubmitError("no Google Cloud project: pass --project or set GOOGLE_CLOUD_PROJECT")
  import google.auth  # pylint: disable=import-outside-toplevel
  from google.auth import exceptions as auth_exceptions  # pylint: disable=import-outside-toplevel
  from google.cloud import aiplatform  # pylint: disable=import-outside-toplevel
  try:
    google.auth.default()
  except auth_exceptions.DefaultCredentialsError as error:
    raise SubmitError("no Google Cloud credentials: run `gcloud auth application-default "
                      f"login` or set GOOGLE_APPLICATION_CREDENTIALS ({error})") from error
  return aiplatform, aiplatform.PipelineJob(
      display_name=request["display_name"], template_path=request["package"],
      pipeline_root=request["pipeline_root"], project=request["project"],
      location=request["location"], enable_caching=request["enable_caching"])


def _kfp(request: dict, call):
  """`call(kfp.Client)` against the request's host; SubmitError when it fails."""
  if not request["host"]:
    raise SubmitError("no Kubeflow Pipelines endpoint: pass --endpoint or set KFP_ENDPOINT")
  import kfp  # pylint: disable=import-outside-toplevel
  try:
    return call(kfp.Client(host=request["host"]))
  except Exception as error:  # connection, auth and API errors of the KFP client
    raise SubmitError(f"Kubeflow Pipelines at {request['host']} refused or is unreachable: "
                      f"{error}") from error


def submit(request: dict):
  """Sends the request (a run, or with "cron" a schedule); raises
  SubmitError with a readable reason."""
  if request["target"] == "vertex":
    aiplatform, job = _vertex_job(request)
    if "cron" not in request:
      job.submit()
      return job.resource_name
    schedule = aiplatform.PipelineJobSchedule(pipeline_job=job, display_name=request["display_name"])
    schedule.create(cron=request["cron"],
                    max_concurrent_run_count=request["max_concurrent_run_count"])
    return schedule.resource_name
  if "cron_expression" not in request:
    return _kfp(request, lambda client: client.create_run_from_pipeline_package(
        request["package"], arguments=request["arguments"],
        experiment_name=request["experiment_name"], enable_caching=request["enable_caching"]).run_id)
  return _kfp(request, lambda client: client.create_recurring_run(
      experiment_id=client.create_experiment(request["experiment_name"]).experiment_id,
      job_name=request["display_name"], cron_expression=request["cron_expression"],
      max_concurrency=request["max_concurrency"], pipeline_package_path=request["package"],
      params=request["arguments"], enable_caching=request["enable_caching"]).recurring_run_id)


def defaults(settings, args) -> dict:
  """Cloud targets from flags, then the environment, then settings."""
  return {
      "image": args.image or settings.pipeline_image,
      "pipeline_root": args.pipeline_root or settings.cloud_pipeline_root,
      "data_root": args.data_root or settings.cloud_data_root,
      "serving_dir": args.serving_dir or settings.cloud_serving_dir,
      "project": args.project or os.environ.get("GOOGLE_CLOUD_PROJECT") or settings.gcp_project,
      "region": args.region or settings.gcp_region,
      "endpoint": args.endpoint or os.environ.get("KFP_ENDPOINT") or settings.kfp_endpoint,
  }


def temporary_spec(target) -> pathlib.Path:
  return pathlib.Path(tempfile.mkdtemp(prefix="model-factory-")) / f"pipeline{TARGET_SUFFIX[target]}"


def dump(request: dict) -> str:
  return json.dumps(request, indent=2, sort_keys=True)
