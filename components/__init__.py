"""The factory's custom components. The custom artifact types are exported
here: on Vertex and KFP, TFX's container entrypoint imports a type by its
schema title, "components.<Type>" (see components/contracts/artifacts.py)."""
from components.contracts.artifacts import (CompatibilityVerdict, DriftReport, FallbackPlan,  # noqa: F401 pylint: disable=unused-import
                                            GuardrailsReport, ServedState)

__all__ = ["CompatibilityVerdict", "DriftReport", "FallbackPlan", "GuardrailsReport", "ServedState"]
