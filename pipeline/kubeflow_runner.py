"""Compiles the pipeline for Vertex AI Pipelines or Kubeflow Pipelines v2 and
submits it through the official SDKs. Compiling needs no network and no
credentials; `submit --dry-run` needs neither and prints what it would send."""
import hashlib
import json
import os
import pathlib
import tempfile

from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

from pipeline import configs
from pipeline.pipeline import create_pipeline

TARGET_SUFFIX = {"vertex": ".json", "kubeflow": ".yaml"}


class SubmitError(RuntimeError):
  """Submission cannot proceed; the message says what is missing."""


def build_cloud_pipeline(*, pipeline_root, data_root, serving_dir, beam_args, span):
  """The same create_pipeline as the local run, with the paths of the image."""
  schema_path = pathlib.PurePosixPath(configs.CONTAINER_REPO_ROOT) / "schema" / "schema.pbtxt"
  return create_pipeline(
      pipeline_name=configs.PIPELINE_NAME, pipeline_root=pipeline_root, data_root=data_root,
      span_pattern=configs.SPAN_PATTERN, schema_path=str(schema_path),
      ingest_span=span, train_spans=(span, span), stage="train",
      drift_policy=configs.DRIFT_POLICY,
      split_buckets=configs.SPLIT_BUCKETS,
      stats_quantile_buckets=configs.STATS_QUANTILE_BUCKETS,
      stats_rank_buckets=configs.STATS_RANK_BUCKETS,
      drift_config=configs.drift_config(), drift_fallback_span=configs.DRIFT_FALLBACK_SPAN,
      serving_dir=serving_dir, seed=configs.SEED,
      tuner_max_trials=configs.TUNER_MAX_TRIALS, tuner_train_steps=configs.TUNER_TRAIN_STEPS,
      train_steps=configs.TRAIN_STEPS, eval_steps=configs.EVAL_STEPS,
      min_auc=configs.MIN_AUC, max_auc_drop=configs.MAX_AUC_DROP,
      fallback_auc_tolerance=configs.FALLBACK_AUC_TOLERANCE,
      broken_input_share=configs.BROKEN_INPUT_SHARE,
      slice_features=configs.SLICE_FEATURES, beam_pipeline_args=beam_args,
      # Vertex and KFP bring their own metadata store.
      metadata_connection_config=None, mlmd_resolvers=False)


def compile_spec(*, target, output: pathlib.Path, image, pipeline_root, data_root,
                 serving_dir, beam_profile, project, region, span) -> pathlib.Path:
  """Writes the pipeline spec: JSON PipelineJob for Vertex, YAML for KFP v2."""
  if output.suffix != TARGET_SUFFIX[target]:
    raise ValueError(f"--output for {target} must end in {TARGET_SUFFIX[target]}")
  beam_args = configs.beam_profile_args(beam_profile, project=project, region=region,
                                        pipeline_root=pipeline_root, image=image)
  pipeline = build_cloud_pipeline(pipeline_root=pipeline_root, data_root=data_root,
                                  serving_dir=serving_dir, beam_args=beam_args, span=span)
  runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
      config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(default_image=image),
      output_dir=str(output.parent), output_filename=output.name)
  output.parent.mkdir(parents=True, exist_ok=True)
  runner.run(pipeline)
  return output


def submission(*, target, spec: pathlib.Path, project, region, endpoint, pipeline_root) -> dict:
  """Exactly what submit sends, as a dict (printed by --dry-run)."""
  request = {"target": target, "package": str(spec),
             "package_sha256": hashlib.sha256(spec.read_bytes()).hexdigest(),
             "display_name": configs.PIPELINE_NAME, "enable_caching": True}
  if target == "vertex":
    request.update(sdk="google.cloud.aiplatform.PipelineJob", project=project,
                   location=region, pipeline_root=pipeline_root)
  else:
    request.update(sdk="kfp.Client.create_run_from_pipeline_package", host=endpoint,
                   experiment_name=configs.PIPELINE_NAME, arguments={})
  return request


def submit(request: dict):
  """Sends the request; raises SubmitError with a readable reason."""
  if request["target"] == "vertex":
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
    job = aiplatform.PipelineJob(
        display_name=request["display_name"], template_path=request["package"],
        pipeline_root=request["pipeline_root"], project=request["project"],
        location=request["location"], enable_caching=request["enable_caching"])
    job.submit()
    return job.resource_name
  if not request["host"]:
    raise SubmitError("no Kubeflow Pipelines endpoint: pass --endpoint or set KFP_ENDPOINT")
  import kfp  # pylint: disable=import-outside-toplevel
  try:
    client = kfp.Client(host=request["host"])
    run = client.create_run_from_pipeline_package(
        request["package"], arguments=request["arguments"],
        experiment_name=request["experiment_name"], enable_caching=request["enable_caching"])
  except Exception as error:  # connection, auth and API errors of the KFP client
    raise SubmitError(f"Kubeflow Pipelines at {request['host']} refused or is unreachable: "
                      f"{error}") from error
  return run.run_id


def defaults(args) -> dict:
  """Settings from flags, then the environment, then configs."""
  return {
      "image": args.image or configs.PIPELINE_IMAGE,
      "pipeline_root": args.pipeline_root or configs.CLOUD_PIPELINE_ROOT,
      "data_root": args.data_root or configs.CLOUD_DATA_ROOT,
      "serving_dir": args.serving_dir or configs.CLOUD_SERVING_DIR,
      "project": args.project or os.environ.get("GOOGLE_CLOUD_PROJECT") or configs.GCP_PROJECT,
      "region": args.region or configs.GCP_REGION,
      "endpoint": args.endpoint or os.environ.get("KFP_ENDPOINT") or configs.KFP_ENDPOINT,
  }


def temporary_spec(target) -> pathlib.Path:
  return pathlib.Path(tempfile.mkdtemp(prefix="model-factory-")) / f"pipeline{TARGET_SUFFIX[target]}"


def dump(request: dict) -> str:
  return json.dumps(request, indent=2, sort_keys=True)
