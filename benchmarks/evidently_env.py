"""Evidently's own venv, made on first use from requirements-evidently.txt:
Evidently pins a protobuf that TensorFlow 2.16 cannot import, so it cannot
share the project's venv."""
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
VENV = HERE / ".evidently-venv"
RUNNER = HERE / "evidently_drift.py"


def python() -> str:
  """The venv's interpreter, after creating and filling the venv if needed."""
  interpreter = VENV / "bin" / "python"
  stamp = VENV / ".installed"
  requirements = HERE / "requirements-evidently.txt"
  if not stamp.exists() or stamp.stat().st_mtime < requirements.stat().st_mtime:
    print(f"Installing Evidently into {VENV} (once) ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(interpreter), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
                   check=True)
    stamp.touch()
  return str(interpreter)


def command(*args) -> list:
  return [python(), str(RUNNER), *map(str, args)]
