"""Every op in the spec table: forward against NumPy, gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import gradplay.engine as tf

from .op_specs import SPECS

IDS = [s.name for s in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_forward_matches_numpy(spec):
    rng = np.random.default_rng(0)
    arrays = spec.inputs(rng, np.float32)
    out = spec.fn(*[tf.constant(a) for a in arrays])
    if spec.ref is None:
        assert np.all(np.isfinite(np.asarray(out, dtype=np.float64)))
        return
    expected = spec.ref(*arrays)
    got = np.asarray(out)
    assert got.shape == np.shape(expected), f"{spec.name}: shape {got.shape} != {np.shape(expected)}"
    if np.asarray(expected).dtype.kind == "b":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_float32_in_float32_out(spec):
    rng = np.random.default_rng(1)
    out = spec.fn(*[tf.constant(a) for a in spec.inputs(rng, np.float32)])
    if out.dtype.is_floating:
        assert out.dtype in (tf.float32, tf.float64)
        if spec.name != "cast_f64":
            assert out.dtype == tf.float32, f"{spec.name} promoted float32 to {out.dtype}"


def numeric_gradient(f, arrays, i, eps=1e-6):
    """Central differences of the scalar f(*arrays) with respect to arrays[i] (float64)."""
    x = arrays[i]
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        orig = x[idx]
        x[idx] = orig + eps
        up = f(*arrays)
        x[idx] = orig - eps
        down = f(*arrays)
        x[idx] = orig
        grad[idx] = (up - down) / (2 * eps)
    return grad


GRAD_SPECS = [s for s in SPECS if s.grad]


@pytest.mark.parametrize("spec", GRAD_SPECS, ids=[s.name for s in GRAD_SPECS])
def test_gradient_matches_finite_differences(spec):
    rng = np.random.default_rng(2)
    arrays = [a.astype(np.float64) for a in spec.inputs(rng, np.float64)]
    out_shape = np.shape(np.asarray(spec.fn(*[tf.constant(a) for a in arrays])))
    weights = rng.uniform(0.5, 1.5, out_shape)  # a random cotangent, so no symmetry hides bugs

    def scalar(*xs):
        return float(np.sum(np.asarray(spec.fn(*[tf.constant(x) for x in xs])) * weights))

    inputs = [tf.constant(a) for a in arrays]
    with tf.GradientTape(persistent=True) as tape:
        for t in inputs:
            tape.watch(t)
        loss = tf.reduce_sum(spec.fn(*inputs) * weights)
    for i, t in enumerate(inputs):
        got = tape.gradient(loss, t)
        expected = numeric_gradient(scalar, [a.copy() for a in arrays], i)
        if got is None:  # unconnected (e.g. a where condition): the true gradient is zero
            np.testing.assert_array_equal(expected, 0, err_msg=f"{spec.name}: no gradient for input {i}")
            continue
        assert got.dtype == tf.float64
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6, err_msg=f"{spec.name}: input {i}")


# Second order: the gradient of (gradient . v) from nested tapes, against finite differences
# of the first-order gradient.
SECOND_ORDER = {
    "tanh_chain": lambda x: tf.reduce_sum(tf.tanh(x * 1.3) ** 2),
    "sigmoid": lambda x: tf.reduce_sum(tf.sigmoid(x) * x),
    "exp_sin": lambda x: tf.reduce_sum(tf.exp(tf.sin(x))),
    "relu_square": lambda x: tf.reduce_sum(tf.nn.relu(x) ** 3),
    "softmax_ce": lambda x: tf.reduce_sum(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 2, 1]), logits=x)
    ),
    "matmul_mlp": lambda x: tf.reduce_sum(tf.tanh(tf.matmul(x, tf.transpose(x)))),
    "div_pow_log": lambda x: tf.reduce_sum(tf.math.log(x * x + 1.0) / (x * x + 2.0) + (x * x) ** 1.5),
    "max_reduce": lambda x: tf.reduce_sum(tf.reduce_max(x * x, axis=1)),
    "max_pool": lambda x: tf.reduce_sum(
        tf.nn.max_pool2d(tf.reshape(tf.concat([x, x[:1] * 0.5], 0), [1, 4, 3, 1]) ** 2, 2, 2, "VALID") ** 2
    ),
    "conv2d": lambda x: tf.reduce_sum(
        tf.nn.conv2d(tf.reshape(x, [1, 3, 3, 1]), tf.reshape(x[0, :], [1, 3, 1, 1]) * 1.0 + 0.5, 1, "SAME") ** 2
    ),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_order_matches_finite_differences(name):
    f = SECOND_ORDER[name]
    rng = np.random.default_rng(4)
    x0 = _away = rng.uniform(-1.5, 1.5, (3, 3))
    x0 = np.where(np.abs(_away) < 0.2, 0.3, _away)
    v = rng.uniform(-1, 1, (3, 3))

    def grad_dot_v(x_np):
        x = tf.constant(x_np)
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
        return float(np.sum(np.asarray(t.gradient(y, x)) * v))

    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
        gv = tf.reduce_sum(g * v)
    hv = outer.gradient(gv, x)
    expected = numeric_gradient(lambda a: grad_dot_v(a), [x0.copy()], 0)
    np.testing.assert_allclose(np.asarray(hv), expected, rtol=1e-4, atol=1e-6)
