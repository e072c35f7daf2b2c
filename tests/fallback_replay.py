"""The drift-triggered fallback replay, shared by the fallback e2e tests and
the notebook tests: session fixtures `roles` (which columns play which part,
derived from the project) and `replay` (on a copy of the shared first run's
output: a span like the training data, then a corrupted one, each through a
real `monitor` run with policy fallback), and the helpers that build spans."""
import dataclasses
import json
import pathlib
import shutil
import typing

import numpy as np
import pandas as pd
import pytest
from tensorflow_metadata.proto.v0 import schema_pb2

from components.serving_manifest import executor as manifest
from pipeline.definition import beam
from pipeline.mlmd import store as mlmd_store
from pipeline.modeling import warm_start
from pipeline.runners import local
from tests import conftest, project_data

SETTINGS = project_data.SETTINGS
IN_PROCESS = beam.Beam("direct", workers=1)
LAST = project_data.window()[1]
# The new spans a monitoring run is fed: right after the training window.
NEW, NEXT = LAST + 1, LAST + 2


@dataclasses.dataclass(frozen=True)
class Roles:
  strongest: str  # the served model's main signal
  favoured: typing.Callable  # raw values of `strongest` -> the rows it scores highest
  # A string input with a vocabulary and an open domain (or None): a broken
  # span has only unseen levels there.
  unseen: str
  scaled: str  # a numeric input: a broken span has it x100 (a unit change upstream)

  @property
  def broken(self) -> set:
    """The inputs a broken span corrupts."""
    return {self.scaled} | ({self.unseen} if self.unseen else set())


@pytest.fixture(scope="session")
def roles(first_run, sample_data_root) -> Roles:
  """Columns by what the served model does with them, on the rows of the
  last window span it was trained on. The main signal is the input whose
  shuffling across rows moves the model's scores most: a fallback without
  it must lose. The corrupted columns are chosen among the others, so that
  a fallback without them can still be good enough to serve. Only inputs
  a fallback may exclude qualify (not a label source, monitored)."""
  rows = project_data.read_span(LAST, sample_data_root)
  model = first_run.report.pushed_path
  candidates = project_data.excludable_inputs()
  influence = project_data.influence(model, rows, candidates)
  strongest = max(candidates, key=influence.get)
  others = [c for c in candidates if c != strongest]
  facts = json.loads((pathlib.Path(model) / warm_start.WARM_START_DIR /
                      warm_start.FACTS_FILE).read_text())
  # A closed domain would make the AnomalyGate stop a span of unseen levels.
  strings = [c for c in others if c in facts["vocabularies"] and project_data.open_domain(c)]
  numbers = [c for c in others if project_data.column_type(c) != schema_pb2.BYTES]
  floats = [c for c in numbers if project_data.column_type(c) == schema_pb2.FLOAT]
  if not numbers:
    pytest.skip("needs a numeric input besides the main signal")
  return Roles(strongest=strongest,
               favoured=project_data.favoured_group(model, rows, strongest),
               unseen=project_data.most_levels(rows, strings) if strings else None,
               scaled=project_data.most_spread(rows, floats or numbers))


def unused_rows(span, seed):
  """Rows of `span` the first run's sample did not use, shuffled; every row
  of it when the sample used (almost) all of a small span."""
  frame = project_data.read_span(span)
  rest = frame.drop(index=project_data.sample(frame, span, conftest.SAMPLE_ROWS).index)
  if len(rest) < len(frame) // 4:
    rest = frame
  return rest.sample(frac=1.0, random_state=seed)


def write_span(data_root, span, edit, source_spans=(LAST,), seed=7, n=1000):
  """Span `span`: the first n of the unused rows of `source_spans` (as many
  of each), edited."""
  pools = [unused_rows(s, seed) for s in source_spans]
  each = min(len(pool) for pool in pools)
  rows = pd.concat([pool.head(each) for pool in pools]).sample(frac=1.0, random_state=seed)
  project_data.write_span(data_root, span, edit(rows).head(n), like_span=LAST)


def corrupt(roles):
  def edit(frame):
    frame = frame.copy()
    if roles.unseen:
      frame[roles.unseen] = [f"Unseen level {i % 7}" for i in range(len(frame))]
    scaled = project_data.numeric(frame[roles.scaled]) * 100
    frame[roles.scaled] = scaled.map(lambda v: "" if np.isnan(v) else str(v))
    return frame
  return edit


def favour(roles):
  """Mostly rows of the group the model scores highest: the mix of the main
  signal drifts, its meaning does not."""
  def edit(frame):
    chosen = roles.favoured(frame[roles.strongest])
    kept, other = frame[chosen], frame[~chosen]
    return pd.concat([kept, other.head(len(kept) // 6)]).sample(frac=1.0, random_state=3)
  return edit


def copy_output(first_run, root):
  shutil.copytree(first_run.paths.output_dir, root / "output")
  return local.Paths(root / "output")


def window(span) -> list:
  """The spans a run on `span` trains on: the last TRAINING_WINDOW_SPANS of
  the shared run's window and the new spans, as ServedState's ledger gives
  them on Vertex/KFP (the local default would start at `span`: the replay's
  data root holds the new spans only)."""
  spans = project_data.window_spans() + [NEW, NEXT]
  return spans[:spans.index(span) + 1][-SETTINGS.training_window_spans:]


def monitor(paths, data_root, span):
  return local.monitor(SETTINGS, data_root=data_root, span=span, window=(window(span)[0], span),
                       output_dir=paths.output_dir, policy="fallback", beam=IN_PROCESS)


def execution_of(run_report, node_id):
  return next((e for e in run_report.executions if e.node_id == node_id), None)


def store(paths):
  return mlmd_store.open_store(paths.metadata_config())


@pytest.fixture(scope="session")
def replay(first_run, roles, tmp_path_factory):
  """On one copy: span NEW like the training data, then corrupted span NEXT."""
  root = tmp_path_factory.mktemp("fallback")
  paths = copy_output(first_run, root)
  data_root = root / "spans"
  # Like the training data: rows of each of its spans, as many of each as
  # the shared run's sample has.
  write_span(data_root, NEW, lambda f: f, source_spans=project_data.window_spans())
  write_span(data_root, NEXT, corrupt(roles), seed=11)
  manifest_before = manifest.read(str(paths.serving_dir))
  quiet = monitor(paths, data_root, NEW)
  manifest_after_quiet = manifest.read(str(paths.serving_dir))
  drifted = monitor(paths, data_root, NEXT)
  return paths, quiet, drifted, manifest_before, manifest_after_quiet
