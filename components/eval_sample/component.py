"""EvalSample: a fixed-size uniform random sample of one split of an
Examples artifact, so that an evaluation costs the same at any span size
(see README.md)."""
from absl import logging
from tfx import v1 as tfx
from tfx.types import artifact_utils

from components.contracts import artifacts
from components.eval_sample import executor

# I/O keys (the function's parameter names), read by the pipeline and tests.
EXAMPLES_KEY = "examples"
SAMPLE_KEY = "sample"


@tfx.dsl.components.component
def EvalSample(  # pylint: disable=invalid-name
    examples: tfx.dsl.components.InputArtifact[tfx.types.standard_artifacts.Examples],
    sample: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.Examples],
    split: tfx.dsl.components.Parameter[str],
    rows: tfx.dsl.components.Parameter[int],
    seed: tfx.dsl.components.Parameter[int],
) -> None:
  kept, total = executor.sample_split(examples.uri, split, sample.uri, rows, seed)
  sample.split_names = artifact_utils.encode_split_names([split])
  sample.set_int_custom_property(artifacts.SPAN, artifacts.span_of(examples))
  sample.set_int_custom_property(artifacts.SAMPLE_ROWS, kept)
  sample.set_int_custom_property(artifacts.SOURCE_ROWS, total)
  artifacts.copy_format(examples, sample)
  logging.info("EvalSample: %d of the %d rows of split '%s'", kept, total, split)
