"""The train stage through Beam's portability layer: job submission over
gRPC to Beam's local job service, artifact staging, and the SDK harness in
this process (LOOPBACK): the path a Flink or Spark job server takes. Checked
like the DirectRunner e2e run, on the same sampled spans."""
import grpc
import pytest
from apache_beam.portability.api import beam_job_api_pb2, beam_job_api_pb2_grpc

from pipeline.definition import beam, node_ids
from tests import conftest, project_data
from tests.test_e2e import assert_every_component_completed, run_executions

pytestmark = pytest.mark.standalone
SETTINGS = project_data.SETTINGS


def _jobs(endpoint) -> list:
  """(name, final state) of every job the job service ran."""
  with grpc.insecure_channel(endpoint) as channel:
    listed = beam_job_api_pb2_grpc.JobServiceStub(channel).GetJobs(beam_job_api_pb2.GetJobsRequest())
  return [(job.job_name, beam_job_api_pb2.JobState.Enum.Name(job.state)) for job in listed.job_info]


@pytest.fixture(scope="module")
def portable_run(tmp_path_factory, sample_data_root):
  with beam.local_job_service() as service:
    run = conftest.run_pipeline(sample_data_root, tmp_path_factory.mktemp("portable") / "output",
                                beam=beam.Beam("portable", job_endpoint=service.endpoint))
    yield run, _jobs(service.endpoint)


def test_every_component_completes_through_the_job_service(portable_run):
  assert_every_component_completed(portable_run[0])


def test_every_beam_stage_was_a_job_of_the_job_service(portable_run):
  run, jobs = portable_run
  beam_executions = [e for e in run_executions(run) if e.node_id in node_ids.BEAM_COMPONENTS]
  # Some components run more than one Beam pipeline (Transform: analyze, then transform).
  assert len(jobs) >= len(beam_executions) > 0, (jobs, beam_executions)
  assert {state for _, state in jobs} == {"DONE"}, jobs


def test_same_blessing_and_a_pushed_model_as_the_direct_runner(portable_run, first_run):
  report = portable_run[0].report
  assert report.blessed == first_run.report.blessed
  assert report.pushed_version and (portable_run[0].paths.serving_dir / report.pushed_version).is_dir()
  assert report.metrics[SETTINGS.metric] == pytest.approx(first_run.report.metrics[SETTINGS.metric],
                                                        rel=0.05, abs=0.02)
