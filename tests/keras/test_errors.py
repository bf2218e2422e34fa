"""Bad input gets an error that names the value and the fix; diverging runs are reported."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import callbacks, layers, losses, metrics, models, optimizers


def small_model():
    return models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")])


def test_fit_before_compile():
    with pytest.raises(RuntimeError, match=r"must call `compile\(\)` before calling `fit\(\)`"):
        small_model().fit(np.zeros((2, 4)), np.zeros(2))
    with pytest.raises(RuntimeError, match="compile"):
        small_model().evaluate(np.zeros((2, 4)), np.zeros(2))


def test_x_y_length_mismatch_names_both_sizes():
    model = small_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x sizes: 10 y sizes: 9"):
        model.fit(np.zeros((10, 4)), np.zeros(9), verbose=0)


def test_labels_of_the_wrong_shape_for_the_loss():
    model = small_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    one_hot = np.eye(3)[[0, 1, 2, 1]]
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        model.fit(np.zeros((4, 4)), one_hot, verbose=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy|to_categorical"):
        model.fit(np.zeros((4, 4)), np.array([0, 1, 2, 1]), verbose=0)


@pytest.mark.parametrize(
    "get, bad, listed",
    [
        (optimizers.get, "adamm", "adam"),
        (losses.get, "mean_sqared_error", "mean_squared_error"),
        (metrics.get, "acuracy", "accuracy"),
        (tf.keras.activations.get, "rellu", "relu"),
        (tf.keras.initializers.get, "glorot", "glorot_uniform"),
    ],
)
def test_unknown_string_identifiers_list_the_valid_ones(get, bad, listed):
    with pytest.raises(ValueError) as e:
        get(bad)
    assert bad in str(e.value) and listed in str(e.value)


def test_compile_with_unknown_strings():
    with pytest.raises(ValueError, match="adam"):
        small_model().compile(optimizer="adamx2", loss="mse")


def test_layers_called_on_incompatible_shapes():
    model = small_model()
    with pytest.raises(
        ValueError,
        match=r"expected axis -1 of input shape to have value 4, but received input with "
        r"shape \(2, 5\)",
    ):
        model.predict(np.zeros((2, 5)), verbose=0)
    inputs = layers.Input(shape=(4,))
    functional = models.Model(inputs, layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(2, 5\)"):
        functional.predict(np.zeros((2, 5)), verbose=0)
    dense = layers.Dense(2)
    dense(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        dense(np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.Conv2D(4, 3)(np.zeros((2, 8, 8), np.float32))
    with pytest.raises(ValueError, match="units"):
        layers.Dense(-3)
    inp = layers.Input(shape=(3,))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=2"):
        layers.Conv2D(4, 3)(inp)
    with pytest.raises(Exception, match=r"cannot be called on inputs of shape \(None, 3\)"):
        layers.Reshape((5,))(inp)


def test_invalid_layer_arguments():
    with pytest.raises(TypeError, match="unrecognized keyword arguments"):
        layers.Dense(3, activaton="relu")
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(3, 3, padding="full")


def test_set_weights_wrong_shape_names_layer_and_shapes():
    model = small_model()
    weights = model.get_weights()
    weights[0] = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"expected \(4, 3\), received \(5, 3\)"):
        model.layers[0].set_weights(weights)


def test_diverging_run_is_reported_and_terminate_on_nan_stops_it(capsys):
    model = models.Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1e6), loss="mse")
    x = np.random.rand(64, 2).astype(np.float32) * 100
    y = np.random.rand(64, 1).astype(np.float32) * 100
    with pytest.warns(RuntimeWarning, match="diverged"):
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert not math.isfinite(history.history["loss"][-1])

    model = models.Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=1e6), loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1  # stopped inside the first epoch
    assert "Invalid loss, terminating training" in capsys.readouterr().out


def test_activity_regularization_does_not_accumulate_across_calls():
    layer = layers.Dense(2, activity_regularizer=tf.keras.regularizers.l2(0.1))
    model = models.Sequential([layers.Input(shape=(3,)), layer])
    x = np.ones((4, 3), np.float32)
    for _ in range(3):
        model(x)
    assert len(model.losses) == 1
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((4, 2)), epochs=2, verbose=0)
    assert len(model.losses) == 1


def test_validation_split_out_of_range_and_dataset_with_y():
    model = small_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(np.zeros((4, 4)), np.zeros(4), validation_split=1.5, verbose=0)
    ds = tf.data.Dataset.from_tensor_slices((np.zeros((4, 4), np.float32), np.zeros(4))).batch(2)
    with pytest.raises(ValueError, match="dataset"):
        model.fit(ds, np.zeros(4), verbose=0)
    history = model.fit(ds, epochs=2, verbose=0)  # a dataset of (x, y) batches trains
    assert len(history.history["loss"]) == 2
