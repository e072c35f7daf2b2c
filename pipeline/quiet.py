"""Library start-up chatter off: TensorFlow's C++ log lines and the Google
client libraries' warnings about Python 3.10 (which TFX 1.16 requires) hide
the lines that matter, on the console and in notebooks."""
import os
import warnings


def libraries(cpp_min_log_level: str = "2") -> None:
  """Call before TensorFlow is imported: it reads TF_CPP_MIN_LOG_LEVEL when
  it loads (2 keeps C++ errors; 3 hides them too, for notebooks, where the
  Python exception tells the story). Set in the environment, so that Beam's
  worker processes inherit it."""
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", cpp_min_log_level)
  os.environ.setdefault("PYTHONWARNINGS", "ignore::FutureWarning,ignore::DeprecationWarning")
  warnings.filterwarnings("ignore", category=FutureWarning)
  warnings.filterwarnings("ignore", category=DeprecationWarning)
