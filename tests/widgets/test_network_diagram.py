"""NetworkDiagram: edges match weights, biases, thumbnails, selection and editing."""

from __future__ import annotations

import numpy as np
import pytest

from gradplay.widgets import NetworkDiagram
from gradplay.widgets.colors import BLUE, ORANGE
from gradplay.widgets.network_diagram import edge_width

from .conftest import renders


def weights():
    w1 = np.array([[0.5, -2.0, 0.0], [6.0, -0.1, 1.0]], np.float32)
    w2 = np.array([[1.0], [-1.0], [0.25]], np.float32)
    return [(w1, np.array([0.1, -0.2, 0.0])), (w2, np.array([3.0]))]


def test_edges_colours_and_widths_match_weights():
    net = NetworkDiagram()
    net.update(weights=weights(), input_names=["x1", "x2"])
    e = net.edges.data
    assert len(e["value"]) == 2 * 3 + 3 * 1
    for k, (w, _) in enumerate(weights()):
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                idx = [n for n in range(len(e["value"])) if (e["layer"][n], e["i"][n], e["j"][n]) == (k, i, j)]
                assert len(idx) == 1
                n = idx[0]
                assert e["value"][n] == pytest.approx(w[i, j])
                assert e["color"][n] == (ORANGE if w[i, j] < 0 else BLUE)
                assert e["width"][n] == pytest.approx(edge_width(w[i, j]))
    assert edge_width(0.0) == 1.0 and edge_width(-5.0) == 10.0 and edge_width(50.0) == 10.0
    assert net.nodes.data["name"][:2] == ["x1", "x2"] and len(net.nodes.data["x"]) == 2 + 3 + 1
    assert list(net.biases.data["value"]) == pytest.approx([0.1, -0.2, 0.0, 3.0])
    assert net.biases.data["color"][3] == BLUE
    renders(net)


def test_edit_callbacks_receive_layer_index_value():
    calls = []
    net = NetworkDiagram(on_edit=lambda *a: calls.append(("w", *a)), on_edit_bias=lambda *a: calls.append(("b", *a)))
    net.update(weights=weights())
    net._on_tap_edge("indices", [], [7])  # a click on an edge of the second layer
    assert net._selection == ("edge", 1, 1, 0) and net._value.value == pytest.approx(-1.0)
    net._value.value = 2.5  # typing in the box
    assert calls == [("w", 1, 1, 0, 2.5)]
    assert net.edges.data["color"][7] == BLUE
    net.select_bias(0, 2)
    net._value.value = -0.75
    assert calls[-1] == ("b", 0, 2, -0.75)
    with pytest.raises(IndexError, match="no edge"):
        net.select_edge(0, 5, 0)


def test_edit_writes_the_model(playground):
    model, _, _ = playground
    net = NetworkDiagram(model, show_thumbnails=True, thumb_resolution=6)
    net.update()
    assert len(net.thumbs.data["image"]) == 2 + 4 + 2 + 1
    net.select_edge(0, 1, 3)
    net._value.value = 4.0
    assert model.layers[0].kernel.numpy()[1, 3] == 4.0
    net.select_bias(2, 0)
    net.edit_selected(-0.5)
    assert model.layers[2].bias.numpy()[0] == -0.5
    assert net.weights[2][1][0] == -0.5


def test_thumbnails_given_per_layer():
    net = NetworkDiagram()
    res = 5
    thumbs = [np.zeros((res * res, 3)), np.ones((res * res, 1))]
    net.update(weights=weights(), thumbnails=thumbs)
    assert len(net.thumbs.data["image"]) == 4 and net.thumbs.data["image"][0].shape == (5, 5)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"weights": [(np.zeros((2, 3)), None), (np.zeros((4, 1)), None)]}, "does not follow"),
        ({"weights": [(np.zeros(3), None)]}, "2-D kernel"),
        ({"weights": [(np.zeros((2, 3)), np.zeros(2))]}, "bias of shape"),
        ({"weights": [(np.zeros((2, 3)), None)], "thumbnails": [np.zeros((7, 3))]}, "thumbnails"),
        ({"weights": [(np.zeros((2, 3)), None)], "input_names": ["a"]}, "input names"),
        ({}, "no weights"),
    ],
)
def test_bad_input_is_explained(kwargs, fragment):
    net = NetworkDiagram()
    net.update(**kwargs)
    assert fragment in net.message


def test_as_fit_callback_follows_training(playground):
    model, x, y = playground
    net = NetworkDiagram()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[net])
    np.testing.assert_allclose(net.weights[0][0], model.layers[0].kernel.numpy())
