"""Which raw columns the model uses, and how. Edit this file first."""

# TODO(step 1): Name the label. It is derived from raw columns in
# preprocessing.py; the columns that hold the answer itself must never be
# model inputs (fare is fine: it is known before the tip).
LABEL_KEY = "big_tipper"
ANSWER_KEYS = ("tips",)
# A "big tipper" tips more than this share of the fare.
BIG_TIP_SHARE = 0.2
# Raw columns the label is derived from: a fallback model keeps them even
# when they drift, since without them there is no label to train on.
LABEL_SOURCES = ("tips", "fare")

# TODO(step 2): Assign each raw input column to one treatment.
# Numeric, scaled to z-scores.
DENSE_FLOAT_FEATURES = ("fare", "trip_miles", "trip_seconds")
# Numeric, cut into quantile buckets; coordinates matter by area, not value.
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
# Unseen strings (a new taxi company) share these buckets instead of failing.
OOV_SIZE = 5

# Leakage warning: tips on cash trips are not recorded, so payment_type ==
# "Cash" means "never a big tipper" by construction of the data. The model is
# honest about recorded tips, not about the generosity of cash riders.
LEAKY_FEATURES = ("payment_type",)


def transformed_name(key: str) -> str:
  return key + "_xf"


def categorical_sizes() -> dict:
  """Number of distinct ids of every categorical transformed feature."""
  sizes = {transformed_name(k): n for k, n in CATEGORICAL_INT_FEATURES.items()}
  sizes.update({transformed_name(k): FEATURE_BUCKET_COUNT for k in BUCKET_FEATURES})
  sizes.update({transformed_name(k): VOCAB_SIZE + OOV_SIZE for k in VOCAB_FEATURES})
  return sizes


def raw_input_features() -> tuple:
  """Every raw column the model reads at serving time."""
  return (DENSE_FLOAT_FEATURES + BUCKET_FEATURES +
          tuple(CATEGORICAL_INT_FEATURES) + VOCAB_FEATURES)
