"""``model.save("m.keras")`` / ``load_model`` in Keras 3's zip format, checked against real Keras when installed."""

import json
import os
import zipfile

import numpy as np
import pytest

pytest.importorskip("h5py")

import gradplay.engine as tf  # noqa: E402
from gradplay.engine.keras import layers  # noqa: E402
from gradplay.engine.keras.models import load_model  # noqa: E402


def _mlp(L, K):
    return K.Sequential(
        [K.Input(shape=(4,)), L.Dense(8, activation="relu"), L.Dropout(0.2), L.Dense(3, activation="softmax")]
    )


def _cnn(L, K):
    return K.Sequential(
        [
            K.Input(shape=(8, 8, 1)),
            L.Conv2D(4, 3, activation="relu", padding="same"),
            L.BatchNormalization(),
            L.MaxPooling2D(),
            L.Flatten(),
            L.Dense(5),
        ]
    )


def _branches(L, K):
    i = K.Input(shape=(8, 8, 1))
    a = L.Conv2D(4, 3, activation="relu")(i)
    a = L.BatchNormalization()(a)
    a = L.MaxPooling2D()(a)
    a = L.Flatten()(a)
    b = L.Flatten()(i)
    b = L.Dense(36, activation="tanh")(b)
    c = L.add([a, b])
    d = L.Concatenate()([c, a])
    o = L.Dense(2)(d)
    return K.Model(i, o)


def _two_inputs(L, K):
    x1 = K.Input(shape=(3,), name="x1")
    x2 = K.Input(shape=(5,), name="x2")
    a = L.Dense(4, activation="relu")(x1)
    b = L.Dense(4)(x2)
    m = L.Concatenate()([a, b])
    return K.Model([x1, x2], [L.Dense(2)(m), L.Dense(1)(a)])


def _rnn(L, K):
    return K.Sequential([K.Input(shape=(6,)), L.Embedding(20, 4), L.LSTM(5), L.Dense(2)])


def _shared(L, K):
    x1 = K.Input(shape=(4,), name="a")
    x2 = K.Input(shape=(4,), name="b")
    dense = L.Dense(3, activation="relu")
    merged = L.Subtract()([dense(x1), dense(x2)])
    return K.Model(inputs={"a": x1, "b": x2}, outputs=L.Dense(2, kernel_regularizer="l2")(merged))


def _called_outside(L, K):
    dense = L.Dense(3)
    dense(K.Input(shape=(4,)))  # a call outside the model: node 0 of `dense` is not in it
    x = K.Input(shape=(4,))
    return K.Model(x, L.Dense(2)(dense(x)))


def _input_shape(L, K):
    return K.Sequential([L.Dense(6, activation="relu", input_shape=(4,)), L.Dense(2)])


def _wrappers(L, K):
    return K.Sequential(
        [K.Input(shape=(6, 3)), L.TimeDistributed(L.Dense(4)), L.Bidirectional(L.LSTM(3)), L.RepeatVector(2)]
    )


def _augment(L, K):
    return K.Sequential(
        [
            K.Input(shape=(8, 8, 1)),
            L.Rescaling(1 / 255.0),
            L.RandomFlip("horizontal"),
            L.RandomRotation(0.1),
            L.Conv2D(2, 3),
            L.GlobalAveragePooling2D(),
            L.Dense(2),
        ]
    )


def _nested(L, K):
    """A data-augmentation Sequential inside a Sequential (the image-classification tutorials' pattern)."""
    data_augmentation = K.Sequential([L.RandomFlip("horizontal"), L.RandomRotation(0.1)])
    return K.Sequential([K.Input(shape=(8, 8, 1)), data_augmentation, L.Conv2D(2, 3), L.Flatten(), L.Dense(2)])


def _nested_functional(L, K):
    """A Sequential (with its own Input and weights) called inside a functional model."""
    inner = K.Sequential([K.Input(shape=(8, 8, 1)), L.Conv2D(3, 3, activation="relu"), L.BatchNormalization()])
    x = K.Input(shape=(8, 8, 1))
    h = K.Sequential([L.RandomFlip("horizontal")])(x)
    h = inner(h)
    return K.Model(x, L.Dense(2)(L.GlobalAveragePooling2D()(h)))


BUILDERS = {
    "nested": _nested,
    "nested_functional": _nested_functional,
    "augment": _augment,
    "wrappers": _wrappers,
    "shared": _shared,
    "called_outside": _called_outside,
    "input_shape": _input_shape,
    "mlp": _mlp,
    "cnn": _cnn,
    "branches": _branches,
    "two_inputs": _two_inputs,
    "rnn": _rnn,
}


def _data(name, seed=0):
    rng = np.random.default_rng(seed)
    if name == "shared":
        return {"a": rng.normal(size=(5, 4)).astype("float32"), "b": rng.normal(size=(5, 4)).astype("float32")}
    if name in ("mlp", "input_shape", "called_outside"):
        return rng.normal(size=(5, 4)).astype("float32")
    if name in ("cnn", "branches", "augment", "nested", "nested_functional"):
        return rng.normal(size=(5, 8, 8, 1)).astype("float32")
    if name == "two_inputs":
        return [rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 5)).astype("float32")]
    if name == "wrappers":
        return rng.normal(size=(5, 6, 3)).astype("float32")
    return rng.integers(0, 20, size=(5, 6)).astype("int32")


def _gp_model(name):
    m = BUILDERS[name](layers, tf.keras)
    if name in ("cnn", "branches"):  # non-trivial moving statistics
        for layer in m.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.moving_mean.assign(np.linspace(-0.5, 0.5, 4).astype("float32"))
                layer.moving_variance.assign(np.linspace(0.5, 2.0, 4).astype("float32"))
    return m


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def _close(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5)


# -- gradplay round trip (no keras needed) ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_round_trip(tmp_path, name):
    m = _gp_model(name)
    x = _data(name)
    path = tmp_path / "m.keras"
    m.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
    assert {"module", "class_name", "config", "registered_name"} <= set(config)
    assert [p for p in os.listdir(tmp_path) if p != "m.keras"] == []  # no temp files left
    loaded = load_model(path)
    assert type(loaded).__name__ == type(m).__name__
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in m.layers]
    _close(_predict(m, x), _predict(loaded, x))


def test_namespaces():
    from gradplay.engine import keras

    assert keras.models.load_model is load_model
    assert callable(keras.saving.load_model)


def test_sequential_config_shape(tmp_path):
    m = _gp_model("mlp")
    m.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        config = json.loads(zf.read("config.json"))
    first = config["config"]["layers"][0]
    assert first["class_name"] == "InputLayer" and first["config"]["batch_shape"] == [None, 4]
    assert all("module" in entry for entry in config["config"]["layers"])


def test_save_requires_keras_suffix(tmp_path):
    with pytest.raises(ValueError, match=".keras"):
        _gp_model("mlp").save(tmp_path / "m.zip")


# -- safety ------------------------------------------------------------------------------------


def _good_archive(tmp_path):
    path = tmp_path / "good.keras"
    _gp_model("mlp").save(path)
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_rejects_path_traversal(tmp_path):
    members = _good_archive(tmp_path)
    members["../evil.txt"] = b"x"
    path = _write(tmp_path / "bad.keras", members)
    with pytest.raises(ValueError, match="'..' path"):
        load_model(path)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_rejects_absolute_member(tmp_path):
    members = _good_archive(tmp_path)
    members["/etc/evil"] = b"x"
    with pytest.raises(ValueError, match="absolute"):
        load_model(_write(tmp_path / "bad.keras", members))


def test_rejects_zip_bomb_ratio(tmp_path):
    members = _good_archive(tmp_path)
    members["model.weights.h5"] = b"\0" * (8 << 20)  # deflates ~1000:1
    path = _write(tmp_path / "bomb.keras", members, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match="decompression bomb"):
        load_model(path)


def test_rejects_corrupt_zip(tmp_path):
    path = tmp_path / "m.keras"
    _gp_model("mlp").save(path)
    data = path.read_bytes()
    (tmp_path / "trunc.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="zip"):
        load_model(tmp_path / "trunc.keras")
    (tmp_path / "junk.keras").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="zip"):
        load_model(tmp_path / "junk.keras")


def test_rejects_unknown_class(tmp_path):
    members = _good_archive(tmp_path)
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["class_name"] = "FancyLayer"
    members["config.json"] = json.dumps(config)
    with pytest.raises(ValueError, match="FancyLayer"):
        load_model(_write(tmp_path / "bad.keras", members))


def test_failed_save_leaves_old_file(tmp_path):
    path = tmp_path / "m.keras"
    _gp_model("mlp").save(path)
    before = path.read_bytes()

    class Custom(tf.keras.Model):
        def call(self, x):
            return x

    with pytest.raises(NotImplementedError):
        Custom().save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]


# -- against real Keras 3 ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keras_loads_gradplay_file(tmp_path, keras, name):
    m = _gp_model(name)
    x = _data(name)
    path = tmp_path / "m.keras"
    m.save(path)
    loaded = keras.saving.load_model(path)
    _close(_predict(m, x), _predict(loaded, x))


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_gradplay_loads_keras_file(tmp_path, keras, name):
    km = BUILDERS[name](keras.layers, keras)
    rng = np.random.default_rng(1)
    for layer in km.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(size=4).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2, size=4).astype("float32"))
    x = _data(name)
    path = tmp_path / "k.keras"
    km.save(path)
    loaded = load_model(path)
    _close(_predict(km, x), _predict(loaded, x))


def test_gradplay_loads_trained_keras_file(tmp_path, keras):
    """A compiled, trained Keras model also stores optimizer state and a compile_config; the weights still load."""
    km = _mlp(keras.layers, keras)
    km.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = _data("mlp")
    km.fit(x, np.arange(5) % 3, epochs=1, verbose=0)
    km.save(tmp_path / "k.keras")
    _close(_predict(km, x), _predict(load_model(tmp_path / "k.keras"), x))


def test_keras_loads_trained_gradplay_file(tmp_path, keras):
    m = _gp_model("cnn")
    m.compile(optimizer="adam", loss="mse")
    x = _data("cnn")
    m.fit(x, np.zeros((5, 5), "float32"), epochs=1, verbose=0)
    m.save(tmp_path / "m.keras")
    _close(_predict(m, x), _predict(keras.saving.load_model(tmp_path / "m.keras"), x))


LAYER_ARGS = {
    "Dense": (3,),
    "Activation": ("relu",),
    "Flatten": (),
    "Reshape": ((2, 2),),
    "Permute": ((2, 1),),
    "Dropout": (0.1,),
    "GaussianNoise": (0.1,),
    "Embedding": (5, 2),
    "ReLU": (),
    "LeakyReLU": (),
    "ELU": (),
    "PReLU": (),
    "Softmax": (),
    "BatchNormalization": (),
    "LayerNormalization": (),
    "Conv1D": (2, 3),
    "Conv2D": (2, 3),
    "Conv2DTranspose": (2, 3),
    "MaxPooling1D": (),
    "MaxPooling2D": (),
    "GlobalAveragePooling2D": (),
    "GlobalMaxPooling1D": (),
    "UpSampling2D": (),
    "ZeroPadding2D": (),
    "Cropping2D": (),
    "RepeatVector": (2,),
    "Rescaling": (0.5,),
    "RandomFlip": (),
    "RandomRotation": (0.1,),
    "RandomZoom": (0.1,),
    "RandomTranslation": (0.1, 0.2),
    "SimpleRNN": (2,),
    "LSTM": (2,),
    "GRU": (2,),
    "Add": (),
    "Concatenate": (),
    "MultiHeadAttention": (2, 4),
}


@pytest.mark.parametrize("name", sorted(LAYER_ARGS))
def test_layer_configs_both_ways(keras, name):
    """Each layer's config as written here is accepted by Keras 3, and Keras 3's config is accepted here."""
    from gradplay.engine.keras.saving import keras_zip

    entry = json.loads(json.dumps(keras_zip._layer_entry(getattr(layers, name)(*LAYER_ARGS[name]))))
    assert type(keras.layers.deserialize(entry)).__name__ == name
    k_entry = json.loads(json.dumps(keras.layers.serialize(getattr(keras.layers, name)(*LAYER_ARGS[name]))))
    assert type(keras_zip._build_layer(k_entry, None)).__name__ == name


def test_nested_weights_layout_matches_keras(tmp_path, keras):
    """The nested model's weights sit under layers/sequential/layers/<class>/vars, as Keras 3 writes them."""
    import h5py

    def paths(model, name):
        model.save(tmp_path / f"{name}.keras")
        with zipfile.ZipFile(tmp_path / f"{name}.keras") as zf:
            (tmp_path / f"{name}.weights.h5").write_bytes(zf.read("model.weights.h5"))
        found = []
        with h5py.File(tmp_path / f"{name}.weights.h5", "r") as f:
            f.visit(found.append)
        return sorted(found)

    ours = paths(_gp_model("nested"), "g")
    theirs = paths(BUILDERS["nested"](keras.layers, keras), "k")
    assert "layers/sequential/layers/random_flip/vars" in ours
    assert ours == theirs
