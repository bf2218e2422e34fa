"""``tf.nn``: activations, softmax and cross-entropies, dropout, convolution and pooling.

Most are compositions of primitives (their gradients follow). Convolution is ``pad`` ->
``im2col`` (a primitive whose rule is ``col2im``) -> one matmul, so BLAS does the work.

>>> import gradplay.engine as tf
>>> tf.nn.relu(tf.constant([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
>>> x = tf.ones((1, 5, 5, 1)); k = tf.ones((3, 3, 1, 2))
>>> tf.nn.conv2d(x, k, strides=1, padding="SAME").shape
TensorShape([1, 5, 5, 2])
"""

from __future__ import annotations

import collections

import numpy as np

from ..core import bind, defprim, defvjp, wrap
from ..errors import InvalidArgumentError
from ..tensor import OPERAND_TYPES, convert_to_tensor
from . import random_ops
from .array_ops import expand_dims, pad, reshape, stop_gradient, take_along_axis
from .math_ops import abs as abs_op
from .math_ops import (
    erf,
    exp,
    log1p,
    matmul,
    maximum,
    minimum,
    normalize_axis,
    reduce_max,
    reduce_mean,
    reduce_sum,
    relu,
    sigmoid,
    sqrt,
    square,
    tanh,
    where,
)


def _t(x):
    return x if type(x) in OPERAND_TYPES else convert_to_tensor(x)


def _shape(x):
    return x._value.shape


# ---------------------------------------------------------------------------------------------
# Activations


def relu6(features, name=None):
    return minimum(relu(features), 6.0)


def leaky_relu(features, alpha=0.2, name=None):
    x = _t(features)
    return where(x > 0, x, x * alpha)


def elu(features, name=None):
    x = _t(features)
    return where(x > 0, x, exp(minimum(x, 0.0)) - 1.0)


def selu(features, name=None):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    x = _t(features)
    return where(x > 0, x * scale, (exp(minimum(x, 0.0)) - 1.0) * (alpha * scale))


def gelu(features, approximate=False, name=None):
    x = _t(features)
    if approximate:
        c = float(np.sqrt(2.0 / np.pi))
        return x * 0.5 * (tanh((x + x * x * x * 0.044715) * c) + 1.0)
    return x * 0.5 * (erf(x * float(1 / np.sqrt(2.0))) + 1.0)


def silu(features, beta=1.0, name=None):
    x = _t(features)
    return x * sigmoid(x * beta)


swish = silu


# softmax, log_softmax and the sparse cross-entropy are primitives (rather than compositions
# of exp/sum/div) for speed: one kernel forward, a three-op rule backward, on the hot path of
# every classifier.
softmax_p = defprim("softmax", "Softmax")
log_softmax_p = defprim("log_softmax", "LogSoftmax")
sparse_xent_p = defprim("sparse_softmax_xent", "SparseSoftmaxCrossEntropyWithLogits")


def _axis(x, axis):
    (axis,) = normalize_axis(axis, len(_shape(x)), "Softmax")
    return axis


defvjp(softmax_p, lambda ct, out, x, axis: out * (ct - reduce_sum(ct * out, axis, keepdims=True)))
defvjp(log_softmax_p, lambda ct, out, x, axis: ct - exp(out) * reduce_sum(ct, axis, keepdims=True))


def _sparse_xent_vjp(ct, out, logits, labels):
    onehot = wrap(np.eye(_shape(logits)[-1], dtype=logits._value.dtype)[np.asarray(labels)])
    return (bind(softmax_p, (logits,), {"axis": len(_shape(logits)) - 1}) - onehot) * expand_dims(ct, -1)


defvjp(sparse_xent_p, _sparse_xent_vjp, None)


def softmax(logits, axis=-1, name=None):
    """exp(x) / sum(exp(x)) along ``axis``, with the max subtracted for stability."""
    x = _t(logits)
    return bind(softmax_p, (x,), {"axis": _axis(x, axis)})


def log_softmax(logits, axis=-1, name=None):
    x = _t(logits)
    return bind(log_softmax_p, (x,), {"axis": _axis(x, axis)})


def bias_add(value, bias, data_format=None, name=None):
    return _t(value) + bias


def l2_loss(t, name=None):
    return reduce_sum(square(t)) / 2.0


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    x = _t(x)
    return x / sqrt(maximum(reduce_sum(square(x), axis, keepdims=True), epsilon))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) over ``axes``."""
    x = _t(x)
    mean = reduce_mean(x, axes, keepdims=True)
    variance = reduce_mean(square(x - stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean = reshape(mean, [d for i, d in enumerate(_shape(x)) if i not in _axes(axes, x)])
        variance = reshape(variance, list(_shape(mean)))
    return mean, variance


def _axes(axes, x):
    axes = [axes] if isinstance(axes, int) else list(axes)
    return {a % len(_shape(x)) for a in axes}


def dropout(x, rate, noise_shape=None, seed=None, name=None, rng=None):
    """Zero each element with probability ``rate`` and scale the rest by 1/(1-rate).

    ``rng`` (a ``tf.random.Generator``) makes the mask reproducible without global state.
    """
    x = _t(x)
    rate = float(np.asarray(rate))
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
    if rate == 0:
        return x
    shape = _shape(x) if noise_shape is None else tuple(int(d) for d in noise_shape)
    gen = rng if rng is not None else random_ops._gen(seed)
    dtype = x._value.dtype
    keep = gen._rng.random(shape, dtype=np.float32) >= rate
    mask = np.multiply(keep, dtype.type(1 / (1 - rate)), dtype=dtype)  # 0 or 1/(1-rate), one array
    return x * wrap(mask)


# ---------------------------------------------------------------------------------------------
# Cross-entropies


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Per-example ``-log softmax(logits)[label]`` for integer class labels."""
    logits = _t(logits)
    labels = _t(labels)
    if labels._value.dtype.kind not in "iu":
        raise ValueError(f"labels must be integer class ids, got dtype {labels.dtype.name}.")
    n_classes = _shape(logits)[-1]
    if _shape(labels) != _shape(logits)[:-1]:
        raise InvalidArgumentError(
            None,
            "SparseSoftmaxCrossEntropyWithLogits",
            f"logits and labels must have the same first dimension, got logits shape "
            f"{list(_shape(logits))} and labels shape {list(_shape(labels))} "
            f"[Op:SparseSoftmaxCrossEntropyWithLogits]",
        )
    lab = labels._value
    if lab.size and (np.minimum.reduce(lab, axis=None) < 0 or np.maximum.reduce(lab, axis=None) >= n_classes):
        bad = lab[(lab < 0) | (lab >= n_classes)].flat[0]
        raise InvalidArgumentError(
            None,
            "SparseSoftmaxCrossEntropyWithLogits",
            f"Received a label value of {bad} which is outside the valid range of "
            f"[0, {n_classes}). Label values: {lab.ravel()[:10].tolist()} "
            f"[Op:SparseSoftmaxCrossEntropyWithLogits]",
        )
    return bind(sparse_xent_p, (logits, labels if lab.dtype == np.int64 else wrap(lab.astype(np.int64))))


def softmax_cross_entropy_with_logits(labels=None, logits=None, axis=-1, name=None):
    logits = _t(logits)
    labels = labels if type(labels) in OPERAND_TYPES else convert_to_tensor(labels, logits.dtype)
    return -reduce_sum(labels * log_softmax(logits, axis), axis)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Stable ``max(x, 0) - x * z + log(1 + exp(-|x|))``."""
    x = _t(logits)
    z = labels if type(labels) in OPERAND_TYPES else convert_to_tensor(labels, x.dtype)
    return relu(x) - x * z + log1p(exp(-abs_op(x)))


# ---------------------------------------------------------------------------------------------
# Convolution and pooling (NHWC)

im2col_p = defprim("im2col", "ExtractImagePatches")
col2im_p = defprim("col2im", "ExtractImagePatchesGrad")
defvjp(im2col_p, lambda ct, out, x, **p: bind(col2im_p, (ct,), {"shape": _shape(x), **p}))
defvjp(col2im_p, lambda ct, out, cols, shape, **p: bind(im2col_p, (ct,), p))


def _pair(v, name, n=2):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = [int(x) for x in v]
    if len(v) == n:
        return tuple(v)
    if len(v) == n + 2:  # NHWC-style [1, sh, sw, 1]
        return tuple(v[1:-1])
    if len(v) == 1:
        return (v[0],) * n
    raise ValueError(f"{name} must be an int or a list of {n} (or {n + 2}) ints, got {v}.")


def _same_padding(size, k, s, d):
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def _paddings(padding, x_shape, ks, strides, dilations, op):
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return [(0, 0)] * 2
        if mode == "SAME":
            return [_same_padding(x_shape[1 + i], ks[i], strides[i], dilations[i]) for i in range(2)]
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID' (or explicit), got {padding!r}.")
    p = [tuple(int(v) for v in pair) for pair in padding]
    return p[1:3] if len(p) == 4 else p


def _patches(x, ks, strides, dilations, paddings, pad_value, op):
    n, h, w, c = _shape(x)
    if any(lo or hi for lo, hi in paddings):
        x = pad(x, [(0, 0), *paddings, (0, 0)], constant_values=pad_value)
    hp, wp = _shape(x)[1:3]
    eh, ew = (ks[0] - 1) * dilations[0] + 1, (ks[1] - 1) * dilations[1] + 1
    if hp < eh or wp < ew:
        raise InvalidArgumentError(
            None,
            op,
            f"{op}: the window ({ks[0]}x{ks[1]}, dilation {dilations}) is larger than the padded "
            f"input ({hp}x{wp}) for input shape {[n, h, w, c]}. Use padding='SAME' or a smaller "
            f"kernel. [Op:{op}]",
        )
    return bind(
        im2col_p,
        (x,),
        {"kh": ks[0], "kw": ks[1], "sh": strides[0], "sw": strides[1], "dh": dilations[0], "dw": dilations[1]},
    )


def _check_nhwc(x, op, data_format):
    if data_format not in (None, "NHWC"):
        raise ValueError(f"{op}: only data_format='NHWC' is supported, got {data_format!r}.")
    if len(_shape(x)) != 4:
        raise InvalidArgumentError(
            None,
            op,
            f"{op}: input must be 4-D (batch, height, width, channels), got shape {list(_shape(x))} [Op:{op}]",
        )


def conv2d(input, filters, strides=1, padding="VALID", data_format="NHWC", dilations=None, name=None):
    """2-D convolution of NHWC ``input`` with HWIO ``filters``."""
    x, k = _t(input), _t(filters)
    _check_nhwc(x, "Conv2D", data_format)
    if len(_shape(k)) != 4:
        raise InvalidArgumentError(None, "Conv2D", f"filters must be 4-D (h, w, in, out), got {list(_shape(k))}")
    kh, kw, cin, cout = _shape(k)
    if _shape(x)[3] != cin:
        raise InvalidArgumentError(
            None,
            "Conv2D",
            f"input depth must be evenly divisible by filter depth: {_shape(x)[3]} vs {cin} "
            f"(input shape {list(_shape(x))}, filters shape {list(_shape(k))}) [Op:Conv2D]",
        )
    s, d = _pair(strides, "strides"), _pair(1 if dilations is None else dilations, "dilations")
    p = _paddings(padding, _shape(x), (kh, kw), s, d, "Conv2D")
    cols = _patches(x, (kh, kw), s, d, p, 0, "Conv2D")
    n, oh, ow, kk = _shape(cols)
    out = matmul(reshape(cols, [n * oh * ow, kk]), reshape(k, [kk, cout]))
    return reshape(out, [n, oh, ow, cout])


def _pool(x, ksize, strides, padding, data_format, op, reducer, pad_value):
    x = _t(x)
    _check_nhwc(x, op, data_format)
    ks, s = _pair(ksize, "ksize"), _pair(strides, "strides")
    p = _paddings(padding, _shape(x), ks, s, (1, 1), op)
    cols = _patches(x, ks, s, (1, 1), p, pad_value, op)
    n, oh, ow, _ = _shape(cols)
    c = _shape(x)[3]
    windows = reshape(cols, [n, oh, ow, ks[0] * ks[1], c])
    return windows, p, ks, s


# Non-overlapping max pooling (window == stride, VALID) — the usual 2x2/2 — is a primitive:
# one reshape-and-max forward, and a gradient that routes each window's cotangent to its
# maximum. Other windows go through im2col and reduce_max.
max_pool_p = defprim("max_pool", "MaxPool")
max_pool_grad_p = defprim("max_pool_grad", "MaxPoolGrad")
defvjp(max_pool_p, lambda ct, out, x, k: bind(max_pool_grad_p, (x, out, ct), {"k": k}))
defvjp(max_pool_grad_p, None, None, lambda ct, out, x, y, g, k: _pool_select(x, y, ct, k))


def _pool_select(x, y, ct, k):
    """The gradient of max_pool_grad with respect to its cotangent: ``ct`` at each window's
    first maximum, summed per window."""
    n, h, w, c = _shape(x)
    oh, ow = h // k[0], w // k[1]
    mask = bind(max_pool_grad_p, (x, y, wrap(np.ones(_shape(y), x._value.dtype))), {"k": k})
    windows = reshape((ct * mask)[:, : oh * k[0], : ow * k[1], :], [n, oh, k[0], ow, k[1], c])
    return reduce_sum(windows, axis=[2, 4])


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    x = _t(input)
    _check_nhwc(x, "MaxPool", data_format)
    ks, s = _pair(ksize, "ksize"), _pair(strides, "strides")
    n, h, w, c = _shape(x)
    if ks == s and ks[0] <= h and ks[1] <= w and (padding.upper() == "VALID" or (h % ks[0] == 0 and w % ks[1] == 0)):
        return bind(max_pool_p, (x,), {"k": ks})  # the kernel skips a ragged edge (VALID drops it)
    windows, *_ = _pool(x, ksize, strides, padding, data_format, "MaxPool", reduce_max, -np.inf)
    return reduce_max(windows, axis=3)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """Average pooling; with SAME padding the padded cells are not counted, as in TensorFlow."""
    x = _t(input)
    windows, p, ks, s = _pool(x, ksize, strides, padding, data_format, "AvgPool", reduce_sum, 0)
    total = reduce_sum(windows, axis=3)
    if not any(lo or hi for lo, hi in p):
        return total / float(ks[0] * ks[1])
    ones = np.ones((1,) + _shape(x)[1:3] + (1,), x._value.dtype)
    counts = np.asarray(_patches(wrap(ones), ks, s, (1, 1), p, 0, "AvgPool")).sum(axis=3, keepdims=True)
    return total / wrap(counts.astype(x._value.dtype))


max_pool = max_pool2d
avg_pool = avg_pool2d


# ---------------------------------------------------------------------------------------------

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TensorFlow's signature
    """The ``k`` largest entries of the last axis and their indices (ties: lower index first)."""
    x = _t(input)
    n = _shape(x)[-1]
    if not 0 <= k <= n:
        raise InvalidArgumentError(None, "TopKV2", f"input must have at least k={k} columns, got {n} [Op:TopKV2]")
    v = np.asarray(x)
    keys = -(v.astype(np.float64))
    idx = np.argsort(keys, axis=-1, kind="stable")[..., :k].astype(np.int32)
    return TopKV2(take_along_axis(x, idx, axis=-1), wrap(idx))


def in_top_k(targets, predictions, k, name=None):
    pred = np.asarray(_t(predictions))
    tgt = np.asarray(_t(targets)).astype(np.int64)
    target_scores = np.take_along_axis(pred, tgt[:, None], axis=-1)
    return wrap((pred > target_scores).sum(axis=-1) < k)
