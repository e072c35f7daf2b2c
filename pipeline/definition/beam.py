"""How a run executes its Beam stages: a named profile (settings
BEAM_PROFILES) turned into Beam arguments, the same for local runs and cloud
compiles. Every profile on Beam's PortableRunner (portable, flink, spark)
takes one code path: a job server endpoint, checked before any component runs.
"""
import contextlib
import dataclasses
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import typing

PORTABLE_RUNNER = "--runner=PortableRunner"
_ENDPOINT_FLAG = "--job_endpoint="


class BeamSetupError(ValueError):
  """The Beam profile cannot run as asked; the message says what to change."""


@dataclasses.dataclass(frozen=True)
class Beam:
  profile: str = "direct"
  # DirectRunner worker processes: 1 runs in-process, 0 one per core; None:
  # by the size of the span a run ingests (sized).
  workers: typing.Optional[int] = 0
  # HOST:PORT of the Beam job server (portable profiles); empty: the
  # profile's default (settings BEAM_JOB_ENDPOINTS).
  job_endpoint: str = ""

  def sized(self, settings, span_bytes: int) -> "Beam":
    """With workers chosen by span size when none were given: settings
    DEFAULT_BEAM_WORKERS below MULTI_PROCESS_FROM_BYTES of CSV, one per
    core from there (the crossover benchmarks/scale_benchmark.py measured)."""
    if self.workers is not None:
      return self
    threshold = settings.multi_process_from_bytes
    large = threshold is not None and span_bytes >= threshold
    return dataclasses.replace(self, workers=0 if large else settings.default_beam_workers)

  def args(self, settings, **cloud_values) -> tuple:
    """The profile's Beam arguments with its placeholders filled.
    `cloud_values`: project, region, pipeline_root and image (compile)."""
    if self.profile not in settings.beam_profiles:
      raise BeamSetupError(f"unknown Beam profile {self.profile!r}; choose one of "
                           f"{', '.join(sorted(settings.beam_profiles))} (settings BEAM_PROFILES)")
    if self.workers is None:
      raise BeamSetupError("choose the DirectRunner workers first (Beam.sized)")
    if self.workers < 0:
      raise BeamSetupError(f"--workers must be at least 1 (or 0: one per core), got {self.workers}")
    template = settings.beam_profiles[self.profile]
    endpoint = self.job_endpoint or settings.beam_job_endpoints.get(self.profile, "")
    if any("{job_endpoint}" in arg for arg in template) and not endpoint:
      raise BeamSetupError(f"Beam profile {self.profile!r} needs --job-endpoint HOST:PORT")
    if self.job_endpoint and not is_portable(template):
      raise BeamSetupError(f"--job-endpoint applies to portable profiles only, not {self.profile!r}")
    values = {"workers": self.workers, "job_endpoint": endpoint,
              "direct_mode": "in_memory" if self.workers == 1 else "multi_processing",
              **cloud_values}
    try:
      return tuple(arg.format(**values) for arg in template)
    except KeyError as missing:
      raise BeamSetupError(f"Beam profile {self.profile!r} needs a value for {missing} "
                           "(a cloud profile: use it with compile or submit)") from None


def is_portable(args) -> bool:
  return PORTABLE_RUNNER in args


def job_endpoint(args) -> str:
  return next((a[len(_ENDPOINT_FLAG):] for a in args if a.startswith(_ENDPOINT_FLAG)), "")


def check_reachable(args, profile: str, timeout: float = 5.0) -> None:
  """Raises BeamSetupError unless a job server accepts connections at the
  portable profile's endpoint (a run would otherwise fail mid-way, inside
  the first Beam component, with a gRPC timeout)."""
  if not is_portable(args):
    return
  endpoint = job_endpoint(args)
  host, _, port = endpoint.rpartition(":")
  if not host or not port.isdigit():
    raise BeamSetupError(f"--job-endpoint must look like HOST:PORT, got {endpoint!r}")
  try:
    with socket.create_connection((host, int(port)), timeout=timeout):
      return
  except OSError as error:
    reason = error.strerror or str(error) or type(error).__name__
  raise BeamSetupError(
      f"no Beam job server answers at {endpoint} (Beam profile {profile!r}): {reason}. "
      "Start the job server (README, 'Scale out') or pass --job-endpoint HOST:PORT; "
      "nothing has run.")


class JobService(typing.NamedTuple):
  endpoint: str  # HOST:PORT
  pid: int


@contextlib.contextmanager
def local_job_service(timeout: float = 60.0):
  """Beam's own portable job service on a free loopback port, for as long
  as the block runs; yields its JobService. It speaks the protocol of the
  Flink and Spark job servers, so a run through it takes their code path."""
  with tempfile.TemporaryDirectory(prefix="beam-job-service-") as folder:
    port_file = pathlib.Path(folder) / "port"
    service = subprocess.Popen(
        [sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main",
         "--port", "0", "--port_file", str(port_file), "--staging_dir", folder],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
      deadline = time.monotonic() + timeout
      while True:  # the port file comes first, then the server listens
        port = port_file.read_text().strip() if port_file.exists() else ""
        try:
          if port:
            check_reachable((PORTABLE_RUNNER, f"{_ENDPOINT_FLAG}localhost:{port}"), "portable", 1.0)
            break
        except BeamSetupError:
          pass
        if service.poll() is not None or time.monotonic() > deadline:
          raise BeamSetupError("Beam's local job service did not start "
                               f"(exit code {service.poll()})")
        time.sleep(0.2)
      yield JobService(f"localhost:{port}", service.pid)
    finally:
      service.terminate()
      try:
        service.wait(timeout=10)
      except subprocess.TimeoutExpired:
        service.kill()
