"""Plain .npz weights and weights as bytes in memory (both formats)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import layers, models
from gradplay.engine.keras.saving import weights_npz


def build():
    return models.Sequential(
        [
            layers.Input(shape=(6, 3)),
            layers.LSTM(4, return_sequences=True),
            layers.BatchNormalization(),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )


def randomized(model):
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


X = np.random.default_rng(1).random((5, 6, 3), np.float32)


def test_npz_round_trip_with_the_h5_layout_keys(tmp_path):
    tf.keras.backend.clear_session()
    src = randomized(build())
    path = tmp_path / "m.npz"
    src.save_weights(path)
    with np.load(path, allow_pickle=False) as archive:
        keys = set(archive.files)
    assert "layers/lstm/cell/vars/0" in keys and "layers/batch_normalization/vars/3" in keys
    dst = build()
    dst.load_weights(path)
    np.testing.assert_array_equal(dst.predict(X, verbose=0), src.predict(X, verbose=0))


@pytest.mark.parametrize("fmt", ["npz", "h5"])
def test_weights_as_bytes_round_trip(fmt):
    src = randomized(build())
    data = weights_npz.weights_to_bytes(src, fmt)
    assert isinstance(data, bytes) and len(data) > 100
    dst = build()
    weights_npz.load_weights_from_bytes(dst, data, fmt)
    np.testing.assert_array_equal(dst.predict(X, verbose=0), src.predict(X, verbose=0))


def test_wrong_architecture_names_key_layer_and_shapes_and_changes_nothing(tmp_path):
    src = randomized(build())
    path = tmp_path / "m.npz"
    src.save_weights(path)
    other = models.Sequential(
        [
            layers.Input(shape=(6, 3)),
            layers.LSTM(5, return_sequences=True),
            layers.BatchNormalization(),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    before = [w.copy() for w in other.get_weights()]
    with pytest.raises(ValueError, match=r"expected shape \(3, 20\), received \(3, 16\)"):
        other.load_weights(path)
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_pickles_and_corrupt_files_are_refused(tmp_path):
    model = build()
    evil = tmp_path / "evil.npz"
    np.savez(evil, **{"layers/dense/vars/0": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="pickled"):
        model.load_weights(evil)
    good = weights_npz.weights_to_bytes(randomized(build()), "npz")
    truncated = tmp_path / "cut.npz"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        model.load_weights(truncated)
    with pytest.raises(ValueError, match="Unknown weights format"):
        weights_npz.weights_to_bytes(model, "pickle")
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(io.BytesIO(good))
