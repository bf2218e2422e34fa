"""LossCurve: streaming, rollover, reset, log toggle, fit callback."""

from __future__ import annotations

from gradplay.widgets import LossCurve

from .conftest import renders


def test_push_streams_declared_series_and_creates_new_ones():
    curve = LossCurve(metrics=("loss", "accuracy"))
    curve.push(1, loss=1.0)
    curve.push(2, loss=0.5, val_loss=0.8, accuracy=0.6, lr=0.1)
    assert curve.series() == {"loss": [1.0, 0.5], "val_loss": [0.8], "accuracy": [0.6], "val_accuracy": [], "lr": [0.1]}
    assert list(curve._sources["loss"].data["step"]) == [1, 2]
    # one line (+ markers) per series, declared ones from the start (so the legend exists before data)
    names = {r.name for r in curve._figure.renderers}
    assert names == {"loss", "val_loss", "accuracy", "val_accuracy", "lr"}


def test_rollover_keeps_last_points_and_reset_clears():
    curve = LossCurve(rollover=3)
    for step in range(10):
        curve.push(step, loss=float(step))
    assert curve.series()["loss"] == [7.0, 8.0, 9.0]
    curve.reset()
    assert curve.series()["loss"] == []


def test_log_scale_toggle_swaps_figure():
    curve = LossCurve()
    assert curve._pane.object.y_scale.__class__.__name__ == "LinearScale"
    curve._toggle.value = True
    assert curve.log_scale and curve._pane.object.y_scale.__class__.__name__ == "LogScale"
    curve.push(1, loss=0.5)
    curve.log_scale = False
    assert curve._pane.object is curve._figure
    assert {r.name for r in curve._figure.renderers} == {"loss", "val_loss"}  # the new figure has every line
    renders(curve)


def test_as_fit_callback_per_epoch_and_per_batch(playground):
    model, x, y = playground
    epochs, batches = LossCurve(), LossCurve(per="batch", rollover=1000)
    history = model.fit(x, y, epochs=3, batch_size=20, validation_split=0.25, verbose=0, callbacks=[epochs, batches])
    assert epochs.series()["loss"] == history.history["loss"]
    assert len(epochs.series()["val_loss"]) == 3
    assert len(batches.series()["loss"]) == 3 * 3  # 60 training points / 20
    assert batches.series()["val_loss"] == []  # validation runs per epoch, not per batch
    assert list(epochs._sources["loss"].data["step"]) == [1, 2, 3]
