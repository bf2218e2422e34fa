"""Keras losses: every loss against a NumPy transcription of Keras 3's formula, every reduction
and sample weight, gradients against finite differences, the logits/probability paths, the
errors, and (when ``keras`` is installed) real Keras."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import losses

EPS = 1e-7

# ---------------------------------------------------------------------------------------------
# NumPy references (float64), transcribed from keras/src/losses/losses.py and
# keras/src/backend/tensorflow/nn.py


def _logsumexp(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _l2n(x, axis=-1):
    return x / np.sqrt(np.maximum((x * x).sum(axis=axis, keepdims=True), EPS * EPS))


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def ref_bce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        v = np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
    else:
        o = np.clip(p, EPS, 1 - EPS)
        v = -(t * np.log(o) + (1 - t) * np.log(1 - o))
    return v.mean(axis=axis)


def ref_cce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        logp = p - _logsumexp(p, axis)
    else:
        logp = np.log(np.clip(p / p.sum(axis=axis, keepdims=True), EPS, 1 - EPS))
    return -(t * logp).sum(axis=axis)


def ref_scce(t, p, from_logits=False, ignore_class=None):
    t = np.asarray(t)
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    valid = np.ones(t.shape, bool) if ignore_class is None else t != ignore_class
    t = np.where(valid, t, 0).astype(np.int64)
    p = p * valid[..., None]
    logits = p if from_logits else np.log(np.clip(p, EPS, 1 - EPS))
    logp = logits - _logsumexp(logits)
    return np.where(valid, -np.take_along_axis(logp, t[..., None], axis=-1)[..., 0], 0.0)


REFS = {
    "mean_squared_error": lambda t, p: ((t - p) ** 2).mean(-1),
    "mean_absolute_error": lambda t, p: np.abs(t - p).mean(-1),
    "mean_absolute_percentage_error": lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
    "mean_squared_logarithmic_error": lambda t, p: (
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2
    ).mean(-1),
    "cosine_similarity": lambda t, p, axis=-1: -(_l2n(t, axis) * _l2n(p, axis)).sum(axis),
    "huber": lambda t, p, delta=1.0: np.where(
        np.abs(p - t) <= delta, 0.5 * (p - t) ** 2, delta * np.abs(p - t) - 0.5 * delta**2
    ).mean(-1),
    "log_cosh": lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    "hinge": lambda t, p: np.maximum(1 - _hinge_labels(t) * p, 0).mean(-1),
    "squared_hinge": lambda t, p: (np.maximum(1 - _hinge_labels(t) * p, 0) ** 2).mean(-1),
    "categorical_hinge": lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0),
    "kl_divergence": lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
    "poisson": lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    "binary_crossentropy": ref_bce,
    "categorical_crossentropy": ref_cce,
    "sparse_categorical_crossentropy": ref_scce,
}

# ---------------------------------------------------------------------------------------------
# The table: one entry per loss (and per interesting option)

N, C = 6, 4


def _regression(rng, n=N, c=C):
    return rng.normal(size=(n, c)), rng.normal(size=(n, c))


def _positive(rng, n=N, c=C):
    return rng.uniform(0.2, 3, (n, c)), rng.uniform(0.2, 3, (n, c))


def _away(values, kinks, margin=0.1):
    """Move values at least ``margin`` away from each kink (for finite differences)."""
    for k in kinks:
        close = np.abs(values - k) < margin
        values = np.where(close, k + margin * np.where(values >= k, 1, -1), values)
    return values


def _mae(rng):
    t = rng.normal(size=(N, C))
    return t, t + _away(rng.normal(size=(N, C)), [0.0])


def _huber(rng, delta=1.0):
    t = rng.normal(size=(N, C))
    return t, t + _away(rng.normal(0, 1.5, (N, C)), [-delta, delta])


def _hinge(rng):
    t = rng.choice([0.0, 1.0], (N, C))
    p = rng.normal(size=(N, C))
    return t, _away(p * (2 * t - 1), [1.0]) * (2 * t - 1)  # 1 - y*p away from 0


def _cat_hinge(rng):
    t = np.eye(C)[rng.integers(0, C, N)]
    return t, rng.normal(size=(N, C))


def _probs01(rng):
    return rng.integers(0, 2, (N, C)).astype(float), rng.uniform(0.02, 0.98, (N, C))


def _onehot_probs(rng):
    return np.eye(C)[rng.integers(0, C, N)], _softmax(rng.normal(size=(N, C)))


def _onehot_logits(rng):
    return np.eye(C)[rng.integers(0, C, N)], rng.normal(0, 2, (N, C))


def _dists(rng):
    return _softmax(rng.normal(size=(N, C))), _softmax(rng.normal(size=(N, C)))


def _sparse_probs(rng):
    return rng.integers(0, C, N), _softmax(rng.normal(size=(N, C)))


def _sparse_logits(rng):
    return rng.integers(0, C, N), rng.normal(0, 2, (N, C))


def _sparse_ignore(rng):
    t = rng.integers(0, C, N)
    t[[1, 4]] = -1
    return t, _softmax(rng.normal(size=(N, C)))


@dataclasses.dataclass
class LossSpec:
    id: str
    cls: Callable  # the Loss class
    fn: Callable  # the loss function
    make: Callable  # rng -> (y_true, y_pred) float64 arrays
    kwargs: dict = dataclasses.field(default_factory=dict)
    ref_name: str = ""
    grad: bool = True

    @property
    def ref(self):
        return REFS[self.ref_name or self.fn.__name__]


L = losses
SPECS = [
    LossSpec("mse", L.MeanSquaredError, L.mean_squared_error, _regression),
    LossSpec("mae", L.MeanAbsoluteError, L.mean_absolute_error, _mae),
    LossSpec("mape", L.MeanAbsolutePercentageError, L.mean_absolute_percentage_error, _mae),
    LossSpec("msle", L.MeanSquaredLogarithmicError, L.mean_squared_logarithmic_error, _positive),
    LossSpec("cosine", L.CosineSimilarity, L.cosine_similarity, _regression),
    LossSpec("cosine_axis0", L.CosineSimilarity, L.cosine_similarity, _regression, {"axis": 0}),
    LossSpec("huber", L.Huber, L.huber, _huber),
    LossSpec("huber_delta", L.Huber, L.huber, lambda rng: _huber(rng, 0.5), {"delta": 0.5}),
    LossSpec("log_cosh", L.LogCosh, L.log_cosh, _regression),
    LossSpec("hinge", L.Hinge, L.hinge, _hinge),
    LossSpec("squared_hinge", L.SquaredHinge, L.squared_hinge, _hinge),
    LossSpec("categorical_hinge", L.CategoricalHinge, L.categorical_hinge, _cat_hinge),
    LossSpec("kld", L.KLDivergence, L.kl_divergence, _dists),
    LossSpec("poisson", L.Poisson, L.poisson, _positive),
    LossSpec("bce", L.BinaryCrossentropy, L.binary_crossentropy, _probs01),
    LossSpec("bce_logits", L.BinaryCrossentropy, L.binary_crossentropy, _regression, {"from_logits": True}),
    LossSpec("bce_smooth", L.BinaryCrossentropy, L.binary_crossentropy, _probs01, {"label_smoothing": 0.2}),
    LossSpec("cce", L.CategoricalCrossentropy, L.categorical_crossentropy, _onehot_probs),
    LossSpec(
        "cce_logits", L.CategoricalCrossentropy, L.categorical_crossentropy, _onehot_logits, {"from_logits": True}
    ),
    LossSpec(
        "cce_smooth", L.CategoricalCrossentropy, L.categorical_crossentropy, _onehot_probs, {"label_smoothing": 0.1}
    ),
    LossSpec("cce_axis0", L.CategoricalCrossentropy, L.categorical_crossentropy, _onehot_probs, {"axis": 0}),
    LossSpec("scce", L.SparseCategoricalCrossentropy, L.sparse_categorical_crossentropy, _sparse_probs),
    LossSpec(
        "scce_logits",
        L.SparseCategoricalCrossentropy,
        L.sparse_categorical_crossentropy,
        _sparse_logits,
        {"from_logits": True},
    ),
]
BY_ID = {s.id: s for s in SPECS}


def _inputs(spec, seed=0, dtype=np.float32):
    y_true, y_pred = spec.make(np.random.default_rng(seed))
    y_true = np.asarray(y_true)
    if y_true.dtype.kind == "f":
        y_true = y_true.astype(dtype)
    return y_true, np.asarray(y_pred).astype(dtype)


def _ref(spec, y_true, y_pred):
    return spec.ref(np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64), **spec.kwargs)


# ---------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_function_matches_keras_formula(spec):
    y_true, y_pred = _inputs(spec)
    out = spec.fn(y_true, y_pred, **spec.kwargs)
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), _ref(spec, y_true, y_pred), rtol=2e-5, atol=2e-6)


def _reduce(values, sample_weight, reduction):
    if sample_weight is not None:
        values = values * sample_weight
    if reduction in (None, "none"):
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return values.sum() / sample_weight.sum()
    return values.sum() / values.size


REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_class_reductions_and_sample_weight(spec, reduction, weighted):
    y_true, y_pred = _inputs(spec, seed=1)
    per_sample = _ref(spec, y_true, y_pred)
    sw = np.random.default_rng(2).uniform(0, 2, per_sample.shape) if weighted else None
    loss = spec.cls(reduction=reduction, **spec.kwargs)
    out = loss(y_true, y_pred, sample_weight=sw)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), _reduce(per_sample, sw, reduction), rtol=2e-5, atol=2e-6)


def test_sum_over_batch_size_divides_by_batch_not_weight_sum():
    # Keras 3: sum(loss * w) / N, even when weights are zero (unlike "mean_with_sample_weight").
    y_true, y_pred = np.zeros((4, 1)), np.array([[1.0], [2.0], [3.0], [4.0]])
    w = np.array([1.0, 0.0, 0.0, 1.0])
    assert float(losses.MeanSquaredError()(y_true, y_pred, w)) == pytest.approx((1 + 16) / 4)
    mws = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert float(mws(y_true, y_pred, w)) == pytest.approx((1 + 16) / 2)


def test_scalar_and_elementwise_sample_weights():
    y_true, y_pred = _inputs(BY_ID["mse"], seed=3)
    per_elem = (y_true.astype(np.float64) - y_pred) ** 2
    loss = losses.MeanSquaredError()
    assert float(loss(y_true, y_pred, 2.0)) == pytest.approx(2 * per_elem.mean(), rel=1e-5)
    # sample_weight of the per-sample loss's shape; (N, 1) is squeezed to (N,)
    w = np.random.default_rng(0).uniform(size=(N, 1))
    assert float(loss(y_true, y_pred, w)) == pytest.approx((per_elem.mean(-1) * w[:, 0]).mean(), rel=1e-5)


def test_rank_alignment_labels_n_vs_predictions_n1():
    y_true = np.array([0.0, 1.0, 2.0])
    y_pred = np.array([[0.5], [1.0], [4.0]], np.float32)
    out = losses.MeanSquaredError(reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(out.numpy(), [0.25, 0.0, 4.0])  # not a (3, 3) broadcast


def test_keras_documented_values():
    # Numbers from the Keras 3 docstrings (keras/src/losses/losses.py).
    y_true = np.array([[0, 1, 0], [0, 0, 1]])
    y_pred = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    cce = losses.CategoricalCrossentropy()
    assert float(cce(y_true, y_pred)) == pytest.approx(1.177, abs=1e-3)
    assert float(cce(y_true, y_pred, sample_weight=np.array([0.3, 0.7]))) == pytest.approx(0.814, abs=1e-3)
    assert float(losses.CategoricalCrossentropy(reduction="sum")(y_true, y_pred)) == pytest.approx(2.354, abs=1e-3)
    np.testing.assert_allclose(
        losses.CategoricalCrossentropy(reduction=None)(y_true, y_pred).numpy(), [0.0513, 2.303], atol=1e-3
    )
    scce = losses.SparseCategoricalCrossentropy()
    assert float(scce([1, 2], y_pred)) == pytest.approx(1.177, abs=1e-3)
    assert float(scce([1, 2], y_pred, sample_weight=np.array([0.3, 0.7]))) == pytest.approx(0.814, abs=1e-3)

    yt, yp = np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]])
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert float(bce(yt, yp)) == pytest.approx(0.8654, abs=2e-4)
    assert float(bce(yt, yp, sample_weight=[0.8, 0.2])) == pytest.approx(0.243, abs=1e-3)
    assert float(losses.BinaryCrossentropy(from_logits=True, reduction="sum")(yt, yp)) == pytest.approx(1.730, abs=1e-3)
    np.testing.assert_allclose(
        losses.BinaryCrossentropy(from_logits=True, reduction=None)(yt, yp).numpy(), [0.235, 1.496], atol=1e-3
    )
    np.testing.assert_allclose(
        losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).numpy(), [0.916, 0.714], atol=1e-3
    )
    assert float(tf.reduce_mean(losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]))) == pytest.approx(
        0.155, abs=1e-3
    )
    assert float(tf.reduce_mean(losses.log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]))) == pytest.approx(
        0.108, abs=1e-3
    )
    np.testing.assert_allclose(
        losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]]).numpy(),
        [0.0, -1.0, 1.0],
        atol=1e-6,
    )


# ---------------------------------------------------------------------------------------------
# Crossentropy numerics: Keras' clipped-probability path, and the logits path


def test_probability_path_clips_to_epsilon_in_float32():
    # A zero probability for the true class costs -log(eps), as in Keras (not inf).
    y_true = np.array([[0.0, 1.0, 0.0]])
    y_pred = np.array([[0.5, 0.0, 0.5]], np.float32)
    assert float(losses.categorical_crossentropy(y_true, y_pred)[0]) == pytest.approx(-np.log(np.float32(EPS)), 1e-6)
    assert float(losses.sparse_categorical_crossentropy([1], y_pred)[0]) == pytest.approx(
        -np.log(np.float32(EPS)) + np.log(1 + np.float32(EPS)), 1e-6
    )
    # BCE: label 0, prediction 1 -> -log(1 - (1 - eps)) with 1 - eps rounded in float32
    one_minus = np.float32(1) - np.float32(EPS)
    expected = -np.log(np.float32(1) - one_minus)
    assert float(losses.binary_crossentropy([[0.0]], np.array([[1.0]], np.float32))[0]) == pytest.approx(expected, 1e-5)


def test_categorical_probabilities_are_renormalized():
    y_true = np.array([[0.0, 1.0]])
    p = np.array([[0.2, 0.6]], np.float32)  # sums to 0.8: Keras divides by the sum first
    assert float(losses.categorical_crossentropy(y_true, p)[0]) == pytest.approx(-np.log(0.75), 1e-6)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_logits_and_probabilities_agree(smoothing):
    rng = np.random.default_rng(5)
    logits = rng.normal(0, 1.5, (8, 5)).astype(np.float32)
    probs = tf.nn.softmax(logits)
    onehot = np.eye(5, dtype=np.float32)[rng.integers(0, 5, 8)]
    a = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)(onehot, logits)
    b = losses.CategoricalCrossentropy(label_smoothing=smoothing)(onehot, probs)
    assert float(a) == pytest.approx(float(b), rel=1e-5)
    ids = onehot.argmax(-1)
    a = losses.SparseCategoricalCrossentropy(from_logits=True)(ids, logits)
    b = losses.SparseCategoricalCrossentropy()(ids, probs)
    assert float(a) == pytest.approx(float(b), rel=1e-5)
    labels = rng.integers(0, 2, (8, 5)).astype(np.float32)
    a = losses.BinaryCrossentropy(from_logits=True, label_smoothing=smoothing)(labels, logits)
    b = losses.BinaryCrossentropy(label_smoothing=smoothing)(labels, tf.sigmoid(logits))
    assert float(a) == pytest.approx(float(b), rel=1e-5)


def test_from_logits_is_stable_for_large_logits():
    logits = np.array([[1000.0, -1000.0]], np.float32)
    out = losses.categorical_crossentropy([[0.0, 1.0]], logits, from_logits=True)
    assert float(out[0]) == pytest.approx(2000.0)
    out = losses.binary_crossentropy([[0.0, 1.0]], logits, from_logits=True)
    assert float(out[0]) == pytest.approx(1000.0)


def test_sparse_labels_accept_n1_and_float_labels():
    _, p = _inputs(BY_ID["scce"])
    ids = np.random.default_rng(0).integers(0, C, N)
    ref = ref_scce(ids, p.astype(np.float64))
    for labels in (ids, ids[:, None], ids.astype(np.float32), tf.constant(ids)):
        np.testing.assert_allclose(losses.sparse_categorical_crossentropy(labels, p).numpy(), ref, rtol=1e-5)


def test_ignore_class_is_left_out_of_the_mean():
    y_true, y_pred = _sparse_ignore(np.random.default_rng(7))
    y_pred = y_pred.astype(np.float32)
    per = ref_scce(y_true, y_pred.astype(np.float64), ignore_class=-1)
    valid = y_true != -1
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(y_true, y_pred, ignore_class=-1).numpy(), per, rtol=1e-5
    )
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    assert float(loss(y_true, y_pred)) == pytest.approx(per[valid].mean(), rel=1e-5)
    assert float(losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="sum")(y_true, y_pred)) == (
        pytest.approx(per.sum(), rel=1e-5)
    )
    w = np.linspace(0.5, 1.5, N)
    assert float(loss(y_true, y_pred, w)) == pytest.approx((per * w)[valid].sum() / valid.sum(), rel=1e-5)


def test_hinge_keeps_labels_that_are_not_zero_one():
    t = np.array([[-1.0, 1.0], [1.0, -1.0]])
    p = np.array([[0.3, -0.2], [0.8, 0.1]], np.float32)
    np.testing.assert_allclose(losses.hinge(t, p).numpy(), np.maximum(1 - t * p, 0).mean(-1), rtol=1e-6)


def test_categorical_warns_for_one_column():
    with pytest.warns(SyntaxWarning, match="binary_crossentropy"):
        losses.categorical_crossentropy([[1.0], [0.0]], [[0.7], [0.2]])


# ---------------------------------------------------------------------------------------------
# dtypes


def test_dtypes_follow_keras():
    y_true = np.array([[1, 0], [0, 1]])  # int labels
    y_pred64 = np.array([[0.6, 0.4], [0.3, 0.7]])
    # Loss classes compute in their dtype (float32 unless given), whatever the inputs are.
    assert losses.CategoricalCrossentropy()(y_true, tf.constant(y_pred64)).dtype == tf.float32
    assert losses.CategoricalCrossentropy(dtype="float64")(y_true, y_pred64).dtype == tf.float64
    assert losses.MeanSquaredError().dtype == "float32"
    # Loss functions cast the labels to the predictions' dtype.
    assert losses.mean_squared_error(y_true, tf.constant(y_pred64)).dtype == tf.float64
    assert losses.mean_squared_error(y_true, y_pred64.astype(np.float32)).dtype == tf.float32


# ---------------------------------------------------------------------------------------------
# Gradients: GradientTape against central finite differences in float64


def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        up = f(x)
        x[idx] = orig - eps
        down = f(x)
        x[idx] = orig
        g[idx] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad], ids=lambda s: s.id)
def test_gradient_matches_finite_differences(spec, reduction):
    y_true, y_pred = _inputs(spec, seed=11, dtype=np.float64)
    per_sample_shape = _ref(spec, y_true, y_pred).shape
    sw = np.random.default_rng(12).uniform(0.5, 1.5, per_sample_shape)
    loss = spec.cls(reduction=reduction, dtype="float64", **spec.kwargs)

    def value(p):
        return float(loss(y_true, p, sample_weight=sw))

    x = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        out = loss(y_true, x, sample_weight=sw)
    grad = tape.gradient(out, x)
    assert grad is not None and grad.dtype == tf.float64
    np.testing.assert_allclose(grad.numpy(), _numeric_grad(value, y_pred.copy()), rtol=1e-5, atol=1e-8)


def test_gradient_flows_through_float32_loss_of_float64_predictions():
    x = tf.Variable(np.array([[0.2, 0.8]]))  # float64, cast to the loss' float32 and back
    with tf.GradientTape() as tape:
        out = losses.CategoricalCrossentropy()([[0.0, 1.0]], x)
    g = tape.gradient(out, x)
    assert g.dtype == tf.float64
    # d/dp of -log(p1 / (p0 + p1)) = [1/(p0+p1), 1/(p0+p1) - 1/p1]
    np.testing.assert_allclose(g.numpy(), [[1.0, 1.0 - 1 / 0.8]], rtol=1e-5)


def test_gradient_of_clipped_probability_is_zero():
    x = tf.Variable(np.array([[0.0, 1.0]], np.float32))
    with tf.GradientTape() as tape:
        out = losses.BinaryCrossentropy()([[1.0, 1.0]], x)
    g = tape.gradient(out, x).numpy()
    assert np.all(np.isfinite(g)) and g[0, 0] == 0.0 and g[0, 1] == 0.0


# ---------------------------------------------------------------------------------------------
# Errors


def test_sparse_with_one_hot_labels_says_what_to_do():
    with pytest.raises(ValueError, match=r"categorical_crossentropy.*integer class ids") as err:
        losses.SparseCategoricalCrossentropy()(np.eye(10)[[1, 2, 3]], np.full((3, 10), 0.1))
    assert "target.shape=(3, 10)" in str(err.value)


@pytest.mark.parametrize("labels", [np.array([1, 2, 3]), np.array([[1], [2], [3]])], ids=["n", "n1"])
def test_categorical_with_integer_labels_says_what_to_do(labels):
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy.*to_categorical\(y, 10\)"):
        losses.CategoricalCrossentropy()(labels, np.full((3, 10), 0.1))


def test_binary_shape_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r"same shape.*\(3, 2\).*\(3, 5\)"):
        losses.BinaryCrossentropy()(np.zeros((3, 2)), np.full((3, 5), 0.5))


def test_sparse_label_out_of_range():
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        losses.sparse_categorical_crossentropy([0, 7], np.full((2, 3), 1 / 3))


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`.*auto"):
        losses.MeanSquaredError(reduction="auto")


def test_bad_sample_weight_shape():
    with pytest.raises(ValueError, match="sample_weight of shape"):
        losses.MeanSquaredError()(np.zeros((4, 2)), np.zeros((4, 2)), sample_weight=np.ones(3))


# ---------------------------------------------------------------------------------------------
# get, configs


@pytest.mark.parametrize(
    "name, expected",
    [
        ("mse", losses.mean_squared_error),
        ("MSE", losses.mean_squared_error),
        ("mean_squared_error", losses.mean_squared_error),
        ("mae", losses.mean_absolute_error),
        ("mape", losses.mean_absolute_percentage_error),
        ("msle", losses.mean_squared_logarithmic_error),
        ("kld", losses.kl_divergence),
        ("bce", losses.binary_crossentropy),
        ("binary_crossentropy", losses.binary_crossentropy),
        ("categorical_crossentropy", losses.categorical_crossentropy),
        ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
        ("huber", losses.huber),
        ("log_cosh", losses.log_cosh),
        ("hinge", losses.hinge),
        ("poisson", losses.poisson),
    ],
)
def test_get_function_names(name, expected):
    assert losses.get(name) is expected


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_get_class_names_and_config_round_trip(spec):
    obj = losses.get(spec.cls.__name__)
    assert type(obj) is spec.cls and obj.reduction == "sum_over_batch_size"
    loss = spec.cls(reduction="sum", name="custom", **spec.kwargs)
    config = loss.get_config()
    assert config["name"] == "custom" and config["reduction"] == "sum"
    again = spec.cls.from_config(config)
    assert again.get_config() == config
    back = losses.get(losses.serialize(loss))
    assert type(back) is spec.cls and back.get_config() == config
    y_true, y_pred = _inputs(spec)
    assert float(back(y_true, y_pred)) == pytest.approx(float(loss(y_true, y_pred)), rel=1e-6)


def test_default_names_match_keras():
    names = {cls().name for cls in (losses.MeanSquaredError, losses.Huber, losses.LogCosh, losses.KLDivergence)}
    assert names == {"mean_squared_error", "huber_loss", "log_cosh", "kl_divergence"}
    assert losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy",
        "reduction": "sum_over_batch_size",
        "from_logits": False,
        "ignore_class": None,
    }


def test_get_passes_through_and_instantiates():
    loss = losses.Huber()
    assert losses.get(loss) is loss
    assert losses.get(None) is None
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    fn = lambda y_true, y_pred: y_pred  # noqa: E731
    assert losses.get(fn) is fn
    obj = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert isinstance(obj, losses.CategoricalCrossentropy) and obj.from_logits
    assert losses.get({"class_name": "function", "config": "mse"}) is losses.mean_squared_error


def test_get_unknown_lists_valid_identifiers():
    with pytest.raises(
        ValueError, match=r"Could not interpret loss identifier: 'mean_squared_eror'.*Did you mean"
    ) as e:
        losses.get("mean_squared_eror")
    assert "categorical_crossentropy" in str(e.value) and "mse" in str(e.value)
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)


def test_loss_function_wrapper_with_user_function():
    def quartic(y_true, y_pred, scale=1.0):
        return tf.reduce_mean((y_pred - y_true) ** 4, axis=-1) * scale

    loss = losses.LossFunctionWrapper(quartic, name="quartic", scale=2.0)
    y_true, y_pred = np.zeros((2, 1)), np.array([[1.0], [2.0]], np.float32)
    assert float(loss(y_true, y_pred)) == pytest.approx(2 * (1 + 16) / 2)
    assert loss.get_config()["scale"] == 2.0 and loss.name == "quartic"
    wrapped = losses.LossFunctionWrapper(losses.mean_squared_error, name="mse")
    again = losses.LossFunctionWrapper.from_config(wrapped.get_config())
    assert again.fn is losses.mean_squared_error


def test_custom_loss_subclass():
    class Quadratic(losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_sum((y_pred - y_true) ** 2, axis=-1)

    loss = Quadratic()
    assert loss.name == "quadratic"
    assert float(loss([[0.0, 0.0]], [[1.0, 2.0]])) == pytest.approx(5.0)


# ---------------------------------------------------------------------------------------------
# Real Keras (only when it is installed)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_matches_real_keras(spec):
    keras = pytest.importorskip("keras")
    y_true, y_pred = _inputs(spec, seed=21)
    sw = np.random.default_rng(22).uniform(0, 2, _ref(spec, y_true, y_pred).shape).astype(np.float32)
    for reduction in ("sum_over_batch_size", "sum", None):
        ours = spec.cls(reduction=reduction, **spec.kwargs)(y_true, y_pred, sample_weight=sw)
        theirs = getattr(keras.losses, spec.cls.__name__)(reduction=reduction, **spec.kwargs)(
            y_true, y_pred, sample_weight=sw
        )
        np.testing.assert_allclose(np.asarray(ours), keras.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
def test_ignore_class_and_all_reductions_match_real_keras(reduction):
    keras = pytest.importorskip("keras")
    y_true, y_pred = _sparse_ignore(np.random.default_rng(23))
    y_pred = y_pred.astype(np.float32)
    w = np.random.default_rng(24).uniform(0, 2, N).astype(np.float32)
    for sw in (None, w):
        ours = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction=reduction)(y_true, y_pred, sw)
        theirs = keras.losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction=reduction)(y_true, y_pred, sw)
        np.testing.assert_allclose(np.asarray(ours), keras.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)
    for spec in (BY_ID["mse"], BY_ID["cce"], BY_ID["bce_logits"]):
        y_t, y_p = _inputs(spec, seed=25)
        ours = spec.cls(reduction=reduction, **spec.kwargs)(y_t, y_p, sample_weight=w[:N])
        theirs = getattr(keras.losses, spec.cls.__name__)(reduction=reduction, **spec.kwargs)(
            y_t, y_p, sample_weight=w[:N]
        )
        np.testing.assert_allclose(np.asarray(ours), keras.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)


def test_configs_and_names_match_real_keras():
    keras = pytest.importorskip("keras")
    for spec in SPECS:
        ours = spec.cls(**spec.kwargs).get_config()
        theirs = getattr(keras.losses, spec.cls.__name__)(**spec.kwargs).get_config()
        # gradplay also keeps Huber's delta and CosineSimilarity's axis (Keras 3 drops them)
        extra = {k: v for k, v in ours.items() if k not in theirs}
        assert set(extra) <= {"delta", "axis"}
        assert {k: v for k, v in ours.items() if k in theirs} == theirs
    for name in losses.ALL_OBJECTS_DICT:
        if name in ("Loss", "LossFunctionWrapper"):  # abstract / needs fn: Keras cannot get() them either
            continue
        theirs = keras.losses.get(name)
        ours = losses.get(name)
        assert getattr(ours, "__name__", type(ours).__name__) == getattr(theirs, "__name__", type(theirs).__name__)
