"""Layer behaviours not covered by the seed models: states, wrappers, preprocessing, configs."""

from __future__ import annotations

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import layers, models


@pytest.fixture(autouse=True)
def _seed():
    tf.keras.utils.set_random_seed(0)


def test_lstm_and_gru_return_state_and_sequences():
    x = np.random.rand(2, 5, 3).astype(np.float32)
    out, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(x)
    assert out.shape == (2, 5, 4) and h.shape == (2, 4) and c.shape == (2, 4)
    np.testing.assert_allclose(out.numpy()[:, -1], h.numpy(), rtol=1e-6)
    seq, state = layers.GRU(3, return_state=True)(x)
    np.testing.assert_allclose(seq.numpy(), state.numpy(), rtol=1e-6)
    backwards = layers.SimpleRNN(2, go_backwards=True)
    forwards = layers.SimpleRNN(2)
    forwards(x)
    backwards(x)
    backwards.set_weights(forwards.get_weights())
    np.testing.assert_allclose(backwards(x).numpy(), forwards(x[:, ::-1]).numpy(), rtol=1e-6)


def test_lstm_gates_match_a_hand_computed_step():
    lstm = layers.LSTM(2)
    x = np.random.rand(1, 1, 3).astype(np.float32)
    out = lstm(x).numpy()
    W, U, b = (w.numpy() for w in lstm.weights)
    z = x[0, 0] @ W + b  # zero initial state
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    i, g, o = sig(z[:2]), np.tanh(z[4:6]), sig(z[6:])  # the forget gate meets a zero cell state
    np.testing.assert_allclose(out[0], o * np.tanh(i * g), rtol=1e-5)
    assert np.array_equal(b[2:4], np.ones(2))  # unit forget bias


def test_time_distributed_and_bidirectional_shapes():
    x = np.random.rand(2, 4, 6).astype(np.float32)
    td = layers.TimeDistributed(layers.Dense(3))
    y = td(x).numpy()
    assert y.shape == (2, 4, 3)
    dense = td.layer
    np.testing.assert_allclose(y[:, 1], dense(x[:, 1]).numpy(), rtol=1e-6)
    bi = layers.Bidirectional(layers.LSTM(5, return_sequences=True), merge_mode="sum")
    assert bi(x).shape == (2, 4, 5) and len(bi.weights) == 6


def test_normalization_adapt_and_rescaling():
    data = np.random.default_rng(0).normal(5.0, 2.0, (500, 3)).astype(np.float32)
    norm = layers.Normalization()
    norm.adapt(data)
    out = norm(data).numpy()
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(0), 1, atol=1e-3)
    with pytest.raises(RuntimeError, match="adapt"):
        layers.Normalization()(data)
    fixed = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 4.0, 4.0])
    np.testing.assert_allclose(fixed(np.array([[3.0, 2.0, 1.0]], np.float32)).numpy(), [[1.0, 0.0, -1.0]])
    np.testing.assert_allclose(layers.Rescaling(1 / 255, offset=-1)(np.array([[255.0]])).numpy(), [[0.0]])


def test_reshaping_layers():
    x = np.arange(2 * 3 * 4 * 1, dtype=np.float32).reshape(2, 3, 4, 1)
    np.testing.assert_array_equal(
        layers.UpSampling2D(2)(x).numpy()[0, :, :, 0], np.repeat(np.repeat(x[0, :, :, 0], 2, 0), 2, 1)
    )
    np.testing.assert_array_equal(
        layers.ZeroPadding2D(((1, 0), (0, 2)))(x).numpy()[0, :, :, 0], np.pad(x[0, :, :, 0], ((1, 0), (0, 2)))
    )
    np.testing.assert_array_equal(layers.Cropping2D(((1, 0), (1, 1)))(x).numpy(), x[:, 1:, 1:3])
    np.testing.assert_array_equal(layers.Permute((2, 1, 3))(x).numpy(), x.transpose(0, 2, 1, 3))
    np.testing.assert_array_equal(layers.Reshape((12,))(x).numpy(), x.reshape(2, 12))
    assert layers.RepeatVector(3)(np.ones((2, 4), np.float32)).shape == (2, 3, 4)


def test_conv2d_transpose_is_the_gradient_of_conv2d():
    # A transposed convolution is the input-gradient of the convolution with the same kernel.
    x = tf.constant(np.random.rand(1, 4, 4, 2).astype(np.float32))
    layer = layers.Conv2DTranspose(3, 3, strides=2, padding="same", use_bias=False)
    y = layer(x)
    assert y.shape == (1, 8, 8, 3)
    kernel = layer.kernel  # (kh, kw, out=3, in=2): a Conv2D from 3 to 2 channels
    probe = tf.constant(np.zeros((1, 8, 8, 3), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(probe)
        z = tf.nn.conv2d(probe, kernel, strides=2, padding="SAME")
        s = tf.reduce_sum(z * x)
    np.testing.assert_allclose(y.numpy(), tape.gradient(s, probe).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "layer",
    [
        layers.Dense(3, activation="relu", kernel_initializer="he_normal"),
        layers.Conv2D(4, 3, strides=2, padding="same"),
        layers.Dropout(0.3, seed=1),
        layers.BatchNormalization(momentum=0.9),
        layers.Embedding(10, 4),
        layers.LSTM(3, return_sequences=True),
        layers.MaxPooling2D(3, padding="same"),
        layers.Concatenate(axis=1),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_get_config_from_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_functional_model_with_two_inputs_and_shared_layer():
    a, b = layers.Input(shape=(3,), name="a"), layers.Input(shape=(3,), name="b")
    shared = layers.Dense(2)
    merged = layers.concatenate([shared(a), shared(b)])
    model = models.Model([a, b], layers.Dense(1)(merged))
    assert model.count_params() == 3 * 2 + 2 + 4 + 1
    xa, xb = np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32)
    out = model.predict([xa, xb], verbose=0)
    assert out.shape == (4, 1)
    assert model.get_layer(shared.name) is shared and model.get_layer(index=-1) is model.layers[-1]
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("missing")
