"""Shapes, indexing and tensor creation: ``reshape, transpose, concat, gather, t[1:, ::2]``,
``zeros, ones, range, one_hot`` ... with the gradient rule of each primitive beside it.

>>> import gradplay.engine as tf
>>> tf.reshape(tf.range(6), [3, -1]).numpy()
array([[0, 1],
       [2, 3],
       [4, 5]], dtype=int32)
>>> tf.constant([[1, 2, 3], [4, 5, 6]])[:, ::2].numpy()
array([[1, 3],
       [4, 6]], dtype=int32)
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from .. import dtypes
from ..core import bind, defprim, defvjp, wrap
from ..errors import InvalidArgumentError
from ..shape import TensorShape
from ..tensor import OPERAND_TYPES, Tensor, _Operand, convert_to_tensor, to_buffer
from .math_ops import (
    broadcast_to_p,
    normalize_axis,
    operands,
    reshape_p,
    sum_to,
)

newaxis = None


def _shape(x):
    return x._value.shape


def _t(x):
    return x if type(x) in OPERAND_TYPES else convert_to_tensor(x)


def _ints(value) -> list[int]:
    """A shape-like argument (list, tuple, TensorShape, tensor) as a list of Python ints."""
    if type(value) in (tuple, list) and all(type(d) is int for d in value):
        return list(value)
    if isinstance(value, _Operand):
        value = np.asarray(value).tolist()
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    return [int(np.asarray(d)) if isinstance(d, _Operand) else int(d) for d in value]


# ---------------------------------------------------------------------------------------------
# identity and stop_gradient

identity_p = defprim("identity", "Identity")
defvjp(identity_p, lambda ct, out, x: ct)
stop_gradient_p = defprim("stop_gradient", "StopGradient")  # no rule: never recorded


def identity(input, name=None):
    return bind(identity_p, (_t(input),))


def stop_gradient(input, name=None):
    """The same values, but gradients do not flow through: ``d stop_gradient(x) / dx = 0``."""
    return bind(stop_gradient_p, (_t(input),))


# ---------------------------------------------------------------------------------------------
# reshape, transpose, broadcast_to

defvjp(reshape_p, lambda ct, out, x, shape: bind(reshape_p, (ct,), {"shape": _shape(x)}))


def _resolve_shape(shape, size: int, op: str, in_shape) -> tuple:
    dims = _ints(shape)
    unknown = [i for i, d in enumerate(dims) if d == -1]
    known = math.prod(d for d in dims if d != -1)
    if len(unknown) > 1 or any(d < -1 for d in dims):
        raise InvalidArgumentError(
            None, op, f"Invalid shape {dims}: at most one -1 and no other negative sizes [Op:{op}]"
        )
    if unknown:
        if known == 0 or size % known:
            raise InvalidArgumentError(
                None,
                op,
                f"Input to reshape is a tensor with {size} values, but the requested shape "
                f"requires a multiple of {known} [Op:{op}]",
            )
        dims[unknown[0]] = size // known
    elif known != size:
        raise InvalidArgumentError(
            None,
            op,
            f"Input to reshape is a tensor with {size} values, but the requested shape has "
            f"{known} [Op:{op}]. The input has shape {list(in_shape)}; the requested shape is {dims}.",
        )
    return tuple(dims)


def reshape(tensor, shape, name=None):
    """A tensor with the same values in ``shape`` (one dimension may be -1)."""
    x = _t(tensor)
    xs = _shape(x)
    new = _resolve_shape(shape, math.prod(xs), "Reshape", xs)
    if new == xs and type(x) is Tensor:
        return x
    return bind(reshape_p, (x,), {"shape": new})


transpose_p = defprim("transpose", "Transpose")
defvjp(
    transpose_p,
    lambda ct, out, x, perm: bind(transpose_p, (ct,), {"perm": tuple(np.argsort(perm).tolist())}),
)


def transpose(a, perm=None, conjugate=False, name=None):
    x = _t(a)
    n = len(_shape(x))
    perm = tuple(range(n))[::-1] if perm is None else tuple(p % n if n else 0 for p in _ints(perm))
    if sorted(perm) != list(range(n)):
        raise InvalidArgumentError(
            None, "Transpose", f"transpose expects a permutation of 0..{n - 1}, got {list(perm)}."
        )
    return bind(transpose_p, (x,), {"perm": perm})


defvjp(broadcast_to_p, lambda ct, out, x, shape: sum_to(ct, _shape(x)))


def broadcast_to(input, shape, name=None):
    x = _t(input)
    shape = tuple(_ints(shape))
    try:
        if np.broadcast_shapes(_shape(x), shape) != shape:
            raise ValueError
    except ValueError:
        raise InvalidArgumentError(
            None,
            "BroadcastTo",
            f"Unable to broadcast tensor of shape {list(_shape(x))} to tensor of shape {list(shape)} [Op:BroadcastTo]",
        ) from None
    return bind(broadcast_to_p, (x,), {"shape": shape})


def expand_dims(input, axis, name=None):
    x = _t(input)
    s = list(_shape(x))
    axis = int(axis)
    if not -len(s) - 1 <= axis <= len(s):
        raise InvalidArgumentError(
            None,
            "ExpandDims",
            f"Tried to expand dim index {axis} for tensor with {len(s)} dimensions. [Op:ExpandDims]",
        )
    s.insert(axis % (len(s) + 1), 1)
    return bind(reshape_p, (x,), {"shape": tuple(s)})


def squeeze(input, axis=None, name=None):
    x = _t(input)
    s = _shape(x)
    if axis is None:
        new = tuple(d for d in s if d != 1)
    else:
        axes = normalize_axis(axis, len(s), "Squeeze")
        for a in axes:
            if s[a] != 1:
                raise InvalidArgumentError(
                    None,
                    "Squeeze",
                    f"Can not squeeze dim[{a}], expected a dimension of 1, got {s[a]} [Op:Squeeze]",
                )
        new = tuple(d for i, d in enumerate(s) if i not in axes)
    return bind(reshape_p, (x,), {"shape": new})


# ---------------------------------------------------------------------------------------------
# Indexing: t[...] (basic indexing; tf.gather / tf.boolean_mask for index lists and masks)


def _getitem_error(prim, inputs, params, exc):
    return InvalidArgumentError(
        None,
        "StridedSlice",
        f"Index out of range: {exc} (tensor shape {list(_shape(inputs[0]))}) [Op:StridedSlice]",
    )


getitem_p = defprim("getitem", "StridedSlice", error=_getitem_error)
getitem_grad_p = defprim("getitem_grad", "StridedSliceGrad")
defvjp(
    getitem_p,
    lambda ct, out, x, key, advanced: bind(
        getitem_grad_p, (ct,), {"key": key, "shape": _shape(x), "advanced": advanced}
    ),
)
defvjp(
    getitem_grad_p,
    lambda ct, out, g, key, shape, advanced: bind(getitem_p, (ct,), {"key": key, "advanced": advanced}),
)

_VALID_INDEX = (
    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/"
    "tf.int64 tensors are valid indices, got {!r}. To pick several elements use "
    "tf.gather(x, indices); to select with a boolean mask use tf.boolean_mask(x, mask)."
)


def _index_int(v):
    if isinstance(v, _Operand):
        if v._value.dtype.kind not in "iu" or np.ndim(v._value) != 0:
            raise TypeError(_VALID_INDEX.format(v))
        return int(np.asarray(v))
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(_VALID_INDEX.format(v))
    return int(v)


def _static_key(key):
    """A TensorFlow-valid index expression as a tuple NumPy understands."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, slice):
            out.append(slice(*(None if v is None else _index_int(v) for v in (k.start, k.stop, k.step))))
        elif isinstance(k, (int, np.integer, _Operand)) and not isinstance(k, (bool, np.bool_)):
            out.append(_index_int(k))
        else:
            raise TypeError(_VALID_INDEX.format(k))
    return tuple(out)


def _getitem(x, key):
    return bind(getitem_p, (x,), {"key": _static_key(key), "advanced": False})


def _install_getitem():
    Tensor.__getitem__ = lambda self, key: _getitem(self, key)
    # Variable.__getitem__ (returning an assignable slice) is defined in tensor.py.


_install_getitem()


# ---------------------------------------------------------------------------------------------
# concat, stack, split, tile, pad

concat_p = defprim("concat", "ConcatV2")


def _concat_vjp(i):
    def rule(ct, out, *xs, axis):
        start = builtins.sum(_shape(x)[axis] for x in xs[:i])
        key = (slice(None),) * axis + (slice(start, start + _shape(xs[i])[axis]),)
        return bind(getitem_p, (ct,), {"key": key, "advanced": False})

    return rule


class _ConcatRules:
    """Concat takes any number of inputs: an endless sequence of rules (zip stops it)."""

    def __iter__(self):
        i = 0
        while True:
            yield _concat_vjp(i)
            i += 1


def concat(values, axis, name=None):
    xs = [_t(v) for v in values]
    if not xs:
        raise ValueError("tf.concat needs at least one tensor.")
    for x in xs[1:]:
        operands(concat_p, xs[0], x)  # dtype check
    ndim = len(_shape(xs[0]))
    (axis,) = normalize_axis(axis, ndim, "ConcatV2")
    for i, x in enumerate(xs):
        s0, s = _shape(xs[0]), _shape(x)
        if len(s) != ndim or any(a != b for j, (a, b) in enumerate(zip(s0, s)) if j != axis):
            raise InvalidArgumentError(
                None,
                "ConcatV2",
                f"ConcatOp : Dimension mismatch in input {i}: shape {list(s)} vs. shape "
                f"{list(s0)} of input 0, concatenating along axis {axis} [Op:ConcatV2]",
            )
    if len(xs) == 1:
        return identity(xs[0])
    return bind(concat_p, tuple(xs), {"axis": axis})


concat_p.vjps = _ConcatRules()


def stack(values, axis=0, name=None):
    xs = [_t(v) for v in values]
    if not xs:
        raise ValueError("tf.stack needs at least one tensor.")
    axis = int(axis) % (len(_shape(xs[0])) + 1)
    return concat([expand_dims(x, axis) for x in xs], axis)


def unstack(value, num=None, axis=0, name=None):
    x = _t(value)
    (axis,) = normalize_axis(axis, len(_shape(x)), "Unpack")
    pre = (slice(None),) * axis
    return [bind(getitem_p, (x,), {"key": pre + (i,), "advanced": False}) for i in range(_shape(x)[axis])]


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    x = _t(value)
    (axis,) = normalize_axis(axis, len(_shape(x)), "Split")
    n = _shape(x)[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise InvalidArgumentError(
                None,
                "Split",
                f"Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {axis} (size = {n}) and num_split {k} [Op:Split]",
            )
        sizes = [n // k] * k
    else:
        sizes = _ints(num_or_size_splits)
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (builtins.sum(sizes) + 1)
        if builtins.sum(sizes) != n:
            raise InvalidArgumentError(
                None,
                "SplitV",
                f"Determined shape must either match input shape along split_dim exactly if "
                f"fully specified, or be less than the size of the input along split_dim if not "
                f"fully specified. Got sizes {sizes} for a dimension of size {n} [Op:SplitV]",
            )
    out, start = [], 0
    for size in sizes:
        key = (slice(None),) * axis + (slice(start, start + size),)
        out.append(bind(getitem_p, (x,), {"key": key, "advanced": False}))
        start += size
    return out


def tile(input, multiples, name=None):
    x = _t(input)
    s, m = _shape(x), _ints(multiples)
    if len(m) != len(s):
        raise InvalidArgumentError(
            None,
            "Tile",
            f"Expected multiples argument to be a vector of length {len(s)} but got length {len(m)} [Op:Tile]",
        )
    # (a, b) tiled (m, n) == reshape(broadcast((1, a, 1, b) -> (m, a, n, b)), (m*a, n*b))
    inter = tuple(v for d in s for v in (1, d))
    big = tuple(v for d, k in zip(s, m) for v in (k, d))
    y = bind(reshape_p, (x,), {"shape": inter})
    y = bind(broadcast_to_p, (y,), {"shape": big})
    return bind(reshape_p, (y,), {"shape": tuple(d * k for d, k in zip(s, m))})


pad_p = defprim("pad", "PadV2")
defvjp(
    pad_p,
    lambda ct, out, x, paddings, value: bind(
        getitem_p,
        (ct,),
        {"key": tuple(slice(lo, lo + d) for (lo, _), d in zip(paddings, _shape(x))), "advanced": False},
    ),
)


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad each axis by ``paddings[i] = [before, after]``; modes CONSTANT, REFLECT, SYMMETRIC."""
    x = _t(tensor)
    p = np.asarray(paddings if not isinstance(paddings, _Operand) else np.asarray(paddings)).astype(int)
    if p.shape != (len(_shape(x)), 2) or (p < 0).any():
        raise InvalidArgumentError(
            None,
            "Pad",
            f"paddings must be a non-negative matrix of shape [{len(_shape(x))}, 2], got {p.tolist()} [Op:Pad]",
        )
    mode = mode.upper()
    if mode == "CONSTANT":
        value = np.asarray(constant_values).item()
        return bind(pad_p, (x,), {"paddings": tuple(map(tuple, p.tolist())), "value": value})
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"tf.pad: unknown mode {mode!r}; use CONSTANT, REFLECT or SYMMETRIC.")
    # Reflections are gathers with precomputed indices, so their gradient comes for free.
    for axis, (lo, hi) in enumerate(p.tolist()):
        if lo or hi:
            n = _shape(x)[axis]
            numpy_mode = "reflect" if mode == "REFLECT" else "symmetric"
            idx = np.pad(np.arange(n), (lo, hi), mode=numpy_mode)
            x = gather(x, idx.astype(np.int32), axis=axis)
    return x


# ---------------------------------------------------------------------------------------------
# gather, take_along_axis, boolean_mask, reverse


def _gather_error(prim, inputs, params, exc):
    return InvalidArgumentError(
        None,
        "GatherV2",
        f"{exc} (gathering along axis {params['axis']} of a tensor of shape {list(_shape(inputs[0]))}) [Op:GatherV2]",
    )


gather_p = defprim("gather", "GatherV2", error=_gather_error)
gather_grad_p = defprim("gather_grad", "UnsortedSegmentSum")
defvjp(
    gather_p,
    lambda ct, out, params, indices, axis: bind(
        gather_grad_p, (ct, indices), {"axis": axis, "size": _shape(params)[axis]}
    ),
    None,
)
defvjp(
    gather_grad_p,
    lambda ct, out, g, indices, axis, size: bind(gather_p, (ct, indices), {"axis": axis}),
    None,
)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Pick slices of ``params`` along ``axis`` at integer ``indices`` (any shape)."""
    x = _t(params)
    if batch_dims:
        raise NotImplementedError(
            "tf.gather with batch_dims != 0 is not supported; use tf.experimental.numpy-style "
            "take_along_axis via tf.gather on a reshaped tensor."
        )
    idx = indices if isinstance(indices, _Operand) else wrap(to_buffer(indices))
    if idx._value.dtype.kind not in "iu":
        raise TypeError(f"tf.gather indices must be integers, got {idx.dtype.name}.")
    (axis,) = normalize_axis(0 if axis is None else axis, len(_shape(x)), "GatherV2")
    return bind(gather_p, (x, idx), {"axis": axis})


take_along_axis_p = defprim("take_along_axis", "GatherV2")
take_along_axis_grad_p = defprim("take_along_axis_grad", "ScatterNd")
defvjp(
    take_along_axis_p,
    lambda ct, out, x, idx, axis: bind(take_along_axis_grad_p, (ct, idx), {"axis": axis, "shape": _shape(x)}),
    None,
)
defvjp(
    take_along_axis_grad_p,
    lambda ct, out, g, idx, axis, shape: bind(take_along_axis_p, (ct, idx), {"axis": axis}),
    None,
)


def take_along_axis(x, indices, axis=-1):
    """``out[..., i, ...] = x[..., indices[..., i, ...], ...]`` along ``axis`` (NumPy's)."""
    x = _t(x)
    idx = indices if isinstance(indices, _Operand) else wrap(to_buffer(indices))
    (axis,) = normalize_axis(axis, len(_shape(x)), "GatherV2")
    return bind(take_along_axis_p, (x, idx), {"axis": axis})


def boolean_mask(tensor, mask, axis=None, name=None):
    """The elements (or slices) of ``tensor`` where ``mask`` is true, flattened over the mask."""
    x = _t(tensor)
    m = np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"tf.boolean_mask needs a bool mask, got {m.dtype}.")
    axis = 0 if axis is None else int(axis) % max(len(_shape(x)), 1)
    s = _shape(x)
    if s[axis : axis + m.ndim] != m.shape:
        raise InvalidArgumentError(
            None,
            "BooleanMask",
            f"Shapes {list(s)} and {list(m.shape)} are incompatible: the mask must match "
            f"dimensions {axis}..{axis + m.ndim - 1} of the tensor.",
        )
    flat = reshape(x, list(s[:axis]) + [-1] + list(s[axis + m.ndim :]))
    return gather(flat, np.flatnonzero(m).astype(np.int64), axis=axis)


def reverse(tensor, axis, name=None):
    x = _t(tensor)
    axes = normalize_axis(axis, len(_shape(x)), "ReverseV2")
    key = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(len(_shape(x))))
    return bind(getitem_p, (x,), {"key": key, "advanced": False})


# ---------------------------------------------------------------------------------------------
# Shape queries and creation


def shape(input, out_type=dtypes.int32, name=None):
    return wrap(np.asarray(_shape(_t(input)), dtypes.as_dtype(out_type)._np))


def rank(input, name=None):
    return wrap(np.asarray(len(_shape(_t(input))), np.int32))


def size(input, out_type=dtypes.int32, name=None):
    return wrap(np.asarray(int(np.prod(_shape(_t(input)), dtype=np.int64)), dtypes.as_dtype(out_type)._np))


def _shape_arg(shape, op):
    dims = _ints(shape) if not isinstance(shape, TensorShape) else list(shape)
    if any(d is None or d < 0 for d in dims):
        raise ValueError(f"{op}: shape must be non-negative integers, got {dims}.")
    return tuple(dims)


def constant(value, dtype=None, shape=None, name="Const"):
    """A Tensor holding ``value`` (copied), optionally cast to ``dtype`` and reshaped or
    filled to ``shape``.

    >>> import gradplay.engine as tf
    >>> tf.constant(0.0, shape=(2,)).numpy()
    array([0., 0.], dtype=float32)
    """
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    buf = to_buffer(value, dtype)
    if shape is None:
        return wrap(buf)
    dims = tuple(int(d) for d in shape)
    n = int(np.prod(dims, dtype=np.int64))
    arr = np.asarray(buf)
    if arr.size == 1:
        arr = np.full(dims, arr.reshape(())[()], arr.dtype)
    elif arr.size == n:
        arr = arr.reshape(dims)
    else:
        raise TypeError(
            f"Eager execution of tf.constant with unsupported shape. Tried to convert a value "
            f"with {arr.size} elements to shape {list(dims)} ({n} elements). Give a value "
            f"with {n} elements, or a single value to fill the shape."
        )
    return wrap(to_buffer(arr))


def _filled(shape, value, dtype, op):
    dtype = dtypes.as_dtype(dtype)
    return wrap(to_buffer(np.full(_shape_arg(shape, op), value, dtype._np)))


def zeros(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, 0, dtype, "tf.zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, 1, dtype, "tf.ones")


def zeros_like(input, dtype=None, name=None):
    x = _t(input)
    return _filled(_shape(x), 0, dtype or x.dtype, "tf.zeros_like")


def ones_like(input, dtype=None, name=None):
    x = _t(input)
    return _filled(_shape(x), 1, dtype or x.dtype, "tf.ones_like")


def fill(dims, value, name=None):
    v = convert_to_tensor(value)
    return _filled(dims, np.asarray(v), v.dtype, "tf.fill")


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    dtype = dtypes.as_dtype(dtype)
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=dtype._np)
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(_ints(batch_shape)) + m.shape)
    return wrap(to_buffer(m))


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """``tf.range(5)`` -> [0 1 2 3 4] (int32); floats give float32."""
    if limit is None:
        start, limit = 0, start
    vals = [np.asarray(v).item() if isinstance(v, _Operand) else v for v in (start, limit, delta)]
    if vals[2] == 0:
        raise InvalidArgumentError(None, "Range", "Requires delta != 0 [Op:Range]")
    if dtype is None:
        # TensorFlow takes the widest dtype among tensor arguments; Python numbers are weak.
        given = [np.dtype(v._value.dtype) for v in (start, limit, delta) if isinstance(v, _Operand)]
        if given:
            dtype = dtypes.from_numpy(np.result_type(*given))
        else:
            is_float = any(isinstance(v, float) for v in vals)
            dtype = dtypes.float32 if is_float else dtypes.int32
    dtype = dtypes.as_dtype(dtype)
    return wrap(to_buffer(np.arange(*vals, dtype=dtype._np)))


def linspace(start, stop, num, name=None, axis=0):
    start_v, stop_v = (convert_to_tensor(v) for v in (start, stop))
    dtype = start_v.dtype if start_v.dtype.is_floating else dtypes.float32
    out = np.linspace(np.asarray(start_v), np.asarray(stop_v), int(num), axis=axis)
    return wrap(to_buffer(out.astype(dtype._np)))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot rows for integer ``indices`` (out-of-range indices give all-``off_value`` rows)."""
    idx = np.asarray(_t(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"tf.one_hot indices must be integers, got {idx.dtype}. Use tf.cast first.")
    dtype = dtypes.as_dtype(dtype or (convert_to_tensor(on_value).dtype if on_value is not None else dtypes.float32))
    on = 1 if on_value is None else np.asarray(on_value)
    off = 0 if off_value is None else np.asarray(off_value)
    depth = int(depth)
    out = np.where(idx[..., None] == np.arange(depth), on, off).astype(dtype._np)
    if axis is not None and axis != -1:
        out = np.moveaxis(out, -1, axis)
    return wrap(to_buffer(out))


def sort(values, axis=-1, direction="ASCENDING", name=None):
    x = _t(values)
    idx = argsort(x, axis, direction)
    return take_along_axis(x, idx, axis)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    x = np.asarray(_t(values))
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"direction must be ASCENDING or DESCENDING, got {direction!r}.")
    if direction == "DESCENDING":
        x = -(x.astype(np.int64) if x.dtype.kind in "ub" else x)
    return wrap(np.argsort(x, axis=axis, kind="stable").astype(np.int32))
