"""ConfusionMatrix and WeightHistogram."""

from __future__ import annotations

import numpy as np

from gradplay.widgets import ConfusionMatrix, WeightHistogram
from gradplay.widgets.confusion_matrix import to_class_ids

from .conftest import renders


def test_confusion_counts_accuracy_and_cells():
    cm = ConfusionMatrix(class_names=["a", "b", "c"])
    probs = np.eye(3)[[0, 1, 2, 2, 2, 1]]
    cm.update(np.array([0, 1, 2, 2, 2, 0]), probs)
    assert cm.matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 3]]
    assert cm.per_class_accuracy.tolist() == [0.5, 1.0, 1.0] and cm.accuracy == 5 / 6
    data = cm._source.data
    assert len(data["count"]) == 9 and data["true"][0] == "a" and data["pred"][1] == "b"
    assert data["color"][8] == "#0877bd" and data["color"][2] == "#ffffff"  # full row / empty cell
    assert list(cm.figure.x_range.factors) == ["a", "b", "c"]
    assert "83.3%" in cm._summary.object
    renders(cm)


def test_to_class_ids_reads_every_label_convention():
    assert to_class_ids([-1, 1, 1]).tolist() == [0, 1, 1]
    assert to_class_ids([0.2, 0.7]).tolist() == [0, 1]
    assert to_class_ids([[0.9], [0.1]]).tolist() == [1, 0]
    assert to_class_ids([2, 0, 1]).tolist() == [2, 0, 1]


def test_confusion_mismatch_is_explained():
    cm = ConfusionMatrix()
    cm.update([0, 1], [0, 1, 1])
    assert "must match" in cm.message


def test_confusion_as_fit_callback(classifier):
    model, x, y = classifier
    cm = ConfusionMatrix(validation_data=(x[:30], y[:30]))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[cm])
    assert cm.matrix.shape == (3, 3) and cm.matrix.sum() == 30
    expected = np.argmax(model.predict_on_batch(x[:30]), 1)
    assert cm.matrix.sum(0).tolist() == np.bincount(expected, minlength=3).tolist()


def test_histogram_snapshots_and_image():
    hist = WeightHistogram(bins=12)
    rng = np.random.default_rng(0)
    for scale in (1.0, 2.0, 3.0):
        hist.update(weights={"w": rng.normal(0, scale, 200), "v": np.arange(5.0)})
    image = hist.history_image()
    assert image.shape == (12, 3) and image.sum(0).tolist() == [200, 200, 200]
    assert hist._bars.data["count"].sum() == 200 and len(hist._bars.data["left"]) == 12
    assert hist._image.data["image"][0].shape == (12, 3)
    hist._select.value = "v"
    assert hist._bars.data["count"].sum() == 5
    renders(hist)


def test_histogram_as_fit_callback(playground):
    model, x, y = playground
    hist = WeightHistogram(layer=1)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[hist])
    assert hist._select.options == [layer.name for layer in model.layers]
    assert hist._select.value == model.layers[1].name
    assert hist.history_image().shape == (30, 4)  # the initial weights + 3 epochs
    assert "No model" in _no_model_message()


def _no_model_message():
    hist = WeightHistogram()
    hist.update()
    return hist.message
