"""Pure compatibility checks between a candidate model and the data it will
serve. No TFX, no MLMD: schemas are tensorflow_metadata protos."""
from tensorflow_metadata.proto.v0 import schema_pb2

_TYPE = {schema_pb2.INT: "INT", schema_pb2.FLOAT: "FLOAT", schema_pb2.BYTES: "BYTES"}


def check_blessing(blessing_model_uri: str, blessed: int, model_uri: str, why: str = "") -> list:
  """The blessing must be a positive verdict issued for this very model,
  known by its URI (MLMD ids are not stable across orchestrators: on Vertex
  and KFP, TFX's Evaluator replaces the model id with a resource name);
  `why` is the blessing's own reason, if it gives one."""
  problems = []
  if blessing_model_uri != model_uri:
    problems.append(f"the blessing was issued for model {blessing_model_uri or '(none named)'}, "
                    f"not for the candidate model {model_uri}")
  if blessed != 1:
    problems.append("the blessing is negative (blessed != 1)" + (f": {why}" if why else ""))
  return problems


def _domain(schema, feature):
  if feature.HasField("string_domain"):
    return set(feature.string_domain.value)
  if feature.HasField("domain"):
    for domain in schema.string_domain:
      if domain.name == feature.domain:
        return set(domain.value)
  return None


def check_features(trained: schema_pb2.Schema, current: schema_pb2.Schema,
                   required: list) -> list:
  """Every feature the model reads must exist in the current data schema,
  with the same type, and (for string features with a closed domain) with
  no value the model never saw."""
  trained_by_name = {f.name: f for f in trained.feature}
  current_by_name = {f.name: f for f in current.feature}
  problems = []
  for name in required:
    if name not in trained_by_name:
      problems.append(f"the model reads feature '{name}', absent from its own training schema")
      continue
    if name not in current_by_name:
      problems.append(f"feature '{name}' the model reads is missing from the current data schema")
      continue
    was, now = trained_by_name[name], current_by_name[name]
    if was.type != now.type:
      problems.append(f"feature '{name}' changed type: model trained on {_TYPE.get(was.type)}, "
                      f"current data has {_TYPE.get(now.type)}")
      continue
    trained_domain, current_domain = _domain(trained, was), _domain(current, now)
    if trained_domain is not None and current_domain is not None and current_domain - trained_domain:
      problems.append(f"feature '{name}' has values the model never saw: "
                      f"{sorted(current_domain - trained_domain)[:5]}")
  return problems


def check_excluded(required: list, excluded: list) -> list:
  """A fallback model must not read the features it was built without."""
  return [f"the model reads feature '{name}', which it was meant to exclude"
          for name in required if name in set(excluded)]


def check_warm_start(base: dict, base_schema: schema_pb2.Schema, current: dict,
                     current_schema: schema_pb2.Schema) -> list:
  """Whether a new model may start from a base model's weights. `base` and
  `current` describe each network: raw_features (what its serving signature
  parses), inputs (transformed features it reads, in order),
  hyperparameters, and vocabularies ({feature: tokens}, whose order gives
  the ids the weights were learned for)."""
  problems = check_features(base_schema, current_schema, base["raw_features"])
  if base["inputs"] != current["inputs"]:
    missing = sorted(set(base["inputs"]) - set(current["inputs"]))
    extra = sorted(set(current["inputs"]) - set(base["inputs"]))
    problems.append(f"the networks read different inputs (base only: {missing}, "
                    f"new only: {extra})")
  elif base["hyperparameters"] != current["hyperparameters"]:
    problems.append(f"the networks differ: base hyperparameters {base['hyperparameters']}, "
                    f"new {current['hyperparameters']}")
  for name, tokens in sorted(base["vocabularies"].items()):
    if name in current["vocabularies"] and current["vocabularies"][name] != tokens:
      problems.append(f"the vocabulary of '{name}' changed, so its ids would stand for other values")
  return problems
