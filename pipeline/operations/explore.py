"""What the notebooks show, read from the settings, MLMD and the artifact
files of an output folder: the data and its checks, the served model, and
what happened over time. Functions return data (protos, DataFrames, dicts)
or matplotlib Figures (drawn without pyplot, so a notebook shows each one
once), which keeps the notebooks short and working for any project."""
import dataclasses
import os
import pathlib

import numpy as np
import pandas as pd
import pyarrow as pa
import tensorflow as tf
import tensorflow_data_validation as tfdv
from matplotlib.figure import Figure
from tensorflow_data_validation.statistics import stats_impl
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.types import standard_artifacts
from tfx.types import standard_component_specs as specs
from tfx_bsl.coders import example_coder

from components.anomaly_gate import executor as gate
from components.contracts import artifacts as contract
from components.contracts import metrics as gates
from components.contracts import tfma_results
from components.drift_detector import component as detecting
from components.drift_detector import executor as drift_executor
from components.drift_detector import report as drift_report
from components.serving_manifest import executor as manifest
from pipeline.definition import settings as settings_lib
from pipeline.mlmd import queries
from pipeline.mlmd import store as mlmd_store
from pipeline.operations import lineage, model_card, report, simulate
from pipeline.runners import local

# The notebooks read this output folder when it is set (tests, other runs).
OUTPUT_DIR_ENV = "MODEL_FACTORY_OUTPUT_DIR"
# The split the drift check compares, and so do the notebooks.
SPLIT = drift_executor.STATS_SPLIT
# Rows read per span for the training window's statistics: enough for every
# level and histogram to show, bounded so that a notebook stays quick at 1M rows.
MAX_ROWS_PER_SPAN = 100_000


@dataclasses.dataclass
class Output:
  settings: settings_lib.Settings
  paths: local.Paths
  store: object

  def active(self) -> dict:
    """The serving manifest: the version served, its role, what it excludes."""
    active = manifest.read(str(self.paths.serving_dir))
    if active is None:
      raise LookupError(f"no model is served from {self.paths.serving_dir} yet")
    return active

  def served(self) -> dict:
    """Lineage facts (lineage.explain) of the model the manifest serves."""
    return lineage.explain(self.store, self.active()["active_version"])


def open_output(output_dir=None) -> Output:
  """The output folder of `make run` (or OUTPUT_DIR_ENV, or `output_dir`);
  when it holds no run yet, runs the pipeline there first, as `make run` would."""
  tf.get_logger().setLevel("ERROR")  # TFMA's deprecation notices are not results
  settings = settings_lib.load()
  folder = output_dir or os.environ.get(OUTPUT_DIR_ENV) or settings.output_dir
  paths = local.Paths(pathlib.Path(folder).resolve())
  if not paths.metadata_path.exists():
    print(f"No run in {paths.output_dir} yet: running the pipeline first (make run).")
    from pipeline import __main__ as cli  # pylint: disable=import-outside-toplevel
    if cli.main(["run", "--output-dir", str(paths.output_dir)]) != 0:
      raise RuntimeError("the pipeline run failed; see its messages above")
  return Output(settings, paths, mlmd_store.open_store(paths.metadata_config()))


# --- 01: the data and its checks ---

def _span_of(store, artifact) -> int:
  """The span of the Examples the artifact was computed from (directly, or
  through the statistics it was computed from)."""
  inputs = queries.input_artifacts(store, queries.producer_execution_id(store, artifact.id))
  if specs.EXAMPLES_KEY in inputs:
    return queries.custom(inputs[specs.EXAMPLES_KEY][0], contract.SPAN)
  return _span_of(store, inputs[specs.STATISTICS_KEY][0])


def newest_statistics(out: Output):
  """(span, DatasetFeatureStatisticsList) of the newest span StatisticsGen saw
  (its latest statistics, if it was ingested more than once)."""
  protos = out.store.get_artifacts_by_type(standard_artifacts.ExampleStatistics.TYPE_NAME)
  if not protos:
    raise LookupError("MLMD holds no statistics yet")
  proto = max(protos, key=lambda a: (_span_of(out.store, a), a.id))
  artifact = standard_artifacts.ExampleStatistics()
  artifact.set_mlmd_artifact(proto)
  statistics = stats_artifact_utils.load_statistics(artifact, SPLIT).proto()
  return _span_of(out.store, proto), statistics


def window_statistics(out: Output, facts: dict):
  """TFDV statistics of the served model's training window (its raw train
  split, up to MAX_ROWS_PER_SPAN rows of each span), computed in memory."""
  schema = tfdv.load_schema_text(str(out.settings.schema_path))
  decoder = example_coder.ExamplesToRecordBatchDecoder(schema.SerializeToString())
  batches = []
  for span in facts["data"]:
    files = sorted(tf.io.gfile.glob(os.path.join(span["examples_uri"], f"Split-{SPLIT}", "*")))
    # ExampleGen writes gzipped TFRecord files of tf.Examples.
    records = tf.data.TFRecordDataset(files, compression_type="GZIP").take(MAX_ROWS_PER_SPAN)
    batches.append(decoder.DecodeBatch(list(records.as_numpy_iterator())))
  (table,) = pa.Table.from_batches(batches).combine_chunks().to_batches()
  return stats_impl.generate_statistics_in_memory(table, tfdv.StatsOptions())


def named(statistics, name: str):
  """The statistics with their one dataset named, for Facets' legend."""
  statistics.datasets[0].name = name
  return statistics


def _shares(feature) -> tuple:
  """('numeric', [(low, high, share)]) or ('levels', {level: share}) of a
  TFDV feature's values; (None, None) when it has none to draw."""
  if feature.HasField("num_stats"):
    buckets = next((h.buckets for h in feature.num_stats.histograms if not h.type), [])  # STANDARD
    total = sum(b.sample_count for b in buckets)
    return ("numeric", [(b.low_value, b.high_value, b.sample_count / total) for b in buckets]
            ) if total else (None, None)
  buckets = feature.string_stats.rank_histogram.buckets
  total = feature.string_stats.common_stats.tot_num_values
  return ("levels", {b.label: b.sample_count / total for b in buckets}) if total else (None, None)


def distribution_figure(reference, current, names=("training window", "newest span"),
                        max_levels=8) -> Figure:
  """One small chart per feature, reference against current: shares of the
  value range (numeric) or of the reference's most frequent levels."""
  ref_shares = {f.path.step[0]: _shares(f) for f in reference.datasets[0].features}
  cur_shares = {f.path.step[0]: _shares(f) for f in current.datasets[0].features}
  # Features with values on both sides, of the same kind (an empty one has none).
  shown = sorted(name for name, (kind, _) in ref_shares.items()
                 if kind and cur_shares.get(name, (None,))[0] == kind)
  columns = 3
  rows = max(1, -(-len(shown) // columns))
  figure = Figure(figsize=(4.2 * columns, 2.6 * rows), dpi=80)
  for i, name in enumerate(shown):
    axes = figure.add_subplot(rows, columns, i + 1)
    kind, ref = ref_shares[name]
    cur = cur_shares[name][1]
    if kind == "numeric":
      for shares, label, color in ((ref, names[0], "#4c72b0"), (cur, names[1], "#dd8452")):
        axes.stairs([b[2] for b in shares], [b[0] for b in shares] + [shares[-1][1]],
                    label=label, color=color)
    else:
      levels = sorted(ref, key=ref.get, reverse=True)[:max_levels]
      positions = np.arange(len(levels))
      axes.bar(positions - 0.2, [ref[l] for l in levels], 0.4, label=names[0], color="#4c72b0")
      axes.bar(positions + 0.2, [cur.get(l, 0.0) for l in levels], 0.4, label=names[1],
               color="#dd8452")
      axes.set_xticks(positions, [l[:16] for l in levels], rotation=40, ha="right", fontsize=7)
    axes.set_title(name, fontsize=9)
    axes.tick_params(labelsize=7)
  if shown:
    figure.axes[0].legend(fontsize=7)
  figure.tight_layout()
  return figure


def newest_anomalies(out: Output):
  """(span, {split: Anomalies proto}, one line per anomaly) of the latest validation."""
  protos = out.store.get_artifacts_by_type(standard_artifacts.ExampleAnomalies.TYPE_NAME)
  if not protos:
    raise LookupError("MLMD holds no validation yet")
  proto = max(protos, key=lambda a: a.id)
  artifact = standard_artifacts.ExampleAnomalies()
  artifact.set_mlmd_artifact(proto)
  by_split = gate.load_anomalies(artifact)
  return _span_of(out.store, proto), by_split, gate.describe_anomalies(by_split)


# --- 02: the served model ---

def slice_metrics(evaluation_uri: str) -> pd.DataFrame:
  """One row per slice (overall first), one column per metric."""
  rows = []
  for slice_key, values in tfma_results.by_slice(evaluation_uri):
    name = " & ".join(f"{k} = {v}" for k, v in slice_key) or "overall"
    rows.append({"slice": name, **{k: pd.to_numeric(v, errors="coerce") for k, v in values.items()}})
  return pd.DataFrame(rows).set_index("slice").sort_index(key=lambda i: i != "overall", kind="stable")


def weakest_slices_figure(metrics: pd.DataFrame, metric: str, min_examples: int,
                          count: int = 10) -> Figure:
  """The `count` slices with the worst `metric` (the gate metric: lowest, or
  highest for an error) among those with at least `min_examples` examples,
  against the overall value."""
  scored = metrics[(metrics["example_count"] >= min_examples) & metrics[metric].notna()]
  if "recall" in scored:
    # No positive example in the slice (recall NaN): TFMA's AUC there means nothing.
    scored = scored[scored["recall"].notna()]
  others = scored.drop(index="overall", errors="ignore")
  weakest = (others.nsmallest(count, metric) if gates.METRICS[metric].higher_is_better
             else others.nlargest(count, metric))
  figure = Figure(figsize=(7, 0.35 * len(weakest) + 1.5), dpi=80)
  axes = figure.add_subplot()
  axes.barh(weakest.index[::-1], weakest[metric][::-1], color="#4c72b0")
  axes.axvline(metrics.loc["overall", metric], color="#dd8452", linestyle="--", label="overall")
  axes.set_xlabel(f"{metric} (slices with at least {min_examples} examples)")
  axes.tick_params(labelsize=8)
  axes.legend(fontsize=8)
  figure.tight_layout()
  return figure


def curves_figure(evaluation_uri: str) -> Figure:
  """The overall slice's reliability curve (CalibrationPlot) and ROC curve
  (ConfusionMatrixPlot), as the Evaluator computed them."""
  plots = tfma_results.overall_plots(evaluation_uri)
  figure = Figure(figsize=(8, 3.6), dpi=80)
  if "calibrationHistogramBuckets" not in plots:
    figure.text(0.5, 0.5, "Reliability and ROC curves are drawn for binary tasks only.",
                ha="center")
    return figure
  reliability, roc = figure.subplots(1, 2)
  buckets = [b for b in plots["calibrationHistogramBuckets"]["buckets"]
             if b.get("numWeightedExamples")]
  counts = np.array([b["numWeightedExamples"] for b in buckets])
  predicted = np.array([b["totalWeightedRefinedPrediction"] for b in buckets]) / counts
  observed = np.array([b["totalWeightedLabel"] for b in buckets]) / counts
  reliability.plot([0, 1], [0, 1], ":", color="grey", label="calibrated")
  reliability.plot(predicted, observed, "-", color="#4c72b0", label="model (dot area: examples)")
  reliability.scatter(predicted, observed, s=10 + 150 * counts / counts.max(), color="#4c72b0")
  reliability.set(xlabel="mean predicted probability (bucket)", ylabel="observed positive rate",
                  title="Reliability (eval split)")
  matrices = plots["confusionMatrixAtThresholds"]["matrices"]
  fpr = [float(m.get("falsePositiveRate", 0.0)) for m in matrices]
  tpr = [float(m.get("recall", 0.0)) for m in matrices]
  roc.plot([0, 1], [0, 1], ":", color="grey", label="chance")
  roc.plot(fpr, tpr, "-", label="model")
  roc.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC (eval split)")
  for axes in (reliability, roc):
    axes.legend(fontsize=8)
  figure.tight_layout()
  return figure


def model_card_html(facts: dict) -> str:
  with tf.io.gfile.GFile(os.path.join(facts["pushed_to"], model_card.HTML_FILE_NAME)) as f:
    return f.read()


# --- 03: drift and lineage over time ---

def decisions(out: Output) -> pd.DataFrame:
  """One row per pipeline run, oldest first: its span, drift verdict and decision."""
  rows = []
  for run_id in queries.run_ids(out.store):
    run = report.read(out.store, out.settings, run_id)
    rows.append({"run": run_id, "span": run.span, "drift": run.drift_verdict or "",
                 "drifted features": run.drifted_features, "decision": report.decision(run)})
  return pd.DataFrame(rows)


def drift_reports(out: Output) -> list:
  """(span, report dict) of every drift check against a served model, oldest first."""
  result = []
  for proto in sorted(out.store.get_artifacts_by_type(contract.DriftReport.TYPE_NAME),
                      key=lambda a: a.id):
    checked = contract.read_drift_report(proto.uri)
    if checked["baseline"] is not None:
      detector = queries.producer_execution_id(out.store, proto.id)
      current = queries.input_artifacts(out.store, detector)[detecting.CURRENT_EXAMPLES_KEY]
      result.append((queries.custom(current[0], contract.SPAN), checked))
  return result


def top_drifting(checked: dict, count: int = 3) -> list:
  """The features of a drift report most worth a look: drifted, then warned,
  then the rest, each by PSI."""
  order = {"drift": 0, "warn": 1}
  ranked = sorted(checked["features"], key=lambda f: (order.get(f["status"], 2),
                                                      -f["measures"].get("psi", 0.0)))
  return [f for f in ranked if f["bins"]][:count]


def drift_figure(features: list, title: str) -> Figure:
  """Reference against current, one chart per feature, as in the report."""
  figure = Figure(figsize=(7, 2.8 * len(features)), dpi=80)
  for i, feature in enumerate(features):
    drift_report.draw_feature(figure.add_subplot(len(features), 1, i + 1), feature)
  figure.suptitle(title, fontsize=10)
  figure.tight_layout()
  return figure


def simulation_plot(out: Output):
  """The path of `python -m pipeline simulate`'s plot, or None if it never ran here."""
  path = out.paths.output_dir / simulate.PLOT_NAME
  return path if path.exists() else None


def lineage_figure(graph: lineage.Graph) -> Figure:
  """The served model's lineage, a row per step: data at the top, the
  serving folder at the bottom; executions orange, artifacts blue."""
  depth = graph.depths()
  rows = {}
  for key in graph.labels:
    rows.setdefault(depth[key], []).append(key)
  height, width = max(depth.values()) + 1, max(len(r) for r in rows.values())
  figure = Figure(figsize=(1.7 * width + 0.5, 0.62 * height + 0.5), dpi=80)
  axes = figure.add_subplot()
  where = {}
  for row, keys in rows.items():
    for column, key in enumerate(sorted(keys, key=lambda k: graph.labels[k])):
      where[key] = ((width - len(keys)) / 2 + column, row)
  for source, target in graph.edges:
    axes.annotate("", xy=where[target], xytext=where[source],
                  arrowprops={"arrowstyle": "->", "color": "#aaaaaa", "shrinkA": 9, "shrinkB": 9})
  for key, (x, y) in where.items():
    execution = key[0] == lineage.EXECUTION
    axes.text(x, y, graph.labels[key], ha="center", va="center", fontsize=7,
              bbox={"boxstyle": "square" if execution else "round",
                    "facecolor": "#f2b48c" if execution else "#dbe4f0", "edgecolor": "none"})
  axes.set_xlim(-0.6, width - 0.4)
  axes.set_ylim(-0.6, height - 0.4)
  axes.axis("off")
  figure.tight_layout()
  return figure
