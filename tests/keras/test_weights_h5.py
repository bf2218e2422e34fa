"""``model.save_weights`` / ``model.load_weights`` with Keras 3's ``.weights.h5`` layout.

Round trips inside gradplay, both directions against real Keras 3 (JAX backend; skipped when Keras
is not installed, `make test` installs it), the group layout itself, and the error paths.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import gradplay.engine.keras as gk

h5py = pytest.importorskip("h5py", reason="h5py is installed by `make test` (pip extras 'io' and 'compare')")


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras", reason="real Keras is installed by `make test` (pip extra 'compare')")


# -- architectures, written once and built with k = gradplay.engine.keras or k = keras ----------------


def dense_bn(k):
    L = k.layers
    return k.Sequential(
        [L.Input(shape=(6,)), L.Dense(8, activation="relu"), L.Dropout(0.1), L.BatchNormalization(), L.Dense(3)]
    )


def conv_bn(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(8, 8, 2)),
            L.Conv2D(4, (3, 3), activation="relu"),
            L.BatchNormalization(),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(3, (2, 2)),
            L.Flatten(),
            L.Dense(2),
        ]
    )


def embed_lstm(k):
    L = k.layers
    return k.Sequential([L.Input(shape=(7,)), L.Embedding(30, 5), L.LSTM(4), L.Dense(2)])


def gru_rnn(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(6, 3)),
            L.GRU(4, return_sequences=True),
            L.SimpleRNN(3, return_sequences=True),
            L.LSTM(2),
            L.Dense(1),
        ]
    )


def bidirectional(k):
    L = k.layers
    return k.Sequential(
        [L.Input(shape=(7,)), L.Embedding(30, 4), L.Bidirectional(L.LSTM(3, return_sequences=True)),
         L.Bidirectional(L.GRU(2)), L.Dense(2)]
    )  # fmt: skip


def functional_mha(k):
    L = k.layers
    x = L.Input(shape=(5, 6))
    h = L.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
    h = L.LayerNormalization()(L.Add()([x, h]))
    h = L.TimeDistributed(L.Dense(4))(h)
    out = L.Dense(2)(L.GlobalAveragePooling1D()(h))
    return k.Model(x, out)


def more_convs(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(8, 8, 2)),
            L.DepthwiseConv2D((3, 3)),
            L.SeparableConv2D(3, (3, 3), padding="same"),
            L.Conv2DTranspose(2, (3, 3), strides=2),
            L.PReLU(),
            L.Reshape((-1, 2)),
            L.Conv1D(3, 3),
            L.GlobalAveragePooling1D(),
            L.Dense(2),
        ]
    )


def nested(k):
    L = k.layers
    block = k.Sequential([L.Input(shape=(6,)), L.Dense(5, activation="tanh"), L.Dense(4)])
    x = L.Input(shape=(6,))
    return k.Model(x, L.Dense(2)(block(x)))


def subclassed(k):
    class Net(k.Model):
        def __init__(self):
            super().__init__()
            self.zeta = k.layers.Dense(3)
            self.blocks = [k.layers.Dense(4, activation="relu"), k.layers.Dense(4)]
            self._head = k.layers.Dense(2)

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self._head(self.zeta(x))

    model = Net()
    model(np.zeros((1, 5), "float32"))
    return model


ARCHS = {
    "dense_bn": (dense_bn, lambda r: r.normal(size=(4, 6)).astype("float32")),
    "conv_bn": (conv_bn, lambda r: r.normal(size=(3, 8, 8, 2)).astype("float32")),
    "embed_lstm": (embed_lstm, lambda r: r.integers(0, 30, size=(4, 7)).astype("int32")),
    "gru_rnn": (gru_rnn, lambda r: r.normal(size=(4, 6, 3)).astype("float32")),
    "bidirectional": (bidirectional, lambda r: r.integers(0, 30, size=(4, 7)).astype("int32")),
    "functional_mha": (functional_mha, lambda r: r.normal(size=(3, 5, 6)).astype("float32")),
    "more_convs": (more_convs, lambda r: r.normal(size=(2, 8, 8, 2)).astype("float32")),
    "nested": (nested, lambda r: r.normal(size=(4, 6)).astype("float32")),
    "subclassed": (subclassed, lambda r: r.normal(size=(4, 5)).astype("float32")),
}


def _randomize(model, seed):
    """Random weights everywhere (BatchNorm moving variance kept positive) so nothing passes by accident."""
    r = np.random.default_rng(seed)
    model.set_weights([np.abs(r.normal(size=w.shape)).astype(w.dtype) + 0.5 for w in model.get_weights()])


def _predict(model, x):
    return np.asarray(model.predict(x, verbose=0))


def _tree(path):
    out = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append((name, getattr(obj, "shape", None))))
    return out


# -- inside gradplay ------------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", list(ARCHS))
def test_round_trip_in_gradplay(arch, tmp_path):
    build, data = ARCHS[arch]
    x = data(np.random.default_rng(0))
    src = build(gk)
    _randomize(src, 1)
    path = tmp_path / "m.weights.h5"
    src.save_weights(path)
    dst = build(gk)
    assert not np.allclose(_predict(dst, x), _predict(src, x))
    dst.load_weights(str(path))
    np.testing.assert_array_equal(_predict(dst, x), _predict(src, x))
    for a, b in zip(src.get_weights(), dst.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_layout_is_keras_layout(tmp_path):
    path = tmp_path / "m.weights.h5"
    L = gk.layers
    model = gk.Sequential([L.Input(shape=(5, 4)), L.LSTM(3), L.Dense(3, name="first"), L.Dense(2)])
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "vars" in f  # Keras <= 3.3 needs the root group
        assert f["vars"].attrs["name"] == model.name
        # Class-name keys with a per-class counter, never layer.name.
        assert f["layers/dense/vars/0"].shape == (3, 3)
        assert f["layers/dense/vars"].attrs["name"] == "first"
        assert f["layers/dense_1/vars/0"].shape == (3, 2)
        # Recurrent weights live on the Keras cell.
        assert len(f["layers/lstm/vars"]) == 0
        assert [f[f"layers/lstm/cell/vars/{i}"].shape for i in range(3)] == [(4, 12), (3, 12), (12,)]
        assert "optimizer" not in f


def test_batchnorm_stores_four_variables_in_keras_order(tmp_path):
    model = dense_bn(gk)
    _randomize(model, 3)
    bn = model.layers[2]
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        g = f["layers/batch_normalization/vars"]
        assert sorted(g) == ["0", "1", "2", "3"]
        for i, v in enumerate([bn.gamma, bn.beta, bn.moving_mean, bn.moving_variance]):
            np.testing.assert_array_equal(g[str(i)][()], v.numpy())


# -- against real Keras 3 -------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", list(ARCHS))
def test_gradplay_file_loads_in_keras(arch, tmp_path, keras):
    build, data = ARCHS[arch]
    x = data(np.random.default_rng(0))
    gm = build(gk)
    _randomize(gm, 2)
    path = tmp_path / "g.weights.h5"
    gm.save_weights(path)
    km = build(keras)
    km.load_weights(str(path))
    np.testing.assert_allclose(_predict(km, x), _predict(gm, x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("arch", list(ARCHS))
def test_keras_file_loads_in_gradplay(arch, tmp_path, keras):
    build, data = ARCHS[arch]
    x = data(np.random.default_rng(0))
    km = build(keras)
    _randomize(km, 4)
    path = tmp_path / "k.weights.h5"
    km.save_weights(str(path))
    gm = build(gk)
    gm.load_weights(path)
    np.testing.assert_allclose(_predict(gm, x), _predict(km, x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("arch", list(ARCHS))
def test_same_groups_and_shapes_as_keras(arch, tmp_path, keras):
    build, _ = ARCHS[arch]
    build(gk).save_weights(tmp_path / "g.weights.h5")
    build(keras).save_weights(str(tmp_path / "k.weights.h5"))
    ours, theirs = set(_tree(tmp_path / "g.weights.h5")), set(_tree(tmp_path / "k.weights.h5"))
    # Keras also writes empty groups for internal weightless helpers (e.g. MultiHeadAttention._softmax).
    assert ours <= theirs
    assert {t for t in theirs if t[1] is not None} == {t for t in ours if t[1] is not None}


def test_normalization_int32_count_from_keras(tmp_path, keras):
    # Keras keeps Normalization's `count` as int32 (gradplay: int64); integer widths convert when values fit.
    data = np.random.default_rng(0).normal(size=(10, 4)).astype("float32")
    models = []
    for k in (keras, gk):
        norm = k.layers.Normalization()
        norm.adapt(data * (3.0 if k is keras else 1.0) + (2.0 if k is keras else 0.0))
        models.append(k.Sequential([k.layers.Input(shape=(4,)), norm, k.layers.Dense(2)]))
    km, gm = models
    path = tmp_path / "k.weights.h5"
    km.save_weights(str(path))
    gm.load_weights(path)
    np.testing.assert_allclose(_predict(gm, data), _predict(km, data), rtol=1e-4, atol=1e-5)
    gm.save_weights(tmp_path / "g.weights.h5")
    fresh = keras.Sequential([keras.layers.Input(shape=(4,)), keras.layers.Normalization(), keras.layers.Dense(2)])
    fresh.load_weights(str(tmp_path / "g.weights.h5"))
    np.testing.assert_allclose(_predict(fresh, data), _predict(gm, data), rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_trained_keras_model_file_with_optimizer_state(tmp_path, keras):
    # A compiled and trained Keras model also writes optimizer variables; gradplay ignores them, and
    # Keras loads gradplay's file (which has none) into a compiled model.
    x = np.random.default_rng(0).normal(size=(16, 6)).astype("float32")
    y = np.random.default_rng(1).normal(size=(16, 3)).astype("float32")
    km = dense_bn(keras)
    km.compile(optimizer="adam", loss="mse")
    km.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "k.weights.h5"
    km.save_weights(str(path))
    with h5py.File(path, "r") as f:
        assert "optimizer" in f
    gm = dense_bn(gk)
    gm.load_weights(path)
    np.testing.assert_allclose(_predict(gm, x), _predict(km, x), rtol=1e-4, atol=1e-5)
    gm.save_weights(tmp_path / "g.weights.h5")
    k2 = dense_bn(keras)
    k2.compile(optimizer="adam", loss="mse")
    k2.load_weights(str(tmp_path / "g.weights.h5"))
    np.testing.assert_allclose(_predict(k2, x), _predict(gm, x), rtol=1e-4, atol=1e-5)


def test_reads_older_private_attribute_paths(tmp_path):
    # Older Keras 3 releases wrote MultiHeadAttention's projections under `_query_dense` etc.
    build, data = ARCHS["functional_mha"]
    x = data(np.random.default_rng(0))
    src = build(gk)
    _randomize(src, 6)
    path = tmp_path / "m.weights.h5"
    src.save_weights(path)
    with h5py.File(path, "a") as f:
        g = f["layers/multi_head_attention"]
        for name in ("query_dense", "key_dense", "value_dense", "output_dense"):
            g.move(name, "_" + name)
    dst = build(gk)
    dst.load_weights(path)
    np.testing.assert_array_equal(_predict(dst, x), _predict(src, x))


# -- errors ---------------------------------------------------------------------------------------------


def test_shape_mismatch_names_layer_and_shapes(tmp_path):
    path = tmp_path / "m.weights.h5"
    dense_bn(gk).save_weights(path)
    L = gk.layers
    other = gk.Sequential([L.Input(shape=(6,)), L.Dense(5), L.Dropout(0.1), L.BatchNormalization(), L.Dense(3)])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"layers/dense/vars.*expected shape \(6, 5\), received \(6, 8\)"):
        other.load_weights(path)
    for a, b in zip(before, other.get_weights()):  # nothing was half-loaded
        np.testing.assert_array_equal(a, b)


def test_skip_mismatch_warns_and_loads_the_rest(tmp_path):
    path = tmp_path / "m.weights.h5"
    src = dense_bn(gk)
    _randomize(src, 5)
    src.save_weights(path)
    L = gk.layers
    other = gk.Sequential([L.Input(shape=(6,)), L.Dense(8), L.Dropout(0.1), L.BatchNormalization(), L.Dense(4)])
    with pytest.warns(UserWarning, match="layers/dense_1/vars"):
        other.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].kernel.numpy(), src.layers[0].kernel.numpy())


def test_missing_group_is_named(tmp_path):
    path = tmp_path / "m.weights.h5"
    gk.Sequential([gk.layers.Input(shape=(6,)), gk.layers.Dense(3)]).save_weights(path)
    with pytest.raises(ValueError, match=r"no group 'layers/dense_1/vars'"):
        gk.Sequential([gk.layers.Input(shape=(6,)), gk.layers.Dense(3), gk.layers.Dense(2)]).load_weights(path)


def test_wrong_dtype_is_reported(tmp_path):
    path = tmp_path / "m.weights.h5"
    model = gk.Sequential([gk.layers.Input(shape=(2,)), gk.layers.Dense(1)])
    model.save_weights(path)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = np.zeros((1,), np.float64)
    with pytest.raises(ValueError, match="expected dtype float32, received float64"):
        model.load_weights(path)


def test_not_hdf5(tmp_path):
    path = tmp_path / "m.weights.h5"
    path.write_bytes(b"PK\x03\x04 this is a zip, not HDF5")
    model = gk.Sequential([gk.layers.Input(shape=(2,)), gk.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"is not an HDF5 file .* first bytes are b'PK"):
        model.load_weights(path)
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "absent.weights.h5")


def test_empty_file(tmp_path):
    path = tmp_path / "m.weights.h5"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        gk.Sequential([gk.layers.Input(shape=(2,)), gk.layers.Dense(1)]).load_weights(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "m.weights.h5"
    model = conv_bn(gk)
    model.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        model.load_weights(path)


def test_suffix_and_unbuilt_model(tmp_path):
    model = gk.Sequential([gk.layers.Input(shape=(2,)), gk.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="not yet been built"):
        gk.Sequential([gk.layers.Dense(1)]).save_weights(tmp_path / "m.weights.h5")


def test_write_is_atomic(tmp_path, monkeypatch):
    from gradplay.engine.keras.saving import weights_h5

    path = tmp_path / "m.weights.h5"
    model = dense_bn(gk)
    model.save_weights(path)
    original = path.read_bytes()

    def boom(f, entries):
        f.create_group("layers/partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(weights_h5, "_write", boom)
    other = dense_bn(gk)
    with pytest.raises(RuntimeError, match="disk full"):
        other.save_weights(path)
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["m.weights.h5"]  # no temporary file left behind
    monkeypatch.undo()
    with pytest.raises(FileExistsError):
        model.save_weights(path, overwrite=False)
