"""Manual promotion (PROMOTION = "manual"): a pushed candidate is served only
when a named person approves it, after the compatibility check runs again;
or it is rejected. Each decision, and each approval the check refused, is
an MLMD execution of EXECUTION_TYPE that says who, when and why."""
import pathlib

from components.serving_manifest import executor as manifest
from pipeline.operations import lineage, serving

from pipeline.operations.serving import (APPROVED, BY, CANDIDATE_KEY, CANDIDATE_VERSION, DECISION,
                                        NOTE, PROMOTION_TYPE as EXECUTION_TYPE, REFUSED, REJECTED)

APPROVED_FROM = "approved_from"  # on the PushedModel an approval serves


class PromotionRefused(RuntimeError):
  """Not a pending candidate, or it no longer fits the current schema."""


def _candidate(store, serving_dir: pathlib.Path, version: str):
  """The pending manifest entry and the lineage facts of its push."""
  try:
    entry = manifest.pending(manifest.read(str(serving_dir)), version)
    facts = lineage.explain(store, version)
  except (LookupError, lineage.LineageError) as error:
    raise PromotionRefused(str(error)) from error
  if facts["pushed_to"] != entry["model_path"]:
    raise PromotionRefused(f"MLMD has no push of candidate {version} to {entry['model_path']}")
  return entry, facts


def _properties(decision, version, by, note) -> dict:
  return {DECISION: decision, CANDIDATE_VERSION: version, BY: by, NOTE: note or ""}


def approve(store, serving_dir: pathlib.Path, version: str, *, by: str, note: str,
            schema_path) -> str:
  """Serves candidate `version` (a copy in a new version folder, one rename)
  and records the approval; returns the served version. Refused, and
  recorded as refused, when the model no longer fits `schema_path`."""
  entry, facts = _candidate(store, serving_dir, version)
  problems = serving.compatibility_problems(facts, schema_path)
  candidate = {CANDIDATE_KEY: facts["pushed_id"]}
  if problems:
    serving.record(store, EXECUTION_TYPE, _properties(REFUSED, version, by, "; ".join(problems)),
                   facts, inputs=candidate)
    raise PromotionRefused(f"candidate {version} does not fit the current schema ({schema_path}): "
                           + "; ".join(problems) + f"; it stays pending (reject it with "
                           f"`python -m pipeline reject {version} --by NAME --note TEXT`)")
  served = serving.next_version(serving_dir, int(version))
  destination = serving.copy_in(pathlib.Path(entry["model_path"]), serving_dir, served)
  serving.record(store, EXECUTION_TYPE, _properties(APPROVED, version, by, note), facts,
                 inputs=candidate, served=(served, destination, {APPROVED_FROM: version}))
  current = manifest.read(str(serving_dir))
  approval = {"by": by, "note": note or "", "at": manifest.now_text(), "candidate_version": version}
  manifest.write(str(serving_dir), manifest.build(
      {**current, "pending": [c for c in current["pending"] if c["version"] != version]},
      version=served, model_path=destination, role=entry["role"], model_id=entry["model_id"],
      excluded_features=entry["excluded_features"], reason=entry["reason"],
      drift_report_id=entry["drift_report_id"], replaces_model_id=entry["replaces_model_id"],
      approval=approval, artifacts=entry.get("artifacts")))
  return served


def reject(store, serving_dir: pathlib.Path, version: str, *, by: str, note: str) -> None:
  """Takes candidate `version` off the pending list, on record; its folder
  stays archived under the candidates folder."""
  if not note:
    raise PromotionRefused("a rejection needs --note: say why")
  _, facts = _candidate(store, serving_dir, version)
  serving.record(store, EXECUTION_TYPE, _properties(REJECTED, version, by, note), facts,
                 inputs={CANDIDATE_KEY: facts["pushed_id"]})
  manifest.write(str(serving_dir), manifest.with_rejection(
      manifest.read(str(serving_dir)), version, by=by, note=note))
