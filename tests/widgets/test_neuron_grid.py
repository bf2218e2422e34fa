"""NeuronGrid: one thumbnail per neuron, layout by layer, enlarge, errors, fit callback."""

from __future__ import annotations

import numpy as np

from gradplay.widgets import NeuronGrid
from gradplay.widgets.colors import BLUE, ORANGE, hex_color

from .conftest import renders


def test_thumbnails_per_neuron_in_layer_columns():
    grid = NeuronGrid(resolution=8)
    pts = grid.grid_points()
    h1 = np.tanh(pts @ np.array([[1, -1, 0, 2], [0, 0, 1, 0]], np.float32))
    h2 = -h1[:, :2]
    grid.update(layers=[h1, h2, h2[:, :1]], names=["a", "b", "out"])
    data = grid._source.data
    assert len(data["image"]) == 7 and grid.shape == [4, 2, 1]
    assert data["layer"] == [0, 0, 0, 0, 1, 1, 2] and data["unit"] == [0, 1, 2, 3, 0, 1, 0]
    assert len(set(data["x"])) == 3  # three columns
    assert data["image"][0].shape == (8, 8)
    # neuron a[0] = tanh(x): orange on the left, blue on the right
    assert hex_color(data["image"][0][0, 0]) == ORANGE and hex_color(data["image"][0][0, -1]) == BLUE
    assert grid._labels.data["text"] == ["a", "b", "out"]


def test_update_in_place_and_enlarge():
    grid = NeuronGrid(resolution=6)
    pts = grid.grid_points()
    grid.update(layers=[np.tanh(pts)])
    first = grid._source.data["image"][1].copy()
    grid._picker.value = "layer 1[1]"
    np.testing.assert_array_equal(grid._big_source.data["image"][0], first)
    grid.update(layers=[-np.tanh(pts)])
    assert not np.array_equal(grid._source.data["image"][1], first)
    np.testing.assert_array_equal(grid._big_source.data["image"][0], grid._source.data["image"][1])
    grid._on_tap("indices", [], [0])  # a click on the first thumbnail
    assert grid._picker.value == "layer 1[0]" and grid.big.title.text == "layer 1[0]"


def test_bad_input_is_explained():
    grid = NeuronGrid(resolution=4)
    grid.update(layers=[np.zeros((10, 2))])
    assert "expected an array of shape (16, units)" in grid.message
    grid.update(layers=[np.full((16, 2), np.nan)])
    assert "NaN" in grid.message
    grid.update(layers=[np.zeros((16, 2))], names=["a", "b"])
    assert "2 names" in grid.message
    grid.update()
    assert "No model" in grid.message
    grid.update(layers=[np.zeros((16, 2))])
    assert grid.message is None


def test_as_fit_callback_reads_dense_layers(playground):
    model, x, y = playground
    grid = NeuronGrid(resolution=10)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[grid])
    assert grid.shape == [4, 2, 1] and grid._labels.data["text"] == [layer.name for layer in model.layers]
    renders(grid)


def test_model_with_wrong_input_is_explained(cnn):
    grid = NeuronGrid(model=cnn[0], resolution=4)
    grid.update()
    assert "2 inputs" in grid.message


def test_new_range_or_model_rebuilds_what_depends_on_it(playground, classifier):
    grid = NeuronGrid(resolution=4)
    first = grid.grid_points()
    grid.x_range = (0.0, 1.0)
    assert grid.grid_points()[:, 0].max() < 1.0 and grid.big.x_range.end == 1.0
    assert first[:, 0].max() > 1.0
    grid.model = playground[0]
    grid.update()
    assert grid.shape == [4, 2, 1]
    grid.model = classifier[0]
    grid.update()
    assert grid.shape == [8, 3]
