"""The Playground page object, headless: controls drive the state, the state drives the session,
and every view follows (no browser; the Bokeh models are built and inspected in Python)."""

from __future__ import annotations

import io

import numpy as np
import panel as pn
import pytest

from gradplay.app.playground import Playground
from gradplay.app.state import PlaygroundState


@pytest.fixture(autouse=True)
def fresh_address():
    """Where Panel keeps one document with an address for the whole process (in Pyodide, as in a
    browser tab), a Playground made without a link takes its state from that address: start each
    test from an empty one."""
    if pn.state.location is not None:
        pn.state.location.hash = ""


def test_page_builds_and_its_bokeh_document_can_be_made():
    pg = Playground()
    root = pg.__panel__().get_root()
    assert root is not None
    assert pg.session.epoch == 0
    assert "Epoch** 0" in pg.status.object and "Test loss" in pg.status.object


def test_tick_trains_within_its_budget_and_redraws():
    pg = Playground(train_budget_s=0.0)  # a zero budget still trains one epoch per tick
    before = pg.boundary.image.copy()
    pg.tick()
    pg.tick()
    assert pg.session.epoch == 2
    assert not np.array_equal(before, pg.boundary.image)
    assert pg.loss_curve.series()["loss"] == pg.session.history["loss"]


def test_controls_change_state_session_and_views():
    pg = Playground()
    pg.controls["activation"].value = "relu"
    assert pg.state.activation == "relu" and pg.session.model.layers[0].activation.__name__ == "relu"
    pg.controls["features"].value = ["x", "y", "xTimesY"]
    assert pg.state.xTimesY and pg.session.features == ["x", "y", "xTimesY"]
    assert len(pg.network.nodes.data["name"]) == 3 + 4 + 2 + 1
    pg.state.networkShape = [6]
    assert [w.shape for w, _ in pg.session.weights()] == [(3, 6), (6, 1)]
    assert "1 hidden layer(s)" in pg.layers_box.objects[0].objects[2].object


def test_per_layer_activations():
    pg = Playground()
    pg.controls["layerActivations"].value = "relu, sigmoid"
    assert pg.state.layerActivations == ["relu", "sigmoid"]
    assert [layer.activation.__name__ for layer in pg.session.model.layers[:2]] == ["relu", "sigmoid"]
    pg.controls["layerActivations"].value = "relu,banana"
    assert "banana" in pg.message and pg.state.layerActivations == ["relu", "sigmoid"]


def test_url_link_and_malformed_link():
    pg = Playground(url="#dataset=xor&networkShape=3,3&learningRate=0.1&noise_hide=true")
    assert pg.state.dataset == "xor" and pg.state.networkShape == [3, 3] and pg.state.learningRate == 0.1
    assert pg.controls["noise"].visible is False
    assert pg.message == ""
    bad = Playground(url="#learningRate=banana")
    assert "could not be opened" in bad.message and "learningRate" in bad.message
    assert bad.alert.visible
    assert bad.state.learningRate == PlaygroundState().learningRate


def test_regression_and_multiclass_problems_switch_views():
    pg = Playground(url="#problem=regression&regDataset=reg-gauss")
    assert pg.boundary.problem == "regression"
    assert pg.controls["regDataset"].visible and not pg.controls["dataset"].visible
    pg.tick()
    multi = Playground(url="#dataset=multigauss&numClasses=4")
    assert multi.boundary.num_classes == 4
    assert multi.click_label_input.options == ["0", "1", "2", "3"]
    multi.tick()
    assert multi.confusion.matrix.shape == (4, 4)


def test_clicks_add_and_remove_points():
    from bokeh.events import Tap

    pg = Playground()
    n = len(pg.session.x_train)
    pg.click_mode = "add points"
    pg.click_label = "-1"
    pg._plane_clicked(Tap(pg.boundary.figure, x=5.5, y=5.5))
    assert len(pg.session.x_train) == n + 1 and pg.session.y_train[-1] == -1
    pg.click_mode = "remove points"
    pg._plane_clicked(Tap(pg.boundary.figure, x=5.5, y=5.5))
    assert len(pg.session.x_train) == n


def test_editing_an_edge_changes_the_weight():
    pg = Playground()
    pg.network.select_edge(0, 1, 2)
    pg.network.edit_selected(2.5)
    assert pg.session.weights()[0][0][1, 2] == pytest.approx(2.5)


def test_stop_condition_pauses_and_says_why():
    pg = Playground(url="#stopEpochs=3", train_budget_s=10.0)
    pg.playing = True
    pg.tick()
    assert pg.session.epoch == 3 and pg.playing is False and pg.message


def test_share_link_carries_the_trained_weights():
    pg = Playground(url="#dataset=xor&networkShape=3")
    for _ in range(5):
        pg.tick()
    pg._make_share_link()
    link = pg.share.value
    assert "weights=" in link
    copy = Playground(url=link[link.index("#") :])
    for (w1, b1), (w2, b2) in zip(pg.session.weights(), copy.session.weights()):
        np.testing.assert_allclose(w1, w2, rtol=1e-6)
        np.testing.assert_allclose(b1, b2, rtol=1e-6)


def test_downloads_give_real_files(tmp_path):

    from gradplay.app.session import available_exports

    pg = Playground()
    assert list(pg.export_format.options.values()) == available_exports()
    for fmt in pg.export_format.options.values():
        pg.export_format.value = fmt
        data = pg._export_bytes().getvalue()
        assert len(data) > 100, fmt
    pg.export_format.value = "npz"
    path = tmp_path / pg.export_button.filename
    path.write_bytes(pg._export_bytes().getvalue())
    from gradplay.engine.keras.saving import keras_zip

    model = keras_zip.model_from_config(keras_zip.model_to_config(pg.session.model))  # same layers, new weights
    model.load_weights(str(path))
    points = np.array([[0.5, -1.0], [3.0, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(model.predict(points, verbose=0)[:, 0], pg.session.predict(points), atol=1e-6)
    import json

    notebook = json.loads(pg._notebook_json())
    assert notebook["nbformat"] == 4 and "gradplay" in "".join(notebook["cells"][1]["source"])
    csv = pg.session.export_csv()
    assert csv.startswith(b"x,y,label")
    pg._show_code()
    assert "import gradplay.engine as tf" in pg.code.object


def test_keras_download_loads_back(tmp_path):
    from gradplay.engine.keras.models import load_model

    pg = Playground()
    pg.export_format.value = "keras"
    path = tmp_path / pg.export_button.filename
    path.write_bytes(pg._export_bytes().getvalue())
    model = load_model(str(path))
    points = np.array([[0.5, -1.0], [3.0, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(model.predict(points, verbose=0)[:, 0], pg.session.predict(points), atol=1e-6)


def test_csv_upload_message_keeps_the_data():
    pg = Playground()
    before = pg.session.x_train.copy()
    pg.csv_input.value = b"not,a\ncsv"
    assert "was not loaded" in pg.message and pg.alert.visible
    np.testing.assert_array_equal(before, pg.session.x_train)
    good = io.StringIO()
    good.write("x,y,label\n")
    for i in range(20):
        good.write(f"{i / 4 - 2},{(-1) ** i},{1 if i % 2 else -1}\n")
    pg.csv_input.value = good.getvalue().encode()
    assert pg.message == "" and len(pg.session.x_train) + len(pg.session.x_test) == 20
