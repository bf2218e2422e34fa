"""tf.function, tf.random, creation ops, tf.config/tf.device, tf.nest, tf.print."""

from __future__ import annotations

import numpy as np
import pytest

import gradplay.engine as tf


def test_function_decorator_forms_and_methods():
    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)], jit_compile=True)
    def double(x):
        return x * 2

    assert double(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="not compatible"):
        double(tf.constant([[1.0]]))
    with pytest.raises(TypeError, match="not compatible"):
        double(tf.constant([1, 2]))

    class Model:
        def __init__(self):
            self.w = tf.Variable(3.0)

        @tf.function
        def __call__(self, x):
            return self.w * x

    assert float(Model()(tf.constant(2.0))) == 6.0
    assert double.python_function.__name__ == "double"


def test_random_seeds_repeat():
    tf.random.set_seed(7)
    a = tf.random.normal([3]).numpy()
    b = tf.random.uniform([2], seed=1).numpy()
    c = tf.random.uniform([2], seed=1).numpy()
    tf.random.set_seed(7)
    np.testing.assert_array_equal(a, tf.random.normal([3]).numpy())
    np.testing.assert_array_equal(b, tf.random.uniform([2], seed=1).numpy())
    assert not np.array_equal(b, c)  # successive calls of a seeded op still differ


def test_random_distributions_and_generator():
    g = tf.random.Generator.from_seed(0)
    t = g.truncated_normal([10000], stddev=2.0).numpy()
    assert np.abs(t).max() <= 4.0 and abs(t.mean()) < 0.1
    u = g.uniform([1000], minval=-1, maxval=1).numpy()
    assert u.min() >= -1 and u.max() < 1 and u.dtype == np.float32
    i = g.uniform([100], minval=0, maxval=5, dtype=tf.int32).numpy()
    assert set(i.tolist()) <= set(range(5)) and i.dtype == np.int32
    with pytest.raises(ValueError, match="maxval"):
        g.uniform([2], dtype=tf.int32)
    s = tf.random.shuffle(tf.range(10), seed=3).numpy()
    assert sorted(s.tolist()) == list(range(10))
    g1, g2 = g.split(2)
    assert not np.array_equal(g1.normal([3]).numpy(), g2.normal([3]).numpy())
    assert (
        tf.random.Generator.from_seed(5).normal([2]).numpy().tolist()
        == tf.random.Generator.from_seed(5).normal([2]).numpy().tolist()
    )


def test_creation_ops():
    assert tf.zeros([2, 3], tf.int32).numpy().tolist() == [[0] * 3] * 2
    assert tf.ones_like(tf.constant([1, 2])).dtype == tf.int32
    assert tf.zeros_like(tf.constant([1.0])).numpy().tolist() == [0.0]
    assert tf.fill([2], 7).numpy().tolist() == [7, 7]
    assert tf.eye(2, 3).numpy().tolist() == [[1, 0, 0], [0, 1, 0]]
    assert tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4] and tf.range(5).dtype == tf.int32
    assert tf.range(1, 2, 0.5).dtype == tf.float32
    assert tf.range(tf.constant(3, tf.int64)).dtype == tf.int64  # tensor arguments decide the dtype
    assert tf.range(tf.constant(2.0, tf.float64)).numpy().tolist() == [0.0, 1.0]
    np.testing.assert_allclose(tf.linspace(0.0, 1.0, 3).numpy(), [0, 0.5, 1])
    assert tf.one_hot([0, 2], 3).numpy().tolist() == [[1, 0, 0], [0, 0, 1]]
    assert tf.constant(0.0, shape=(2, 2)).numpy().tolist() == [[0, 0], [0, 0]]
    assert tf.shape(tf.ones((2, 3))).numpy().tolist() == [2, 3]
    assert int(tf.rank(tf.ones((2, 3)))) == 2 and int(tf.size(tf.ones((2, 3)))) == 6
    assert tf.convert_to_tensor([1, 2], dtype_hint=tf.float32).dtype == tf.float32


def test_where_topk_argsort_boolean_mask():
    x = tf.constant([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    assert tf.where(x > 2.5).numpy().tolist() == [[0, 0], [1, 1], [1, 2]]
    top = tf.math.top_k(x, k=2)
    assert top.values.numpy().tolist() == [[3, 2], [5, 4]]
    assert top.indices.numpy().tolist() == [[0, 2], [1, 2]]
    assert tf.argsort(x, direction="DESCENDING").numpy().tolist() == [[0, 2, 1], [1, 2, 0]]
    assert tf.boolean_mask(x, x > 2.5).numpy().tolist() == [3, 5, 4]


def test_config_and_device():
    assert [d.device_type for d in tf.config.list_physical_devices()] == ["CPU"]
    assert tf.config.list_physical_devices("GPU") == []
    with tf.device("/CPU:0"):
        assert float(tf.constant(1.0) + 1) == 2.0
    with pytest.raises(RuntimeError, match="not available"):
        with tf.device("GPU:0"):
            pass


def test_nest_and_print(capsys):
    s = {"b": [1, (2, 3)], "a": 0}
    assert tf.nest.flatten(s) == [0, 1, 2, 3]
    assert tf.nest.map_structure(lambda v: v + 1, s) == {"a": 1, "b": [2, (3, 4)]}
    tf.print("loss", tf.constant([1.5, 2.0]), output_stream=__import__("sys").stdout)
    assert capsys.readouterr().out == "loss [1.5 2]\n"


def test_executing_eagerly_and_version():
    assert tf.executing_eagerly()
    assert isinstance(tf.__version__, str)


def test_backend_selection():
    from gradplay.engine import backends

    assert backends.get_backend().NAME == "numpy"
    with pytest.raises(ValueError, match="Available backends: numpy"):
        backends.set_backend("cuda")


def test_every_primitive_has_a_numpy_kernel():
    from gradplay.engine import backends, core

    impl = backends.get_backend().IMPL
    missing = sorted(set(core.PRIMITIVES) - set(impl))
    assert missing == [], f"primitives without a NumPy kernel: {missing}"
    assert 25 <= len(core.PRIMITIVES) <= 90


def test_dropout_scales_and_zeroes():
    x = tf.ones((200, 50))
    y = tf.nn.dropout(x, rate=0.4, rng=tf.random.Generator.from_seed(0)).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.6) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.6, rtol=1e-6)
    assert tf.nn.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match="range"):
        tf.nn.dropout(x, 1.0)
    v = tf.Variable(np.ones((4, 4), np.float32))
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(tf.nn.dropout(v, 0.5, rng=tf.random.Generator.from_seed(1)))
    g = tape.gradient(out, v).numpy()
    assert set(np.unique(g).tolist()) <= {0.0, 2.0}


def test_in_top_k_and_moments():
    pred = tf.constant([[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]])
    assert tf.math.in_top_k([1, 1], pred, 1).numpy().tolist() == [True, False]
    mean, var = tf.nn.moments(tf.constant([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
    assert mean.numpy().tolist() == [2.0, 4.0] and var.numpy().tolist() == [1.0, 4.0]
