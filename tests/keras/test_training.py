"""The training loop and its callbacks, behaviour by behaviour."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import callbacks, layers, models, optimizers


@pytest.fixture(autouse=True)
def _seed():
    tf.keras.utils.set_random_seed(0)


def regression_data(n=64):
    rng = np.random.default_rng(0)
    x = rng.random((n, 3), np.float32)
    return x, x @ np.array([[1.0], [-2.0], [0.5]], np.float32)


def linear_model(lr=0.1):
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(lr), loss="mse")
    return model


class ScriptedLoss(callbacks.Callback):
    """Overwrites the monitored value with a script, to test the monitoring callbacks exactly."""

    def __init__(self, values, key="val_loss"):
        super().__init__()
        self.values, self.key = values, key

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def test_progress_bar_format_and_verbose_2(capsys):
    x, y = regression_data()
    model = linear_model()
    model.fit(x, y, batch_size=16, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert re.search(r"4/4 \[==============================\] - \d+s \d+(ms|us)/step - loss: \d\.\d{4}", out)
    model.fit(x, y, batch_size=16, epochs=1, verbose=2, validation_data=(x, y))
    out = capsys.readouterr().out
    assert re.search(r"4/4 \[=+\] - \d+s .*/step - loss: [\d.e-]+ - val_loss: [\d.e-]+\n", out)
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_early_stopping_patience_min_delta_and_restore_best_weights():
    x, y = regression_data()
    model = linear_model()
    snapshots = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    script = ScriptedLoss([1.0, 0.5, 0.499, 0.6, 0.7, 0.8, 0.9])
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, min_delta=0.01, restore_best_weights=True)
    history = model.fit(x, y, epochs=7, verbose=0, validation_data=(x, y), callbacks=[script, record, stop])
    # best 0.5 at epoch 1; 0.499 is not an improvement by min_delta; stops after 2 more epochs.
    assert len(history.history["loss"]) == 4 and stop.stopped_epoch == 3 and stop.best == 0.5
    for w, best in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(w, best)


def test_early_stopping_mode_max_and_baseline():
    x, y = regression_data()
    # Checked against real Keras 3.15: a flat 0.5 stops after 2 epochs with baseline=0.9 (the
    # first value is a new best but below the baseline, so the wait is not reset) and after 3
    # without a baseline.
    for baseline, epochs_run in ((0.9, 2), (None, 3)):
        stop = callbacks.EarlyStopping(monitor="val_acc", mode="max", patience=2, baseline=baseline)
        history = linear_model().fit(
            x, y, epochs=5, verbose=0, validation_data=(x, y), callbacks=[ScriptedLoss([0.5] * 5, "val_acc"), stop]
        )
        assert len(history.history["loss"]) == epochs_run
    with pytest.raises(ValueError, match="mode"):
        callbacks.EarlyStopping(mode="up")


def test_reduce_lr_on_plateau_factor_patience_min_lr():
    x, y = regression_data()
    model = linear_model(lr=0.1)
    plateau = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.03)
    history = model.fit(
        x, y, epochs=5, verbose=0, validation_data=(x, y), callbacks=[ScriptedLoss([1.0, 1.0, 1.0, 1.0, 1.0]), plateau]
    )
    # The rate is logged before that epoch's reduction (real Keras 3.15 gives the same list).
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.05, 0.03, 0.03], rtol=1e-6)
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=2.0)


def test_learning_rate_scheduler_with_epoch_and_lr():
    x, y = regression_data()
    model = linear_model(lr=0.2)
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)


def test_csv_logger_writes_and_appends(tmp_path):
    x, y = regression_data()
    path = tmp_path / "log.csv"
    model = linear_model()
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[callbacks.CSVLogger(path)])
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[callbacks.CSVLogger(path, append=True)])
    rows = list(csv.DictReader(path.open()))
    assert [r["epoch"] for r in rows] == ["0", "1", "0"] and set(rows[0]) == {"epoch", "loss", "val_loss"}
    assert float(rows[1]["loss"]) < float(rows[0]["loss"])


def test_lambda_callback_hooks_and_unknown_hook():
    x, y = regression_data()
    seen = []
    cb = callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append("begin"),
        on_train_batch_end=lambda batch, logs: seen.append(("batch", batch, "loss" in logs)),
        on_train_end=lambda logs: seen.append("end"),
    )
    linear_model().fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=[cb])
    assert seen == ["begin", ("batch", 0, True), ("batch", 1, True), "end"]
    with pytest.raises(ValueError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_middle=print)


def test_stop_training_from_a_callback_and_initial_epoch():
    x, y = regression_data()
    model = linear_model()

    class StopAtTwo(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.model.stop_training = True

    history = model.fit(x, y, epochs=10, initial_epoch=1, verbose=0, callbacks=[StopAtTwo()])
    assert history.epoch == [1, 2]


def test_datasets_in_fit_evaluate_predict():
    x, y = regression_data()
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).batch(16).prefetch(tf.data.AUTOTUNE)
    model = linear_model()
    history = model.fit(ds, epochs=3, verbose=0, validation_data=ds)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert isinstance(model.evaluate(ds, verbose=0), float)
    preds = model.predict(tf.data.Dataset.from_tensor_slices(x).batch(10), verbose=0)
    np.testing.assert_allclose(preds, model.predict(x, verbose=0), rtol=1e-6)


def test_sample_weight_and_class_weight_change_the_loss():
    x = np.ones((4, 2), np.float32)
    y = np.array([0, 1, 1, 1])
    model = models.Sequential(
        [layers.Input(shape=(2,)), layers.Dense(2, activation="softmax", kernel_initializer="zeros")]
    )
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    plain = model.evaluate(x, y, verbose=0)
    weighted = model.evaluate(x, y, sample_weight=np.array([1.0, 0.0, 0.0, 0.0]), verbose=0)
    np.testing.assert_allclose(plain, np.log(2), rtol=1e-5)
    np.testing.assert_allclose(weighted, np.log(2) / 4, rtol=1e-5)  # Keras: divided by all samples
    logs = model.train_on_batch(x, y, class_weight={0: 3.0, 1: 1.0}, return_dict=True)
    np.testing.assert_allclose(logs["loss"], np.log(2) * 6 / 4, rtol=1e-5)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight={0: 1.0}, verbose=0)


def test_evaluate_return_forms_and_metrics_names():
    x, y = regression_data()
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", tf.keras.metrics.RootMeanSquaredError()])
    model.fit(x, y, epochs=1, verbose=0)
    values = model.evaluate(x, y, verbose=0)
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert model.metrics_names == ["loss", "mae", "root_mean_squared_error"]
    assert list(as_dict) == model.metrics_names and values == [as_dict[k] for k in model.metrics_names]
    np.testing.assert_allclose(as_dict["root_mean_squared_error"] ** 2, as_dict["loss"], rtol=1e-4)


def test_custom_train_step_override():
    class CountingModel(models.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.steps = 0

        def call(self, inputs, training=False):
            return self.dense(inputs)

        def train_step(self, data):
            self.steps += 1
            return super().train_step(data)

    x, y = regression_data(32)
    model = CountingModel()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert model.steps == 8


def test_multi_output_functional_model_with_loss_weights():
    inputs = layers.Input(shape=(3,))
    shared = layers.Dense(4, activation="relu")
    h = shared(inputs)
    out_a = layers.Dense(1, name="a")(h)
    out_b = layers.Dense(2, activation="softmax", name="b")(shared(inputs))
    model = models.Model(inputs, [out_a, out_b])
    assert len(model.layers) == 4  # input, shared (once), a, b
    model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5])
    x, y = regression_data(32)
    history = model.fit(x, [y, (y[:, 0] > 0).astype(int)], epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    pa, pb = model.predict(x, verbose=0)
    assert pa.shape == (32, 1) and pb.shape == (32, 2)


def test_history_and_progbar_logger_stream():
    stream = io.StringIO()
    x, y = regression_data()
    linear_model().fit(x, y, epochs=1, verbose=1, callbacks=[callbacks.ProgbarLogger(stream=stream)])
    assert "Epoch 1/1" in stream.getvalue() and "loss:" in stream.getvalue()


@pytest.mark.parametrize("make", [lambda: optimizers.Adam(0.1), lambda: optimizers.SGD(0.1)])
def test_optimizer_updates_in_place_only_when_nothing_else_holds_the_buffer(make):
    v = tf.Variable(np.ones(3, np.float32))
    opt = make()
    grad = tf.constant(np.ones(3, np.float32))
    read, view = tf.identity(v), np.asarray(v)  # a tensor and a view share the variable's buffer
    opt.apply_gradients([(grad, v)])
    np.testing.assert_array_equal(read.numpy(), 1.0)  # they keep the value they saw
    np.testing.assert_array_equal(view, 1.0)
    assert v.numpy()[0] < 1.0
    del read, view
    before = id(v._value)
    opt.apply_gradients([(grad, v)])
    assert id(v._value) == before  # now the variable owns its buffer: updated in place
