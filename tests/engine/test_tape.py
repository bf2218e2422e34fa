"""GradientTape semantics, as TensorFlow defines them."""

from __future__ import annotations

import numpy as np
import pytest

import gradplay.engine as tf


def test_constants_need_watch_variables_do_not():
    x = tf.constant(3.0)
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x * v
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(y, v)) == 9.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 6.0


def test_watch_accessed_variables_false_and_watched_variables():
    a, b = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b")
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(b)
        y = a * b
    assert tape.watched_variables() == (b,)
    grads = tape.gradient(y, [a, b])
    assert grads[0] is None and float(grads[1]) == 1.0
    with tf.GradientTape() as tape:
        y = b * a
    assert [v.name for v in tape.watched_variables()] == ["b:0", "a:0"]


def test_non_trainable_variable_not_watched():
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_non_persistent_tape_is_single_use():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * 2
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)


def test_persistent_tape_many_gradients():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(z, x)) == 108.0
    assert float(tape.gradient(y, x)) == 6.0
    assert float(tape.gradient(z, y)) == 18.0  # with respect to an intermediate


def test_sources_as_dict_and_nested_list():
    a, b = tf.Variable(1.0), tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = a * 3 + tf.reduce_sum(b * b)
    g = tape.gradient(y, {"a": a, "rest": [b]})
    assert float(g["a"]) == 3.0
    np.testing.assert_array_equal(g["rest"][0].numpy(), [2.0, 4.0])


def test_list_of_targets_is_summed_and_output_gradients():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y1, y2 = x * 2, x * x
    np.testing.assert_array_equal(tape.gradient([y1, y2], x).numpy(), [4.0, 6.0])
    g = tape.gradient(y2, x, output_gradients=tf.constant([10.0, 1.0]))
    np.testing.assert_array_equal(g.numpy(), [20.0, 4.0])


def test_unconnected_gradients():
    x, z = tf.Variable(1.0), tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * 2
    assert tape.gradient(y, z) is None
    np.testing.assert_array_equal(tape.gradient(y, z, unconnected_gradients="zero").numpy(), [0, 0])
    zero = tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.shape == (2,)


def test_stop_recording_and_reset():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x
        w = x * 3
    assert tape.gradient(z, x) is None
    assert float(tape.gradient(y, x)) == 4.0
    with tf.GradientTape() as tape:
        y = x * x
        tape.reset()
        y = x * 5
    assert float(tape.gradient(y, x)) == 5.0
    assert float(w) == 6.0


def test_stop_gradient():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * tf.stop_gradient(x)
    assert float(tape.gradient(y, x)) == 3.0


def test_integer_target_and_source_give_none_with_warning():
    x = tf.constant(3)
    with pytest.warns(UserWarning, match="floating"):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
    with pytest.warns(UserWarning, match="floating"):
        assert tape.gradient(y, x) is None


def test_gradient_through_cast_to_int_is_none():
    x = tf.Variable(2.5)
    with tf.GradientTape() as tape:
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * x
    assert float(tape.gradient(y, x)) == 2.0  # only the direct path


def test_third_derivative():
    x = tf.Variable(1.5)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x**4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert float(d1) == pytest.approx(4 * 1.5**3)
    assert float(d2) == pytest.approx(12 * 1.5**2)
    assert float(d3) == pytest.approx(24 * 1.5)


def test_jacobian_and_batch_jacobian():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    w = tf.constant([[1.0, 0.5, -1.0], [2.0, 0.0, 1.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.matmul(x, w) ** 2
    j = tape.jacobian(y, x)
    assert j.shape == (2, 3, 2, 2)
    yv = np.asarray(tf.matmul(x, w))
    expected = np.zeros((2, 3, 2, 2))
    for b in range(2):
        for o in range(3):
            expected[b, o, b, :] = 2 * yv[b, o] * np.asarray(w)[:, o]
    np.testing.assert_allclose(j.numpy(), expected, rtol=1e-6)
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (2, 3, 2)
    np.testing.assert_allclose(bj.numpy(), np.stack([expected[b, :, b, :] for b in range(2)]))


def test_custom_gradient_with_variables():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(x):
        y = x * v

        def grad(dy, variables=None):
            return dy * 100.0, [dy * 7.0]

        return y, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = scaled(x)
    gx, gv = tape.gradient(out, [x, v])
    assert float(out) == 6.0 and float(gx) == 100.0 and float(gv) == 7.0


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")
def test_custom_gradient_log1pexp_stability():
    # TensorFlow's documented example: the automatic gradient gives nan at x=100.
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0


def test_watch_rejects_non_tensor():
    with tf.GradientTape() as tape:
        with pytest.raises(ValueError, match="tensors or variables"):
            tape.watch([1.0, 2.0])


def test_no_recording_without_tape_and_tape_is_not_reentrant():
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(ValueError, match="re-entrant"):
            tape.__enter__()
    assert tape._ops == []


def test_variable_assigned_in_loop_gets_fresh_gradients():
    w = tf.Variable([1.0, -1.0])
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w)
        g = tape.gradient(loss, w)
        np.testing.assert_allclose(g.numpy(), 2 * w.numpy())
        w.assign_sub(0.25 * g)
    np.testing.assert_allclose(w.numpy(), [0.125, -0.125])
