"""Compile settings saved with the model (``compile_config`` in ``.keras``, ``training_config`` in ``.h5``) and
restored by ``load_model``, checked against real Keras 3 when installed."""

import json
import os
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

import gradplay.engine as tf  # noqa: E402
from gradplay.engine.keras import losses, metrics, optimizers  # noqa: E402
from gradplay.engine.keras.models import load_model  # noqa: E402

EXTS = ["keras", "h5"]


def _mlp(K):
    return K.Sequential([K.Input(shape=(4,)), K.layers.Dense(8, activation="relu"), K.layers.Dense(3, "softmax")])


def _data(n=12):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype("float32"), (np.arange(n) % 3).astype("int32")


def _trained(K, **compile_kwargs):
    m = _mlp(K)
    m.compile(**compile_kwargs)
    x, y = _data()
    m.fit(x, y, epochs=1, verbose=0)
    return m


def _lr(opt):
    value = opt.learning_rate
    return float(np.asarray(value.numpy() if hasattr(value, "numpy") else value))


def _settings(setting):
    """Fresh compile arguments (an optimizer instance belongs to one model)."""
    return {
        "strings": lambda: dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]),
        "objects": lambda: dict(
            optimizer=optimizers.SGD(learning_rate=0.05, momentum=0.9),
            loss=losses.SparseCategoricalCrossentropy(),
            metrics=[metrics.SparseCategoricalAccuracy(), "sparse_top_k_categorical_accuracy"],
        ),
        "function": lambda: dict(
            optimizer=optimizers.RMSprop(learning_rate=0.002),
            loss=losses.sparse_categorical_crossentropy,
            metrics=["accuracy"],
        ),
    }[setting]()


SETTINGS = ["function", "objects", "strings"]


@pytest.mark.parametrize("ext", EXTS)
@pytest.mark.parametrize("setting", SETTINGS)
def test_round_trip_compiled(tmp_path, ext, setting):
    m = _trained(tf.keras, **_settings(setting))
    x, y = _data()
    path = tmp_path / f"m.{ext}"
    m.save(path)
    loaded = load_model(path)
    assert loaded.compiled
    assert type(loaded.optimizer) is type(m.optimizer)
    assert _lr(loaded.optimizer) == pytest.approx(_lr(m.optimizer))
    assert loaded.optimizer.get_config() == m.optimizer.get_config()
    assert int(loaded.optimizer.iterations) == 0  # the optimizer state is not saved
    # evaluate works without compile() and gives the same loss and metrics
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), m.evaluate(x, y, verbose=0), rtol=1e-6)
    assert loaded.metrics_names == m.metrics_names
    loaded.fit(x, y, epochs=1, verbose=0)  # and it trains
    assert not load_model(path, compile=False).compiled


def test_compile_config_layout(tmp_path):
    m = _trained(tf.keras, **_settings("objects"))
    m.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        config = json.loads(zf.read("config.json"))["compile_config"]
    assert set(config) == {
        "optimizer",
        "loss",
        "loss_weights",
        "metrics",
        "weighted_metrics",
        "run_eagerly",
        "steps_per_execution",
        "jit_compile",
    }
    assert config["optimizer"]["module"] == "keras.optimizers" and config["optimizer"]["class_name"] == "SGD"
    assert config["optimizer"]["config"]["momentum"] == pytest.approx(0.9)
    assert config["loss"]["module"] == "keras.losses"
    assert config["loss"]["class_name"] == "SparseCategoricalCrossentropy"
    assert config["metrics"][0]["class_name"] == "SparseCategoricalAccuracy"
    assert config["metrics"][1] == "sparse_top_k_categorical_accuracy"
    m.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        training = json.loads(f.attrs["training_config"])
    assert training["optimizer_config"]["class_name"] == "SGD"
    assert training["loss"] == {"class_name": "SparseCategoricalCrossentropy", "config": m.loss.get_config()}


@pytest.mark.parametrize("ext", EXTS)
def test_uncompiled_stays_uncompiled(tmp_path, ext):
    m = _mlp(tf.keras)
    m.save(tmp_path / f"m.{ext}")
    loaded = load_model(tmp_path / f"m.{ext}")
    assert not loaded.compiled
    if ext == "keras":
        with zipfile.ZipFile(tmp_path / "m.keras") as zf:
            assert "compile_config" not in json.loads(zf.read("config.json"))
    else:
        with h5py.File(tmp_path / "m.h5", "r") as f:
            assert "training_config" not in f.attrs


@pytest.mark.parametrize("ext", EXTS)
def test_custom_loss_needs_custom_objects(tmp_path, ext):
    def my_loss(y_true, y_pred):
        return tf.reduce_mean(tf.square(y_pred - 1.0))

    m = _mlp(tf.keras)
    m.compile(optimizer="adam", loss=my_loss)
    m.save(tmp_path / f"m.{ext}")
    with pytest.raises(ValueError, match="my_loss.*custom_objects"):
        load_model(tmp_path / f"m.{ext}")
    assert not load_model(tmp_path / f"m.{ext}", compile=False).compiled
    loaded = load_model(tmp_path / f"m.{ext}", custom_objects={"my_loss": my_loss})
    x, _ = _data()
    np.testing.assert_allclose(loaded.evaluate(x, x[:, :3], verbose=0), m.evaluate(x, x[:, :3], verbose=0), rtol=1e-6)


def test_lambda_loss_cannot_be_saved_compiled(tmp_path):
    m = _mlp(tf.keras)
    m.compile(optimizer="adam", loss=lambda t, p: tf.reduce_mean(p))
    with pytest.raises(ValueError, match="no name"):
        m.save(tmp_path / "m.keras")
    assert os.listdir(tmp_path) == []


# -- against real Keras 3 ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def _keras_settings(keras, setting):
    return {
        "strings": dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]),
        "objects": dict(
            optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=[keras.metrics.SparseCategoricalAccuracy(), "sparse_top_k_categorical_accuracy"],
        ),
        "function": dict(
            optimizer=keras.optimizers.RMSprop(learning_rate=0.002),
            loss=keras.losses.sparse_categorical_crossentropy,
            metrics=["accuracy"],
        ),
    }[setting]


def _evaluate(model, x, y):
    out = model.evaluate(x, y, verbose=0)
    return np.asarray(out if isinstance(out, list) else [out], dtype="float64")


@pytest.mark.parametrize("ext", EXTS)
@pytest.mark.parametrize("setting", SETTINGS)
def test_keras_file_loads_compiled(tmp_path, keras, ext, setting):
    km = _trained(keras, **_keras_settings(keras, setting))
    x, y = _data()
    path = tmp_path / f"k.{ext}"
    km.save(path)
    loaded = load_model(path)
    assert loaded.compiled
    assert type(loaded.optimizer).__name__ == type(km.optimizer).__name__
    assert _lr(loaded.optimizer) == pytest.approx(_lr(km.optimizer))
    np.testing.assert_allclose(_evaluate(loaded, x, y), _evaluate(km, x, y), rtol=1e-4, atol=1e-5)
    assert not load_model(path, compile=False).compiled


@pytest.mark.parametrize("ext", EXTS)
@pytest.mark.parametrize("setting", SETTINGS)
def test_gradplay_file_loads_compiled_in_keras(tmp_path, keras, ext, setting):
    m = _trained(tf.keras, **_settings(setting))
    x, y = _data()
    path = tmp_path / f"m.{ext}"
    m.save(path)
    km = keras.saving.load_model(path)
    assert km.compiled
    assert type(km.optimizer).__name__ == type(m.optimizer).__name__
    assert _lr(km.optimizer) == pytest.approx(_lr(m.optimizer))
    np.testing.assert_allclose(_evaluate(km, x, y), _evaluate(m, x, y), rtol=1e-4, atol=1e-5)


def test_nested_compiled_both_ways(tmp_path, keras):
    """The tutorials' augmentation model, compiled, saved by each side and loaded compiled by the other."""

    def build(K):
        aug = K.Sequential([K.layers.RandomFlip("horizontal"), K.layers.RandomRotation(0.1)])
        m = K.Sequential([K.Input(shape=(8, 8, 3)), aug, K.layers.Conv2D(2, 3), K.layers.Flatten(), K.layers.Dense(3)])
        m.compile(
            optimizer=K.optimizers.Adam(learning_rate=0.01),
            loss=K.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return m

    x = np.random.default_rng(2).uniform(size=(6, 8, 8, 3)).astype("float32")
    y = np.arange(6) % 3
    ours, theirs = build(tf.keras), build(keras)
    ours.save(tmp_path / "g.keras")
    theirs.save(tmp_path / "k.keras")
    in_keras = keras.saving.load_model(tmp_path / "g.keras")
    in_gradplay = load_model(tmp_path / "k.keras")
    assert in_keras.compiled and in_gradplay.compiled
    np.testing.assert_allclose(_evaluate(in_keras, x, y), _evaluate(ours, x, y), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_evaluate(in_gradplay, x, y), _evaluate(theirs, x, y), rtol=1e-4, atol=1e-5)
    assert type(in_gradplay.layers[0]).__name__ == "Sequential"


def test_keras2_training_config(tmp_path):
    """A tf.keras 2 `.h5` (as the TF 2 tutorials wrote `mnist_model.h5`): Keras-2 optimizer keys, nested metrics."""
    m = _mlp(tf.keras)
    m.save(tmp_path / "m.h5")
    training_config = {
        "loss": "sparse_categorical_crossentropy",
        "metrics": [
            [
                {
                    "class_name": "MeanMetricWrapper",
                    "config": {"name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"},
                }
            ]
        ],
        "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {
            "class_name": "Adam",
            "config": {
                "name": "Adam",
                "weight_decay": None,
                "clipnorm": None,
                "global_clipnorm": None,
                "clipvalue": None,
                "use_ema": False,
                "ema_momentum": 0.99,
                "ema_overwrite_frequency": None,
                "jit_compile": True,
                "is_legacy_optimizer": False,
                "learning_rate": 0.0005,
                "beta_1": 0.9,
                "beta_2": 0.999,
                "epsilon": 1e-07,
                "amsgrad": False,
            },
        },
    }
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
    loaded = load_model(tmp_path / "m.h5")
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    assert _lr(loaded.optimizer) == pytest.approx(0.0005)
    x, y = _data()
    loss, acc = loaded.evaluate(x, y, verbose=0)
    assert loaded.metrics_names == ["loss", "accuracy"]
    assert 0 <= acc <= 1 and np.isfinite(loss)
