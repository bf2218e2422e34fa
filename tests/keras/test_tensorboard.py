"""``callbacks.TensorBoard``: the event files are read back with the real TensorBoard's EventAccumulator."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

from gradplay.engine import keras  # noqa: E402
from gradplay.engine.keras import callbacks, layers  # noqa: E402


def _load(folder):
    acc = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0}
    )
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [e.value for e in acc.Scalars(tag)], [e.step for e in acc.Scalars(tag)]


def _fit(log_dir, epochs=3, **kwargs):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 1).astype("int32")
    tb = callbacks.TensorBoard(log_dir=str(log_dir), **kwargs)
    history = model.fit(x, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0, callbacks=[tb])
    return model, history


def test_epoch_scalars_equal_history(tmp_path):
    _, history = _fit(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, validation = _load(tmp_path / "train"), _load(tmp_path / "validation")
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(train.Tags()["scalars"])
    assert set(validation.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy"}
    for key in ("loss", "accuracy"):
        values, steps = _scalars(train, f"epoch_{key}")
        assert steps == [0, 1, 2]
        np.testing.assert_allclose(values, history.history[key], rtol=1e-6)
        values, _ = _scalars(validation, f"epoch_{key}")
        np.testing.assert_allclose(values, history.history[f"val_{key}"], rtol=1e-6)
    np.testing.assert_allclose(_scalars(train, "epoch_learning_rate")[0], [0.01] * 3, rtol=1e-6)
    assert train.Tags()["histograms"] == []  # histogram_freq=0


def test_histograms_every_n_epochs(tmp_path):
    model, _ = _fit(tmp_path, epochs=5, histogram_freq=2)
    train = _load(tmp_path / "train")
    dense = model.layers[0].name
    tags = set(train.Tags()["histograms"])
    assert f"{dense}/kernel" in tags and f"{dense}/bias" in tags and len(tags) == 4
    events = train.Histograms(f"{dense}/kernel")
    assert [e.step for e in events] == [0, 2, 4]
    last = events[-1].histogram_value
    kernel = model.layers[0].kernel.numpy()
    assert last.num == kernel.size
    np.testing.assert_allclose([last.min, last.max, last.sum], [kernel.min(), kernel.max(), kernel.sum()], rtol=1e-5)


def test_batch_updates_and_graph(tmp_path):
    _, history = _fit(tmp_path, epochs=2, update_freq=2, write_graph=True)
    train = _load(tmp_path / "train")
    _, steps = _scalars(train, "batch_loss")
    assert steps == [2, 4, 6]  # 3 batches per epoch, every second batch
    assert "keras" in train.Tags()["tensors"]
    config = json.loads(train.Tensors("keras")[0].tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"
    from tensorboard.plugins.graph import keras_util

    graph = keras_util.keras_model_to_graph_def(config)
    assert len(graph.node) >= 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(update_freq="sometimes")
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        callbacks.TensorBoard(bogus=1)
    with pytest.warns(UserWarning, match="write_images"):
        callbacks.TensorBoard(write_images=True)


def test_missing_tensorboardx_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['tensorboardX'] = None\n"
        "import numpy as np\n"
        "from gradplay.engine import keras\n"
        "m = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])\n"
        "m.compile(optimizer='sgd', loss='mse')\n"
        f"tb = keras.callbacks.TensorBoard(log_dir={str(tmp_path)!r})\n"
        "try:\n"
        "    m.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0, callbacks=[tb])\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "gradplay[export]"' in out
