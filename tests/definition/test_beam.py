"""Beam profiles turned into arguments, and the job server check."""
import dataclasses
import socket

import pytest

from pipeline.definition import beam
from pipeline.definition import settings as settings_lib

SETTINGS = settings_lib.load()


def test_direct_runs_in_process_with_one_worker_else_one_process_per_worker():
  assert beam.Beam("direct", workers=2).args(SETTINGS)[1:] == (
      "--direct_running_mode=multi_processing", "--direct_num_workers=2")
  assert "--direct_running_mode=in_memory" in beam.Beam("direct", workers=1).args(SETTINGS)


def test_portable_profiles_share_one_path_with_their_own_endpoint_and_environment():
  for profile in ("portable", "flink", "spark"):
    args = beam.Beam(profile).args(SETTINGS)
    assert beam.is_portable(args)
    assert beam.job_endpoint(args) == SETTINGS.beam_job_endpoints[profile]
  flink = beam.Beam("flink", job_endpoint="jobs:8099").args(SETTINGS)
  assert beam.job_endpoint(flink) == "jobs:8099" and "--environment_type=EXTERNAL" in flink


def test_cloud_profiles_fill_their_placeholders():
  args = beam.Beam("dataflow").args(SETTINGS, project="acme", region="r", pipeline_root="gs://b",
                                    image="img")
  assert "--project=acme" in args and not any("{" in a for a in args)


@pytest.mark.parametrize("choice,message", [
    (beam.Beam("direct", workers=-1), "at least 1"),
    (beam.Beam("nope"), "unknown Beam profile"),
    (beam.Beam("direct", job_endpoint="h:1"), "portable profiles only"),
    (beam.Beam("dataflow"), "use it with compile"),
])
def test_bad_choices_say_what_to_change(choice, message):
  with pytest.raises(beam.BeamSetupError, match=message):
    choice.args(SETTINGS)


def test_the_job_server_check_accepts_a_listener_and_names_a_missing_one():
  with socket.socket() as server:
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    beam.check_reachable(beam.Beam("portable", job_endpoint=f"127.0.0.1:{port}").args(SETTINGS),
                         "portable")
  with pytest.raises(beam.BeamSetupError, match=f"no Beam job server answers at 127.0.0.1:{port}"):
    beam.check_reachable(beam.Beam("portable", job_endpoint=f"127.0.0.1:{port}").args(SETTINGS),
                         "portable")
  beam.check_reachable(beam.Beam("direct", workers=1).args(SETTINGS), "direct")  # nothing to check


def test_workers_follow_the_span_size_when_not_given():
  settings = dataclasses.replace(SETTINGS, default_beam_workers=1, multi_process_from_bytes=1000)
  assert beam.Beam("direct", workers=None).sized(settings, 999).workers == 1
  assert beam.Beam("direct", workers=None).sized(settings, 1000).workers == 0  # one per core
  assert beam.Beam("direct", workers=2).sized(settings, 10).workers == 2  # given: kept
  never = dataclasses.replace(settings, multi_process_from_bytes=None)
  assert beam.Beam("direct", workers=None).sized(never, 10**12).workers == 1
  with pytest.raises(beam.BeamSetupError, match="Beam.sized"):
    beam.Beam("direct", workers=None).args(settings)
