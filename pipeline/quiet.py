"""Library start-up chatter off: TensorFlow's C++ log lines (the CUDA
"Unable to register ... factory" errors of a machine without a GPU among
them) and the Google client libraries' warnings about Python 3.10 (which TFX
1.16 requires) hide the lines that matter, on the console and in notebooks."""
import os
import warnings


def libraries() -> None:
  """Call before TensorFlow is imported: it reads TF_CPP_MIN_LOG_LEVEL when
  it loads. Level 3 hides C++ errors too: a failing op still raises a Python
  exception, which the console and the full log show. Set in the
  environment, so that Beam's worker processes inherit it."""
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning,ignore::DeprecationWarning")
  warnings.filterwarnings("ignore", category=FutureWarning)
  warnings.filterwarnings("ignore", category=DeprecationWarning)
