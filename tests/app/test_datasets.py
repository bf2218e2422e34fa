"""The Playground's data generators (checked against TF Playground's rules) and input features."""

import numpy as np
import pytest

from gradplay.app import datasets, features


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_shapes_dtypes_and_label_sets(name):
    d = datasets.get(name)
    pts, labels = datasets.generate(name, d.num_samples, 0.2, rng(), num_classes=4)
    assert pts.shape == (d.num_samples, 2) and pts.dtype == np.float32
    assert labels.shape == (d.num_samples,)
    assert np.all(np.isfinite(pts)) and np.all(np.abs(pts) < 12)
    if d.kind == "binary":
        assert set(np.unique(labels)) == {-1.0, 1.0}
    elif d.kind == "multiclass":
        assert set(np.unique(labels)) == {0, 1, 2, 3}
        assert np.unique(labels, return_counts=True)[1].min() >= d.num_samples // 4 - 1  # balanced
    else:
        assert labels.dtype == np.float32 and labels.min() >= -1.5 and labels.max() <= 1.5


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_same_rng_seed_same_data(name):
    a = datasets.generate(name, 200, 0.1, rng(7), 3)
    b = datasets.generate(name, 200, 0.1, rng(7), 3)
    c = datasets.generate(name, 200, 0.1, rng(8), 3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_tf_sample_counts():
    assert datasets.NUM_SAMPLES_CLASSIFY == 500 and datasets.NUM_SAMPLES_REGRESS == 1200
    assert datasets.get("circle").num_samples == 500
    assert datasets.get("reg-gauss").num_samples == 1200


def test_circle_geometry_without_noise():
    pts, labels = datasets.circle(500, 0.0, rng())
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert np.all(labels[r < 2.5] == 1) and np.all(labels[r >= 2.5] == -1)
    assert np.all((r <= 2.5) | ((r >= 3.5) & (r <= 5.0)))  # TF's gap between 2.5 and 3.5
    assert (labels == 1).sum() == 250


def test_circle_noise_flips_some_labels():
    pts, labels = datasets.circle(500, 0.5, rng())
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert np.any(labels[r < 2.5] == -1)


def test_xor_rule_and_padding():
    pts, labels = datasets.xor(500, 0.0, rng())
    assert np.all(np.abs(pts) >= 0.3 - 1e-6) and np.all(np.abs(pts) <= 5.3 + 1e-6)
    np.testing.assert_array_equal(labels, np.where(pts[:, 0] * pts[:, 1] >= 0, 1.0, -1.0))


def test_gauss_centres_and_variance():
    pts, labels = datasets.gauss(4000, 0.0, rng())
    np.testing.assert_allclose(pts[labels == 1].mean(0), [2, 2], atol=0.1)
    np.testing.assert_allclose(pts[labels == -1].mean(0), [-2, -2], atol=0.1)
    np.testing.assert_allclose(pts[labels == 1].var(0), [0.5, 0.5], rtol=0.15)  # TF: variance 0.5 at noise 0
    noisy, _ = datasets.gauss(4000, 0.5, rng())
    np.testing.assert_allclose(noisy[:2000].var(0), [4, 4], rtol=0.15)  # and 4 at noise 0.5


def test_spiral_matches_tf_formula_without_noise():
    pts, labels = datasets.spiral(500, 0.0, rng())
    i = np.arange(250)
    r, t = i / 250 * 5, 1.75 * i / 250 * 2 * np.pi
    np.testing.assert_allclose(pts[:250], np.stack([r * np.sin(t), r * np.cos(t)], 1), atol=1e-5)
    np.testing.assert_allclose(pts[250:], -pts[:250], atol=1e-5)  # the other arm is rotated by pi
    assert np.all(labels[:250] == 1) and np.all(labels[250:] == -1)


def test_regression_labels():
    pts, labels = datasets.reg_plane(1200, 0.0, rng())
    np.testing.assert_allclose(labels, (pts[:, 0] + pts[:, 1]) / 10, atol=1e-6)
    pts, labels = datasets.reg_gauss(1200, 0.0, rng())
    near = np.hypot(pts[:, 0] - 0, pts[:, 1] - 2.5) < 0.2
    assert near.any() and np.all(labels[near] < -0.85)  # the (0, 2.5) bump is negative
    far = np.min(np.hypot(pts[:, None, 0] - [-4, 0, 4], np.abs(pts[:, None, 1]) - 2.5), axis=1) > 2
    assert np.all(labels[far] == 0)


def test_multiclass_blobs_are_separate():
    pts, labels = datasets.multigauss(600, 0.0, rng(), num_classes=6)
    centres = np.array([pts[labels == c].mean(0) for c in range(6)])
    np.testing.assert_allclose(np.hypot(centres[:, 0], centres[:, 1]), 3.5, atol=0.2)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="Unknown dataset 'moons'"):
        datasets.get("moons")
    with pytest.raises(ValueError, match="noise"):
        datasets.generate("xor", 100, 5, rng())
    with pytest.raises(ValueError, match="num_classes"):
        datasets.generate("multigauss", 100, 0.0, rng(), num_classes=1)


def test_split_is_tf_floor():
    pts, labels = datasets.generate("circle", 500, 0.0, rng())
    x_tr, y_tr, x_te, y_te = datasets.split(pts, labels, 30)
    assert len(x_tr) == 150 and len(x_te) == 350
    np.testing.assert_array_equal(np.concatenate([x_tr, x_te]), pts)


FEATURE_FORMULAS = {
    "x": lambda a, b: a,
    "y": lambda a, b: b,
    "xSquared": lambda a, b: a * a,
    "ySquared": lambda a, b: b * b,
    "xTimesY": lambda a, b: a * b,
    "sinX": lambda a, b: np.sin(a),
    "sinY": lambda a, b: np.sin(b),
    "cosX": lambda a, b: np.cos(a),
    "cosY": lambda a, b: np.cos(b),
}


def test_feature_table_matches_tf():
    assert list(features.NAMES) == list(FEATURE_FORMULAS)
    pts = rng().uniform(-6, 6, (50, 2)).astype(np.float32)
    out = features.transform(pts, list(FEATURE_FORMULAS))
    assert out.shape == (50, 9) and out.dtype == np.float32
    for j, f in enumerate(FEATURE_FORMULAS.values()):
        np.testing.assert_allclose(out[:, j], f(pts[:, 0], pts[:, 1]), rtol=1e-6, atol=1e-6)
    assert features.LABELS["xTimesY"] == "x₁x₂" and features.LABELS["cosY"] == "cos(x₂)"


def test_feature_errors():
    with pytest.raises(ValueError, match="Unknown feature"):
        features.transform(np.zeros((2, 2)), ["z"])
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        features.transform(np.zeros((2, 3)), ["x"])
