"""AnomalyGate: fails the run when ExampleValidator found anomalies.

TFX 1.16's ExampleValidator records anomalies but lets the pipeline go on;
Transform and Trainer are made to depend on this gate instead.
"""
from tfx import v1 as tfx

from components.anomaly_gate import executor


@tfx.dsl.components.component
def AnomalyGate(  # pylint: disable=invalid-name
    anomalies: tfx.dsl.components.InputArtifact[
        tfx.types.standard_artifacts.ExampleAnomalies],
    data_description: tfx.dsl.components.Parameter[str],
    tolerated: tfx.dsl.components.Parameter[str] = "",
) -> None:
  """`tolerated`: comma-separated AnomalyInfo.Type names that do not stop the run."""
  executor.check(anomalies, data_description, tuple(filter(None, tolerated.split(","))))
