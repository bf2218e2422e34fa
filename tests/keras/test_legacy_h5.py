"""``model.save("m.h5")`` / ``load_model("m.h5")``: Keras' legacy whole-model HDF5 format.

The gradplay round trips need only h5py; the cross checks against real Keras 3 (JAX backend) skip
without it.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="h5py is installed by `make test` (pip extras 'io' and 'compare')")

import gradplay.engine.keras as gk  # noqa: E402


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras", reason="real Keras is installed by `make test` (pip extra 'compare')")


def cnn(k):
    return k.Sequential(
        [
            k.layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            k.layers.MaxPooling2D((2, 2)),
            k.layers.Conv2D(64, (3, 3), activation="relu"),
            k.layers.MaxPooling2D((2, 2)),
            k.layers.Conv2D(64, (3, 3), activation="relu"),
            k.layers.Flatten(),
            k.layers.Dense(64, activation="relu"),
            k.layers.Dense(10, activation="softmax"),
        ]
    )


def mlp(k):
    return k.Sequential(
        [
            k.layers.Input(shape=(20,)),
            k.layers.Dense(32, activation="relu"),
            k.layers.BatchNormalization(),
            k.layers.Dropout(0.3),
            k.layers.Dense(5, activation="softmax"),
        ]
    )


def functional(k):
    x = k.layers.Input(shape=(20,))
    h = k.layers.Dense(16, activation="relu")(x)
    h = k.layers.BatchNormalization()(h)
    y = k.layers.Dense(3)(h)
    return k.Model(x, y)


def nested(k):
    data_augmentation = k.Sequential([k.layers.RandomFlip("horizontal"), k.layers.RandomRotation(0.1)])
    return k.Sequential(
        [
            k.layers.Input(shape=(12, 12, 3)),
            data_augmentation,
            k.layers.Conv2D(4, 3, activation="relu"),
            k.layers.BatchNormalization(),
            k.layers.Flatten(),
            k.layers.Dense(3),
        ]
    )


BUILDERS = {"cnn": (cnn, (28, 28, 1)), "mlp": (mlp, (20,)), "nested": (nested, (12, 12, 3))}


def _data(shape, n=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, *shape)).astype("float32")


def _perturb_bn(model):
    """Non-trivial moving statistics so the non-trainable weights are checked too."""
    rng = np.random.default_rng(1)
    for layer in model.layers:
        for v in layer.non_trainable_weights:
            v.assign(rng.uniform(0.5, 1.5, size=tuple(v.shape)).astype("float32"))


def _predict(model, x):
    return np.asarray(model.predict(x, verbose=0))


# -- gradplay only ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cnn", "mlp", "nested", "functional"])
def test_gradplay_round_trip(tmp_path, name):
    if name == "functional":
        build, shape = functional, (20,)
    else:
        build, shape = BUILDERS[name]
    model = build(gk)
    _perturb_bn(model)
    x = _data(shape)
    path = tmp_path / "m.h5"
    model.save(str(path))
    loaded = gk.models.load_model(str(path))
    assert type(loaded).__name__ == type(model).__name__
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), rtol=1e-6, atol=1e-6)
    assert not [p for p in os.listdir(tmp_path) if p != "m.h5"], "temporary files left behind"


def test_file_layout(tmp_path):
    model = mlp(gk)
    path = tmp_path / "m.h5"
    model.save(str(path))
    with h5py.File(path, "r") as f:
        assert {"keras_version", "backend", "model_config"} <= set(f.attrs)
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        g = f["model_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        bn = model.layers[1]
        wnames = [n.decode() if isinstance(n, bytes) else n for n in g[bn.name].attrs["weight_names"]]
        assert [w.split("/")[-1] for w in wnames] == ["gamma", "beta", "moving_mean", "moving_variance"]
        assert all(w.startswith(f"{model.name}/{bn.name}/") for w in wnames)
        assert len(g[model.layers[2].name].attrs["weight_names"]) == 0
        assert "top_level_model_weights" in g


def test_weights_h5_and_keras_paths_unchanged(tmp_path):
    model = mlp(gk)
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert "model_config" not in f.attrs
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(str(tmp_path / "m.txt"))


def test_shape_mismatch_names_layer(tmp_path):
    path = tmp_path / "m.h5"
    mlp(gk).save(str(path))
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        for entry in config["config"]["layers"]:
            if entry["class_name"] == "Dense" and entry["config"]["units"] == 32:
                entry["config"]["units"] = 31
                layer_name = entry["config"]["name"]
        f.attrs["model_config"] = json.dumps(config)
    with pytest.raises(ValueError, match=rf"shape mismatch.*{layer_name}"):
        gk.models.load_model(str(path))


def test_missing_config_and_not_hdf5(tmp_path):
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as f:
        f.create_group("model_weights")
    with pytest.raises(ValueError, match="No model config"):
        gk.models.load_model(str(path))
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not an hdf5 file")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        gk.models.load_model(str(bad))


# -- against real Keras 3 -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cnn", "mlp", "nested"])
def test_gradplay_save_keras_load(tmp_path, name):
    keras = _keras()
    build, shape = BUILDERS[name]
    model = build(gk)
    _perturb_bn(model)
    x = _data(shape)
    path = tmp_path / "m.h5"
    model.save(str(path))
    kmodel = keras.models.load_model(str(path))
    np.testing.assert_allclose(_predict(kmodel, x), _predict(model, x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["cnn", "mlp", "nested"])
def test_keras_save_gradplay_load(tmp_path, name):
    keras = _keras()
    build, shape = BUILDERS[name]
    kmodel = build(keras)
    _perturb_bn(kmodel)
    kmodel.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = _data(shape)
    path = tmp_path / "k.h5"
    kmodel.save(str(path))
    model = gk.models.load_model(str(path))
    np.testing.assert_allclose(_predict(model, x), _predict(kmodel, x), rtol=1e-4, atol=1e-5)


def test_functional_gradplay_save_keras_load(tmp_path):
    keras = _keras()
    model = functional(gk)
    _perturb_bn(model)
    x = _data((20,))
    path = tmp_path / "m.h5"
    model.save(str(path))
    kmodel = keras.models.load_model(str(path))
    np.testing.assert_allclose(_predict(kmodel, x), _predict(model, x), rtol=1e-4, atol=1e-5)
    kpath = tmp_path / "k.h5"
    kmodel.save(str(kpath))
    back = gk.models.load_model(str(kpath))
    np.testing.assert_allclose(_predict(back, x), _predict(model, x), rtol=1e-4, atol=1e-5)


def test_nested_model_weight_names(tmp_path):
    """A nested Sequential is one entry of layer_names; its weights are named <nested>/<layer>/<var> (as Keras)."""
    model = nested(gk)
    inner = model.layers[0]
    path = tmp_path / "m.h5"
    model.save(str(path))
    with h5py.File(path, "r") as f:
        g = f["model_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        assert json.loads(f.attrs["model_config"])["config"]["layers"][1]["class_name"] == "Sequential"
        assert len(g[inner.name].attrs["weight_names"]) == 0  # augmentation layers have no weights
        conv = model.layers[1]
        wnames = [n.decode() if isinstance(n, bytes) else n for n in g[conv.name].attrs["weight_names"]]
        assert wnames == [f"{model.name}/{conv.name}/kernel", f"{model.name}/{conv.name}/bias"]
    inner_dense = gk.Sequential([gk.layers.Input(shape=(4,)), gk.layers.Dense(3)], name="inner")
    outer = gk.Sequential([gk.layers.Input(shape=(4,)), inner_dense, gk.layers.Dense(2)])
    outer.save(str(tmp_path / "o.h5"))
    with h5py.File(tmp_path / "o.h5", "r") as f:
        wnames = [n.decode() if isinstance(n, bytes) else n for n in f["model_weights"]["inner"].attrs["weight_names"]]
        dense = inner_dense.layers[0].name
        assert wnames == [f"inner/{dense}/kernel", f"inner/{dense}/bias"]
    back = gk.models.load_model(str(tmp_path / "o.h5"))
    x = _data((4,))
    np.testing.assert_allclose(_predict(back, x), _predict(outer, x), rtol=1e-6, atol=1e-6)
