"""The factory names no dataset: its code and its component READMEs mention
none of the configured project's columns and none of its domain words.

The project part (pipeline/project/, data/, schema/, tests/project/) is
where those belong. Everything here is derived from the configured project
(its schema, settings and the text of pipeline/project/), so the check stays
meaningful in a fork with other data. A name that is one plain word (a
fork's "region" or "plan") is not checked: the factory may use the English
word, even as a key (a GCP region, a fallback plan); the bundled project's
plain-word columns are candidate domain words, checked anywhere."""
import pathlib
import re

import pytest
import tensorflow_data_validation as tfdv

from components.contracts import metrics
from pipeline.definition import settings as settings_lib

SETTINGS = settings_lib.load()
REPO = pathlib.Path(__file__).resolve().parents[1]
PROJECT = REPO / "pipeline" / "project"
THIS_FILE = pathlib.Path(__file__).resolve()
# Words a project about tipping taxi riders would use; they count only if
# the project's own code uses them (a fork's project may not), and anywhere.
CANDIDATE_DOMAIN_WORDS = ("taxi", "tip", "tips", "tipper", "fare", "company", "pickup", "dropoff",
                          "payment")
# Words of a model card title that name no domain (init's titles use them).
GENERIC_TITLE_WORDS = {"model", *metrics.TASKS}


def _project_text() -> str:
  return "\n".join(p.read_text() for p in sorted(PROJECT.glob("*.py")))


def column_names() -> list:
  schema = tfdv.load_schema_text(str(SETTINGS.schema_path))
  return sorted(f.name for f in schema.feature)


def domain_words() -> list:
  """Words of the model card title (4 letters or more) and the label's name."""
  words = {w.lower() for w in re.split(r"[^A-Za-z0-9_]+", SETTINGS.model_card_title)
           if len(w) >= 4} - GENERIC_TITLE_WORDS
  words.add(SETTINGS.label_key.lower())
  return sorted(words)


def candidate_words() -> list:
  """The candidate domain words the project's code uses."""
  project = _project_text()
  return [w for w in CANDIDATE_DOMAIN_WORDS
          if re.search(rf"\b{re.escape(w)}\b", project, flags=re.IGNORECASE)]


def distinctive(names) -> list:
  """The names that are not one plain word: trip_miles, not region."""
  return [name for name in names if not re.fullmatch(r"[A-Za-z]+", name)]


def factory_files() -> list:
  """Python files under components/ and pipeline/ (without pipeline/project/),
  the components' READMEs and the notebooks."""
  files = [p for folder in ("components", "pipeline") for p in (REPO / folder).rglob("*.py")
           if PROJECT not in p.parents]
  files += (REPO / "components").rglob("README.md")
  files += (REPO / "notebooks").glob("*.ipynb")
  return sorted(p for p in files if "__pycache__" not in p.parts)


def factory_test_files() -> list:
  """The factory's tests (all but tests/project/ and this file)."""
  tests = REPO / "tests"
  return sorted(p for p in tests.rglob("*.py") if tests / "project" not in p.parents
                and p.resolve() != THIS_FILE and "__pycache__" not in p.parts)


def _hits(files) -> list:
  """'path:line: word' for each whole-word mention of a distinctive column
  name (case-sensitive), a distinctive domain word or a candidate word (any
  case)."""
  patterns = [(name, re.compile(rf"\b{re.escape(name)}\b"))
              for name in distinctive(column_names())]
  patterns += [(word, re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE))
               for word in distinctive(domain_words()) + candidate_words()]
  found = []
  for path in files:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
      for word, pattern in patterns:
        if pattern.search(line):
          found.append(f"{path.relative_to(REPO)}:{number}: {word!r} in {line.strip()[:100]!r}")
  return found


def test_the_words_come_from_the_project():
  assert column_names() and SETTINGS.label_key.lower() in domain_words()
  assert set(SETTINGS.model_inputs) <= set(column_names())


@pytest.mark.parametrize("files", [factory_files, factory_test_files],
                         ids=["factory code and component READMEs", "factory tests"])
def test_the_factory_names_no_column_and_no_domain_word(files):
  hits = _hits(files())
  assert not hits, f"{len(hits)} mention(s) of the project's data:\n" + "\n".join(hits)
