"""Which raw columns the model uses, and how; the task and its label.
`python -m pipeline init` writes the assignments below from a CSV (and says
why in init_report.md beside this file); edit them to override it. The
factory reads TASK, LABEL_KEY, CLASSES, LABEL_SOURCE_COLUMNS,
OUTCOME_COLUMNS and raw_input_features(); the rest is for preprocessing.py
and model.py."""
from components.contracts.model_io import transformed_name

# TODO(step 3): Name the task and the label.
# "binary", "multiclass" or "regression".
TASK = "binary"
# The label's name: a raw column, or a new name when LABEL_EXPRESSION
# derives it from raw columns.
LABEL_KEY = "big_tipper"
# A Python comparison over raw column names that defines a binary label
# ("" when the label is the raw column LABEL_KEY). A "big tipper" tips more
# than 20% of the fare.
LABEL_EXPRESSION = "tips > 0.2 * fare"
# Binary with a raw label column: the values (as text) that count as positive.
POSITIVE_VALUES = ()
# Multiclass: the label's values (as text); a class's id is its position.
CLASSES = ()
# Columns known only once the outcome is known: the label needs them, the
# model must never read them, and a span without them is unlabelled (its
# served model's metric cannot be re-assessed there).
OUTCOME_COLUMNS = ("tips",)
# Every raw column the label is computed from (outcome columns included). A
# fallback model keeps them even when they drift: without them there is no
# label to train on. Fare is also a model input: it is known before the tip.
LABEL_SOURCE_COLUMNS = ("fare", "tips")

# TODO(step 4): Assign each raw input column to one treatment.
# The three treatments below are curated after init (data/README.md): init
# made every numeric column a z-score; here coordinates are bucketed (they
# matter by area, not value), community areas are the city's 77 codes, and
# the census tract (an 11-digit code) is not read at all.
# Numeric, scaled to z-scores.
DENSE_FLOAT_FEATURES = ("fare", "trip_miles", "trip_seconds")
# Numeric, cut into quantile buckets.
BUCKET_FEATURES = ("pickup_latitude", "pickup_longitude",
                   "dropoff_latitude", "dropoff_longitude")
FEATURE_BUCKET_COUNT = 10
# Integer codes used as categories, with the number of possible codes.
CATEGORICAL_INT_FEATURES = {
    "trip_start_hour": 24,
    "trip_start_day": 8,
    "trip_start_month": 13,
    "pickup_community_area": 78,
    "dropoff_community_area": 78,
}
# Strings, mapped through a vocabulary computed by Transform.
VOCAB_FEATURES = ("payment_type", "company")
VOCAB_SIZE = 100
# Unseen strings (a new level) share these buckets instead of failing.
OOV_SIZE = 5
# Unix timestamps (seconds), read as their hour of day and day of week.
TIMESTAMP_FEATURES = ()
# What a timestamp becomes: (derived name suffix, seconds per unit, units per cycle).
TIMESTAMP_PARTS = (("hour", 3600, 24), ("weekday", 86400, 7))


def categorical_sizes() -> dict:
  """Number of distinct ids of every categorical transformed feature."""
  sizes = {transformed_name(k): n for k, n in CATEGORICAL_INT_FEATURES.items()}
  sizes.update({transformed_name(k): FEATURE_BUCKET_COUNT for k in BUCKET_FEATURES})
  sizes.update({transformed_name(k): VOCAB_SIZE + OOV_SIZE for k in VOCAB_FEATURES})
  sizes.update({transformed_name(f"{k}_{part}"): cycle for k in TIMESTAMP_FEATURES
                for part, _, cycle in TIMESTAMP_PARTS})
  return sizes


def raw_input_features() -> tuple:
  """Every raw column the model reads at serving time."""
  return (DENSE_FLOAT_FEATURES + BUCKET_FEATURES +
          tuple(CATEGORICAL_INT_FEATURES) + VOCAB_FEATURES + TIMESTAMP_FEATURES)
