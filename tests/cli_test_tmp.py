"""Command-line parsing and input errors that need no pipeline run."""
import argparse

import pytest

from pipeline import __main__ as cli
from pipeline import configs


def test_parse_spans():
  assert cli.parse_spans("2013-2014") == (2013, 2014)
  assert cli.parse_spans("2015") == (2015, 2015)
  for bad in ("2014-2013", "twenty", "2013,2014"):
    with pytest.raises(argparse.ArgumentTypeError):
      cli.parse_spans(bad)


def test_missing_span_folder_is_a_clear_error(tmp_path, capsys):
  code = cli.main(["run", "--data-root", str(tmp_path), "--spans", "2013",
                   "--output-dir", str(tmp_path / "out")])
  assert code == 1
  assert "has no folder for span(s) [2013]" in capsys.readouterr().err


def test_monitor_refuses_a_missing_span_and_a_window_not_ending_with_it(tmp_path, capsys):
  assert cli.main(["monitor", "--span", "2015", "--data-root", str(tmp_path),
                   "--output-dir", str(tmp_path / "out")]) == 1
  assert "has no folder for span(s) [2015]" in capsys.readouterr().err
  assert cli.main(["monitor", "--span", "2016", "--window", "2013-2014",
                   "--output-dir", str(tmp_path / "out")]) == 1
  assert "the training window (2013, 2014) must end with the new span 2016" in capsys.readouterr().err
  assert cli.main(["monitor", "--span", "2016", "--window", "2015-2016",
                   "--output-dir", str(tmp_path / "out")]) == 1
  assert ("span(s) [2015] of the training window 2015-2016 were never ingested"
          in capsys.readouterr().err)


def test_beam_arguments():
  assert "--direct_running_mode=multi_processing" in configs.beam_pipeline_args(2)
  assert "--direct_num_workers=2" in configs.beam_pipeline_args(2)
  assert "--direct_running_mode=in_memory" in configs.beam_pipeline_args(1)
  with pytest.raises(ValueError):
    configs.beam_pipeline_args(0)
