"""Elementwise math, reductions and matmul: primitives with their gradient rules, and the
public functions (``tf.add``, ``tf.reduce_sum``, ``tf.matmul`` ...) built on them.

>>> import gradplay.engine as tf
>>> tf.add(tf.constant([1, 2]), 10).numpy()
array([11, 12], dtype=int32)
>>> float(tf.reduce_mean(tf.constant([1.0, 2.0, 3.0])))
2.0
"""

from __future__ import annotations

import math

import numpy as np

from .. import core, dtypes
from ..core import bind, defprim, defvjp, wrap
from ..errors import InvalidArgumentError
from ..tensor import OPERAND_TYPES, Tensor, Variable, _Operand, convert_to_tensor, to_buffer

# ---------------------------------------------------------------------------------------------
# Operand conversion: tensors must agree on dtype; Python numbers and arrays adapt ("weak").

_TF_TYPE_NAME = {"float32": "float", "float64": "double"}


def _type_name(arr) -> str:
    name = dtypes.from_numpy(arr.dtype).name
    return _TF_TYPE_NAME.get(name, name)


_PY_NUMBERS = (float, int)


def _weak(value, like):
    """Convert a non-tensor operand to ``like``'s dtype (TensorFlow's weak Python scalars)."""
    dt = like._value.dtype
    out = _new(Tensor)
    if dt.kind == "f" and type(value) in _PY_NUMBERS:
        out._value = _asarray(np.asarray(value, dt))
    else:
        out._value = to_buffer(value, dtypes.from_numpy(dt))
    return out


_new = object.__new__


_asarray = None  # the backend's host -> device conversion, set on backend change


def _set_backend(backend):
    global _asarray
    _asarray = backend.asarray


core.backends.on_change(_set_backend)


def operands(prim, x, y):
    """Convert two operands for a binary primitive, raising TensorFlow's dtype error."""
    tx, ty = type(x), type(y)
    if tx in OPERAND_TYPES:
        if ty in OPERAND_TYPES:
            dx, dy = x._value.dtype, y._value.dtype
            if dx is not dy and dx != dy:  # dtypes are usually the same singleton
                raise InvalidArgumentError(
                    None,
                    prim.op,
                    f"cannot compute {prim.op} as input #1(zero-based) was expected to be a "
                    f"{_type_name(x._value)} tensor but is a {_type_name(y._value)} tensor "
                    f"[Op:{prim.op}]. Use tf.cast to give both the same dtype.",
                )
            return x, y
        return x, _weak(y, x)
    if ty in OPERAND_TYPES:
        return _weak(x, y), y
    x = convert_to_tensor(x)
    return x, _weak(y, x)


def _binary(prim):
    def op(x, y, name=None):
        return bind(prim, operands(prim, x, y))

    return op


def _unary(prim):
    def op(x, name=None):
        if type(x) not in OPERAND_TYPES:
            x = convert_to_tensor(x)
        return bind(prim, (x,))

    return op


def _sum_plan(gshape, shape):
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and gshape[i + lead] != 1)
    reduced = tuple(d for i, d in enumerate(gshape) if i not in axes)
    return axes, reduced != shape


_SUM_PLANS: dict = {}  # (gradient shape, target shape) -> (axes, needs reshape); tiny, bounded


def sum_to(g, shape):
    """Sum ``g`` down to ``shape``: the gradient rule of broadcasting."""
    gshape = g._value.shape
    if gshape == shape:
        return g
    plan = _SUM_PLANS.get((gshape, shape))
    if plan is None:
        if len(_SUM_PLANS) > 4096:
            _SUM_PLANS.clear()
        plan = _SUM_PLANS[(gshape, shape)] = _sum_plan(gshape, shape)
    axes, needs_reshape = plan
    if axes:
        g = bind(reduce_sum_p, (g,), {"axis": axes, "keepdims": False})
    if needs_reshape:
        g = bind(reshape_p, (g,), {"shape": shape})
    return g


def _shape(x):
    return x._value.shape


# ---------------------------------------------------------------------------------------------
# Binary elementwise primitives

add_p = defprim("add", "AddV2")
sub_p = defprim("sub", "Sub")
mul_p = defprim("mul", "Mul")
div_p = defprim("div", "RealDiv")
floordiv_p = defprim("floordiv", "FloorDiv")
mod_p = defprim("mod", "FloorMod")
pow_p = defprim("pow", "Pow")
maximum_p = defprim("maximum", "Maximum")
minimum_p = defprim("minimum", "Minimum")

add = _binary(add_p)
subtract = _binary(sub_p)
multiply = _binary(mul_p)
_truediv = _binary(div_p)
floordiv = _binary(floordiv_p)
floormod = mod = _binary(mod_p)
_pow = _binary(pow_p)
maximum = _binary(maximum_p)
minimum = _binary(minimum_p)


def divide(x, y, name=None):
    """``x / y``; integer tensors divide to floating point, as in TensorFlow."""
    return _truediv(x, y)


truediv = divide


def pow(x, y, name=None):  # noqa: A001 - TensorFlow's public name
    return _pow(x, y)


def _add_vjp_x(ct, out, x, y):
    return ct if ct._value.shape == x._value.shape else sum_to(ct, x._value.shape)


def _add_vjp_y(ct, out, x, y):
    return ct if ct._value.shape == y._value.shape else sum_to(ct, y._value.shape)


defvjp(add_p, _add_vjp_x, _add_vjp_y)
defvjp(sub_p, _add_vjp_x, lambda ct, out, x, y: sum_to(bind(neg_p, (ct,)), _shape(y)))
defvjp(
    mul_p,
    lambda ct, out, x, y: sum_to(bind(mul_p, (ct, y)), _shape(x)),
    lambda ct, out, x, y: sum_to(bind(mul_p, (ct, x)), _shape(y)),
)
defvjp(
    div_p,
    lambda ct, out, x, y: sum_to(bind(div_p, (ct, y)), _shape(x)),
    lambda ct, out, x, y: sum_to(negative(bind(div_p, (bind(mul_p, (ct, out)), y))), _shape(y)),
)
defvjp(
    pow_p,
    lambda ct, out, x, y: sum_to(ct * y * bind(pow_p, (x, y - 1)), _shape(x)),
    lambda ct, out, x, y: sum_to(ct * out * where(x > 0, log(where(x > 0, x, 1)), 0), _shape(y)),
)
defvjp(
    maximum_p,
    lambda ct, out, x, y: sum_to(where(x >= y, ct, 0), _shape(x)),
    lambda ct, out, x, y: sum_to(where(x < y, ct, 0), _shape(y)),
)
defvjp(
    minimum_p,
    lambda ct, out, x, y: sum_to(where(x <= y, ct, 0), _shape(x)),
    lambda ct, out, x, y: sum_to(where(x > y, ct, 0), _shape(y)),
)
defvjp(
    mod_p,
    lambda ct, out, x, y: sum_to(ct, _shape(x)),
    lambda ct, out, x, y: sum_to(negative(ct) * floordiv(x, y), _shape(y)),
)

# Comparisons and logic: no gradient.
equal = _binary(defprim("equal", "Equal"))
not_equal = _binary(defprim("not_equal", "NotEqual"))
less = _binary(defprim("less", "Less"))
less_equal = _binary(defprim("less_equal", "LessEqual"))
greater = _binary(defprim("greater", "Greater"))
greater_equal = _binary(defprim("greater_equal", "GreaterEqual"))
_logical_and = _binary(defprim("logical_and", "LogicalAnd"))
_logical_or = _binary(defprim("logical_or", "LogicalOr"))
_logical_not = _unary(defprim("logical_not", "LogicalNot"))


def _require_bool(*xs, op):
    for x in xs:
        if x._value.dtype != np.bool_:
            raise InvalidArgumentError(
                None, op, f"{op} needs bool tensors, got {x.dtype.name}. Compare first, e.g. x > 0."
            )


def logical_and(x, y, name=None):
    x, y = convert_to_tensor(x, dtypes.bool), convert_to_tensor(y, dtypes.bool)
    return _logical_and(x, y)


def logical_or(x, y, name=None):
    x, y = convert_to_tensor(x, dtypes.bool), convert_to_tensor(y, dtypes.bool)
    return _logical_or(x, y)


def logical_not(x, name=None):
    return _logical_not(convert_to_tensor(x, dtypes.bool))


def logical_xor(x, y, name=None):
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)))


# ---------------------------------------------------------------------------------------------
# Unary elementwise primitives

neg_p = defprim("neg", "Neg")
exp_p = defprim("exp", "Exp")
log_p = defprim("log", "Log")
log1p_p = defprim("log1p", "Log1p")
sqrt_p = defprim("sqrt", "Sqrt")
rsqrt_p = defprim("rsqrt", "Rsqrt")
square_p = defprim("square", "Square")
sin_p = defprim("sin", "Sin")
cos_p = defprim("cos", "Cos")
tanh_p = defprim("tanh", "Tanh")
sigmoid_p = defprim("sigmoid", "Sigmoid")
relu_p = defprim("relu", "Relu")
erf_p = defprim("erf", "Erf")
abs_p = defprim("abs", "Abs")
# TensorFlow's fused gradient ops: one primitive instead of three for the hottest rules.
tanh_grad_p = defprim("tanh_grad", "TanhGrad")
sigmoid_grad_p = defprim("sigmoid_grad", "SigmoidGrad")
relu_grad_p = defprim("relu_grad", "ReluGrad")

negative = _unary(neg_p)
exp = _unary(exp_p)
log = _unary(log_p)
log1p = _unary(log1p_p)
sqrt = _unary(sqrt_p)
rsqrt = _unary(rsqrt_p)
square = _unary(square_p)
sin = _unary(sin_p)
cos = _unary(cos_p)
tanh = _unary(tanh_p)
sigmoid = _unary(sigmoid_p)
relu = _unary(relu_p)
erf = _unary(erf_p)
abs = _unary(abs_p)  # noqa: A001 - TensorFlow's public name
sign = _unary(defprim("sign", "Sign"))
floor = _unary(defprim("floor", "Floor"))
ceil = _unary(defprim("ceil", "Ceil"))
round = _unary(defprim("round", "Round"))  # noqa: A001 - banker's rounding, like TensorFlow
is_nan = _unary(defprim("is_nan", "IsNan"))
is_inf = _unary(defprim("is_inf", "IsInf"))
is_finite = _unary(defprim("is_finite", "IsFinite"))

defvjp(neg_p, lambda ct, out, x: negative(ct))
defvjp(exp_p, lambda ct, out, x: bind(mul_p, (ct, out)))
defvjp(log_p, lambda ct, out, x: bind(div_p, (ct, x)))
defvjp(log1p_p, lambda ct, out, x: ct / (x + 1))
defvjp(sqrt_p, lambda ct, out, x: ct * 0.5 / out)
defvjp(rsqrt_p, lambda ct, out, x: ct * -0.5 * out / x)
defvjp(square_p, lambda ct, out, x: bind(mul_p, (ct, bind(add_p, (x, x)))))  # 2x without a constant
defvjp(sin_p, lambda ct, out, x: ct * cos(x))
defvjp(cos_p, lambda ct, out, x: negative(ct * sin(x)))
defvjp(tanh_p, lambda ct, out, x: bind(tanh_grad_p, (out, ct)))
defvjp(sigmoid_p, lambda ct, out, x: bind(sigmoid_grad_p, (out, ct)))
defvjp(relu_p, lambda ct, out, x: bind(relu_grad_p, (x, ct)))
defvjp(erf_p, lambda ct, out, x: ct * (2 / np.sqrt(np.pi)) * exp(negative(square(x))))
defvjp(abs_p, lambda ct, out, x: ct * sign(x))
defvjp(
    tanh_grad_p,
    lambda ct, out, y, g: ct * g * (y * -2),
    lambda ct, out, y, g: bind(tanh_grad_p, (y, ct)),
)
defvjp(
    sigmoid_grad_p,
    lambda ct, out, y, g: ct * g * (1 - y * 2),
    lambda ct, out, y, g: bind(sigmoid_grad_p, (y, ct)),
)
defvjp(relu_grad_p, None, lambda ct, out, x, g: bind(relu_grad_p, (x, ct)))


def reciprocal(x, name=None):
    x = convert_to_tensor(x)
    return divide(wrap(np.ones((), x._value.dtype)), x)


def squared_difference(x, y, name=None):
    return square(subtract(x, y))


def divide_no_nan(x, y, name=None):
    x, y = operands(div_p, x, y)
    safe = where(equal(y, 0), wrap(np.ones((), y._value.dtype)), y)
    return where(equal(y, 0), wrap(np.zeros((), x._value.dtype)), divide(x, safe))


def add_n(inputs, name=None):
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n needs at least one tensor.")
    total = convert_to_tensor(inputs[0])
    for x in inputs[1:]:
        total = add(total, x)
    return total


def softplus(features, name=None):
    x = convert_to_tensor(features)
    return add(relu(x), log1p(exp(negative(abs(x)))))  # stable for large |x|


def log_sigmoid(x, name=None):
    return negative(softplus(negative(convert_to_tensor(x))))


# ---------------------------------------------------------------------------------------------
# cast, select

cast_p = defprim("cast", "Cast")


def cast(x, dtype, name=None):
    """Convert to ``dtype`` (floats truncate toward zero when cast to integers)."""
    dtype = dtypes.as_dtype(dtype)
    if not isinstance(x, _Operand):
        x = convert_to_tensor(x) if not isinstance(x, np.ndarray) else wrap(to_buffer(x))
    if x._value.dtype == dtype._np:
        return x if type(x) is Tensor else bind(core.PRIMITIVES["identity"], (x,))
    return bind(cast_p, (x,), {"dtype": dtype._np})


def _cast_vjp(ct, out, x, dtype):
    if x._value.dtype.kind == "f" and ct._value.dtype.kind == "f":
        return cast(ct, dtypes.from_numpy(x._value.dtype))
    return None


defvjp(cast_p, _cast_vjp)

select_p = defprim("select", "SelectV2")
defvjp(
    select_p,
    None,
    lambda ct, out, c, x, y: sum_to(where(c, ct, 0), _shape(x)),
    lambda ct, out, c, x, y: sum_to(where(c, 0, ct), _shape(y)),
)


def where(condition, x=None, y=None, name=None):
    """Elementwise ``x if condition else y`` (broadcasting); with only ``condition``, the
    int64 coordinates of its true elements."""
    condition = convert_to_tensor(condition)
    if condition._value.dtype != np.bool_:
        raise InvalidArgumentError(None, "SelectV2", f"tf.where needs a bool condition, got {condition.dtype.name}.")
    if x is None and y is None:
        return wrap(np.argwhere(np.asarray(condition)).astype(np.int64))
    if x is None or y is None:
        raise ValueError("tf.where needs both x and y, or neither.")
    x, y = operands(select_p, x, y)
    return bind(select_p, (condition, x, y))


clip_p = defprim("clip", "ClipByValue")
clip_grad_p = defprim("clip_grad", "ClipByValueGrad")
defvjp(clip_p, lambda ct, out, x, lo, hi: bind(clip_grad_p, (x, ct), {"lo": lo, "hi": hi}))
defvjp(clip_grad_p, None, lambda ct, out, x, g, lo, hi: bind(clip_grad_p, (x, ct), {"lo": lo, "hi": hi}))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clamp to [min, max]; the gradient passes where the value was inside the range."""
    if isinstance(clip_value_min, (int, float)) and isinstance(clip_value_max, (int, float)):
        x = t if type(t) in OPERAND_TYPES else convert_to_tensor(t)
        if x._value.dtype.kind == "f":
            if clip_value_min > clip_value_max:
                raise InvalidArgumentError(
                    None,
                    "ClipByValue",
                    f"clip_value_min ({clip_value_min}) must not exceed clip_value_max ({clip_value_max}).",
                )
            return bind(clip_p, (x,), {"lo": float(clip_value_min), "hi": float(clip_value_max)})
    return minimum(maximum(t, clip_value_min), clip_value_max)


# ---------------------------------------------------------------------------------------------
# Reductions

reduce_sum_p = defprim("reduce_sum", "Sum")
reduce_prod_p = defprim("reduce_prod", "Prod")
reduce_max_p = defprim("reduce_max", "Max")
reduce_min_p = defprim("reduce_min", "Min")
reshape_p = defprim("reshape", "Reshape")  # declared here: sum_to needs it; rule in array_ops
broadcast_to_p = defprim("broadcast_to", "BroadcastTo")


def normalize_axis(axis, ndim: int, op: str):
    """``axis`` (None, int, list or tensor) as a sorted tuple of non-negative ints, or None."""
    if axis is None:
        return None
    if isinstance(axis, _Operand):
        axis = np.asarray(axis).tolist()
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise InvalidArgumentError(
                None,
                op,
                f"Invalid reduction dimension ({a} for input with {ndim} dimension(s)) [Op:{op}]",
            )
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def _kept_shape(shape, axis):
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else d for i, d in enumerate(shape))


def _reduction(prim):
    def op(input_tensor, axis=None, keepdims=False, name=None):
        x = input_tensor if type(input_tensor) in OPERAND_TYPES else convert_to_tensor(input_tensor)
        axis = normalize_axis(axis, len(x._value.shape), prim.op)
        return bind(prim, (x,), {"axis": axis, "keepdims": bool(keepdims)})

    return op


def _expand_ct(ct, x, axis, keepdims):
    """Reshape a reduction's cotangent so it broadcasts against the input."""
    if not keepdims:
        ct = bind(reshape_p, (ct,), {"shape": _kept_shape(_shape(x), axis)})
    return ct


def _sum_vjp(ct, out, x, axis, keepdims):
    if axis is not None:  # a full reduction's scalar broadcasts as it is
        ct = _expand_ct(ct, x, axis, keepdims)
    return bind(broadcast_to_p, (ct,), {"shape": _shape(x)})


def _extremum_vjp(ct, out, x, axis, keepdims):
    # Ties share the gradient equally, as TensorFlow's Max/Min gradient does.
    out = _expand_ct(out, x, axis, keepdims)
    mask = cast(equal(x, out), dtypes.from_numpy(x._value.dtype))
    count = reduce_sum(mask, axis, keepdims=True)
    return _expand_ct(ct, x, axis, keepdims) * mask / count


def _prod_vjp(ct, out, x, axis, keepdims):
    # Assumes no zero in x (the product-over-x form); exact elsewhere.
    return _expand_ct(ct, x, axis, keepdims) * _expand_ct(out, x, axis, keepdims) / x


defvjp(reduce_sum_p, _sum_vjp)
defvjp(reduce_max_p, _extremum_vjp)
defvjp(reduce_min_p, _extremum_vjp)
defvjp(reduce_prod_p, _prod_vjp)

reduce_sum = _reduction(reduce_sum_p)
reduce_prod = _reduction(reduce_prod_p)
reduce_max = _reduction(reduce_max_p)
reduce_min = _reduction(reduce_min_p)
_reduce_any = _reduction(defprim("reduce_any", "Any"))
_reduce_all = _reduction(defprim("reduce_all", "All"))


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce_any(convert_to_tensor(input_tensor, dtypes.bool), axis, keepdims)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce_all(convert_to_tensor(input_tensor, dtypes.bool), axis, keepdims)


def _count(x, axis) -> int:
    shape = x._value.shape
    return math.prod(shape) if axis is None else math.prod(shape[a] for a in axis)


reduce_mean_p = defprim("reduce_mean", "Mean")
_ALL_AXES = {"axis": None, "keepdims": False}


def _mean_vjp(ct, out, x, axis, keepdims):
    n = x._value.size if axis is None else _count(x, axis)
    scale = wrap(_asarray(np.asarray(1 / max(n, 1), x._value.dtype)))
    return _sum_vjp(bind(mul_p, (ct, scale)), out, x, axis, keepdims)


defvjp(reduce_mean_p, _mean_vjp)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis``; integer tensors give the truncated integer mean, as in TensorFlow."""
    x = input_tensor if type(input_tensor) in OPERAND_TYPES else convert_to_tensor(input_tensor)
    axis = None if axis is None else normalize_axis(axis, len(x._value.shape), "Mean")
    if x._value.dtype.kind == "f":
        if axis is None and not keepdims:
            return bind(reduce_mean_p, (x,), _ALL_AXES)
        return bind(reduce_mean_p, (x,), {"axis": axis, "keepdims": bool(keepdims)})
    total = bind(reduce_sum_p, (x,), {"axis": axis, "keepdims": bool(keepdims)})
    return cast(divide(total, max(_count(x, axis), 1)), dtypes.from_numpy(x._value.dtype))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    x = convert_to_tensor(input_tensor)
    mean = reduce_mean(x, axis, keepdims=True)
    return reduce_mean(square(x - mean), axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    return sqrt(reduce_variance(input_tensor, axis, keepdims))


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``log(sum(exp(x)))`` computed stably (the max is subtracted first)."""
    from .array_ops import stop_gradient

    x = convert_to_tensor(input_tensor)
    axis_n = normalize_axis(axis, len(_shape(x)), "Max")
    m = stop_gradient(reduce_max(x, axis_n, keepdims=True))
    m = where(is_finite(m), m, 0)
    out = log(reduce_sum(exp(x - m), axis_n, keepdims=True)) + m
    if not keepdims:
        out = bind(reshape_p, (out,), {"shape": _reduced_shape(_shape(x), axis_n)})
    return out


def _reduced_shape(shape, axis):
    if axis is None:
        return ()
    return tuple(d for i, d in enumerate(shape) if i not in axis)


def _arg(name, op):
    prim = defprim(name, op)

    def fn(input, axis=None, output_type=dtypes.int64, name=None):
        x = convert_to_tensor(input)
        ndim = len(_shape(x))
        axis = normalize_axis(0 if axis is None else axis, ndim, op)
        return bind(prim, (x,), {"axis": axis[0] if axis else None, "output_type": dtypes.as_dtype(output_type)._np})

    return fn


argmax = _arg("argmax", "ArgMax")
argmin = _arg("argmin", "ArgMin")

cumsum_p = defprim("cumsum", "Cumsum")
defvjp(
    cumsum_p,
    lambda ct, out, x, axis, exclusive, reverse: bind(
        cumsum_p, (ct,), {"axis": axis, "exclusive": exclusive, "reverse": not reverse}
    ),
)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    x = convert_to_tensor(x)
    (axis,) = normalize_axis(axis, len(_shape(x)), "Cumsum")
    return bind(cumsum_p, (x,), {"axis": axis, "exclusive": bool(exclusive), "reverse": bool(reverse)})


def count_nonzero(input, axis=None, keepdims=False, dtype=dtypes.int64, name=None):
    x = convert_to_tensor(input)
    return cast(reduce_sum(cast(not_equal(x, 0), dtypes.int64), axis, keepdims), dtype)


# ---------------------------------------------------------------------------------------------
# Matrix multiplication


def _matmul_error(prim, inputs, params, exc):
    a, b = (x._value.shape for x in inputs)
    dims = lambda s: "[" + ",".join(map(str, s)) + "]"  # noqa: E731
    if len(a) == 2 and len(b) == 2:
        msg = f"Matrix size-incompatible: In[0]: {dims(a)}, In[1]: {dims(b)} [Op:MatMul]"
    else:
        msg = (
            f"In[0] mismatch In[1] shape: {dims(a)} vs. {dims(b)} (transpose_a="
            f"{params['transpose_a']}, transpose_b={params['transpose_b']}) [Op:BatchMatMulV2]"
        )
    return InvalidArgumentError(None, "MatMul", msg)


matmul_p = defprim("matmul", "MatMul", error=_matmul_error)


_MM_PARAMS = {(ta, tb): {"transpose_a": ta, "transpose_b": tb} for ta in (False, True) for tb in (False, True)}
_MM_NN = _MM_PARAMS[False, False]


def _mm(a, b, ta=False, tb=False):
    return bind(matmul_p, (a, b), _MM_PARAMS[ta, tb])


def _matmul_vjp_a(ct, out, a, b, transpose_a, transpose_b):
    if transpose_a:
        g = _mm(b, ct, transpose_b, True) if not transpose_b else _mm(b, ct, True, True)
    else:
        g = _mm(ct, b, False, not transpose_b)
    shape = a._value.shape
    return g if g._value.shape == shape else sum_to(g, shape)  # batch axes broadcast


def _matmul_vjp_b(ct, out, a, b, transpose_a, transpose_b):
    if transpose_b:
        g = _mm(ct, a, True, transpose_a) if not transpose_a else _mm(ct, a, True, True)
    else:
        g = _mm(a, ct, not transpose_a, False)
    shape = b._value.shape
    return g if g._value.shape == shape else sum_to(g, shape)


defvjp(matmul_p, _matmul_vjp_a, _matmul_vjp_b)


def matmul(
    a,
    b,
    transpose_a=False,
    transpose_b=False,
    adjoint_a=False,
    adjoint_b=False,
    a_is_sparse=False,
    b_is_sparse=False,
    output_type=None,
    name=None,
):
    """Matrix product of the last two axes (leading axes broadcast as batch axes).

    >>> import gradplay.engine as tf
    >>> tf.matmul(tf.constant([[1, 2], [3, 4]]), tf.constant([[5, 6], [7, 8]])).numpy()
    array([[19, 22],
           [43, 50]], dtype=int32)
    """
    a, b = operands(matmul_p, a, b)
    if a._value.ndim < 2 or b._value.ndim < 2:
        raise InvalidArgumentError(
            None,
            "MatMul",
            f"In[0] and In[1] must have rank >= 2, got shapes {list(_shape(a))} and "
            f"{list(_shape(b))} [Op:MatMul]. Use tf.reshape (e.g. x[tf.newaxis, :]) or "
            f"tf.tensordot for vectors.",
        )
    if transpose_a or adjoint_a or transpose_b or adjoint_b:
        return bind(matmul_p, (a, b), _MM_PARAMS[bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)])
    return bind(matmul_p, (a, b), _MM_NN)


def tensordot(a, b, axes, name=None):
    """Sum over ``axes`` of ``a`` and ``b`` (an int N: last N of a with first N of b)."""
    from .array_ops import reshape, transpose

    a, b = operands(matmul_p, a, b)
    sa, sb = _shape(a), _shape(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(len(sa) - axes, len(sa))), list(range(int(axes)))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a = [x % len(sa) for x in ax_a]
    ax_b = [x % len(sb) for x in ax_b]
    if [sa[i] for i in ax_a] != [sb[i] for i in ax_b]:
        raise InvalidArgumentError(
            None,
            "TensorDot",
            f"tensordot: contracted dimensions differ: {[sa[i] for i in ax_a]} (axes {ax_a} of "
            f"shape {list(sa)}) vs. {[sb[i] for i in ax_b]} (axes {ax_b} of shape {list(sb)}).",
        )
    free_a = [i for i in range(len(sa)) if i not in ax_a]
    free_b = [i for i in range(len(sb)) if i not in ax_b]
    k = int(np.prod([sa[i] for i in ax_a], dtype=np.int64))
    a2 = reshape(transpose(a, free_a + ax_a), [-1, k])
    b2 = reshape(transpose(b, ax_b + free_b), [k, -1])
    return reshape(_mm(a2, b2), [sa[i] for i in free_a] + [sb[i] for i in free_b])


def norm(tensor, ord="euclidean", axis=None, keepdims=False, name=None):
    """Vector norm over ``axis`` (all elements when None): ``"euclidean"``/2, 1 or ``np.inf``."""
    x = convert_to_tensor(tensor)
    if ord in ("euclidean", "fro", 2, 2.0):
        return sqrt(reduce_sum(square(x), axis, keepdims))
    if ord in (1, 1.0):
        return reduce_sum(abs(x), axis, keepdims)
    if ord == np.inf:
        return reduce_max(abs(x), axis, keepdims)
    raise ValueError(f"tf.norm: unsupported ord={ord!r}; use 'euclidean', 1, 2 or np.inf.")


# ---------------------------------------------------------------------------------------------
# Operators on tensors and variables


def _equal_op(self, other):
    if other is None:
        return False
    try:
        return equal(self, other)
    except (InvalidArgumentError, TypeError, ValueError):
        return False


def _not_equal_op(self, other):
    if other is None:
        return True
    try:
        return not_equal(self, other)
    except (InvalidArgumentError, TypeError, ValueError):
        return True


def _install_operators():
    def binary(prim, reverse=False):
        if reverse:
            return lambda self, other: bind(prim, operands(prim, other, self))
        return lambda self, other: bind(prim, operands(prim, self, other))

    table = {
        "add": add_p,
        "sub": sub_p,
        "mul": mul_p,
        "truediv": div_p,
        "floordiv": floordiv_p,
        "mod": mod_p,
        "pow": pow_p,
        "matmul": None,
    }
    for cls in (Tensor, Variable):
        for name, prim in table.items():
            if prim is None:
                continue
            setattr(cls, f"__{name}__", binary(prim))
            setattr(cls, f"__r{name}__", binary(prim, reverse=True))
        cls.__matmul__ = lambda self, other: matmul(self, other)
        cls.__rmatmul__ = lambda self, other: matmul(other, self)
        cls.__neg__ = lambda self: bind(neg_p, (self,))
        cls.__pos__ = lambda self: self
        cls.__abs__ = lambda self: bind(abs_p, (self,))
        cls.__invert__ = lambda self: logical_not(self)
        cls.__and__ = lambda self, other: logical_and(self, other)
        cls.__rand__ = lambda self, other: logical_and(other, self)
        cls.__or__ = lambda self, other: logical_or(self, other)
        cls.__ror__ = lambda self, other: logical_or(other, self)
        cls.__xor__ = lambda self, other: logical_xor(self, other)
        cls.__lt__ = lambda self, other: less(self, other)
        cls.__le__ = lambda self, other: less_equal(self, other)
        cls.__gt__ = lambda self, other: greater(self, other)
        cls.__ge__ = lambda self, other: greater_equal(self, other)
        cls.__eq__ = _equal_op
        cls.__ne__ = _not_equal_op
        cls.__hash__ = _Operand.__hash__


_install_operators()
