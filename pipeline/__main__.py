"""Command line: python -m pipeline COMMAND [options] (see pipeline/cli/)."""
import sys

from pipeline import quiet

quiet.libraries()  # before TensorFlow loads, so that the progress lines stand out

from pipeline.cli import commands, parser  # pylint: disable=wrong-import-position
from pipeline.definition import settings as settings_lib  # pylint: disable=wrong-import-position


def main(argv=None) -> int:
  settings = settings_lib.load()
  args = parser.build(settings).parse_args(argv)
  return commands.HANDLERS[args.command](settings, args)


if __name__ == "__main__":
  sys.exit(main())
