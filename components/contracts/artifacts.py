"""The artifact contracts shared by the components, the pipeline definition
and the operations commands: custom artifact types, the property names that
TFX's standard artifacts and ours carry, the files inside artifact folders,
and the readers of those files. Named here once (file names and JSON I/O in
files.py); imported everywhere else."""
import os

from tfx.types import artifact

# Re-exported: the artifact contracts include their files (named in files.py).
from components.contracts.files import (GUARDRAILS_HTML, GUARDRAILS_JSON, PLAN_JSON,  # pylint: disable=unused-import
                                        REPORT_HTML, REPORT_JSON, STATE_JSON, read_json,
                                        write_json)


def span_of(examples) -> int:
  """The span of an Examples artifact: ExampleGen's driver records it as a
  custom property; on Vertex and KFP it reaches the next task as the
  artifact's `span` property (a metadata key that is a property name)."""
  return examples.get_int_custom_property(SPAN) or examples.span


def copy_format(source, target) -> None:
  """Gives Examples `target`, made from `source`'s files, the properties by
  which TFX's components read them (file and payload format)."""
  for name in ("file_format", "payload_format"):
    if source.has_custom_property(name):
      target.set_string_custom_property(name, source.get_string_custom_property(name))


# --- Properties TFX's own components set, read by ours and the reports ---
SPAN = "span"  # Examples: the span ExampleGen ingested (read it with span_of)
INPUT_FINGERPRINT = "input_fingerprint"  # Examples: set by ExampleGen only (not Transform)
INPUT_WARNINGS = "input_warnings"  # Examples: the input check's warnings, one per line
# Our additions to an EvalSample's Examples: rows kept, rows of the split it sampled.
SAMPLE_ROWS = "sample_rows"
SOURCE_ROWS = "source_rows"
BLESSED = "blessed"  # ModelBlessing: 1 or 0
CURRENT_MODEL_ID = "current_model_id"  # ModelBlessing: the model it judged
CURRENT_MODEL = "current_model"  # ModelBlessing: the URI of the model it judged
BASELINE_MODEL_ID = "baseline_model_id"  # ModelBlessing: the model it compared with
PUSHED = "pushed"  # PushedModel: 1 when the Pusher really pushed
PUSHED_VERSION = "pushed_version"
PUSHED_DESTINATION = "pushed_destination"
ROLLED_BACK_FROM = "rolled_back_from"  # PushedModel written by `rollback`
# Our additions to a ChampionChallenger's ModelBlessing.
REASON = "reason"
CANDIDATE_METRIC = "candidate_metric"
BASELINE_METRIC = "baseline_metric"
# The 95% confidence interval of (candidate - baseline) metric (paired bootstrap).
DIFFERENCE_LOW = "difference_low"
DIFFERENCE_HIGH = "difference_high"
# Files TFX writes into a ModelBlessing folder.
BLESSED_FILE = "BLESSED"
NOT_BLESSED_FILE = "NOT_BLESSED"


class DriftReport(artifact.Artifact):
  """report.json + report.html; properties DRIFT_DETECTED (0/1),
  DRIFTED_FEATURES (comma-separated), MAX_PSI and VERDICT; with a served
  model, ESTIMATED_AUC (from its scores) with its interval, and REALIZED_AUC
  when the span has labels."""
  # On Vertex and KFP this name is the type's schema title, which TFX's
  # compiler wants as "<namespace>.<Title>" and its container entrypoint
  # imports as a class path: components/__init__.py exports the types.
  TYPE_NAME = "components.DriftReport"


DRIFT_DETECTED = "drift_detected"
DRIFTED_FEATURES = "drifted_features"
MAX_PSI = "max_psi"
VERDICT = "verdict"
ESTIMATED_AUC = "estimated_auc"
ESTIMATED_AUC_LOW = "estimated_auc_low"
ESTIMATED_AUC_HIGH = "estimated_auc_high"
REALIZED_AUC = "realized_auc"
# Per-feature measures in report.json ("features"[i]["measures"]) that say
# which share of the span's values the served model cannot use: written by
# the DriftDetector, read by the FallbackPlanner.
MISSING_SHARE = "missing_current"
NEW_LEVEL_SHARE = "new_level_share"
BELOW_MIN_SHARE = "below_min_current"
ABOVE_MAX_SHARE = "above_max_current"


def read_drift_report(report_dir: str) -> dict:
  return read_json(os.path.join(report_dir, REPORT_JSON))


class FallbackPlan(artifact.Artifact):
  """plan.json; properties EXCLUDED_FEATURES, BROKEN_INPUTS (both
  comma-separated), BROKEN (0/1) and DRIFT_REPORT_ID."""
  TYPE_NAME = "components.FallbackPlan"  # see DriftReport


EXCLUDED_FEATURES = "excluded_features"
BROKEN_INPUTS = "broken_inputs"
BROKEN = "broken"
DRIFT_REPORT_ID = "drift_report_id"


def read_plan(plan_dir: str) -> dict:
  """{excluded_features, kept_drifted_features, broken_inputs}."""
  return read_json(os.path.join(plan_dir, PLAN_JSON))


class GuardrailsReport(artifact.Artifact):
  """guardrails.json + guardrails.html: every finding of the checks before
  training with the action taken; properties FINDINGS (one line each,
  "action: message"), EXCLUDED_FEATURES (comma-separated) and REFUSED (0/1)."""
  TYPE_NAME = "components.GuardrailsReport"  # see DriftReport


FINDINGS = "findings"
REFUSED = "refused"


def read_guardrails(report_dir: str) -> dict:
  """{findings: [{check, feature, message, figures, action}], excluded_features, refused}."""
  return read_json(os.path.join(report_dir, GUARDRAILS_JSON))


class ServedState(artifact.Artifact):
  """state.json: what a run on Vertex or KFP (no MLMD resolvers) learns from
  the artifact store instead of MLMD: the span, the training window with
  each span's examples and statistics, and the drift baseline (the served
  model, its evaluation and its training data's examples and statistics)."""
  TYPE_NAME = "components.ServedState"  # see DriftReport


def read_state(state_dir: str) -> dict:
  """{span, window: [{span, examples, statistics}], served: {...} or None,
  baseline: {model, evaluation, spans: [{span, examples, statistics}]} or None}."""
  return read_json(os.path.join(state_dir, STATE_JSON))


class CompatibilityVerdict(artifact.Artifact):
  """Properties COMPATIBLE (0/1), REASON and MODEL_ID."""
  TYPE_NAME = "components.CompatibilityVerdict"  # see DriftReport


COMPATIBLE = "compatible"
MODEL_ID = "model_id"


def split_list(value: str) -> list:
  """A comma-separated property back into a list ('' -> [])."""
  return value.split(",") if value else []


def split_lines(value: str) -> list:
  """A property of one item per line back into a list ('' -> [])."""
  return value.split("\n") if value else []
