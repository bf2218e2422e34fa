"""Keras 3 metrics: stateful ``Metric`` objects (``update_state``, ``result``, ``reset_state``).

Metrics are never differentiated, so updates run in NumPy on the host; the state lives in
non-trainable engine ``Variable``s (``metric.variables``) in float32, as Keras keeps it. Formulas,
sample-weight handling and AUC's bucketing follow Keras 3 (``keras/src/metrics/``).

>>> from gradplay.engine.keras import metrics
>>> m = metrics.SparseCategoricalAccuracy()
>>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
>>> float(m.result())
0.5
>>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
>>> round(float(m.result()), 4)  # (1 + 0.3) / (2 + 1)
0.4333
>>> m.reset_state(); float(m.result())
0.0

``resolve_accuracy`` turns ``metrics=["accuracy"]`` into the right accuracy, as ``compile`` does.
"""

from __future__ import annotations

import difflib
import inspect
from enum import Enum

import numpy as np

from .. import dtypes
from ..tensor import Variable, convert_to_tensor, is_tensor
from . import losses
from .losses import EPSILON, _to_snake_case

NEG_INF = -1e10  # Keras' stand-in for -inf in top-k filtering

# ---------------------------------------------------------------------------------------------
# NumPy helpers


def _np(x, dtype=None):
    """``x`` as an ndarray with TensorFlow's conversion defaults (Python floats -> float32,
    ints -> int32); ``dtype`` casts."""
    if isinstance(x, np.ndarray):
        a = x
    elif is_tensor(x):
        a = np.asarray(x)
    else:
        a = np.asarray(x)
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        elif a.dtype == np.int64 and (a.size == 0 or (a.min() >= -(2**31) and a.max() < 2**31)):
            a = a.astype(np.int32)
    return a if dtype is None else a.astype(dtype, copy=False)


def _squeeze_or_expand(x1, x2, expand_rank_1=True):
    """NumPy twin of ``losses.squeeze_or_expand_to_same_rank``."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _divide_no_nan(a, b):
    a, b = np.asarray(a), np.asarray(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.zeros((), a.dtype), a / np.where(b == 0, np.ones((), b.dtype), b))


def _broadcast(weights, shape, what="sample_weight"):
    try:
        return np.broadcast_to(weights, shape)
    except ValueError:
        raise ValueError(
            f"{what} of shape {weights.shape} cannot be broadcast to shape {tuple(shape)}. Give one "
            f"weight per sample (shape ({shape[0] if len(shape) else 1},)) or one per value."
        ) from None


# ---------------------------------------------------------------------------------------------
# Base class


class Metric:
    """State (``add_variable``), ``update_state``, ``result``, ``reset_state``.

    >>> class Count(Metric):
    ...     def __init__(self, name="count", dtype=None):
    ...         super().__init__(name=name, dtype=dtype)
    ...         self.n = self.add_variable(shape=(), initializer="zeros", name="n")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.n.assign_add(float(np.size(y_true)))
    ...     def result(self):
    ...         return self.n.read_value()
    >>> c = Count(); float(c([1, 2, 3], [1, 2, 3]))
    3.0
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or _to_snake_case(type(self).__name__)
        self._dtype = dtypes.as_dtype(dtype or "float32").name
        self._variables = []

    @property
    def dtype(self) -> str:
        return self._dtype

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A non-trainable ``Variable`` of ``shape`` (``initializer``: "zeros", "ones" or a value)."""
        dt = dtypes.as_dtype(dtype or self._dtype)._np
        shape = tuple(int(d) for d in shape)
        if initializer in ("zeros", None):
            value = np.zeros(shape, dt)
        elif initializer == "ones":
            value = np.ones(shape, dt)
        elif callable(initializer):
            value = np.asarray(initializer(shape, dt), dt)
        else:
            value = np.broadcast_to(np.asarray(initializer, dt), shape).copy()
        variable = Variable(value, trainable=False, name=name or "variable")
        self._variables.append(variable)
        return variable

    add_weight = add_variable

    @property
    def variables(self):
        return list(self._variables)

    def reset_state(self):
        for v in self._variables:
            v.assign(np.zeros(tuple(v.shape), v.dtype.as_numpy_dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    # Host-side state access: metrics update in NumPy and write the sums back.
    def _np_dtype(self):
        return dtypes.as_dtype(self._dtype)._np

    def _add(self, variable, delta):
        # Metric state is private: rebind the buffer directly (assign's conversions cost more
        # than the arithmetic, and this runs every batch).
        current = variable._value
        variable._value = np.asarray(current + delta, current.dtype)

    def _out(self, value):
        return convert_to_tensor(np.asarray(value, self._np_dtype()))


# ---------------------------------------------------------------------------------------------
# Reductions: Sum, Mean, MeanMetricWrapper


def _reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras' rule: reduce values to the weights' rank, weight them, then reduce per sample."""
    values = _np(values, dtype)
    if sample_weight is not None:
        sample_weight = _np(sample_weight, dtype)
        values, sample_weight = _squeeze_or_expand(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        sample_weight = _broadcast(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values given to ``update_state(values, sample_weight=None)``.

    >>> m = Sum(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _reduce_to_samplewise_values(values, sample_weight, np.sum, self._np_dtype())
        self._add(self.total, np.sum(values))

    def result(self):
        return self.total.read_value()


class Mean(Metric):
    """The (weighted) mean of the values: ``total / count``.

    >>> m = Mean(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        dt = self._np_dtype()
        if isinstance(sample_weight, (int, float)) and np.ndim(values) == 0 and hasattr(values, "shape"):
            # Keras' fast path (a scalar loss with a scalar weight).
            self._add(self.total, _np(values, dt) * sample_weight)
            self._add(self.count, sample_weight)
            return
        values, sample_weight = _reduce_to_samplewise_values(values, sample_weight, np.mean, dt)
        self._add(self.total, np.sum(values))
        if sample_weight is not None:
            num_samples = np.sum(sample_weight)
        elif values.ndim >= 1:
            num_samples = values.shape[0]
        else:
            num_samples = 1
        self._add(self.count, num_samples)

    def result(self):
        return self._out(_divide_no_nan(np.asarray(self.total), np.asarray(self.count)))


def _serialize_fn(fn):
    return getattr(fn, "__name__", repr(fn))


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    ``fn`` may return NumPy arrays or engine tensors (the loss functions work as metrics).

    >>> m = MeanMetricWrapper(losses.mean_absolute_error, name="mae")
    >>> m.update_state([[0.0], [1.0]], [[0.5], [0.0]]); float(m.result())
    0.75
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        if isinstance(fn, str):
            fn = _FUNCTIONS.get(fn) or losses._resolve_function(fn)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), "fn": _serialize_fn(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# ---------------------------------------------------------------------------------------------
# Accuracy functions (NumPy): per-sample match rates


def _accuracy(y_true, y_pred):
    y_pred = _np(y_pred)
    y_true = _np(y_true, y_pred.dtype)
    y_true, y_pred = _squeeze_or_expand(y_true, y_pred)
    return np.mean(y_true == y_pred, axis=-1, dtype=np.float32)


def _binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _squeeze_or_expand(_np(y_true), _np(y_pred))
    threshold = np.asarray(threshold, y_pred.dtype)
    y_pred = (y_pred > threshold).astype(y_true.dtype)
    return np.mean(y_true == y_pred, axis=-1, dtype=np.float32)


def _categorical_accuracy(y_true, y_pred):
    y_true = np.argmax(_np(y_true), axis=-1)
    y_pred = _np(y_pred)
    org_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim
    if reshape:
        y_true = np.squeeze(y_true, -1)
    matches = (y_true == np.argmax(y_pred, axis=-1)).astype(np.float32)
    return matches.reshape(org_shape) if reshape else matches


def _sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _np(y_true), _np(y_pred)
    org_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = np.squeeze(y_true, -1)
    predicted = np.argmax(y_pred, axis=-1).astype(y_true.dtype)
    matches = (y_true == predicted).astype(np.float32)
    if reshape:
        matches = matches.reshape(org_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = np.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    """``tf.math.in_top_k``: ties at the boundary count as in; non-finite scores never do."""
    targets = targets.astype(np.int64)
    n = predictions.shape[-1]
    valid = (targets >= 0) & (targets < n)
    score = np.take_along_axis(predictions, np.clip(targets, 0, n - 1)[:, None], axis=-1)[:, 0]
    more_probable = np.sum(predictions > score[:, None], axis=-1)
    finite = np.isfinite(score) & np.all(np.isfinite(predictions), axis=-1)
    return valid & finite & (more_probable < k)


def _top_k_matches(y_true_ids, y_pred, k):
    org_shape = y_true_ids.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    matches = _in_top_k(y_true_ids.reshape(-1), y_pred, k).astype(np.float32)
    return matches.reshape(org_shape)


def _top_k_categorical_accuracy(y_true, y_pred, k=5):
    return _top_k_matches(np.argmax(_np(y_true), axis=-1), _np(y_pred), k)


def _sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    if not from_sorted_ids:
        return _top_k_matches(_np(y_true), _np(y_pred), k)
    # y_pred holds class ids sorted by score: a match is the label among the first k of them.
    y_pred = _np(y_pred)
    y_true = _np(y_true, y_pred.dtype)
    ids = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.ndim > 2 else y_pred
    matches = np.any(y_true.reshape(-1)[:, None] == ids[:, :k], axis=1).astype(np.float32)
    return matches.reshape(y_true.shape)


def _mean_squared_error(y_true, y_pred):
    y_pred = _np(y_pred)
    y_true, y_pred = _squeeze_or_expand(_np(y_true, y_pred.dtype), y_pred)
    return np.mean(np.square(y_true - y_pred), axis=-1)


def _mean_absolute_error(y_true, y_pred):
    y_pred = _np(y_pred)
    y_true, y_pred = _squeeze_or_expand(_np(y_true, y_pred.dtype), y_pred)
    return np.mean(np.abs(y_true - y_pred), axis=-1)


def _tensor_fn(fn):
    def public(y_true, y_pred, **kwargs):
        return convert_to_tensor(np.asarray(fn(y_true, y_pred, **kwargs)))

    public.__name__ = fn.__name__.lstrip("_")
    public.__qualname__ = public.__name__
    public.__doc__ = f"Per-sample ``{public.__name__}`` as a float32 tensor (see the metric class)."
    return public


accuracy = _tensor_fn(_accuracy)
binary_accuracy = _tensor_fn(_binary_accuracy)
categorical_accuracy = _tensor_fn(_categorical_accuracy)
sparse_categorical_accuracy = _tensor_fn(_sparse_categorical_accuracy)
top_k_categorical_accuracy = _tensor_fn(_top_k_categorical_accuracy)
sparse_top_k_categorical_accuracy = _tensor_fn(_sparse_top_k_categorical_accuracy)

_FUNCTIONS = {
    f.__name__.lstrip("_"): f
    for f in (
        _accuracy,
        _binary_accuracy,
        _categorical_accuracy,
        _sparse_categorical_accuracy,
        _top_k_categorical_accuracy,
        _sparse_top_k_categorical_accuracy,
    )
}


class _FunctionMetric(MeanMetricWrapper):
    """A ``MeanMetricWrapper`` whose config is its constructor arguments."""

    _params: tuple = ()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **{p: getattr(self, p) for p in self._params}}


# ---------------------------------------------------------------------------------------------
# Accuracy metrics


class Accuracy(_FunctionMetric):
    """How often ``y_pred == y_true`` exactly.

    >>> m = Accuracy(); m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]]); float(m.result())
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(_accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_FunctionMetric):
    """How often ``(y_pred > threshold) == y_true``.

    >>> m = BinaryAccuracy(); m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    _params = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and (threshold <= 0 or threshold >= 1):
            raise ValueError(
                "Invalid value for argument `threshold`. Expected a value in interval (0, 1). "
                f"Received: threshold={threshold}"
            )
        super().__init__(_binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_FunctionMetric):
    """How often ``argmax(y_pred) == argmax(y_true)`` (one-hot labels).

    >>> m = CategoricalAccuracy(); m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(_categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_FunctionMetric):
    """How often ``argmax(y_pred) == y_true`` (integer labels, shape ``(N,)`` or ``(N, 1)``)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(_sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_FunctionMetric):
    """How often the one-hot target is among the ``k`` highest predictions."""

    _params = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_FunctionMetric):
    """How often the integer target is among the ``k`` highest predictions.

    >>> m = SparseTopKCategoricalAccuracy(k=1); m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(
            _sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k, from_sorted_ids=from_sorted_ids
        )
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


# ---------------------------------------------------------------------------------------------
# Regression and probabilistic metrics (means of the loss formulas)


class MeanSquaredError(_FunctionMetric):
    """The mean of ``mean(square(y_true - y_pred), axis=-1)``."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_FunctionMetric):
    """The mean of ``mean(abs(y_true - y_pred), axis=-1)``."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the (weighted) mean of ``square(y_pred - y_true)``.

    >>> m = RootMeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); float(m.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        dt = self._np_dtype()
        y_true, y_pred = _squeeze_or_expand(_np(y_true, dt), _np(y_pred, dt))
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return self._out(np.sqrt(_divide_no_nan(np.asarray(self.total), np.asarray(self.count))))


class MeanAbsolutePercentageError(_FunctionMetric):
    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_FunctionMetric):
    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


def _cosine_similarity(y_true, y_pred, axis=-1):
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(_FunctionMetric):
    """The mean cosine similarity (+1: same direction; unlike the loss, not negated)."""

    _params = ("axis",)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class LogCoshError(_FunctionMetric):
    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


class Hinge(_FunctionMetric):
    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name=name, dtype=dtype)


class SquaredHinge(_FunctionMetric):
    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_FunctionMetric):
    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name=name, dtype=dtype)


class KLDivergence(_FunctionMetric):
    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name=name, dtype=dtype)


class Poisson(_FunctionMetric):
    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name=name, dtype=dtype)


class BinaryCrossentropy(_FunctionMetric):
    _params = ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(
            losses.binary_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
        self.from_logits, self.label_smoothing = from_logits, label_smoothing


class CategoricalCrossentropy(_FunctionMetric):
    _params = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(
            losses.categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(_FunctionMetric):
    """The mean sparse cross-entropy; samples labelled ``ignore_class`` get weight 0."""

    _params = ("from_logits", "ignore_class", "axis")

    def __init__(
        self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, ignore_class=None, axis=-1
    ):
        super().__init__(
            losses.sparse_categorical_crossentropy,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis

    def update_state(self, y_true, y_pred, sample_weight=None):
        values, mask = losses._sparse_categorical_crossentropy(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:  # Keras folds the mask into the weights (no rescaling for metrics)
            mask = np.asarray(mask, np.float32)
            if sample_weight is None:
                sample_weight = mask
            else:
                mask, sample_weight = _squeeze_or_expand(mask, _np(sample_weight, np.float32))
                sample_weight = sample_weight * mask
        Mean.update_state(self, values, sample_weight=sample_weight)


# ---------------------------------------------------------------------------------------------
# Confusion-matrix metrics: true/false positives/negatives per threshold


class ConfusionMatrix(Enum):
    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


def _parse_thresholds(thresholds, default):
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    invalid = [t for t in values if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return values


def _is_evenly_distributed(thresholds):
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def _filter_top_k(x, k):
    """Keep the ``k`` largest entries of the last axis (lower index first on ties), others -> NEG_INF."""
    idx = np.argsort(-x.astype(np.float64), axis=-1, kind="stable")[..., :k]
    mask = np.zeros_like(x)
    np.put_along_axis(mask, idx, 1.0, axis=-1)
    return x * mask + NEG_INF * (1 - mask)


def _confusion_counts(
    y_true,
    y_pred,
    thresholds,
    evenly=False,
    sample_weight=None,
    top_k=None,
    class_id=None,
    multi_label=False,
    label_weights=None,
):
    """This batch's weighted TP, FP, TN, FN per threshold, as Keras'
    ``update_confusion_matrix_variables`` computes them (float32). Prediction ``p`` counts as
    positive at threshold ``t`` when ``p > t``."""
    f32 = np.float32
    y_true, y_pred = _np(y_true, f32), _np(y_pred, f32)
    thresholds = np.asarray(thresholds, f32)
    with_epsilon = bool(evenly and (thresholds[0] < 0 or thresholds[-1] > 1))
    y_pred, y_true = _squeeze_or_expand(y_pred, y_true)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_true and y_pred must have the same shape. Received: {y_true.shape} and {y_pred.shape}")
    if sample_weight is not None:
        sample_weight = _np(sample_weight, f32)[..., None]
        _, sample_weight = _squeeze_or_expand(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape (num_samples, "
                f"num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]

    weights = None if sample_weight is None else _broadcast(sample_weight, y_pred.shape).astype(f32)
    if label_weights is not None and not multi_label:
        lw = _broadcast(np.asarray(label_weights, f32)[None], y_pred.shape, "label_weights")
        weights = lw if weights is None else weights * lw
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
    label = y_true != 0
    num_t = len(thresholds)

    if evenly:
        # Keras' O(T + N) path: bucket each prediction, then a reversed cumulative sum.
        y_pred = np.clip(y_pred, 0.0, 1.0)
        w = np.ones_like(y_pred) if weights is None else weights
        true_w = label.astype(f32) * w
        false_w = (1 - label.astype(f32)) * w
        buckets = np.ceil(y_pred * (f32(num_t) - 1)) - 1
        if with_epsilon:
            buckets = np.maximum(buckets, 0)
        buckets = buckets.astype(np.int64)
        keep = (buckets >= 0) & (buckets < num_t)  # unsorted_segment_sum drops the others

        def bucket_sums(v):
            out = np.zeros((num_t,) + v.shape[1:], np.float64)
            if v.ndim == 1:
                np.add.at(out, buckets[keep], v[keep])
            else:
                rows, cols = np.nonzero(keep)
                np.add.at(out, (buckets[rows, cols], cols), v[rows, cols])
            return out

        tp = np.cumsum(bucket_sums(true_w)[::-1], axis=0)[::-1].astype(f32)
        fp = np.cumsum(bucket_sums(false_w)[::-1], axis=0)[::-1].astype(f32)
        fn = np.sum(true_w, axis=0, dtype=np.float64).astype(f32) - tp
        tn = np.sum(false_w, axis=0, dtype=np.float64).astype(f32) - fp
        return {"tp": tp, "fp": fp, "tn": tn, "fn": fn}

    pred_pos = y_pred[None] > thresholds.reshape((num_t,) + (1,) * y_pred.ndim)
    label = np.broadcast_to(label, pred_pos.shape)

    def weighted_count(mask):
        values = mask.astype(f32) if weights is None else mask * weights
        return np.sum(values, axis=1, dtype=f32)

    return {
        "tp": weighted_count(label & pred_pos),
        "fp": weighted_count(~label & pred_pos),
        "tn": weighted_count(~label & ~pred_pos),
        "fn": weighted_count(label & ~pred_pos),
    }


class _ConfusionMatrixConditionCount(Metric):
    _condition = "tp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self._evenly = _is_evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = _confusion_counts(y_true, y_pred, self.thresholds, self._evenly, sample_weight)
        self._add(self.accumulator, counts[self._condition])

    def result(self):
        value = np.asarray(self.accumulator)
        return self._out(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives (``y_pred > threshold`` and ``y_true``)."""

    _condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    _condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    _condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    _condition = "fn"


class _PrecisionRecall(Metric):
    _other = "fp"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = _is_evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        other = "false_positives" if self._other == "fp" else "false_negatives"
        setattr(self, other, self.add_variable(shape=(n,), name=other))
        self._other_variable = getattr(self, other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = _confusion_counts(
            y_true, y_pred, self.thresholds, self._evenly, sample_weight, self.top_k, self.class_id
        )
        self._add(self.true_positives, counts["tp"])
        self._add(self._other_variable, counts[self._other])

    def result(self):
        tp = np.asarray(self.true_positives)
        value = _divide_no_nan(tp, tp + np.asarray(self._other_variable))
        return self._out(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        config = {"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id}
        return {**super().get_config(), **config}


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)`` at ``thresholds`` (default 0.5; use 0 for logits).

    >>> m = Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 4)
    0.6667
    """

    _other = "fp"


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)`` at ``thresholds`` (default 0.5; use 0 for logits).

    >>> m = Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 4)
    0.6667
    """

    _other = "fn"


class AUC(Metric):
    """Area under the ROC (default) or PR curve, from confusion counts at ``num_thresholds``
    evenly spaced thresholds (plus ``-eps`` and ``1 + eps``).

    ``summation_method``: ``"interpolation"`` (trapezoids for ROC; Davis & Goadrich's
    interpolation for PR), ``"minoring"`` or ``"majoring"`` (lower/upper Riemann sums).

    >>> m = AUC(num_thresholds=3); m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); float(m.result())
    0.75
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        curve = getattr(curve, "value", curve)
        summation_method = getattr(summation_method, "value", summation_method)
        if curve not in ("ROC", "PR", "roc", "pr"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"]')
        if summation_method not in ("interpolation", "Interpolation", "majoring", "Majoring", "minoring", "Minoring"):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". '
                'Expected values are ["interpolation", "majoring", "minoring"]'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._evenly = _is_evenly_distributed(np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - EPSILON] + list(thresholds) + [1.0 + EPSILON])
        self.curve = curve.upper()
        self.summation_method = summation_method.lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, self._np_dtype())
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {len(shape)}. "
                    f"Full shape received for `y_pred`: {shape}"
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(shape=variable_shape, name="true_positives")
        self.false_positives = self.add_variable(shape=variable_shape, name="false_positives")
        self.true_negatives = self.add_variable(shape=variable_shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=variable_shape, name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _np(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred.astype(np.float32)))
        counts = _confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            self._evenly,
            sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )
        self._add(self.true_positives, counts["tp"])
        self._add(self.false_positives, counts["fp"])
        self._add(self.true_negatives, counts["tn"])
        self._add(self.false_negatives, counts["fn"])

    def _average(self, by_label_terms):
        if not self.multi_label:
            return np.sum(by_label_terms)
        by_label = np.sum(by_label_terms, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        return _divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def _interpolate_pr_auc(self, tp, fp, fn):
        # Davis & Goadrich 2006: precision interpolated through TP and P = TP + FP (Keras' form).
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            safe_p_ratio = np.where(
                (p[:-1] > 0) & (p[1:] > 0), _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:])
            )
            increment = _divide_no_nan(
                prec_slope * (dtp + intercept * np.log(safe_p_ratio)), np.maximum(tp[1:] + fn[1:], 0)
            )
        return self._average(increment)

    def result(self):
        tp, fp = np.asarray(self.true_positives), np.asarray(self.false_positives)
        tn, fn = np.asarray(self.true_negatives), np.asarray(self.false_negatives)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._out(self._interpolate_pr_auc(tp, fp, fn))
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / np.float32(2.0)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._out(self._average((x[:-1] - x[1:]) * heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return {**super().get_config(), **config}


# ---------------------------------------------------------------------------------------------
# Lookup by name, and compile's "accuracy"

_CLASSES = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({_to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update(
    {
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
    }
)


def _unknown(identifier):
    names = sorted(k for k in ALL_OBJECTS_DICT if k not in ("Metric", "metric"))
    close = difflib.get_close_matches(str(identifier), names, n=3)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"Could not interpret metric identifier: {identifier!r}.{hint} Valid strings: {', '.join(names)} "
        "(and 'accuracy'/'acc' in compile)."
    )


def serialize(metric):
    """A JSON-able dict for a ``Metric`` (Keras' layout)."""
    return {"module": "keras.metrics", "class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config, custom_objects=None):
    table = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    cls = table.get(config.get("class_name"))
    if cls is None or not inspect.isclass(cls):
        raise _unknown(config.get("class_name"))
    return cls.from_config(config.get("config") or {})


def get(identifier):
    """A metric from a name (``"mae"``, ``"AUC"``, ``"binary_accuracy"``), a config dict, a
    class, a ``Metric`` or a function. Classes are instantiated with default arguments.

    >>> type(get("mae")).__name__, get("AUC").name
    ('MeanAbsoluteError', 'auc')
    """
    return losses.resolve_identifier(identifier, ALL_OBJECTS_DICT, deserialize, _unknown)


def _is_loss(loss, cls, fn):
    return isinstance(loss, cls) or loss is fn or getattr(loss, "fn", None) is fn or loss in (cls.__name__, fn.__name__)


def resolve_accuracy(loss, y_true_shape, y_pred_shape, name="accuracy"):
    """The metric ``compile(metrics=["accuracy"])`` means, named ``name``.

    Keras 3 (``compile_utils.get_metric``) decides from the shapes alone: predictions with last
    dimension 1 -> ``BinaryAccuracy``; labels of lower rank than the predictions, or labels with
    last dimension 1 against wider predictions -> ``SparseCategoricalAccuracy``; otherwise
    ``CategoricalAccuracy``. So a ``binary_crossentropy`` model with several sigmoid outputs
    gets categorical accuracy, as in Keras 3. ``loss`` is only consulted when
    ``y_true_shape`` is unknown (``None``): binary or sparse cross-entropy then pick
    binary or sparse accuracy (tf.keras 2's rule).

    >>> type(resolve_accuracy("sparse_categorical_crossentropy", (32,), (32, 10))).__name__
    'SparseCategoricalAccuracy'
    >>> type(resolve_accuracy("binary_crossentropy", (32, 1), (32, 1))).__name__
    'BinaryAccuracy'
    >>> type(resolve_accuracy("categorical_crossentropy", (32, 10), (32, 10))).__name__
    'CategoricalAccuracy'
    """
    y_pred_shape = tuple(y_pred_shape)
    if y_true_shape is None:
        is_binary = y_pred_shape[-1] == 1 or _is_loss(loss, losses.BinaryCrossentropy, losses.binary_crossentropy)
        is_sparse = _is_loss(loss, losses.SparseCategoricalCrossentropy, losses.sparse_categorical_crossentropy)
    else:
        y_true_shape = tuple(y_true_shape)
        is_binary = y_pred_shape[-1] == 1
        wide = y_pred_shape[-1] is not None and y_pred_shape[-1] > 1
        is_sparse = len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and wide)
    if is_binary:
        return BinaryAccuracy(name=name)
    if is_sparse:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)
