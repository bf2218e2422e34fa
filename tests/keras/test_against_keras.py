"""gradplay against real Keras 3 (JAX backend): the same model-building code run in both.

`make test` installs Keras and JAX so these run in CI. They check parameter counts and
summary totals of the seed models, forward passes with shared weights, and that training with
the same initial weights and the same batches (no shuffling) gives the same weights after
several SGD and Adam steps, for Dense, Conv2D, BatchNormalization and LSTM models.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras", reason="real Keras is installed by `make test` (pip extra 'compare')")

import gradplay.engine.keras as gk  # noqa: E402


def mlp(k):
    return k.Sequential(
        [
            k.layers.Input(shape=(28, 28)),
            k.layers.Flatten(),
            k.layers.Dense(128, activation="relu"),
            k.layers.Dropout(0.2),
            k.layers.Dense(10, activation="softmax"),
        ]
    )


def cnn003(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(28, 28, 1)),
            L.Conv2D(32, (3, 3), activation="relu"),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.Flatten(),
            L.Dense(64, activation="relu"),
            L.Dense(10, activation="softmax"),
        ]
    )


def bn_cnn(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(28, 28, 1)),
            L.Conv2D(32, (3, 3), activation="relu"),
            L.BatchNormalization(),
            L.MaxPooling2D((2, 2)),
            L.Dropout(0.25),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.BatchNormalization(),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(128, (3, 3), activation="relu"),
            L.BatchNormalization(),
            L.GlobalAveragePooling2D(),
            L.Dense(256, activation="relu"),
            L.BatchNormalization(),
            L.Dropout(0.5),
            L.Dense(10, activation="softmax"),
        ]
    )


def lstm_text(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(200,)),
            L.Embedding(10000, 128),
            L.LSTM(128),
            L.Dense(64, activation="relu"),
            L.Dropout(0.3),
            L.Dense(2, activation="softmax"),
        ]
    )


def gru_bidir(k):
    L = k.layers
    return k.Sequential(
        [L.Input(shape=(7, 3)), L.Bidirectional(L.GRU(5, return_sequences=True)), L.SimpleRNN(4), L.Dense(2)]
    )


def generator(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(100,)),
            L.Dense(256, activation="relu"),
            L.Reshape((16, 16, 1)),
            L.Conv2DTranspose(128, kernel_size=3, strides=2, padding="same", activation="relu"),
            L.Conv2DTranspose(64, kernel_size=3, strides=2, padding="same", activation="relu"),
            L.Conv2D(1, kernel_size=3, padding="same", activation="sigmoid"),
        ]
    )


def resnet_block(k):
    L = k.layers
    inputs = L.Input(shape=(16, 16, 3))
    x = L.Conv2D(8, 3, padding="same")(inputs)
    y = L.Conv2D(8, 3, strides=2, padding="same")(x)
    y = L.BatchNormalization()(y)
    s = L.Conv2D(8, 1, strides=2, padding="same")(x)
    y = L.Activation("relu")(L.add([y, s]))
    y = L.GlobalAveragePooling2D()(y)
    return k.Model(inputs, L.Dense(3, activation="softmax")(y))


def attention(k):
    L = k.layers
    inputs = L.Input(shape=(6, 16))
    x = L.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
    x = L.LayerNormalization()(x + inputs)
    x = L.Conv1D(4, 3, padding="causal")(x)
    x = L.GlobalMaxPooling1D()(x)
    return k.Model(inputs, L.Dense(2)(x))


def separable(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(12, 12, 3)),
            L.SeparableConv2D(6, 3, padding="same"),
            L.DepthwiseConv2D(3),
            L.ZeroPadding2D(1),
            L.UpSampling2D(2),
            L.AveragePooling2D(2),
            L.PReLU(),
            L.Flatten(),
            L.Dense(3),
        ]
    )


BUILDERS = [mlp, cnn003, bn_cnn, lstm_text, gru_bidir, generator, resnet_block, attention, separable]


@pytest.mark.parametrize("build", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_parameter_counts_and_shapes_match_keras(build):
    ours, theirs = build(gk), build(keras)
    assert ours.count_params() == theirs.count_params()
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert sum(int(np.prod(w.shape)) for w in ours.trainable_weights) == sum(
        int(np.prod(w.shape)) for w in theirs.trainable_weights
    )
    assert tuple(ours.output_shape) == tuple(theirs.output_shape)


@pytest.mark.parametrize("build", BUILDERS, ids=[b.__name__ for b in BUILDERS])
def test_forward_pass_matches_keras_with_shared_weights(build):
    ours, theirs = build(gk), build(keras)
    theirs.set_weights(ours.get_weights())
    rng = np.random.default_rng(0)
    shape = (3,) + tuple(ours.input_shape[1:])
    x = rng.integers(0, 10000, shape).astype("float32") if build is lstm_text else rng.random(shape, np.float32)
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), rtol=2e-4, atol=2e-5
    )


def _train_both(build, optimizer, loss, x, y, batch_size, epochs=1):
    gk.utils.set_random_seed(0)  # the same initial weights every run
    ours, theirs = build(gk), build(keras)
    theirs.set_weights(ours.get_weights())
    ours.compile(optimizer=getattr(gk.optimizers, optimizer[0])(**optimizer[1]), loss=loss)
    theirs.compile(optimizer=getattr(keras.optimizers, optimizer[0])(**optimizer[1]), loss=loss)
    h1 = ours.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return ours, theirs, h1, h2


def dense_model(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(6,)),
            L.Dense(16, activation="tanh"),
            L.Dense(8, activation="relu"),
            L.Dense(3, activation="softmax"),
        ]
    )


def conv_bn_model(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(8, 8, 2)),
            L.Conv2D(4, 3, activation="relu", padding="same"),
            L.BatchNormalization(),
            L.MaxPooling2D(2),
            L.Conv2D(3, 3),
            L.Flatten(),
            L.Dense(3, activation="softmax"),
        ]
    )


def lstm_model(k):
    L = k.layers
    return k.Sequential([L.Input(shape=(5, 3)), L.LSTM(6), L.Dense(3, activation="softmax")])


TRAIN_CASES = [
    (dense_model, ("SGD", {"learning_rate": 0.1, "momentum": 0.9})),
    (dense_model, ("Adam", {"learning_rate": 0.01})),
    (conv_bn_model, ("SGD", {"learning_rate": 0.05})),
    (conv_bn_model, ("Adam", {"learning_rate": 0.005})),
    (lstm_model, ("SGD", {"learning_rate": 0.1})),
    (lstm_model, ("Adam", {"learning_rate": 0.01})),
]


@pytest.mark.parametrize("build, optimizer", TRAIN_CASES, ids=[f"{b.__name__}-{o[0]}" for b, o in TRAIN_CASES])
def test_training_matches_keras_step_for_step(build, optimizer):
    rng = np.random.default_rng(1)
    n = 24
    shape = {dense_model: (6,), conv_bn_model: (8, 8, 2), lstm_model: (5, 3)}[build]
    x = rng.random((n,) + shape, np.float32)
    y = rng.integers(0, 3, n)
    ours, theirs, h1, h2 = _train_both(
        build, optimizer, "sparse_categorical_crossentropy", x, y, batch_size=6, epochs=2
    )
    # Adam divides by sqrt(v): where a gradient is ~0 its step amplifies float rounding, so
    # Adam's absolute tolerance is 5% of one step (learning rate); SGD's stays tight.
    atol = 0.05 * optimizer[1]["learning_rate"] if optimizer[0] == "Adam" else 1e-5
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=atol)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-4)
