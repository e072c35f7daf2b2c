"""Every node id of the pipeline, named once. The builders set them; the run
summary, simulate, benchmarks and tests find executions by them."""

EXAMPLE_GEN = "CsvExampleGen"
STATISTICS_GEN = "StatisticsGen"
SCHEMA_GEN = "ImportSchemaGen"
EXAMPLE_VALIDATOR = "ExampleValidator"
ANOMALY_GATE = "AnomalyGate"
SERVED_MODEL_RESOLVER = "served_model_baseline_resolver"
SERVED_STATE = "ServedState"  # instead of the resolvers, on Vertex and KFP
DRIFT_DETECTOR = "DriftDetector"
TRAINING_WINDOW_RESOLVER = "training_window_resolver"
GUARDRAILS = "Guardrails"

# Primary training.
TRANSFORM = "Transform"
TUNER = "Tuner"
TRAINER = "Trainer"
LATEST_BLESSED_MODEL_RESOLVER = "latest_blessed_model_resolver"
EVALUATOR = "Evaluator"

# Fallback training.
FALLBACK_PLANNER = "FallbackPlanner"
LAST_TUNER_RESOLVER = "last_tuner_resolver"
FALLBACK_TRAINER = "FallbackTrainer"
EVAL_SAMPLE = "EvalSample"
FALLBACK_EVALUATOR = "FallbackEvaluator"
CHAMPION_CHALLENGER = "ChampionChallenger"

# Push, one set per training branch.
CANDIDATE_LINEAGE_RESOLVER = "candidate_lineage_resolver"
COMPATIBILITY_GUARD = "CompatibilityGuard"
PUSHER = "Pusher"
SERVING_MANIFEST = "ServingManifest"
FALLBACK_LINEAGE_RESOLVER = "fallback_lineage_resolver"
FALLBACK_COMPATIBILITY_GUARD = "FallbackCompatibilityGuard"
FALLBACK_PUSHER = "FallbackPusher"
FALLBACK_SERVING_MANIFEST = "FallbackServingManifest"

TRAINERS = (TRAINER, FALLBACK_TRAINER)
PUSHERS = (PUSHER, FALLBACK_PUSHER)
# The train stage's components that run Beam pipelines (BEAM_PROFILES apply).
BEAM_COMPONENTS = (EXAMPLE_GEN, STATISTICS_GEN, TRANSFORM, EVALUATOR)
