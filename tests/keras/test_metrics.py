"""Keras metrics: every metric against a NumPy reference over several ``update_state`` calls with
sample weights, ``reset_state``, AUC against a direct computation, names and lookup, and (when
``keras`` is installed) real Keras."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import losses, metrics

N, C = 16, 5


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# Per-sample NumPy references; a Mean metric is sum(value * w) / sum(w) over all batches.


def ref_binary_acc(t, p, threshold=0.5):
    return ((p > threshold).astype(float) == t).mean(-1)


def ref_in_top_k(ids, p, k):
    score = p[np.arange(len(ids)), ids.astype(int)]
    return ((p > score[:, None]).sum(-1) < k).astype(float)


@dataclasses.dataclass
class MeanSpec:
    id: str
    make: Callable  # () -> metric
    data: Callable  # rng -> (y_true, y_pred)
    ref: Callable  # (y_true, y_pred) -> per-sample values (float64)


def _binary(rng):
    return rng.integers(0, 2, (N, 1)).astype(np.float32), rng.uniform(0, 1, (N, 1)).astype(np.float32)


def _multilabel(rng):
    return rng.integers(0, 2, (N, 3)).astype(np.float32), rng.uniform(0, 1, (N, 3)).astype(np.float32)


def _onehot(rng):
    return np.eye(C, dtype=np.float32)[rng.integers(0, C, N)], _softmax(rng.normal(size=(N, C))).astype(np.float32)


def _sparse(rng):
    return rng.integers(0, C, N), _softmax(rng.normal(size=(N, C))).astype(np.float32)


def _sparse_n1(rng):
    t, p = _sparse(rng)
    return t[:, None], p


def _ties(rng):
    # Rounded scores: ties at the top-k boundary count as "in", as tf.math.in_top_k does.
    return rng.integers(0, C, N), np.round(rng.uniform(0, 1, (N, C)), 1).astype(np.float32)


def _regression(rng):
    return rng.normal(size=(N, 3)).astype(np.float32), rng.normal(size=(N, 3)).astype(np.float32)


def _positive(rng):
    return rng.uniform(0.2, 3, (N, 3)).astype(np.float32), rng.uniform(0.2, 3, (N, 3)).astype(np.float32)


def _exact(rng):
    t = rng.integers(0, 3, (N, 2))
    p = np.where(rng.uniform(size=(N, 2)) < 0.6, t, t + 1)
    return t, p


MEAN_SPECS = [
    MeanSpec("accuracy", metrics.Accuracy, _exact, lambda t, p: (t == p).mean(-1)),
    MeanSpec("binary_accuracy", metrics.BinaryAccuracy, _binary, ref_binary_acc),
    MeanSpec("binary_accuracy_multilabel", metrics.BinaryAccuracy, _multilabel, ref_binary_acc),
    MeanSpec(
        "binary_accuracy_threshold",
        lambda: metrics.BinaryAccuracy(threshold=0.7),
        _binary,
        lambda t, p: ref_binary_acc(t, p, 0.7),
    ),
    MeanSpec(
        "categorical_accuracy",
        metrics.CategoricalAccuracy,
        _onehot,
        lambda t, p: (t.argmax(-1) == p.argmax(-1)).astype(float),
    ),
    MeanSpec(
        "sparse_categorical_accuracy",
        metrics.SparseCategoricalAccuracy,
        _sparse,
        lambda t, p: (t == p.argmax(-1)).astype(float),
    ),
    MeanSpec(
        "sparse_categorical_accuracy_n1",
        metrics.SparseCategoricalAccuracy,
        _sparse_n1,
        lambda t, p: (t[:, 0] == p.argmax(-1)).astype(float),
    ),
    MeanSpec(
        "top_k",
        lambda: metrics.TopKCategoricalAccuracy(k=2),
        _onehot,
        lambda t, p: ref_in_top_k(t.argmax(-1), p, 2),
    ),
    MeanSpec(
        "sparse_top_k",
        lambda: metrics.SparseTopKCategoricalAccuracy(k=2),
        _sparse,
        lambda t, p: ref_in_top_k(t, p, 2),
    ),
    MeanSpec(
        "sparse_top_k_ties",
        lambda: metrics.SparseTopKCategoricalAccuracy(k=2),
        _ties,
        lambda t, p: ref_in_top_k(t, p, 2),
    ),
    MeanSpec("mse", metrics.MeanSquaredError, _regression, lambda t, p: ((t - p) ** 2).mean(-1)),
    MeanSpec("mae", metrics.MeanAbsoluteError, _regression, lambda t, p: np.abs(t - p).mean(-1)),
    MeanSpec(
        "mape",
        metrics.MeanAbsolutePercentageError,
        _positive,
        lambda t, p: 100 * np.abs((t - p) / t).mean(-1),
    ),
    MeanSpec(
        "msle",
        metrics.MeanSquaredLogarithmicError,
        _positive,
        lambda t, p: ((np.log1p(p) - np.log1p(t)) ** 2).mean(-1),
    ),
    MeanSpec(
        "cosine",
        metrics.CosineSimilarity,
        _regression,
        lambda t, p: (t * p).sum(-1) / np.linalg.norm(t, axis=-1) / np.linalg.norm(p, axis=-1),
    ),
    MeanSpec("logcosh", metrics.LogCoshError, _regression, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    MeanSpec("poisson", metrics.Poisson, _positive, lambda t, p: (p - t * np.log(p + 1e-7)).mean(-1)),
    MeanSpec(
        "bce",
        metrics.BinaryCrossentropy,
        _multilabel,
        lambda t, p: -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1),
    ),
    MeanSpec(
        "cce",
        metrics.CategoricalCrossentropy,
        _onehot,
        lambda t, p: -(t * np.log(p)).sum(-1),
    ),
    MeanSpec(
        "scce",
        metrics.SparseCategoricalCrossentropy,
        _sparse,
        lambda t, p: -np.log(p[np.arange(len(t)), t.astype(int)]),
    ),
]


def _batches(spec, seed=0, n=3):
    rng = np.random.default_rng(seed)
    return [spec.data(rng) + (rng.uniform(0, 2, N).astype(np.float32),) for _ in range(n)]


@pytest.mark.parametrize("spec", MEAN_SPECS, ids=lambda s: s.id)
def test_mean_metrics_over_several_batches(spec):
    m = spec.make()
    batches = _batches(spec)
    for y_true, y_pred, _ in batches:
        m.update_state(y_true, y_pred)
    per = np.concatenate([spec.ref(np.asarray(t, float), np.asarray(p, float)) for t, p, _ in batches])
    out = m.result()
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float32 and out.shape == ()
    assert float(out) == pytest.approx(per.mean(), rel=1e-5, abs=1e-6)

    # weighted, after reset_state; tensors as inputs work too
    m.reset_state()
    assert float(m.result()) == 0.0
    assert all(np.all(v.numpy() == 0) for v in m.variables)
    for y_true, y_pred, w in batches:
        m.update_state(tf.constant(y_true), tf.constant(y_pred), sample_weight=w)
    ws = np.concatenate([w for *_, w in batches])
    assert float(m.result()) == pytest.approx((per * ws).sum() / ws.sum(), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("spec", MEAN_SPECS, ids=lambda s: s.id)
def test_calling_a_metric_updates_and_returns_the_result(spec):
    (y_true, y_pred, _), *_ = _batches(spec, seed=3, n=1)
    m = spec.make()
    first = float(m(y_true, y_pred))
    assert first == pytest.approx(spec.ref(np.asarray(y_true, float), np.asarray(y_pred, float)).mean(), rel=1e-5)


def test_root_mean_squared_error():
    rng = np.random.default_rng(1)
    m = metrics.RootMeanSquaredError()
    sq, ws = [], []
    for _ in range(3):
        t, p = rng.normal(size=(N, 2)), rng.normal(size=(N, 2))
        w = rng.uniform(0, 2, N)
        m.update_state(t, p, sample_weight=w)
        sq.append(((p - t) ** 2).mean(-1))
        ws.append(w)
    sq, ws = np.concatenate(sq), np.concatenate(ws)
    assert float(m.result()) == pytest.approx(np.sqrt((sq * ws).sum() / ws.sum()), rel=1e-5)
    assert m.name == "root_mean_squared_error"


def test_mean_and_sum_follow_keras_weight_rules():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.update_state([[1, 3], [5, 7]], sample_weight=[1.0, 0.0])  # per-row mean, weighted: 2 * 1
    assert float(m.result()) == pytest.approx((16 + 2) / (4 + 1))
    m.reset_state()
    m.update_state(tf.constant(3.0), sample_weight=2)  # a scalar loss with a scalar weight
    m.update_state(tf.constant(6.0), sample_weight=1)
    assert float(m.result()) == pytest.approx(12 / 3)
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    s.update_state([[1.0, 2.0]])
    assert float(s.result()) == 7.0


def test_keras_documented_values():
    # Numbers from the Keras 3 docstrings (keras/src/metrics/*.py).
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 0.5
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == 0.5
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)
    m = metrics.RootMeanSquaredError()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    assert float(m.result()) == pytest.approx(0.70710677)
    m = metrics.MeanSquaredLogarithmicError()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    assert float(m.result()) == pytest.approx(0.12011322, rel=1e-5)
    m = metrics.LogCoshError()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    assert float(m.result()) == pytest.approx(0.21689045, rel=1e-5)
    m = metrics.CosineSimilarity(axis=1)
    m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]], sample_weight=[0.3, 0.7])
    assert float(m.result()) == pytest.approx(0.7, rel=1e-5)
    m = metrics.Precision()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert float(m.result()) == 1.0
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(m.result()) == 0.0
    m = metrics.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(m.result()) == 0.5
    for cls, expected in [
        (metrics.TruePositives, 2.0),
        (metrics.FalsePositives, 1.0),
        (metrics.TrueNegatives, 0.0),
        (metrics.FalseNegatives, 1.0),
    ]:
        m = cls()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        assert float(m.result()) == expected
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert float(m.result()) == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# Precision, Recall and the confusion counts


def _confusion_ref(t, p, thresholds, w=None):
    t = np.asarray(t, bool).reshape(-1)
    p = np.asarray(p, float).reshape(-1)
    w = np.ones_like(p) if w is None else np.broadcast_to(w, p.shape)
    pos = p[None] > np.asarray(thresholds)[:, None]
    return {
        "tp": ((t & pos) * w).sum(1),
        "fp": ((~t & pos) * w).sum(1),
        "tn": ((~t & ~pos) * w).sum(1),
        "fn": ((t & ~pos) * w).sum(1),
    }


@pytest.mark.parametrize("thresholds", [None, 0.3, [0.2, 0.5, 0.9], [0.0, 0.25, 0.5, 0.75, 1.0]], ids=str)
@pytest.mark.parametrize("cls", [metrics.Precision, metrics.Recall])
def test_precision_recall_against_counts(cls, thresholds):
    rng = np.random.default_rng(4)
    m = cls(thresholds=thresholds)
    th = [0.5] if thresholds is None else np.atleast_1d(thresholds)
    tot = {k: np.zeros(len(th)) for k in ("tp", "fp", "fn")}
    for _ in range(3):
        t = rng.integers(0, 2, (N, 1))
        p = rng.uniform(0, 1, (N, 1)).astype(np.float32)
        w = rng.uniform(0, 2, N).astype(np.float32)
        m.update_state(t, p, sample_weight=w)
        counts = _confusion_ref(t, p, th, np.repeat(w, 1))
        for k in tot:
            tot[k] += counts[k]
    other = tot["fp"] if cls is metrics.Precision else tot["fn"]
    den = tot["tp"] + other
    expected = np.where(den == 0, 0.0, tot["tp"] / np.where(den == 0, 1, den))  # divide_no_nan
    out = m.result().numpy()
    np.testing.assert_allclose(out, expected[0] if len(th) == 1 else expected, rtol=1e-5)
    m.reset_state()
    assert np.all(np.asarray(m.result()) == 0)


def test_precision_recall_class_id_and_top_k():
    rng = np.random.default_rng(9)
    t = np.eye(C)[rng.integers(0, C, N)]
    p = _softmax(rng.normal(size=(N, C))).astype(np.float32)
    m = metrics.Recall(class_id=2)
    m.update_state(t, p)
    c = _confusion_ref(t[:, 2], p[:, 2], [0.5])
    tp, fn = c["tp"][0], c["fn"][0]
    assert float(m.result()) == pytest.approx(tp / (tp + fn) if tp + fn else 0.0)
    m = metrics.Precision(top_k=1)
    m.update_state(t, p)
    top1 = np.eye(C)[p.argmax(-1)].astype(bool)
    assert float(m.result()) == pytest.approx((top1 & t.astype(bool)).sum() / top1.sum())


def test_evenly_spaced_and_general_threshold_paths_agree():
    rng = np.random.default_rng(6)
    t = rng.integers(0, 2, (50, 3))
    p = rng.uniform(-0.2, 1.2, (50, 3)).astype(np.float32)
    w = rng.uniform(0, 2, 50)
    th = np.array([-1e-7] + [i / 9 for i in range(1, 9)] + [1 + 1e-7])
    fast = metrics._confusion_counts(t, p, th, evenly=True, sample_weight=w)
    slow = metrics._confusion_counts(t, np.clip(p, 0, 1), th, evenly=False, sample_weight=w)
    for k in ("tp", "fp", "tn", "fn"):
        np.testing.assert_allclose(fast[k], slow[k], rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# AUC against a direct computation of Keras' discretized formula, and against the exact AUC


def _auc_direct(t, p, w, num_thresholds, curve="ROC", method="interpolation"):
    th = np.array([-1e-7] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + 1e-7])
    c = _confusion_ref(t, np.clip(p, 0, 1), th, w)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]

    def div(a, b):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))

    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pp = tp + fp
        dp = pp[:-1] - pp[1:]
        slope = div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        return np.sum(div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)))
    recall = div(tp, tp + fn)
    x, y = (div(fp, fp + tn), recall) if curve == "ROC" else (recall, div(tp, tp + fp))
    heights = {
        "interpolation": (y[:-1] + y[1:]) / 2,
        "minoring": np.minimum(y[:-1], y[1:]),
        "majoring": np.maximum(y[:-1], y[1:]),
    }[method]
    return np.sum((x[:-1] - x[1:]) * heights)


@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("num_thresholds", [3, 50, 200])
def test_auc_matches_direct_computation(curve, method, num_thresholds):
    rng = np.random.default_rng(num_thresholds)
    m = metrics.AUC(num_thresholds=num_thresholds, curve=curve, summation_method=method)
    ts, ps, ws = [], [], []
    for _ in range(3):
        t = rng.integers(0, 2, N)
        p = np.clip(0.3 * t + rng.uniform(0, 0.7, N), 0, 1).astype(np.float32)
        w = rng.uniform(0, 2, N)
        m.update_state(t, p, sample_weight=w)
        ts.append(t), ps.append(p), ws.append(w)
    expected = _auc_direct(np.concatenate(ts), np.concatenate(ps), np.concatenate(ws), num_thresholds, curve, method)
    assert float(m.result()) == pytest.approx(expected, rel=1e-4, abs=1e-6)


def test_auc_approaches_the_exact_roc_auc():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 2000)
    p = _sigmoid_np(rng.normal(size=2000) + 1.2 * t).astype(np.float32)
    m = metrics.AUC()
    for i in range(0, 2000, 500):
        m.update_state(t[i : i + 500], p[i : i + 500])
    pos, neg = p[t == 1], p[t == 0]
    exact = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (len(pos) * len(neg))
    assert float(m.result()) == pytest.approx(exact, abs=2e-3)


def _sigmoid_np(x):
    return 1 / (1 + np.exp(-x))


def test_auc_from_logits_explicit_thresholds_and_multilabel():
    rng = np.random.default_rng(2)
    t = rng.integers(0, 2, (N, 3))
    logits = rng.normal(size=(N, 3)).astype(np.float32)
    a = metrics.AUC(from_logits=True)
    a.update_state(t, logits)
    b = metrics.AUC()
    b.update_state(t, _sigmoid_np(logits))
    assert float(a.result()) == pytest.approx(float(b.result()), rel=1e-5)

    th = [0.1, 0.35, 0.5, 0.8]  # not evenly spaced: the general path
    m = metrics.AUC(thresholds=th)
    m.update_state(t, _sigmoid_np(logits))
    c = _confusion_ref(t, _sigmoid_np(logits), [-1e-7] + th + [1 + 1e-7])
    fpr = c["fp"] / (c["fp"] + c["tn"])
    tpr = c["tp"] / (c["tp"] + c["fn"])
    assert float(m.result()) == pytest.approx(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2), rel=1e-5)
    assert m.get_config()["thresholds"] == pytest.approx(th)

    ml = metrics.AUC(multi_label=True, num_thresholds=20)
    ml.update_state(t, _sigmoid_np(logits))
    per_label = []
    for j in range(3):
        one = metrics.AUC(num_thresholds=20)
        one.update_state(t[:, j], _sigmoid_np(logits[:, j]))
        per_label.append(float(one.result()))
    assert float(ml.result()) == pytest.approx(np.mean(per_label), rel=1e-5)
    weighted = metrics.AUC(multi_label=True, num_thresholds=20, label_weights=[1.0, 0.0, 3.0])
    weighted.update_state(t, _sigmoid_np(logits))
    assert float(weighted.result()) == pytest.approx((per_label[0] + 3 * per_label[2]) / 4, rel=1e-5)


def test_auc_validates_arguments():
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XYZ")
    with pytest.raises(ValueError, match="summation method"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])


# ---------------------------------------------------------------------------------------------
# State, names, configs, lookup


def test_variables_are_non_trainable_engine_variables():
    for m in (metrics.Mean(), metrics.AUC(), metrics.Precision(thresholds=[0.2, 0.8]), metrics.BinaryAccuracy()):
        assert m.variables and all(isinstance(v, tf.Variable) and not v.trainable for v in m.variables)
        assert all(v.dtype == tf.float32 for v in m.variables)
    assert [v.name for v in metrics.Mean().variables] == ["total:0", "count:0"]
    assert metrics.AUC().variables[0].shape == (200,)


def test_names_dtype_and_config():
    assert metrics.AUC().name == "auc"
    assert metrics.Precision().name == "precision"
    assert metrics.BinaryAccuracy().name == "binary_accuracy"
    assert metrics.Mean().dtype == "float32"
    assert metrics.BinaryAccuracy(threshold=0.3).get_config() == {
        "name": "binary_accuracy",
        "dtype": "float32",
        "threshold": 0.3,
    }
    for m in (
        metrics.SparseTopKCategoricalAccuracy(k=3, name="top3"),
        metrics.AUC(curve="PR", num_thresholds=11),
        metrics.Recall(thresholds=[0.1, 0.9], class_id=1),
        metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    ):
        again = type(m).from_config(m.get_config())
        assert again.get_config() == m.get_config()
        assert metrics.get(metrics.serialize(m)).get_config() == m.get_config()
    with pytest.raises(ValueError, match="threshold"):
        metrics.BinaryAccuracy(threshold=1.5)


@pytest.mark.parametrize(
    "name, cls",
    [
        ("mae", metrics.MeanAbsoluteError),
        ("MSE", metrics.MeanSquaredError),
        ("mse", metrics.MeanSquaredError),
        ("AUC", metrics.AUC),
        ("auc", metrics.AUC),
        ("binary_accuracy", metrics.BinaryAccuracy),
        ("SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy),
        ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
        ("root_mean_squared_error", metrics.RootMeanSquaredError),
        ("precision", metrics.Precision),
        ("recall", metrics.Recall),
        ("kl_divergence", metrics.KLDivergence),
        ("accuracy", metrics.Accuracy),  # compile turns "accuracy" into the right one first
    ],
)
def test_get_by_name(name, cls):
    assert type(metrics.get(name)) is cls


def test_get_other_identifiers():
    m = metrics.AUC()
    assert metrics.get(m) is m
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert isinstance(metrics.get({"class_name": "AUC", "config": {"num_thresholds": 7}}), metrics.AUC)
    with pytest.raises(ValueError, match=r"Could not interpret metric identifier: 'precission'.*Did you mean"):
        metrics.get("precission")


def test_mean_metric_wrapper_with_user_and_loss_functions():
    def abs_error(y_true, y_pred):
        return tf.reduce_mean(tf.abs(tf.constant(y_pred) - y_true), axis=-1)

    m = metrics.MeanMetricWrapper(abs_error, name="my_mae")
    m.update_state(np.zeros((2, 2), np.float32), np.array([[1.0, 3.0], [0.0, 2.0]], np.float32), [1.0, 3.0])
    assert m.name == "my_mae"
    assert float(m.result()) == pytest.approx((2 * 1 + 1 * 3) / 4)
    m = metrics.MeanMetricWrapper(losses.categorical_crossentropy, from_logits=True)
    logits = np.array([[2.0, 0.0], [0.0, 1.0]], np.float32)
    m.update_state([[1.0, 0.0], [1.0, 0.0]], logits)
    expected = -np.log(_softmax(logits)[:, 0]).mean()
    assert float(m.result()) == pytest.approx(expected, rel=1e-5)


def test_public_accuracy_functions_return_tensors():
    out = metrics.sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    assert isinstance(out, tf.Tensor) and out.shape == (2,)
    np.testing.assert_array_equal(out.numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(metrics.binary_accuracy([[1], [0]], [[0.7], [0.7]]).numpy(), [1.0, 0.0])


# ---------------------------------------------------------------------------------------------
# compile's "accuracy"


@pytest.mark.parametrize(
    "loss, y_true_shape, y_pred_shape, expected",
    [
        ("binary_crossentropy", (32, 1), (32, 1), metrics.BinaryAccuracy),
        ("mse", (32,), (32, 1), metrics.BinaryAccuracy),
        ("sparse_categorical_crossentropy", (32,), (32, 10), metrics.SparseCategoricalAccuracy),
        (losses.SparseCategoricalCrossentropy(from_logits=True), (32, 1), (32, 10), metrics.SparseCategoricalAccuracy),
        ("categorical_crossentropy", (32, 10), (32, 10), metrics.CategoricalAccuracy),
        # Keras 3 looks at shapes only: multi-label sigmoid outputs get categorical accuracy
        ("binary_crossentropy", (32, 3), (32, 3), metrics.CategoricalAccuracy),
        # without label shapes, the loss decides (tf.keras 2's rule)
        ("binary_crossentropy", None, (32, 3), metrics.BinaryAccuracy),
        (losses.sparse_categorical_crossentropy, None, (32, 10), metrics.SparseCategoricalAccuracy),
        (losses.CategoricalCrossentropy(), None, (32, 10), metrics.CategoricalAccuracy),
    ],
)
def test_resolve_accuracy(loss, y_true_shape, y_pred_shape, expected):
    m = metrics.resolve_accuracy(loss, y_true_shape, y_pred_shape)
    assert type(m) is expected and m.name == "accuracy"
    assert metrics.resolve_accuracy(loss, y_true_shape, y_pred_shape, name="acc").name == "acc"


# ---------------------------------------------------------------------------------------------
# Real Keras (only when it is installed)


@pytest.mark.parametrize("spec", MEAN_SPECS, ids=lambda s: s.id)
def test_matches_real_keras(spec):
    keras = pytest.importorskip("keras")
    ours = spec.make()
    theirs = _keras_twin(keras, ours)
    for y_true, y_pred, w in _batches(spec, seed=8):
        ours.update_state(y_true, y_pred, sample_weight=w)
        theirs.update_state(y_true, y_pred, sample_weight=w)
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=1e-5, atol=1e-6)


def _keras_twin(keras, metric):
    cls = getattr(keras.metrics, type(metric).__name__)
    return cls.from_config(metric.get_config())


def test_auc_matches_real_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    for kwargs in ({}, {"curve": "PR"}, {"num_thresholds": 7, "summation_method": "minoring"}):
        ours, theirs = metrics.AUC(**kwargs), keras.metrics.AUC(**kwargs)
        for _ in range(3):
            t = rng.integers(0, 2, N)
            p = rng.uniform(0, 1, N).astype(np.float32)
            w = rng.uniform(0, 2, N).astype(np.float32)
            ours.update_state(t, p, sample_weight=w)
            theirs.update_state(t, p, sample_weight=w)
        assert float(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-5, abs=1e-6)


def test_sparse_top_k_from_sorted_ids():
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    m.update_state([3, 1, 0], [[3, 0, 2], [2, 0, 1], [1, 2, 0]], sample_weight=[1.0, 1.0, 2.0])
    assert float(m.result()) == pytest.approx(1 / 4)
    assert m.get_config()["from_sorted_ids"] is True


def test_sparse_crossentropy_metric_ignore_class():
    t = np.array([0, -1, 2, 1])
    p = _softmax(np.random.default_rng(0).normal(size=(4, 3))).astype(np.float32)
    w = np.array([1.0, 5.0, 2.0, 1.0])
    m = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    m.update_state(t, p, sample_weight=w)
    valid = t != -1
    ce = -np.log(p[np.arange(4), np.where(valid, t, 0)])
    assert float(m.result()) == pytest.approx((ce * w)[valid].sum() / w[valid].sum(), rel=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"thresholds": [0.1, 0.5, 0.9]}, {"thresholds": [0.0, 0.5, 1.0]}, {"top_k": 2}, {"class_id": 3}],
    ids=str,
)
def test_precision_recall_match_real_keras(kwargs):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(31)
    t = np.eye(C)[rng.integers(0, C, 20)]
    p = rng.uniform(0, 1, (20, C)).astype(np.float32)
    w = rng.uniform(0, 2, 20).astype(np.float32)
    for name in ("Precision", "Recall"):
        ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
        for sw in (None, w):
            ours.update_state(t, p, sample_weight=sw)
            theirs.update_state(t, p, sample_weight=sw)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), rtol=1e-5)
        assert ours.get_config() == {**theirs.get_config(), "name": ours.name}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"multi_label": True},
        {"multi_label": True, "label_weights": [1.0, 0.0, 3.0]},
        {"label_weights": [1.0, 0.0, 3.0]},
        {"from_logits": True},
        {"thresholds": [0.1, 0.35, 0.5, 0.8]},
        {"curve": "PR", "multi_label": True},
    ],
    ids=str,
)
def test_auc_variants_match_real_keras(kwargs):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(32)
    t = rng.integers(0, 2, (30, 3))
    p = rng.uniform(0, 1, (30, 3)).astype(np.float32)
    w = rng.uniform(0, 2, 30).astype(np.float32)
    ours, theirs = metrics.AUC(**kwargs), keras.metrics.AUC(**kwargs)
    for sw in (None, w):
        ours.update_state(t, p, sample_weight=sw)
        theirs.update_state(t, p, sample_weight=sw)
    assert float(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-5, abs=1e-6)


def test_mean_weight_rules_and_resolve_accuracy_match_real_keras():
    keras = pytest.importorskip("keras")
    from keras.src.trainers import compile_utils

    rng = np.random.default_rng(33)
    cases = [
        (rng.normal(size=(4, 3)), rng.uniform(size=(4, 3))),
        (rng.normal(size=(4, 3, 2)), rng.uniform(size=(4,))),
        (rng.normal(size=(4, 3, 2)), rng.uniform(size=(4, 3))),
        (rng.normal(size=(4,)), 2.0),
    ]
    for values, sw in cases:
        for name in ("Mean", "Sum"):
            ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
            ours.update_state(values, sw)
            theirs.update_state(values, sw)
            assert float(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-5)
    for ts, ps in [((8, 1), (8, 1)), ((8,), (8, 1)), ((8,), (8, 10)), ((8, 1), (8, 10)), ((8, 3), (8, 3))]:
        theirs = compile_utils.get_metric("accuracy", np.zeros(ts), np.zeros(ps))
        assert type(metrics.resolve_accuracy(None, ts, ps)).__name__ == type(theirs).__name__


def test_metric_configs_and_lookup_match_real_keras():
    keras = pytest.importorskip("keras")
    for name in metrics.ALL_OBJECTS_DICT:
        if name in ("Metric", "metric", "MeanMetricWrapper", "mean_metric_wrapper"):
            continue
        ours, theirs = metrics.get(name), keras.metrics.get(name)
        assert type(ours).__name__ == type(theirs).__name__
        config = {**theirs.get_config(), "name": ours.name}  # Keras numbers repeated names (auc_1)
        extra = {k: v for k, v in ours.get_config().items() if k not in config}
        assert set(extra) <= {"axis"}  # gradplay keeps CosineSimilarity's axis
        assert {k: v for k, v in ours.get_config().items() if k in config} == config
