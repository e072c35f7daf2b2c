"""Command-line parsing and input errors that need no pipeline run."""
import argparse
import socket

import pytest

from pipeline import __main__ as cli
from pipeline.cli import parser
from pipeline.definition import settings as settings_lib

SETTINGS = settings_lib.load()
FIRST, LAST = SETTINGS.default_spans


def test_parse_spans():
  assert parser.parse_spans(f"{FIRST}-{LAST}") == (FIRST, LAST)
  assert parser.parse_spans(f"{LAST + 1}") == (LAST + 1, LAST + 1)
  for bad in (f"{LAST + 1}-{LAST}", "twenty", f"{FIRST},{LAST}"):
    with pytest.raises(argparse.ArgumentTypeError):
      parser.parse_spans(bad)


def test_missing_span_folder_is_a_clear_error(tmp_path, capsys):
  code = cli.main(["run", "--data-root", str(tmp_path), "--spans", str(FIRST),
                   "--output-dir", str(tmp_path / "out")])
  assert code == 1
  error = capsys.readouterr().err
  assert f"has no folder for span(s) [{FIRST}]" in error
  assert SETTINGS.span_glob(FIRST) in error


def test_monitor_refuses_a_missing_span_and_a_window_not_ending_with_it(tmp_path, capsys):
  new, later = LAST + 1, LAST + 2
  data_root = tmp_path / "spans"
  assert cli.main(["monitor", "--span", str(new), "--data-root", str(data_root),
                   "--output-dir", str(tmp_path / "out")]) == 1
  assert f"has no folder for span(s) [{new}]" in capsys.readouterr().err
  (data_root / SETTINGS.span_folder(later)).mkdir(parents=True)  # checked before any run
  common = ["--data-root", str(data_root), "--output-dir", str(tmp_path / "out")]
  assert cli.main(["monitor", "--span", str(later), "--window", f"{FIRST}-{LAST}", *common]) == 1
  assert (f"the training window ({FIRST}, {LAST}) must end with the new span {later}"
          in capsys.readouterr().err)
  assert cli.main(["monitor", "--span", str(later), "--window", f"{new}-{later}", *common]) == 1
  assert (f"span(s) [{new}] of the training window {new}-{later} were never ingested"
          in capsys.readouterr().err)


def test_the_command_line_offers_every_policy():
  commands = next(a for a in parser.build(SETTINGS)._actions  # pylint: disable=protected-access
                  if isinstance(a, argparse._SubParsersAction))  # pylint: disable=protected-access
  for name in ("monitor", "simulate"):
    policy = next(a for a in commands.choices[name]._actions  # pylint: disable=protected-access
                  if a.dest == "policy")
    assert tuple(policy.choices) == settings_lib.DRIFT_POLICIES, name
    assert policy.default == SETTINGS.drift_policy


def test_defaults_come_from_the_settings():
  args = parser.build(SETTINGS).parse_args(["run"])
  assert args.spans == (FIRST, LAST) and args.data_root == SETTINGS.data_root
  assert args.output_dir == SETTINGS.output_dir and args.workers is None  # by span size
  compiled = parser.build(SETTINGS).parse_args(["compile", "--target", "vertex", "--output", "x.json"])
  assert compiled.span == SETTINGS.cloud_span and compiled.beam == "direct"
  assert args.beam == SETTINGS.default_beam_profile


def test_an_unreachable_job_server_fails_before_anything_runs(tmp_path, capsys):
  with socket.socket() as probe:  # a free port: nothing listens there once closed
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
  code = cli.main(["run", "--beam", "flink", "--job-endpoint", f"127.0.0.1:{port}",
                   "--output-dir", str(tmp_path)])
  message = capsys.readouterr().err
  assert code == 1 and f"no Beam job server answers at 127.0.0.1:{port}" in message
  assert "'flink'" in message and "nothing has run" in message
  assert not (tmp_path / "metadata.sqlite").exists()
  code = cli.main(["run", "--beam", "portable", "--job-endpoint", "no-port",
                   "--output-dir", str(tmp_path)])
  assert code == 1 and "HOST:PORT" in capsys.readouterr().err
