"""Colour maps: Playground colours at known values, packing, class colours."""

from __future__ import annotations

import numpy as np
import pytest

from gradplay.widgets import colors


@pytest.mark.parametrize(
    ("value", "expected"), [(-1.0, "#f59322"), (0.0, "#ffffff"), (1.0, "#0877bd"), (-5.0, "#f59322"), (9.0, "#0877bd")]
)
def test_diverging_lut_hits_playground_colours(value, expected):
    packed = colors.map_values(np.array([value]), -1, 1, colors.diverging_lut())
    assert colors.hex_color(packed[0]) == expected


def test_pack_unpack_round_trip_and_alpha():
    rgba = np.array([[[1, 2, 3, 255], [250, 128, 0, 10]]], np.uint8)
    packed = colors.pack(rgba)
    assert packed.dtype == np.uint32 and packed.shape == (1, 2)
    np.testing.assert_array_equal(colors.unpack(packed), rgba)


def test_map_values_keeps_shape_and_is_monotone_in_blue():
    values = np.linspace(-1, 1, 12).reshape(3, 4)
    rgba = colors.unpack(colors.map_values(values, -1, 1, colors.diverging_lut()))
    assert rgba.shape == (3, 4, 4)
    red = rgba[..., 0].ravel().astype(int)
    assert np.all(np.diff(red[6:]) <= 0)  # white -> blue: red channel falls


def test_class_colors_confidence_and_discretize():
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.3, 0.2]])
    out = [colors.hex_color(v) for v in colors.class_colors(probs)]
    assert out[0] == colors.CLASS_COLORS[0] and out[1] == colors.CLASS_COLORS[2]
    assert out[2] == "#ffffff"  # chance level: no colour
    hard = [colors.hex_color(v) for v in colors.class_colors(probs, discretize=True)]
    assert hard[3] == colors.CLASS_COLORS[0] and out[3] != hard[3]


def test_bad_colour_string_says_what_is_expected():
    with pytest.raises(ValueError, match="#f59322"):
        colors.hex_to_rgb("orange")
