"""Builder: the CompatibilityGuard, then (only if it says compatible) the
Pusher and the ServingManifest, for the branch that trained. With manual
promotion the Pusher pushes into the serving folder's candidates folder,
which serving never reads, and the manifest lists the model as pending."""
from tfx import v1 as tfx
from tfx.types import standard_component_specs as specs

from components.compatibility_guard import component as guarding
from components.compatibility_guard.component import CompatibilityGuard
from components.contracts import artifacts
from components.serving_manifest import executor as manifests
from components.serving_manifest.component import ServingManifest
from pipeline.definition import node_ids, resolvers, training

# Node ids of the push branch, by whether it pushes a fallback.
_IDS = {False: (node_ids.CANDIDATE_LINEAGE_RESOLVER, node_ids.COMPATIBILITY_GUARD,
                node_ids.PUSHER, node_ids.SERVING_MANIFEST),
        True: (node_ids.FALLBACK_LINEAGE_RESOLVER, node_ids.FALLBACK_COMPATIBILITY_GUARD,
               node_ids.FALLBACK_PUSHER, node_ids.FALLBACK_SERVING_MANIFEST)}


def build(settings, run, trained: training.Trained, current_schema, state=None) -> list:
  """`state`: the ServedState channel (Vertex and KFP), recorded in the manifest."""
  lineage_id, guard_id, pusher_id, manifest_id = _IDS[run.fallback]
  nodes = []
  if run.mlmd_resolvers:
    lineage = tfx.dsl.Resolver(
        strategy_class=resolvers.CandidateLineageStrategy,
        model=trained.model,
        schema=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Schema),
        transform_graph=tfx.dsl.Channel(type=tfx.types.standard_artifacts.TransformGraph),
    ).with_id(lineage_id)
    nodes.append(lineage)
    trained_with = {"trained_schema": lineage.outputs[specs.SCHEMA_KEY],
                    "transform_graph": lineage.outputs[specs.TRANSFORM_GRAPH_KEY]}
  else:  # KFP v2: no custom resolvers, so the wiring stands in for lineage:
    # the schema and graph the Trainer read (a fallback: its reduced schema
    # and the served model's graph, which parses more than it reads).
    trained_with = {"trained_schema": trained.schema, "transform_graph": trained.transform_graph}
  guard = CompatibilityGuard(
      model=trained.model, model_blessing=trained.blessing, current_schema=current_schema,
      fallback_plan=trained.plan, **trained_with).with_id(guard_id)
  verdict = guard.outputs[guarding.VERDICT_KEY].future()[0].custom_property(artifacts.COMPATIBLE)
  destination = (manifests.candidates_dir(run.serving_dir) if settings.promotion == "manual"
                 else str(run.serving_dir))
  with tfx.dsl.Cond(verdict == 1):
    pusher = tfx.components.Pusher(
        model=trained.model, model_blessing=trained.blessing,
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(base_directory=destination)),
    ).with_id(pusher_id)
    manifest = ServingManifest(
        pushed_model=pusher.outputs[specs.PUSHED_MODEL_KEY], model=trained.model,
        blessing=trained.blessing, serving_dir=str(run.serving_dir), promotion=settings.promotion,
        plan=trained.plan, evaluation=trained.evaluation, schema=trained.schema,
        transform_graph=trained.transform_graph, state=state,
    ).with_id(manifest_id)
  return nodes + [guard, pusher, manifest]
