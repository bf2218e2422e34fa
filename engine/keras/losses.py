"""Keras 3 losses: ``Loss`` classes, loss functions, and ``get("mse")``.

Every loss is built from differentiable engine ops, so ``GradientTape`` sees through it. The
formulas, the clipping (``epsilon = 1e-7``), the label handling and the reductions follow
Keras 3 (``keras/src/losses/loss.py``, ``losses.py``, ``backend/tensorflow/nn.py``).

>>> import numpy as np
>>> from gradplay.engine.keras import losses
>>> y_true = np.array([[0, 1, 0], [0, 0, 1]])
>>> y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
>>> round(float(losses.CategoricalCrossentropy()(y_true, y_pred)), 3)
1.177
>>> losses.categorical_crossentropy(y_true, y_pred).shape
TensorShape([2])
>>> round(float(losses.get("mse")([1.0, 2.0], [1.5, 2.5])), 2)
0.25

Reductions (``Loss(reduction=...)``) after ``loss = call(y_true, y_pred) * sample_weight``:
``"sum_over_batch_size"`` (default) and ``"mean"`` divide ``sum(loss)`` by the number of
elements of the weighted per-sample loss (not by the sum of the weights);
``"mean_with_sample_weight"`` divides by ``sum(sample_weight)``; ``"sum"`` sums; ``"none"`` or
``None`` returns the per-sample loss.
"""

from __future__ import annotations

import difflib
import inspect
import math
import re
import warnings

import numpy as np

from .. import dtypes
from ..ops import array_ops, math_ops, nn_ops
from ..tensor import OPERAND_TYPES, Variable, convert_to_tensor

EPSILON = 1e-7  # keras.backend.epsilon()

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)

# ---------------------------------------------------------------------------------------------
# Conversion and shape helpers


def _tensor(x, dtype=None):
    """``x`` as an engine tensor, cast to ``dtype`` when given (Keras' ``convert_to_tensor``,
    which casts tensors of another dtype instead of refusing them)."""
    if isinstance(x, OPERAND_TYPES):
        if isinstance(x, Variable):
            x = x.read_value()
        if dtype is not None and x.dtype != dtype:
            x = math_ops.cast(x, dtype)
        return x
    if dtype is None:
        return convert_to_tensor(x)
    return math_ops.cast(np.asarray(x), dtype)


def _float(x):
    """``y_pred`` as a float tensor (integer predictions become float32, as Keras' mean does)."""
    x = _tensor(x)
    return x if x.dtype.is_floating else math_ops.cast(x, dtypes.float32)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeeze or expand the last axis when the ranks differ by exactly one (Keras' rule):
    ``(N,)`` labels against ``(N, 1)`` predictions become ``(N, 1)`` and ``(N, 1)``."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = array_ops.expand_dims(x2, -1)
        else:
            x1 = array_ops.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = array_ops.expand_dims(x1, -1)
        else:
            x2 = array_ops.squeeze(x2, -1)
    return x1, x2


def _normalize(x, axis):
    """L2 normalization as ``keras.ops.normalize``: ``x * min(rsqrt(sum(x^2)), 1/eps)``, written
    as ``rsqrt(max(sum(x^2), eps^2))`` (the same values, and finite gradients at zero)."""
    square_sum = math_ops.reduce_sum(math_ops.square(x), axis=axis, keepdims=True)
    return x * math_ops.rsqrt(math_ops.maximum(square_sum, EPSILON * EPSILON))


def _check_same_shape(target, output, fn_name, hint=""):
    ts, os_ = target.shape, output.shape
    if len(ts) != len(os_):
        raise ValueError(
            "Arguments `target` and `output` must have the same rank (ndim). Received: "
            f"target.shape={ts}, output.shape={os_}.{hint}"
        )
    if any(a is not None and b is not None and a != b for a, b in zip(ts, os_)):
        raise ValueError(
            f"Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={ts}, output.shape={os_}.{hint}"
        )


# ---------------------------------------------------------------------------------------------
# Loss functions: (y_true, y_pred) -> per-sample loss, reduced over the last axis


def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return math_ops.reduce_mean(math_ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return math_ops.reduce_mean(math_ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), eps)), axis=-1)``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    diff = math_ops.abs((y_true - y_pred) / math_ops.maximum(math_ops.abs(y_true), EPSILON))
    return 100.0 * math_ops.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    first_log = math_ops.log(math_ops.maximum(y_pred, EPSILON) + 1.0)
    second_log = math_ops.log(math_ops.maximum(y_true, EPSILON) + 1.0)
    return math_ops.reduce_mean(math_ops.square(first_log - second_log), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 is the best value."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return -math_ops.reduce_sum(_normalize(y_true, axis) * _normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """``mean(0.5 * e^2 if |e| <= delta else delta * |e| - 0.5 * delta^2, axis=-1)``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    delta = float(delta)
    error = y_pred - y_true
    abs_error = math_ops.abs(error)
    quadratic = math_ops.square(error) * 0.5
    linear = abs_error * delta - 0.5 * delta * delta
    return math_ops.reduce_mean(math_ops.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log 2``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    x = y_pred - y_true
    return math_ops.reduce_mean(x + math_ops.softplus(x * -2.0) - math.log(2.0), axis=-1)


def _hinge_labels(y_true):
    # Keras converts labels that are all 0/1 to -1/1; other labels are used as given.
    values = np.asarray(y_true)
    if np.all((values == 0) | (values == 1)):
        return y_true * 2.0 - 1.0
    return y_true


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels are mapped to -1/1."""
    y_pred = _float(y_pred)
    y_true = _hinge_labels(_tensor(y_true, y_pred.dtype))
    return math_ops.reduce_mean(math_ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; 0/1 labels become -1/1."""
    y_pred = _float(y_pred)
    y_true = _hinge_labels(_tensor(y_true, y_pred.dtype))
    return math_ops.reduce_mean(math_ops.square(math_ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    pos = math_ops.reduce_sum(y_true * y_pred, axis=-1)
    neg = math_ops.reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return math_ops.maximum(neg - pos + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[eps, 1]``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    y_true = math_ops.clip_by_value(y_true, EPSILON, 1.0)
    y_pred = math_ops.clip_by_value(y_pred, EPSILON, 1.0)
    return math_ops.reduce_sum(y_true * math_ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``."""
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    return math_ops.reduce_mean(y_pred - y_true * math_ops.log(y_pred + EPSILON), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy averaged over ``axis``.

    Probabilities are clipped to ``[eps, 1 - eps]`` (Keras' path); with ``from_logits=True`` the
    stable ``max(x, 0) - x * z + log(1 + exp(-|x|))`` is used. ``label_smoothing`` squeezes the
    labels towards 0.5: ``y * (1 - s) + 0.5 * s``.
    """
    if not from_logits and getattr(y_pred, "_keras_logits", None) is not None:
        y_pred, from_logits = y_pred._keras_logits, True  # a sigmoid's own input (Keras' TF backend)
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _check_same_shape(y_true, y_pred, "binary_crossentropy")
    if from_logits:
        bce = nn_ops.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        output = math_ops.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * math_ops.log(output) + (1.0 - y_true) * math_ops.log(1.0 - output))
    return math_ops.reduce_mean(bce, axis=axis)


def _categorical_hint(y_true, y_pred):
    ts, ps = y_true.shape, y_pred.shape
    if len(ps) >= 1 and (len(ts) == len(ps) - 1 or (len(ts) == len(ps) and ts[-1] == 1 and ps[-1] != 1)):
        return (
            " The labels look like integer class ids: use loss='sparse_categorical_crossentropy' "
            f"(SparseCategoricalCrossentropy), or one-hot encode them with "
            f"keras.utils.to_categorical(y, {ps[-1]})."
        )
    return ""


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy for one-hot labels: ``-sum(y_true * log(y_pred), axis)``.

    Probabilities are first renormalized to sum to 1 along ``axis`` and clipped to
    ``[eps, 1 - eps]`` (Keras' path); ``from_logits=True`` uses a stable log-softmax.
    ``label_smoothing`` gives ``y * (1 - s) + s / num_classes``.
    """
    if not from_logits and getattr(y_pred, "_keras_logits", None) is not None:
        y_pred, from_logits = y_pred._keras_logits, True  # a softmax's own input (Keras' TF backend)
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_pred = _float(y_pred)
    y_true = _tensor(y_true, y_pred.dtype)
    if y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
            f"with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if y_true.ndim < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. Received: "
            f"target.shape={y_true.shape}, output.shape={y_pred.shape}"
        )
    _check_same_shape(y_true, y_pred, "categorical_crossentropy", _categorical_hint(y_true, y_pred))
    if label_smoothing:
        num_classes = float(y_true.shape[-1])
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        return nn_ops.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    output = y_pred / math_ops.reduce_sum(y_pred, axis=axis, keepdims=True)
    output = math_ops.clip_by_value(output, EPSILON, 1.0 - EPSILON)
    return -math_ops.reduce_sum(y_true * math_ops.log(output), axis=axis)


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """The per-sample loss and, with ``ignore_class``, the mask of the samples that count."""
    if not from_logits and getattr(y_pred, "_keras_logits", None) is not None:
        y_pred, from_logits = y_pred._keras_logits, True  # a softmax's own input (Keras' TF backend)
    y_pred = _float(y_pred)
    y_true = _tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.ndim and y_true.shape[-1] == 1:
        y_true = array_ops.squeeze(y_true, -1)
    valid_mask = None
    if ignore_class is not None:
        res_shape = list(y_pred.shape[:-1])
        y_true = _tensor(y_true, y_pred.dtype)
        valid_mask = math_ops.not_equal(y_true, float(ignore_class))
        y_true = y_true * math_ops.cast(valid_mask, y_true.dtype)
        y_pred = y_pred * math_ops.cast(array_ops.expand_dims(valid_mask, -1), y_pred.dtype)
    if axis != -1 and axis != y_pred.ndim - 1:
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    if y_pred.ndim < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: output.shape={y_pred.shape}")
    ts, ps = y_true.shape, y_pred.shape
    if len(ts) != len(ps) - 1:
        hint = ""
        if len(ts) == len(ps) and ts[-1] == ps[-1]:
            hint = (
                " The labels look one-hot encoded: use loss='categorical_crossentropy' "
                "(CategoricalCrossentropy), or pass integer class ids (np.argmax(y, axis=-1))."
            )
        raise ValueError(
            "Argument `output` must have rank (ndim) `target.ndim - 1`. Received: "
            f"target.shape={ts}, output.shape={ps}.{hint}"
        )
    if any(a is not None and b is not None and a != b for a, b in zip(ts, ps[:-1])):
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last dimension: "
            f"target.shape={ts}, output.shape={ps}"
        )
    labels = math_ops.cast(y_true, dtypes.int64)
    logits = y_pred
    if not from_logits:
        # Keras feeds log(clip(p)) to the softmax op: the clipped row is renormalized.
        logits = math_ops.log(math_ops.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON))
    res = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    if valid_mask is not None:
        valid_mask = array_ops.reshape(valid_mask, res_shape)
        res = math_ops.where(valid_mask, res, 0.0)
    return res, valid_mask


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy for integer class ids ``y_true`` (shape ``(N,)`` or ``(N, 1)``).

    Probabilities are clipped to ``[eps, 1 - eps]`` before the log; ``ignore_class`` gives
    those samples a loss of 0 (``Loss`` classes also leave them out of the mean).
    """
    return _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis)[0]


# ---------------------------------------------------------------------------------------------
# Reduction


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {set(REDUCTIONS)}. "
            f"Received: reduction={reduction}"
        )
    return reduction


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sum ``values`` and divide as ``reduction`` says (see the module docstring)."""
    if reduction is None or reduction == "none" or tuple(values.shape) in ((), (0,)):
        return values
    loss = math_ops.reduce_sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            loss = math_ops.divide_no_nan(loss, math_ops.reduce_sum(math_ops.cast(sample_weight, loss.dtype)))
        else:
            loss = loss / float(max(math.prod(values.shape), 1))
    return loss


def _reduce_values_fast(values, sample_weight, reduction):
    """The default case (no weights, sum over batch size) as one mean: one op instead of two."""
    if sample_weight is None and reduction in ("sum_over_batch_size", "mean") and values.ndim:
        return math_ops.reduce_mean(values)
    return reduce_values(values, sample_weight, reduction)


def _apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a mask into the sample weights; for the means, valid entries weigh total/valid."""
    mask = math_ops.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = float(math.prod(mask.shape))
        mask = mask * math_ops.divide_no_nan(_tensor(total, dtype), math_ops.reduce_sum(mask))
    if sample_weight is None:
        return mask
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, math_ops.cast(sample_weight, dtype))
    return sample_weight * mask


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None):
    """Weight the per-sample ``values`` by ``sample_weight`` (and ``mask``), then reduce."""
    reduction = standardize_reduction(reduction)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    values = _tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = _tensor(sample_weight, values.dtype)
    if mask is not None:
        sample_weight = _apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        try:
            np.broadcast_shapes(tuple(values.shape), tuple(sample_weight.shape))
        except ValueError:
            raise ValueError(
                f"sample_weight of shape {sample_weight.shape} cannot be broadcast to the per-sample "
                f"loss of shape {values.shape}. Give one weight per sample (shape "
                f"({values.shape[0] if len(values.shape) else 1},)) or one per loss element "
                f"(shape {values.shape})."
            ) from None
        values = values * sample_weight
    return _reduce_values_fast(values, sample_weight, reduction)


# ---------------------------------------------------------------------------------------------
# Loss classes


def _to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning per-sample losses.

    ``loss(y_true, y_pred, sample_weight=None)`` casts both to ``dtype`` (float32 unless given),
    calls ``call`` and reduces with ``reduction``.

    >>> import gradplay.engine as tf
    >>> class MeanCube(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return tf.reduce_mean(tf.abs(y_pred - y_true) ** 3, axis=-1)
    >>> float(MeanCube()([[0.0, 0.0]], [[1.0, 2.0]]))
    4.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or _to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtypes.as_dtype(dtype or "float32")

    @property
    def dtype(self) -> str:
        return self._dtype.name

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = _tensor(y_pred, self._dtype)
        y_true = _tensor(y_true, self._dtype)
        losses, mask = self._call_with_mask(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction, self._dtype)

    def _call_with_mask(self, y_true, y_pred):
        # Keras attaches masks to tensors (``_keras_mask``); gradplay passes them alongside.
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A ``Loss`` around ``fn(y_true, y_pred, **kwargs)``; ranks are aligned first.

    >>> import gradplay.engine as tf
    >>> def mean_fourth_power(y_true, y_pred):
    ...     return tf.reduce_mean((y_pred - y_true) ** 4, axis=-1)
    >>> loss = LossFunctionWrapper(mean_fourth_power, name="quartic")
    >>> float(loss([[0.0], [0.0]], [[1.0], [2.0]]))
    8.5
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if isinstance(fn, str):
            fn = _resolve_function(fn)
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper needs a callable fn(y_true, y_pred). Received: fn={fn!r}")
        self.fn = fn
        self._fn_kwargs = kwargs

    def _call_with_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if self.fn is sparse_categorical_crossentropy and self._fn_kwargs.get("ignore_class") is not None:
            return _sparse_categorical_crossentropy(y_true, y_pred, **self._fn_kwargs)
        return self.fn(y_true, y_pred, **self._fn_kwargs), None

    def call(self, y_true, y_pred):
        return self._call_with_mask(y_true, y_pred)[0]

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (dict, str)):
            config["fn"] = _resolve_function(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


class _FixedLoss(LossFunctionWrapper):
    """A loss class around one fixed function (``_fn``) with no options of its own: its config is
    just Loss's (name, reduction), as in Keras."""

    _fn = None
    _default_name = None

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(type(self)._fn, reduction=reduction, name=name or self._default_name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanSquaredError(_FixedLoss):
    """``mean(square(y_true - y_pred))`` over the last axis, then reduced over the batch."""

    _fn, _default_name = staticmethod(mean_squared_error), "mean_squared_error"


class MeanAbsoluteError(_FixedLoss):
    """``mean(abs(y_true - y_pred))``."""

    _fn, _default_name = staticmethod(mean_absolute_error), "mean_absolute_error"


class MeanAbsolutePercentageError(_FixedLoss):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)))``."""

    _fn, _default_name = staticmethod(mean_absolute_percentage_error), "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(_FixedLoss):
    """``mean(square(log(y_pred + 1) - log(y_true + 1)))`` (values below eps count as eps)."""

    _fn, _default_name = staticmethod(mean_squared_logarithmic_error), "mean_squared_logarithmic_error"


class CosineSimilarity(LossFunctionWrapper):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 means same direction."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        # Keras 3 leaves ``axis`` out of the config; kept here so from_config round-trips.
        return {**Loss.get_config(self), "axis": self.axis}


class Huber(LossFunctionWrapper):
    """``0.5 * e^2`` where ``|e| <= delta``, else ``delta * |e| - 0.5 * delta^2``; mean over the
    last axis."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self):
        # Keras 3 leaves ``delta`` out of the config; kept here so from_config round-trips.
        return {**Loss.get_config(self), "delta": self.delta}


class LogCosh(_FixedLoss):
    """``mean(log(cosh(y_pred - y_true)))``."""

    _fn, _default_name = staticmethod(log_cosh), "log_cosh"


class Hinge(_FixedLoss):
    """``mean(maximum(1 - y_true * y_pred, 0))``; 0/1 labels become -1/1."""

    _fn, _default_name = staticmethod(hinge), "hinge"


class SquaredHinge(_FixedLoss):
    """``mean(square(maximum(1 - y_true * y_pred, 0)))``; 0/1 labels become -1/1."""

    _fn, _default_name = staticmethod(squared_hinge), "squared_hinge"


class CategoricalHinge(_FixedLoss):
    """``maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` for one-hot labels."""

    _fn, _default_name = staticmethod(categorical_hinge), "categorical_hinge"


class KLDivergence(_FixedLoss):
    """``sum(y_true * log(y_true / y_pred))`` with both clipped to ``[eps, 1]``."""

    _fn, _default_name = staticmethod(kl_divergence), "kl_divergence"


class Poisson(_FixedLoss):
    """``mean(y_pred - y_true * log(y_pred + eps))``."""

    _fn, _default_name = staticmethod(poisson), "poisson"


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy for 0/1 labels (see ``binary_crossentropy``).

    >>> round(float(BinaryCrossentropy(from_logits=True)([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])), 4)
    0.8655
    """

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot labels (see ``categorical_crossentropy``)."""

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {
            **Loss.get_config(self),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class ids (see ``sparse_categorical_crossentropy``). With
    ``ignore_class``, those samples are left out of the mean as well.

    >>> round(float(SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])), 3)
    1.177
    """

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction="sum_over_batch_size",
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits, "ignore_class": self.ignore_class}


# ---------------------------------------------------------------------------------------------
# Lookup by name: get("mse"), get("CategoricalCrossentropy"), get({"class_name": ..., "config": ...})

_CLASSES = (
    Loss,
    LossFunctionWrapper,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Huber,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
)
_FUNCTIONS = (
    kl_divergence,
    poisson,
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    log_cosh,
    huber,
    hinge,
    squared_hinge,
    categorical_hinge,
)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _CLASSES + _FUNCTIONS}
ALL_OBJECTS_DICT.update(
    {
        "bce": binary_crossentropy,
        "BCE": binary_crossentropy,
        "kld": kl_divergence,
        "KLD": kl_divergence,
        "mae": mean_absolute_error,
        "MAE": mean_absolute_error,
        "mse": mean_squared_error,
        "MSE": mean_squared_error,
        "mape": mean_absolute_percentage_error,
        "MAPE": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "MSLE": mean_squared_logarithmic_error,
    }
)

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
bce = binary_crossentropy


def _unknown(identifier, what="loss"):
    names = sorted(k for k in ALL_OBJECTS_DICT if k not in ("Loss", "LossFunctionWrapper"))
    close = difflib.get_close_matches(str(identifier), names, n=3)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Could not interpret {what} identifier: {identifier!r}.{hint} Valid strings: {', '.join(names)}."
    )


def _resolve_function(identifier):
    if isinstance(identifier, dict):
        identifier = identifier.get("config")
    fn = ALL_OBJECTS_DICT.get(identifier)
    if fn is None or inspect.isclass(fn):
        raise _unknown(identifier, "loss function")
    return fn


def serialize(loss):
    """A JSON-able dict for a ``Loss`` or a built-in loss function (Keras' layout)."""
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__, "config": loss.get_config()}
    name = getattr(loss, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize loss {loss!r}: pass a Loss instance or a named function.")
    return {"module": "keras.losses", "class_name": "function", "config": name, "registered_name": name}


def deserialize(config, custom_objects=None):
    """The inverse of ``serialize`` (``custom_objects`` maps extra names to classes/functions)."""
    table = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    if isinstance(config, str):
        config = {"class_name": "function", "config": config}
    class_name = config.get("class_name")
    if class_name == "function":
        fn = table.get(config.get("config"))
        if fn is None:
            raise _unknown(config.get("config"), "loss function")
        return fn
    cls = table.get(class_name)
    if cls is None or not inspect.isclass(cls):
        raise _unknown(class_name)
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A loss from a name, a config dict, a class, a ``Loss`` or a function.

    Function names (``"mse"``, ``"categorical_crossentropy"``) give the function; class names
    (``"CategoricalCrossentropy"``) give an instance with default arguments.

    >>> get("mse").__name__, type(get("CategoricalCrossentropy")).__name__
    ('mean_squared_error', 'CategoricalCrossentropy')
    """
    return resolve_identifier(identifier, ALL_OBJECTS_DICT, deserialize, _unknown)


def resolve_identifier(identifier, table, deserialize_fn, unknown):
    """Keras' ``get`` rule, shared by losses and metrics: None, a config dict, a name in
    ``table`` (classes are instantiated with defaults), or a callable; else ``unknown(identifier)``."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize_fn(identifier)
    elif isinstance(identifier, str):
        obj = table.get(identifier)
        if obj is None:
            raise unknown(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise unknown(identifier)
