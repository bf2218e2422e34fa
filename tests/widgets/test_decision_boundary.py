"""DecisionBoundary: grid, colours at known points, discretize, multi-class, errors, callback."""

from __future__ import annotations

import numpy as np
import pytest

from gradplay.widgets import DecisionBoundary
from gradplay.widgets.colors import BLUE, CLASS_COLORS, ORANGE, hex_color, unpack

from .conftest import renders


def colors_of(image):
    return {hex_color(v) for v in np.unique(image)}


def test_grid_points_shape_order_and_cache():
    db = DecisionBoundary(resolution=4, x_range=(0, 4), y_range=(-2, 2))
    pts = db.grid_points()
    assert pts.shape == (16, 2) and pts.dtype == np.float32
    assert pts[0].tolist() == [0.5, -1.5] and pts[1].tolist() == [1.5, -1.5] and pts[4].tolist() == [0.5, -0.5]
    assert db.grid_points() is pts
    db.resolution = 5
    assert db.grid_points().shape == (25, 2)


def test_known_points_get_playground_colours():
    db = DecisionBoundary(resolution=10, output_range=(-1, 1))
    pts = db.grid_points()
    db.update(values=np.sign(pts[:, 0]))  # left half -1, right half +1
    img = db.image
    assert img.shape == (10, 10) and img.dtype == np.uint32
    assert hex_color(img[3, 0]) == ORANGE and hex_color(img[3, 9]) == BLUE
    # the image source is what Bokeh draws, placed over the plane
    assert db._image.data["x"] == [-6.0] and db._image.data["dw"] == [12.0]


def test_sigmoid_range_and_discretize_gives_two_colours():
    db = DecisionBoundary(resolution=20, output_range=(0, 1))
    pts = db.grid_points()
    soft = 1 / (1 + np.exp(-pts[:, 0]))
    db.update(values=soft)
    assert len(colors_of(db.image)) > 10
    assert hex_color(db.image[0, 10]) != "#ffffff"
    db.discretize = True  # redraws from the cached values
    assert colors_of(db.image) == {ORANGE, BLUE}


def test_multiclass_colours_and_confidence():
    db = DecisionBoundary(resolution=6, num_classes=3)
    n = 36
    probs = np.zeros((n, 3), np.float32)
    probs[:12, 0] = 1.0
    probs[12:24, 1] = 1.0
    probs[24:, 2] = 0.5
    probs[24:, 0] = 0.25
    probs[24:, 1] = 0.25
    db.update(values=probs)
    flat = db.image.ravel()
    assert hex_color(flat[0]) == CLASS_COLORS[0] and hex_color(flat[12]) == CLASS_COLORS[1]
    faded = unpack(flat[30:31])[0, :3].astype(int)
    assert hex_color(flat[30]) != CLASS_COLORS[2] and faded.min() > 0x2C  # lighter than pure green
    db.discretize = True
    assert hex_color(db.image.ravel()[30]) == CLASS_COLORS[2]


def test_regression_uses_a_diverging_scale():
    db = DecisionBoundary(resolution=8, problem="regression")
    pts = db.grid_points()
    db.update(values=3.0 * pts[:, 1])
    assert hex_color(db.image[0, 0]) == ORANGE and hex_color(db.image[-1, 0]) == BLUE


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"values": np.zeros(7)}, "Expected one output per grid point"),
        ({"values": np.full(100, np.nan)}, "NaN"),
        ({"values": np.array(["a"] * 100)}, "numeric"),
        ({"predict": lambda p: 1 / 0}, "ZeroDivisionError"),
        ({}, "No model"),
    ],
)
def test_bad_input_shows_message_not_traceback(kwargs, fragment):
    db = DecisionBoundary(resolution=10)
    db.update(values=np.zeros(100))
    good = db.image.copy()
    db.update(**kwargs)
    assert fragment in db.message and db._alert.visible
    np.testing.assert_array_equal(db.image, good)  # the last good drawing stays
    db.update(values=np.ones(100))
    assert db.message is None


def test_model_with_wrong_input_dim_is_explained(cnn):
    model, _, _ = cnn
    db = DecisionBoundary(model, resolution=10)
    db.update()
    assert "2 inputs" in db.message and "8, 8, 1" not in db.message


def test_points_colours_and_test_toggle():
    db = DecisionBoundary(resolution=10)
    x = np.array([[1, 1], [-1, -1]], np.float32)
    db.set_points(x, np.array([1.0, -1.0]), x_test=x[:1], y_test=np.array([-1.0]))
    assert db._train.data["color"] == [BLUE, ORANGE] and db._test.data["color"] == [ORANGE]
    db.show_test = False
    assert db._test_renderer.visible is False
    db.set_points(np.zeros((3, 3)), np.zeros(3))
    assert "shape (N, 2)" in db.message
    db.set_points(x, np.array([0, 2]))  # class ids: palette colours
    assert db._train.data["color"] == [CLASS_COLORS[0], CLASS_COLORS[2]]


def test_image_changes_after_training_as_fit_callback(playground):
    model, x, y = playground
    db = DecisionBoundary(model, resolution=30)
    db.update()
    before = db.image.copy()
    model.fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[db])
    assert db.message is None and not np.array_equal(before, db.image)
    # update() and a forward pass on grid_points() agree: one batched pass
    expected = DecisionBoundary(resolution=30, output_range=(-1, 1))
    expected.update(values=model.predict_on_batch(expected.grid_points()))
    np.testing.assert_array_equal(expected.image, db.image)
    renders(db)


def test_nan_model_is_explained(playground):
    model, _, _ = playground
    weights = model.get_weights()
    weights[0][:] = np.nan
    model.set_weights(weights)
    db = DecisionBoundary(model, resolution=10)
    db.update()
    assert "diverged" in db.message
