"""The Keras model builder: inputs, output range, and that it learns."""
import numpy as np
import tensorflow as tf

from pipeline.project import features, model


def _batch(size, rng):
  batch = {features.transformed_name(k): rng.normal(size=size).astype("float32")
           for k in features.DENSE_FLOAT_FEATURES}
  for name, count in features.categorical_sizes().items():
    batch[name] = rng.integers(0, count, size=size).astype("int64")
  return batch


_NAMES = [features.transformed_name(k) for k in features.DENSE_FLOAT_FEATURES] + list(
    features.categorical_sizes())


def test_inputs_are_the_features_the_transform_graph_produces():
  spec = {name: tf.io.FixedLenFeature([], tf.float32) for name in _NAMES + ["big_tipper_xf"]}
  assert sorted(model.input_names(spec)) == sorted(_NAMES)
  # A fallback's graph lacks its excluded features; so does the network.
  without_company = [n for n in _NAMES if n != "company_xf"]
  names = model.input_names({n: f for n, f in spec.items() if n != "company_xf"})
  built = model.build_model(model.search_space(), names)
  assert sorted(t.name for t in built.inputs) == sorted(without_company)


def test_outputs_are_probabilities_and_training_reduces_loss():
  rng = np.random.default_rng(0)
  built = model.build_model(model.search_space(), _NAMES)
  batch = _batch(256, rng)
  # A learnable label: big fares tip big.
  label = (batch["fare_xf"] > 0).astype("float32")
  predictions = built.predict(batch, verbose=0)
  assert predictions.shape == (256, 1)
  assert ((predictions >= 0) & (predictions <= 1)).all()
  history = built.fit(batch, label, epochs=20, batch_size=64, verbose=0)
  assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_every_search_space_point_builds():
  space = model.search_space()
  for layers in (1, 2):
    space.values["hidden_layers"] = layers
    built = model.build_model(space, _NAMES)
    dense = [l for l in built.layers if l.__class__.__name__ == "Dense"]
    assert len(dense) == layers + 1


def test_a_column_name_keras_refuses_still_builds_and_trains():
  # CSV headers may hold "/" or spaces, which Keras layer names refuse.
  name = "od280/od315 ratio_xf"
  built = model.build_model(model.search_space(), [name])
  assert [t.name for t in built.inputs] == ["od280_od315_ratio_xf"]
  rng = np.random.default_rng(0)
  x = rng.normal(size=64).astype("float32")
  history = built.fit({name: x}, (x > 0).astype("float32"), epochs=2, verbose=0)
  assert np.isfinite(history.history["loss"][-1])
