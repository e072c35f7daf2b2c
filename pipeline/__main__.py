"""Command line: python -m pipeline COMMAND [options] (see pipeline/cli/)."""
import os
import sys
import warnings

# TensorFlow's C++ start-up chatter and the Google client libraries' warnings
# about Python 3.10 (which TFX 1.16 requires) hide the progress lines. Set in
# the environment so that Beam's worker processes inherit it; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning,ignore::DeprecationWarning")
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)

from pipeline.cli import commands, parser  # pylint: disable=wrong-import-position
from pipeline.definition import settings as settings_lib  # pylint: disable=wrong-import-position


def main(argv=None) -> int:
  settings = settings_lib.load()
  args = parser.build(settings).parse_args(argv)
  return commands.HANDLERS[args.command](settings, args)


if __name__ == "__main__":
  sys.exit(main())
