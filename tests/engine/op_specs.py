"""One table of op specifications, shared by every backend's tests.

Each ``OpSpec`` names an engine function, how to make its inputs, and a NumPy reference.
``tests/engine/test_ops.py`` checks every spec forward (against NumPy, float32) and, where
``grad`` is set, backward (the tape's gradient against central finite differences in float64).
A backend other than NumPy runs the same table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

import gradplay.engine as tf


@dataclasses.dataclass
class OpSpec:
    name: str
    fn: Callable  # (*tensors) -> tensor, using gradplay.engine
    ref: Callable | None  # (*ndarrays) -> ndarray, plain NumPy; None: only gradients checked
    shapes: tuple  # input shapes
    grad: bool = True  # check gradients of the float inputs
    low: float = -2.0  # input range
    high: float = 2.0
    make: Callable | None = None  # (rng, dtype) -> list of ndarrays, overrides shapes/low/high
    rtol: float = 1e-5

    def inputs(self, rng, dtype):
        if self.make is not None:
            return [np.asarray(a) for a in self.make(rng, dtype)]
        return [rng.uniform(self.low, self.high, s).astype(dtype) for s in self.shapes]


def _away_from(values, bad, margin=0.15):
    """Push values at least ``margin`` away from a kink at ``bad`` (for FD checks)."""
    v = np.where(np.abs(values - bad) < margin, bad + margin * np.sign(values - bad + 1e-12), values)
    return v


def _kinky(shape, at=0.0):
    return lambda rng, dt: [_away_from(rng.uniform(-2, 2, shape), at).astype(dt)]


def _distinct(*shapes):
    """Inputs whose elements are all distinct (no ties for max/min/sort)."""

    def make(rng, dt):
        n = sum(int(np.prod(s)) for s in shapes)
        vals = rng.permutation(np.linspace(-2, 2, n)) + rng.uniform(-0.01, 0.01, n)
        out, i = [], 0
        for s in shapes:
            k = int(np.prod(s))
            out.append(vals[i : i + k].reshape(s).astype(dt))
            i += k
        return out

    return make


def _pair_apart(shape):
    """Two same-shape inputs that never tie elementwise (for maximum/minimum)."""

    def make(rng, dt):
        x = rng.uniform(-2, 2, shape)
        y = x + rng.choice([-1, 1], shape) * rng.uniform(0.2, 1, shape)
        return [x.astype(dt), y.astype(dt)]

    return make


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _logsumexp(x, axis=None, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _conv_ref(x, k, stride=1, padding="VALID", dilation=1):
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    ekh, ekw = (kh - 1) * dilation + 1, (kw - 1) * dilation + 1
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-w // stride)
        ph = max((oh - 1) * stride + ekh - h, 0)
        pw = max((ow - 1) * stride + ekw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    oh = (x.shape[1] - ekh) // stride + 1
    ow = (x.shape[2] - ekw) // stride + 1
    out = np.zeros((n, oh, ow, f), x.dtype)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride : i * stride + ekh : dilation, j * stride : j * stride + ekw : dilation, :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


def _pool_ref(x, k, stride, padding, kind):
    n, h, w, c = x.shape
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-w // stride)
        ph, pw = max((oh - 1) * stride + k - h, 0), max((ow - 1) * stride + k - w, 0)
        pads = ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0))
    else:
        pads = ((0, 0),) * 4
    fill = -np.inf if kind == "max" else np.nan
    xp = np.pad(x.astype(np.float64), pads, constant_values=fill)
    oh = (xp.shape[1] - k) // stride + 1
    ow = (xp.shape[2] - k) // stride + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, i * stride : i * stride + k, j * stride : j * stride + k, :]
            out[:, i, j, :] = win.max(axis=(1, 2)) if kind == "max" else np.nanmean(win, axis=(1, 2))
    return out.astype(x.dtype)


def _labels(n, classes, seed=3):
    return np.random.default_rng(seed).integers(0, classes, n)


_LAB = _labels(4, 5)
_ONEHOT = np.eye(5)[_LAB]

SPECS: list[OpSpec] = [
    # --- unary elementwise
    OpSpec("negative", tf.negative, np.negative, ((3, 4),)),
    OpSpec("exp", tf.exp, np.exp, ((3, 4),)),
    OpSpec("log", tf.math.log, np.log, ((3, 4),), low=0.2, high=3),
    OpSpec("log1p", tf.math.log1p, np.log1p, ((5,),), low=-0.5, high=3),
    OpSpec("sqrt", tf.sqrt, np.sqrt, ((3, 4),), low=0.2, high=3),
    OpSpec("rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), ((3, 4),), low=0.2, high=3),
    OpSpec("square", tf.square, np.square, ((3, 4),)),
    OpSpec("sin", tf.sin, np.sin, ((3, 4),)),
    OpSpec("cos", tf.cos, np.cos, ((3, 4),)),
    OpSpec("tanh", tf.tanh, np.tanh, ((3, 4),)),
    OpSpec("sigmoid", tf.sigmoid, lambda x: 1 / (1 + np.exp(-x)), ((3, 4),), low=-8, high=8),
    OpSpec("relu", tf.nn.relu, lambda x: np.maximum(x, 0), (), make=_kinky((3, 4))),
    OpSpec("erf", tf.math.erf, None, ((3, 4),)),
    OpSpec("abs", tf.abs, np.abs, (), make=_kinky((3, 4))),
    OpSpec("sign", tf.sign, np.sign, ((3, 4),), grad=False),
    OpSpec("floor", tf.math.floor, np.floor, ((3, 4),), grad=False),
    OpSpec("ceil", tf.math.ceil, np.ceil, ((3, 4),), grad=False),
    OpSpec("round", tf.round, np.rint, ((3, 4),), grad=False, low=-5, high=5),
    OpSpec("is_finite", tf.math.is_finite, np.isfinite, ((3,),), grad=False),
    # --- binary elementwise, with broadcasting
    OpSpec("add", tf.add, np.add, ((3, 4), (4,))),
    OpSpec("add_scalar_bcast", tf.add, np.add, ((2, 1, 4), (3, 1))),
    OpSpec("subtract", tf.subtract, np.subtract, ((3, 4), (3, 1))),
    OpSpec("multiply", tf.multiply, np.multiply, ((3, 4), (1, 4))),
    OpSpec("multiply_rank0", tf.multiply, np.multiply, ((3, 4), ())),
    OpSpec(
        "divide",
        tf.divide,
        np.divide,
        (),
        make=lambda rng, dt: [rng.uniform(-2, 2, (3, 4)).astype(dt), rng.uniform(0.5, 2, (4,)).astype(dt)],
    ),
    OpSpec(
        "pow",
        tf.pow,
        np.power,
        (),
        make=lambda rng, dt: [rng.uniform(0.3, 2, (3, 4)).astype(dt), rng.uniform(-1.5, 2, (3, 1)).astype(dt)],
    ),
    OpSpec("maximum", tf.maximum, np.maximum, (), make=_pair_apart((3, 4))),
    OpSpec("minimum", tf.minimum, np.minimum, (), make=_pair_apart((3, 4))),
    OpSpec(
        "floormod",
        tf.math.floormod,
        np.mod,
        (),
        make=lambda rng, dt: [(np.arange(12).reshape(3, 4) * 0.71 + 0.05).astype(dt), np.full((4,), 1.3, dt)],
    ),
    OpSpec(
        "floordiv",
        tf.math.floordiv,
        np.floor_divide,
        (),
        grad=False,
        make=lambda rng, dt: [rng.uniform(-5, 5, (3, 4)).astype(dt), rng.uniform(0.5, 2, (4,)).astype(dt)],
    ),
    OpSpec("greater", tf.greater, np.greater, ((3, 4), (4,)), grad=False),
    OpSpec("less_equal", tf.less_equal, np.less_equal, ((3, 4), (4,)), grad=False),
    OpSpec(
        "equal",
        tf.equal,
        np.equal,
        (),
        grad=False,
        make=lambda rng, dt: [np.array([1, 2, 3], dt), np.array([1, 0, 3], dt)],
    ),
    OpSpec(
        "where",
        lambda c, x, y: tf.where(c > 0, x, y),
        lambda c, x, y: np.where(c > 0, x, y),
        ((3, 4), (3, 4), (4,)),
    ),
    OpSpec(
        "clip_by_value",
        lambda x: tf.clip_by_value(x, -1.0, 1.0),
        lambda x: np.clip(x, -1, 1),
        (),
        make=lambda rng, dt: [_away_from(_away_from(rng.uniform(-2, 2, (3, 4)), 1.0), -1.0).astype(dt)],
    ),
    OpSpec("cast_f64", lambda x: tf.cast(x, tf.float64) * 2.0, lambda x: x.astype(np.float64) * 2, ((3,),)),
    # --- reductions and scans
    OpSpec("reduce_sum", tf.reduce_sum, np.sum, ((3, 4),)),
    OpSpec("reduce_sum_axis", lambda x: tf.reduce_sum(x, axis=1), lambda x: x.sum(1), ((3, 4, 2),)),
    OpSpec(
        "reduce_sum_keep",
        lambda x: tf.reduce_sum(x, [0, 2], keepdims=True),
        lambda x: x.sum((0, 2), keepdims=True),
        ((3, 4, 2),),
    ),
    OpSpec("reduce_mean", lambda x: tf.reduce_mean(x, -1), lambda x: x.mean(-1), ((3, 4),)),
    OpSpec("reduce_max", lambda x: tf.reduce_max(x, 0), lambda x: x.max(0), (), make=_distinct((3, 4))),
    OpSpec(
        "reduce_min",
        lambda x: tf.reduce_min(x, 1, keepdims=True),
        lambda x: x.min(1, keepdims=True),
        (),
        make=_distinct((3, 4)),
    ),
    OpSpec("reduce_prod", lambda x: tf.reduce_prod(x, 1), lambda x: x.prod(1), ((3, 4),), low=0.5, high=1.5),
    OpSpec("reduce_variance", lambda x: tf.math.reduce_variance(x, 0), lambda x: x.var(0), ((5, 3),)),
    OpSpec("reduce_std", tf.math.reduce_std, np.std, ((5, 3),)),
    OpSpec("reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, 1), lambda x: _logsumexp(x, 1), ((3, 4),)),
    OpSpec("cumsum", lambda x: tf.cumsum(x, 1), lambda x: np.cumsum(x, 1), ((3, 4),)),
    OpSpec(
        "cumsum_exclusive_reverse",
        lambda x: tf.cumsum(x, 0, exclusive=True, reverse=True),
        lambda x: np.flip(np.cumsum(np.flip(x, 0), 0), 0) - x,
        ((4, 2),),
    ),
    OpSpec("argmax", lambda x: tf.argmax(x, 1), lambda x: x.argmax(1), (), grad=False, make=_distinct((3, 4))),
    OpSpec("argmin", lambda x: tf.argmin(x), lambda x: x.argmin(0), (), grad=False, make=_distinct((3, 4))),
    OpSpec("norm", tf.norm, np.linalg.norm, ((3, 4),)),
    # --- shapes and indexing
    OpSpec("reshape", lambda x: tf.reshape(x, [4, -1]), lambda x: x.reshape(4, -1), ((2, 3, 2),)),
    OpSpec("transpose", lambda x: tf.transpose(x, [2, 0, 1]), lambda x: x.transpose(2, 0, 1), ((2, 3, 4),)),
    OpSpec("transpose_default", tf.transpose, np.transpose, ((2, 3),)),
    OpSpec("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3, 4]), lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)),
    OpSpec("expand_dims", lambda x: tf.expand_dims(x, 1), lambda x: x[:, None], ((3, 4),)),
    OpSpec("squeeze", lambda x: tf.squeeze(x, [1]), lambda x: x.squeeze(1), ((3, 1, 4),)),
    OpSpec("getitem_slices", lambda x: x[1:, ::2], lambda x: x[1:, ::2], ((4, 5),)),
    OpSpec("getitem_int_newaxis", lambda x: x[..., 1, tf.newaxis], lambda x: x[..., 1, None], ((3, 4),)),
    OpSpec("getitem_negative_step", lambda x: x[::-1, 2], lambda x: x[::-1, 2], ((4, 5),)),
    OpSpec("concat", lambda a, b: tf.concat([a, b], axis=1), lambda a, b: np.concatenate([a, b], 1), ((2, 3), (2, 2))),
    OpSpec("stack", lambda a, b: tf.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1), ((2, 3), (2, 3))),
    OpSpec("unstack", lambda x: tf.unstack(x, axis=1)[2], lambda x: x[:, 2], ((2, 4),)),
    OpSpec("split", lambda x: tf.split(x, [1, 3], axis=1)[1] * 2.0, lambda x: x[:, 1:] * 2, ((2, 4),)),
    OpSpec("tile", lambda x: tf.tile(x, [2, 3]), lambda x: np.tile(x, (2, 3)), ((2, 3),)),
    OpSpec(
        "pad_constant",
        lambda x: tf.pad(x, [[1, 2], [0, 1]], constant_values=0.5),
        lambda x: np.pad(x, ((1, 2), (0, 1)), constant_values=0.5),
        ((2, 3),),
    ),
    OpSpec(
        "pad_reflect",
        lambda x: tf.pad(x, [[1, 1], [2, 0]], mode="REFLECT"),
        lambda x: np.pad(x, ((1, 1), (2, 0)), mode="reflect"),
        ((3, 4),),
    ),
    OpSpec(
        "pad_symmetric",
        lambda x: tf.pad(x, [[1, 1], [0, 2]], mode="SYMMETRIC"),
        lambda x: np.pad(x, ((1, 1), (0, 2)), mode="symmetric"),
        ((3, 4),),
    ),
    OpSpec("gather", lambda x: tf.gather(x, [2, 0, 2]), lambda x: x[[2, 0, 2]], ((3, 4),)),
    OpSpec(
        "gather_axis1_2d",
        lambda x: tf.gather(x, [[0, 1], [3, 3]], axis=1),
        lambda x: np.take(x, [[0, 1], [3, 3]], axis=1),
        ((3, 4),),
    ),
    OpSpec("boolean_mask", lambda x: tf.boolean_mask(x, np.array([True, False, True])), lambda x: x[[0, 2]], ((3, 4),)),
    OpSpec("reverse", lambda x: tf.reverse(x, [1]), lambda x: x[:, ::-1], ((3, 4),)),
    OpSpec(
        "top_k_values",
        lambda x: tf.math.top_k(x, 2).values,
        lambda x: -np.sort(-x, -1)[:, :2],
        (),
        make=_distinct((3, 5)),
    ),
    OpSpec("sort", lambda x: tf.sort(x), lambda x: np.sort(x, -1), (), make=_distinct((3, 5))),
    # --- linear algebra
    OpSpec("matmul", tf.matmul, np.matmul, ((3, 4), (4, 5))),
    OpSpec("matmul_ta", lambda a, b: tf.matmul(a, b, transpose_a=True), lambda a, b: a.T @ b, ((4, 3), (4, 5))),
    OpSpec("matmul_tb", lambda a, b: tf.matmul(a, b, transpose_b=True), lambda a, b: a @ b.T, ((3, 4), (5, 4))),
    OpSpec(
        "matmul_tab",
        lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
        lambda a, b: a.T @ b.T,
        ((4, 3), (5, 4)),
    ),
    OpSpec("matmul_batched", tf.matmul, np.matmul, ((2, 3, 4), (2, 4, 5))),
    OpSpec("matmul_batch_broadcast", tf.matmul, np.matmul, ((2, 3, 4), (4, 5))),
    OpSpec("operator_matmul", lambda a, b: a @ b, np.matmul, ((3, 4), (4, 2))),
    OpSpec("tensordot", lambda a, b: tf.tensordot(a, b, 2), lambda a, b: np.tensordot(a, b, 2), ((2, 3, 4), (3, 4, 5))),
    OpSpec(
        "tensordot_axes",
        lambda a, b: tf.tensordot(a, b, [[0], [1]]),
        lambda a, b: np.tensordot(a, b, ([0], [1])),
        ((3, 2), (4, 3)),
    ),
    # --- tf.nn
    OpSpec("softmax", tf.nn.softmax, _softmax, ((3, 5),)),
    OpSpec("softmax_axis0", lambda x: tf.nn.softmax(x, axis=0), lambda x: _softmax(x, 0), ((3, 5),)),
    OpSpec("log_softmax", tf.nn.log_softmax, lambda x: np.log(_softmax(x)), ((3, 5),)),
    OpSpec("softplus", tf.nn.softplus, lambda x: np.log1p(np.exp(x)), ((3, 4),), low=-5, high=5),
    OpSpec(
        "relu6",
        tf.nn.relu6,
        lambda x: np.clip(x, 0, 6),
        (),
        make=lambda rng, dt: [_away_from(_away_from(rng.uniform(-3, 9, (3, 4)), 0), 6).astype(dt)],
    ),
    OpSpec("leaky_relu", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), (), make=_kinky((3, 4))),
    OpSpec("elu", tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), (), make=_kinky((3, 4))),
    OpSpec(
        "selu",
        tf.nn.selu,
        lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
        (),
        make=_kinky((3, 4)),
    ),
    OpSpec(
        "gelu_tanh",
        lambda x: tf.nn.gelu(x, approximate=True),
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        ((3, 4),),
    ),
    OpSpec("gelu_erf", tf.nn.gelu, None, ((3, 4),)),
    OpSpec("silu", tf.nn.silu, lambda x: x / (1 + np.exp(-x)), ((3, 4),)),
    OpSpec("l2_loss", tf.nn.l2_loss, lambda x: (x**2).sum() / 2, ((3, 4),)),
    OpSpec(
        "l2_normalize",
        lambda x: tf.math.l2_normalize(x, axis=1),
        lambda x: x / np.linalg.norm(x, axis=1, keepdims=True),
        ((3, 4),),
    ),
    OpSpec("moments_variance", lambda x: tf.nn.moments(x, [0])[1], lambda x: x.var(0), ((6, 3),)),
    OpSpec(
        "sparse_softmax_ce",
        lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=_LAB, logits=x),
        lambda x: -np.log(_softmax(x))[np.arange(4), _LAB],
        ((4, 5),),
    ),
    OpSpec(
        "softmax_ce",
        lambda x: tf.nn.softmax_cross_entropy_with_logits(labels=_ONEHOT, logits=x),
        lambda x: -(np.log(_softmax(x)) * _ONEHOT).sum(-1),
        ((4, 5),),
    ),
    OpSpec(
        "sigmoid_ce",
        lambda x, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
        lambda x, z: np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))),
        (),
        make=lambda rng, dt: [rng.uniform(-4, 4, (3, 4)).astype(dt), rng.uniform(0, 1, (3, 4)).astype(dt)],
    ),
    OpSpec(
        "conv2d_valid",
        lambda x, k: tf.nn.conv2d(x, k, 1, "VALID"),
        lambda x, k: _conv_ref(x, k),
        ((2, 5, 5, 2), (3, 3, 2, 3)),
    ),
    OpSpec(
        "conv2d_same_stride2",
        lambda x, k: tf.nn.conv2d(x, k, 2, "SAME"),
        lambda x, k: _conv_ref(x, k, 2, "SAME"),
        ((1, 6, 7, 2), (3, 3, 2, 2)),
    ),
    OpSpec(
        "conv2d_dilated",
        lambda x, k: tf.nn.conv2d(x, k, 1, "SAME", dilations=2),
        lambda x, k: _conv_ref(x, k, 1, "SAME", 2),
        ((1, 6, 6, 1), (2, 2, 1, 2)),
    ),
    OpSpec(
        "max_pool_valid",
        lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
        lambda x: _pool_ref(x, 2, 2, "VALID", "max"),
        (),
        make=_distinct((2, 4, 4, 3)),
    ),
    OpSpec(
        "max_pool_valid_ragged",  # VALID drops the last row/column
        lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
        lambda x: _pool_ref(x, 2, 2, "VALID", "max"),
        (),
        make=_distinct((2, 5, 7, 3)),
    ),
    OpSpec(
        "max_pool_same",
        lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"),
        lambda x: _pool_ref(x, 3, 2, "SAME", "max"),
        (),
        make=_distinct((1, 5, 5, 2)),
    ),
    OpSpec(
        "avg_pool_valid",
        lambda x: tf.nn.avg_pool2d(x, 2, 2, "VALID"),
        lambda x: _pool_ref(x, 2, 2, "VALID", "avg"),
        ((2, 4, 4, 3),),
    ),
    OpSpec(
        "avg_pool_same",
        lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"),
        lambda x: _pool_ref(x, 3, 2, "SAME", "avg"),
        ((1, 5, 5, 2),),
    ),
]
