"""The NumPy backend: forward implementations of every primitive, keyed by name.

Each function takes NumPy buffers and static params and returns a buffer of the dtype
TensorFlow would produce (NumPy's own promotions, e.g. int32 sums to int64, are undone here).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

NAME = "numpy"


def asarray(array: np.ndarray) -> np.ndarray:
    return array


def to_numpy(buffer) -> np.ndarray:
    return buffer


def _sigmoid(x):
    # The tanh form is exact and never overflows (1 / (1 + exp(-x)) warns for x << 0).
    return 0.5 + 0.5 * np.tanh(0.5 * x)


def _erf(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


def _rsqrt(x):
    return 1 / np.sqrt(x)


def _relu(x):
    return np.maximum(x, 0)


def _tanh_grad(y, g):
    return g * (1 - y * y)


def _sigmoid_grad(y, g):
    return g * (y * (1 - y))


def _relu_grad(x, g):
    return np.multiply(g, x > 0, dtype=g.dtype)  # ~9x faster than np.where on large arrays


def _div(x, y):
    out = np.true_divide(x, y)
    if x.dtype.kind in "iu" and x.dtype.itemsize <= 2:
        return out.astype(np.float32)  # TensorFlow: int8/int16 / -> float32, int32/64 -> float64
    return out


def _floordiv(x, y):
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise ZeroDivisionError
    return np.floor_divide(x, y)


def _pow(x, y):
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise ValueError("Integers to negative integer powers are not allowed.")
    return np.power(x, y)


def _reduce(ufunc):
    # ufunc.reduce directly: np.sum & co. spend most of their time on dispatch for small arrays.
    def reduce(x, axis=None, keepdims=False):
        if x.ndim == 0:
            return x
        if axis is not None and len(axis) == 1:
            axis = axis[0]
        return ufunc.reduce(x, axis=axis, dtype=x.dtype, keepdims=keepdims)

    return reduce


def _reduce_mean(x, axis=None, keepdims=False):
    if x.ndim == 0:
        return x
    total = np.add.reduce(x, axis=axis, dtype=x.dtype, keepdims=keepdims)
    n = x.size if axis is None else math.prod(x.shape[a] for a in axis)
    return total / x.dtype.type(max(n, 1))


def _reduce_logical(fn):
    def reduce(x, axis=None, keepdims=False):
        return fn(x, axis=axis, keepdims=keepdims)

    return reduce


def _broadcast_to(x, shape=()):
    # Materialized: np.broadcast_to's validation costs more than the copy for small arrays,
    # and a read-only strided view would surprise later in-place kernels.
    out = np.empty(shape, x.dtype)
    out[...] = x
    return out


def _arg(fn):
    def arg(x, axis=0, output_type=np.int64):
        return np.asarray(fn(x, axis=axis)).astype(output_type)

    return arg


def _cumsum(x, axis=0, exclusive=False, reverse=False):
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        out = np.roll(out, 1, axis=axis)
        index = [slice(None)] * x.ndim
        index[axis] = 0
        out[tuple(index)] = 0
    return np.flip(out, axis) if reverse else out


def _getitem_grad(g, key=(), shape=(), advanced=False):
    out = np.zeros(shape, g.dtype)
    if advanced:
        np.add.at(out, key, g)  # repeated indices accumulate
    else:
        out[key] = g
    return out


def _gather(params, indices, axis=0):
    size = params.shape[axis]
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        bad = indices[(indices < 0) | (indices >= size)].flat[0]
        raise IndexError(f"index {bad} is not in [0, {size})")
    # intp: np.take only takes the platform's index type safely (int32 on wasm32, in Pyodide).
    return np.take(params, indices.astype(np.intp, copy=False), axis=axis)


def _gather_grad(g, indices, axis=0, size=0):
    moved = np.moveaxis(g, list(range(axis, axis + indices.ndim)), list(range(indices.ndim)))
    moved = moved.reshape((indices.size,) + moved.shape[indices.ndim :])
    out = np.zeros((size,) + moved.shape[1:], g.dtype)
    np.add.at(out, indices.reshape(-1), moved)
    return np.moveaxis(out, 0, axis)


def _take_along_axis(x, indices, axis=-1):
    return np.take_along_axis(x, indices, axis=axis)


def _take_along_axis_grad(g, indices, axis=-1, shape=()):
    out = np.zeros(shape, g.dtype)
    grid = list(np.indices(indices.shape, sparse=True))
    grid[axis] = indices
    np.add.at(out, tuple(grid), g)
    return out


def _matmul(a, b, transpose_a=False, transpose_b=False):
    if a.ndim == 2 and b.ndim == 2:  # np.dot dispatches faster than the matmul ufunc
        return np.dot(a.T if transpose_a else a, b.T if transpose_b else b)
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


def _im2col(x, kh=1, kw=1, sh=1, sw=1, dh=1, dw=1):
    """(N, H, W, C) -> (N, OH, OW, kh*kw*C) patches, in the (kh, kw, C) order of HWIO kernels."""
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    n, h, w, c = x.shape
    if c < 8:  # few channels: one strided copy per kernel tap is ~3x faster than a transpose
        oh, ow = (h - eh) // sh + 1, (w - ew) // sw + 1
        out = np.empty((n, oh, ow, kh * kw * c), x.dtype)
        for t, (i, j) in enumerate((i, j) for i in range(kh) for j in range(kw)):
            out[..., t * c : (t + 1) * c] = x[
                :, i * dh : i * dh + sh * (oh - 1) + 1 : sh, j * dw : j * dw + sw * (ow - 1) + 1 : sw, :
            ]
        return out
    win = sliding_window_view(x, (eh, ew), axis=(1, 2))[:, ::sh, ::sw, :, ::dh, ::dw]
    n, oh, ow, c = win.shape[:4]
    return np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(n, oh, ow, kh * kw * c)


def _col2im(cols, shape=(), kh=1, kw=1, sh=1, sw=1, dh=1, dw=1):
    n, h, w, c = shape
    oh, ow = cols.shape[1], cols.shape[2]
    patches = cols.reshape(n, oh, ow, kh, kw, c)
    out = np.zeros(shape, cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            cols_ = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            out[:, rows, cols_, :] += patches[:, :, :, i, j, :]
    return out


def _softmax(x, axis=-1):
    e = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def _log_softmax(x, axis=-1):
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _sparse_softmax_xent(logits, labels):
    """Per-example -log softmax(logits)[label], computed stably."""
    shifted = logits - np.maximum.reduce(logits, axis=-1, keepdims=True)
    lse = np.log(np.add.reduce(np.exp(shifted), axis=-1))
    if shifted.ndim == 2:  # plain fancy indexing: several times faster than take_along_axis
        picked = shifted[np.arange(len(labels)), labels]
    else:
        picked = np.take_along_axis(shifted, labels[..., None], axis=-1)[..., 0]
    return lse - picked


def _clip(x, lo=0.0, hi=0.0):
    return np.clip(x, x.dtype.type(lo), x.dtype.type(hi))


def _clip_grad(x, g, lo=0.0, hi=0.0):
    inside = x >= lo
    inside &= x <= hi
    return np.multiply(g, inside, dtype=g.dtype)


def _windows(x, k):
    """One strided view of x per position inside the non-overlapping k-windows (a ragged edge
    that VALID pooling drops is simply never visited): no copy, whatever x's layout."""
    n, h, w, c = x.shape
    oh, ow = h // k[0], w // k[1]
    return [x[:, i : oh * k[0] : k[0], j : ow * k[1] : k[1], :] for i in range(k[0]) for j in range(k[1])]


def _max_pool(x, k=(2, 2)):
    views = _windows(x, k)
    out = np.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy()
    for v in views[2:]:  # elementwise maxima of strided views: ~2x faster than .max(axis=(2, 4))
        np.maximum(out, v, out=out)
    return out


def _max_pool_grad(x, y, g, k=(2, 2)):
    """Route each window's cotangent to its maximum. Tied maxima share it equally (TensorFlow
    gives it all to the first; ties happen at ReLU's zeros, where the next gradient is 0).
    Cells of a ragged edge (dropped by VALID pooling) get zero."""
    hits = [v == y for v in _windows(x, k)]
    count = hits[0].astype(g.dtype)
    for hit in hits[1:]:
        count += hit
    share = g / count
    out = np.zeros(x.shape, g.dtype) if (x.shape[1] % k[0] or x.shape[2] % k[1]) else np.empty(x.shape, g.dtype)
    for view, hit in zip(_windows(out, k), hits):
        np.multiply(hit, share, out=view)
    return out


def _identity(x):
    return x


IMPL = {
    # elementwise, one input
    "identity": _identity,
    "stop_gradient": _identity,
    "neg": np.negative,
    "exp": np.exp,
    "log": np.log,
    "log1p": np.log1p,
    "sqrt": np.sqrt,
    "rsqrt": _rsqrt,
    "square": np.square,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "erf": _erf,
    "abs": np.abs,
    "sign": np.sign,
    "floor": np.floor,
    "ceil": np.ceil,
    "round": np.rint,
    "logical_not": np.logical_not,
    "is_nan": np.isnan,
    "is_inf": np.isinf,
    "is_finite": np.isfinite,
    "tanh_grad": _tanh_grad,
    "sigmoid_grad": _sigmoid_grad,
    "relu_grad": _relu_grad,
    "cast": lambda x, dtype=None: x.astype(dtype),
    # elementwise, two inputs (NumPy broadcasting)
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": _div,
    "floordiv": _floordiv,
    "mod": np.mod,
    "pow": _pow,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "equal": np.equal,
    "not_equal": np.not_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "logical_and": np.logical_and,
    "logical_or": np.logical_or,
    "select": np.where,
    # reductions and scans
    "reduce_sum": _reduce(np.add),
    "reduce_mean": _reduce_mean,
    "reduce_prod": _reduce(np.multiply),
    "reduce_max": _reduce(np.maximum),
    "reduce_min": _reduce(np.minimum),
    "reduce_any": _reduce_logical(np.any),
    "reduce_all": _reduce_logical(np.all),
    "argmax": _arg(np.argmax),
    "argmin": _arg(np.argmin),
    "cumsum": _cumsum,
    # shape and indexing
    "reshape": lambda x, shape=(): np.reshape(x, shape),
    "transpose": lambda x, perm=(): np.transpose(x, perm),
    "broadcast_to": _broadcast_to,
    "getitem": lambda x, key=(), shape=(), advanced=False: x[key],
    "getitem_grad": _getitem_grad,
    "concat": lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    "pad": lambda x, paddings=(), value=0: np.pad(x, paddings, constant_values=value),
    "gather": _gather,
    "gather_grad": _gather_grad,
    "take_along_axis": _take_along_axis,
    "take_along_axis_grad": _take_along_axis_grad,
    # linear algebra and convolution
    "matmul": _matmul,
    "max_pool": _max_pool,
    "max_pool_grad": _max_pool_grad,
    "clip": _clip,
    "clip_grad": _clip_grad,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "sparse_softmax_xent": _sparse_softmax_xent,
    "im2col": _im2col,
    "col2im": _col2im,
}
