"""Tensors and Variables: printing, dtype rules, conversion, operators, and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.errors import InvalidArgumentError


# --- printing (TensorFlow's exact formats)
@pytest.mark.parametrize(
    "value, text",
    [
        (5, "tf.Tensor(5, shape=(), dtype=int32)"),
        (2.5, "tf.Tensor(2.5, shape=(), dtype=float32)"),
        ([1, 2, 3], "tf.Tensor([1 2 3], shape=(3,), dtype=int32)"),
        ([[1, 2], [3, 4]], "tf.Tensor(\n[[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"),
        ([True, False], "tf.Tensor([ True False], shape=(2,), dtype=bool)"),
    ],
)
def test_str(value, text):
    assert str(tf.constant(value)) == text


def test_repr():
    assert repr(tf.constant([1.0, 2.0])) == (
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    )
    assert repr(tf.constant(3)) == "<tf.Tensor: shape=(), dtype=int32, numpy=3>"
    v = tf.Variable(1.0)
    assert repr(v) == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>"
    assert str(v) == repr(v)
    assert repr(tf.TensorShape([None, 3])) == "TensorShape([None, 3])"


def test_format_and_conversions():
    t = tf.constant(0.123456)
    assert f"{t:.3f}" == "0.123"
    assert float(t) == pytest.approx(0.123456)
    assert int(tf.constant(7)) == 7
    assert list(range(tf.constant(3))) == [0, 1, 2]
    assert f"{tf.constant([1, 2])}" == "[1 2]"
    with pytest.raises(TypeError, match="scalar"):
        float(tf.constant([1.0, 2.0]))


# --- dtype rules
def test_python_value_defaults():
    assert tf.constant(1.5).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant(2**40).dtype == tf.int64
    assert tf.constant(True).dtype == tf.bool
    assert tf.constant([1, 2.5]).dtype == tf.float32
    assert tf.constant(np.array([1.0])).dtype == tf.float64  # arrays keep their dtype
    assert tf.constant(np.float64(1.0)).dtype == tf.float64
    assert tf.constant(np.array([1], np.uint8)).dtype == tf.uint8


def test_dtype_objects():
    assert tf.float32 == "float32" and tf.float32 == np.float32 and tf.as_dtype("int64") is tf.int64
    assert tf.float32.is_floating and tf.int8.is_integer and tf.bool.is_bool
    assert tf.uint8.max == 255 and repr(tf.float16) == "tf.float16"
    assert {tf.float32: 1}[tf.as_dtype(np.float32)] == 1
    with pytest.raises(TypeError, match="Unknown dtype"):
        tf.as_dtype("float31")


def test_mixing_int_and_float_tensors_raises_like_tf():
    with pytest.raises(InvalidArgumentError) as e:
        tf.add(tf.constant([1, 2]), tf.constant([1.0, 2.0]))
    assert (
        "cannot compute AddV2 as input #1(zero-based) was expected to be a int32 tensor but is a float tensor"
    ) in str(e.value)
    with pytest.raises(InvalidArgumentError):
        tf.constant(1.0) * tf.constant(1.0, tf.float64)


def test_python_scalars_and_arrays_adapt_to_the_tensor():
    x = tf.constant([1.0, 2.0])
    assert (x * 2).dtype == tf.float32
    assert (2 * x).dtype == tf.float32
    assert (x + np.array([1.0, 1.0])).dtype == tf.float32  # float64 array adapts
    assert (np.array([1.0, 1.0]) + x).dtype == tf.float32  # NumPy defers to the tensor
    assert isinstance(np.array([1.0, 1.0]) + x, tf.Tensor)
    i = tf.constant([1, 2])
    assert (i * 3).dtype == tf.int32
    with pytest.raises(TypeError, match="Cannot convert 1.5"):
        i + 1.5


def test_integer_division_gives_float64_like_tf():
    assert (tf.constant(3) / tf.constant(2)).dtype == tf.float64
    assert float(tf.constant(7) // 2) == 3
    assert float(tf.constant(-7) % 3) == 2
    assert int(tf.reduce_mean(tf.constant([1, 2]))) == 1  # integer mean truncates


def test_cast():
    x = tf.constant([1.7, -1.7])
    assert tf.cast(x, tf.int32).numpy().tolist() == [1, -1]
    assert tf.cast(x, "float64").dtype == tf.float64


# --- immutability and conversion
def test_tensor_is_immutable_and_copies_its_input():
    a = np.array([1.0, 2.0], np.float32)
    t = tf.constant(a)
    a[0] = 99
    assert t.numpy()[0] == 1.0
    out = t.numpy()
    out[1] = 99
    assert t.numpy()[1] == 2.0
    with pytest.raises(TypeError, match="immutable"):
        t[0] = 5.0
    view = np.asarray(t)
    with pytest.raises(ValueError):
        view[0] = 5.0


def test_tensor_protocols():
    t = tf.constant([[1, 2], [3, 4]])
    assert len(t) == 2 and t.ndim == 2 and t.shape == (2, 2) and t.shape.as_list() == [2, 2]
    assert [r.numpy().tolist() for r in t] == [[1, 2], [3, 4]]
    assert np.asarray(t).dtype == np.int32
    assert np.exp(tf.constant([0.0])).tolist() == [1.0]
    with pytest.raises(TypeError, match="unhashable"):
        hash(t)
    assert {t.ref(): 1}[t.ref()] == 1
    with pytest.raises(TypeError, match="scalar"):
        iter(tf.constant(1)).__next__()
    assert (t == None) is False  # noqa: E711
    assert tf.reduce_all(t == tf.constant([[1, 2], [3, 4]]))


def test_operators():
    a, b = tf.constant([6.0, 8.0]), tf.constant([2.0, 4.0])
    for expr, expected in [
        (a + b, [8, 12]),
        (a - b, [4, 4]),
        (a * b, [12, 32]),
        (a / b, [3, 2]),
        (a // b, [3, 2]),
        (a % b, [0, 0]),
        (b**2, [4, 16]),
        (-a, [-6, -8]),
        (abs(-a), [6, 8]),
        (1 - a, [-5, -7]),
        (12 / a, [2, 1.5]),
        (2**b, [4, 16]),
    ]:
        np.testing.assert_allclose(expr.numpy(), expected)
    assert (a > b).numpy().tolist() == [True, True]
    assert (~(a > 7)).numpy().tolist() == [True, False]
    assert ((a > 7) | (b > 1)).numpy().tolist() == [True, True]
    assert ((a > 7) & (b > 1)).numpy().tolist() == [False, True]
    m = tf.constant([[1.0, 2.0]]) @ tf.constant([[1.0], [1.0]])
    assert m.numpy().tolist() == [[3.0]]


def test_slicing():
    t = tf.reshape(tf.range(24), [2, 3, 4])
    n = np.arange(24).reshape(2, 3, 4)
    for key in [
        (1,),
        (slice(None), 1),
        (Ellipsis, 0),
        (0, slice(1, None), slice(None, None, 2)),
        (None, 1),
        (Ellipsis, None),
        (-1, -1, -1),
        (tf.constant(1),),
    ]:
        np_key = tuple(np.asarray(k) if isinstance(k, tf.Tensor) else k for k in key)
        np.testing.assert_array_equal(t[key].numpy(), n[np_key])
    with pytest.raises(TypeError, match="tf.gather"):
        t[[0, 1]]
    with pytest.raises(TypeError, match="boolean_mask"):
        t[np.array([True, False])]
    with pytest.raises(InvalidArgumentError, match="out of"):
        t[5]


# --- variables
def test_variable_behaviour():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0" and v.trainable and v.dtype == tf.float32 and v.shape == (2,)
    assert not isinstance(v, tf.Tensor) and tf.is_tensor(v)
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.5])
    assert isinstance(v.read_value(), tf.Tensor)
    assert (v + 1).numpy().tolist() == [4.5, 5.5]
    assert tf.Variable(lambda: tf.ones(2)).numpy().tolist() == [1.0, 1.0]
    assert tf.Variable(1, dtype=tf.float32).dtype == tf.float32


def test_variable_wrong_shape_and_dtype_assignments_say_so():
    v = tf.Variable([1.0, 2.0, 3.0], name="w")
    with pytest.raises(ValueError, match=r"shape mismatch.*shape \(3,\).*shape \(2,\)"):
        v.assign([1.0, 2.0])
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        v.assign(tf.constant([1, 2, 3]))
    i = tf.Variable([1, 2])
    with pytest.raises(TypeError, match="Cannot convert"):
        i.assign([1.5, 2.0])
    old = v.numpy()
    with pytest.raises(ValueError):
        v.assign_add([1.0])
    np.testing.assert_array_equal(v.numpy(), old)  # a failed assignment changes nothing


def test_tensor_read_before_assign_keeps_its_value():
    v = tf.Variable([1.0])
    t = v.read_value()
    v.assign_add([1.0])
    assert t.numpy()[0] == 1.0 and v.numpy()[0] == 2.0


# --- error messages name shapes and fixes
def test_shape_errors():
    with pytest.raises(InvalidArgumentError, match=r"Matrix size-incompatible: In\[0\]: \[2,3\], In\[1\]: \[4,5\]"):
        tf.matmul(tf.ones((2, 3)), tf.ones((4, 5)))
    with pytest.raises(InvalidArgumentError, match=r"Incompatible shapes: \[2,3\] vs. \[4\]"):
        tf.ones((2, 3)) + tf.ones((4,))
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        tf.matmul(tf.ones(3), tf.ones((3, 2)))
    with pytest.raises(InvalidArgumentError, match="6 values, but the requested shape has 4"):
        tf.reshape(tf.ones((2, 3)), [2, 2])
    with pytest.raises(InvalidArgumentError, match="Invalid reduction dimension"):
        tf.reduce_sum(tf.ones((2, 3)), axis=2)
    with pytest.raises(InvalidArgumentError, match="Dimension mismatch"):
        tf.concat([tf.ones((2, 3)), tf.ones((3, 2))], axis=0)
    with pytest.raises(InvalidArgumentError, match="Unable to broadcast"):
        tf.broadcast_to(tf.ones((2, 3)), [4, 3])
    with pytest.raises(InvalidArgumentError, match="input depth"):
        tf.nn.conv2d(tf.ones((1, 4, 4, 3)), tf.ones((3, 3, 1, 2)), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="outside the valid range"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 7], logits=tf.ones((2, 3)))
    with pytest.raises(InvalidArgumentError, match=r"not in \[0, 3\)"):
        tf.gather(tf.ones((3, 2)), [0, 3])
    with pytest.raises(TypeError, match="unsupported shape"):
        tf.constant([1, 2, 3], shape=(2, 2))
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1, 2], [3]])


def test_errors_module_classes():
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    e = tf.errors.InvalidArgumentError(None, None, "bad")
    assert str(e) == "bad" and e.error_code == 3
    assert str(tf.errors.NotFoundError("missing")) == "missing"
