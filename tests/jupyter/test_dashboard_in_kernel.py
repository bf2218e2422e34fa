"""``model.fit(..., callbacks=[TrainingDashboard(...)])`` in a real kernel: it displays itself,
fills in while ``fit`` runs, and the cell's own output is not swallowed."""

from __future__ import annotations

import pytest

from .conftest import errors, run_notebook, stream

pytestmark = pytest.mark.slow

SETUP = """
import numpy as np
import panel as pn
pn.extension()
from gradplay.engine.keras import layers, models
from gradplay.widgets import TrainingDashboard
rng = np.random.default_rng(0)
x = rng.uniform(-5, 5, (240, 2)).astype("float32")
y = (np.hypot(x[:, 0], x[:, 1]) < 3).astype("int64")
model = models.Sequential(
    [layers.Input((2,)), layers.Dense(8, activation="tanh"), layers.Dense(2, activation="softmax")]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
"""

FIT = """
dash = TrainingDashboard(model, validation_data=(x[:60], y[:60]))
history = model.fit(x[60:], y[60:], epochs=4, batch_size=30, verbose=0, callbacks=[dash])
print("epochs", len(history.history["loss"]))
print("curve", dash.parts["loss"].series()["loss"] == history.history["loss"])
print("boundary", dash.parts["boundary"].image is not None)
"""


def test_training_dashboard_displays_and_updates_in_a_kernel():
    cells = run_notebook([SETUP, FIT])
    assert not errors(cells[0]) and not errors(cells[1]), errors(cells[0]) + errors(cells[1])
    out = stream(cells[1], "stdout")
    assert "epochs 4" in out and "curve True" in out and "boundary True" in out
    mimetypes = {key for o in cells[1].outputs if o.output_type == "display_data" for key in o.get("data", {})}
    assert any("panel" in m or "bokeh" in m or "holoviews" in m for m in mimetypes), mimetypes
