"""Small models and data shared by the widget tests (each fit takes milliseconds)."""

from __future__ import annotations

import numpy as np
import pytest

from gradplay.engine import keras
from gradplay.engine.keras import layers, models


@pytest.fixture(autouse=True)
def fresh_names():
    """Layer names (dense, dense_1, ...) count from zero in every test."""
    keras.backend.clear_session()


@pytest.fixture
def playground():
    """The Playground default net (2 -> 4 -> 2 -> 1, tanh), compiled, with XOR-like data."""
    keras.utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Input((2,)),
            layers.Dense(4, activation="tanh"),
            layers.Dense(2, activation="tanh"),
            layers.Dense(1, activation="tanh"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    rng = np.random.default_rng(0)
    x = rng.uniform(-6, 6, (80, 2)).astype(np.float32)
    y = np.sign(x[:, 0] * x[:, 1]).astype(np.float32)
    return model, x, y


@pytest.fixture
def classifier():
    """A 2-input, 3-class softmax classifier with integer labels."""
    keras.utils.set_random_seed(1)
    model = models.Sequential(
        [layers.Input((2,)), layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(1)
    x = rng.uniform(-6, 6, (60, 2)).astype(np.float32)
    y = (np.arctan2(x[:, 1], x[:, 0]) // (2 * np.pi / 3) % 3).astype(np.int32)
    return model, x, y


@pytest.fixture
def cnn():
    """A tiny CNN on random 8x8 images, 3 classes."""
    keras.utils.set_random_seed(2)
    model = models.Sequential(
        [
            layers.Input((8, 8, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(5, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(2)
    return model, rng.random((24, 8, 8, 1), dtype=np.float32), rng.integers(0, 3, 24).astype(np.int32)


def renders(widget):
    """The widget's layout builds its Bokeh models (no browser needed)."""
    import panel as pn

    root = pn.panel(widget).get_root()
    assert root is not None
    return root
