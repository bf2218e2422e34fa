"""ModelCheckpoint and BackupAndRestore, including a process killed in the middle of a write."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import callbacks, layers, models, optimizers

pytest.importorskip("h5py", reason="the .weights.h5 format needs h5py (installed by `make test`)")


def model():
    m = models.Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="relu"), layers.Dense(1)])
    m.compile(optimizer=optimizers.SGD(0.05), loss="mse")
    return m


X = np.random.default_rng(0).random((32, 3), np.float32)
Y = X.sum(1, keepdims=True)


class Script(callbacks.Callback):
    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


def test_filepath_template_and_save_best_only(tmp_path):
    template = str(tmp_path / "{epoch:02d}-{val_loss:.2f}.weights.h5")
    ckpt = callbacks.ModelCheckpoint(template, save_weights_only=True, save_best_only=True)
    model().fit(X, Y, epochs=4, verbose=0, callbacks=[Script([0.5, 0.7, 0.3, 0.4]), ckpt])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01-0.50.weights.h5", "03-0.30.weights.h5"]
    every = callbacks.ModelCheckpoint(
        str(tmp_path / "all" / "e{epoch}.npz"), save_weights_only=True, monitor="loss", mode="min"
    )
    m = model()
    m.fit(X, Y, epochs=2, verbose=0, callbacks=[every])
    restored = model()
    restored.load_weights(tmp_path / "all" / "e2.npz")
    np.testing.assert_array_equal(restored.predict(X, verbose=0), m.predict(X, verbose=0))


def test_save_freq_in_batches_and_bad_arguments(tmp_path):
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "b{batch}.weights.h5"), save_weights_only=True, save_freq=2)
    model().fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[ckpt])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b1.weights.h5", "b3.weights.h5"]
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="hourly")
    bad = callbacks.ModelCheckpoint(str(tmp_path / "{val_acc}.weights.h5"), save_weights_only=True)
    with pytest.raises(KeyError, match="val_acc"):
        model().fit(X, Y, epochs=1, verbose=0, callbacks=[bad])


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    backup = tmp_path / "backup"

    class Crash(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt("simulated interruption")

    m = model()
    with pytest.raises(KeyboardInterrupt):
        m.fit(X, Y, epochs=6, verbose=0, callbacks=[callbacks.BackupAndRestore(backup), Crash()])
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 3}
    saved = m.get_weights()
    resumed = model()
    seen = []
    probe = callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append(resumed.get_weights()))
    history = resumed.fit(X, Y, epochs=6, verbose=0, callbacks=[callbacks.BackupAndRestore(backup), probe])
    assert history.epoch == [3, 4, 5]  # epochs 0-2 were done before the interruption
    for a, b in zip(seen[0], saved):  # the backed-up weights were loaded before training went on
        np.testing.assert_array_equal(a, b)
    assert not backup.exists()  # deleted after a complete run


WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from gradplay.engine.keras import callbacks, layers, models
    target = sys.argv[1]
    m = models.Sequential([layers.Input(shape=(3,)), layers.Dense(64, activation="relu"), layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    x = np.random.rand(64, 3).astype("float32")
    print("ready", flush=True)
    m.fit(x, x.sum(1, keepdims=True), batch_size=4, epochs=100000, verbose=0,
          callbacks=[callbacks.ModelCheckpoint(target, save_weights_only=True, save_freq=1)])
    """
)


@pytest.mark.parametrize("suffix", [".weights.h5", ".npz"])
def test_killing_the_process_mid_write_never_leaves_a_broken_file(tmp_path, suffix):
    target = tmp_path / f"ckpt{suffix}"
    reader = models.Sequential([layers.Input(shape=(3,)), layers.Dense(64, activation="relu"), layers.Dense(1)])
    rng = random.Random(0)
    loads = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.3, 0.9))  # dozens of checkpoint writes per second by now
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert target.exists()
        reader.load_weights(target)  # old or new, but always complete
        loads += 1
    assert loads == 6
    assert tf.reduce_sum(reader.layers[0].kernel).numpy() != 0


def test_whole_model_checkpoints_in_the_keras_format(tmp_path):
    path = tmp_path / "best.keras"
    m = model()
    ckpt = callbacks.ModelCheckpoint(str(path), monitor="loss", save_best_only=True)
    m.fit(X, Y, epochs=3, verbose=0, callbacks=[ckpt])
    restored = models.load_model(path)
    assert restored.count_params() == m.count_params()
    np.testing.assert_allclose(restored.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-6)
