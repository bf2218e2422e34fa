"""Real MNIST (from the npm registry's byte-identical copy): the seed tutorials' models must
reach their accuracy, as real Keras 3 does.

- seed 000 MLP, 5 epochs: >= 97.5% test accuracy (real Keras 3: 97.8%);
- seed 003 CNN, 1 epoch: >= 98.0% (real Keras 3: about 98.5%).
"""

from __future__ import annotations

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import layers, models
from gradplay.engine.keras.datasets import fetch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mnist(tmp_path_factory, monkeypatch_module):
    cache = tmp_path_factory.mktemp("gradplay-cache")
    monkeypatch_module.setenv("GRADPLAY_CACHE", str(cache))
    fetch.fetch_mnist()
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    return (x_train, y_train), (x_test, y_test)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_seed000_mlp_reaches_975_percent(mnist):
    tf.keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = mnist
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = models.Sequential(
        [
            layers.Flatten(input_shape=(28, 28)),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, verbose=0)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    assert history.history["accuracy"][-1] > 0.97
    assert test_acc >= 0.975, f"test accuracy {test_acc:.4f}"


def test_seed003_cnn_reaches_98_percent_in_one_epoch(mnist):
    tf.keras.utils.set_random_seed(0)
    (train_images, train_labels), (test_images, test_labels) = mnist
    train_images, test_images = train_images / 255.0, test_images / 255.0
    model = models.Sequential(
        [
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    train_images = train_images[..., tf.newaxis]
    test_images = test_images[..., tf.newaxis]
    model.fit(train_images, train_labels, epochs=1, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    assert test_acc >= 0.98, f"test accuracy {test_acc:.4f}"
