"""ActivationMaps: per-layer views for one sample, slider, unknown layers, fit callback."""

from __future__ import annotations

import numpy as np

from gradplay.widgets import ActivationMaps

from .conftest import renders


def test_every_layer_gets_a_view_of_the_right_kind(cnn):
    model, x, _ = cnn
    maps = ActivationMaps(model, x[:5])
    assert maps.message is None
    assert maps.shapes == {
        "conv2d": (6, 6, 4),
        "max_pooling2d": (3, 3, 4),
        "flatten": (36,),
        "dense": (5,),
        "dense_1": (3,),
    }
    kind, src, _ = maps._views["conv2d"]
    assert kind == "maps" and len(src.data["image"]) == 4 and src.data["image"][0].shape == (6, 6)
    kind, src, _ = maps._views["dense_1"]
    assert kind == "bars" and len(src.data["value"]) == 3
    np.testing.assert_allclose(src.data["value"], model.predict_on_batch(x[:1])[0], rtol=1e-5)
    assert len(maps._body.objects) == 5
    renders(maps)


def test_slider_picks_the_sample(cnn):
    model, x, _ = cnn
    maps = ActivationMaps(model, x[:5], layers=["dense_1"])
    assert list(maps._views) == ["dense_1"]
    maps._slider.value = 3
    assert maps.index == 3
    np.testing.assert_allclose(maps._views["dense_1"][1].data["value"], model.predict_on_batch(x[3:4])[0], rtol=1e-5)
    maps.update(index=1)
    assert maps._slider.value == 1


def test_unknown_layer_and_bad_samples_are_explained(cnn):
    model, x, _ = cnn
    maps = ActivationMaps(model, x[:2], layers=["conv2d", "nope"])
    assert "Unknown layer name(s) ['nope']" in maps.message and "max_pooling2d" in maps.message
    renders(maps)
    bad = ActivationMaps(model, np.zeros((2, 5, 5, 1), np.float32))
    assert "cannot run on these samples" in bad.message
    assert "needs a model" in ActivationMaps().message


def test_as_fit_callback_updates_maps(cnn):
    model, x, y = cnn
    maps = ActivationMaps(model, x[:3], layers=["dense_1"])
    before = np.array(maps._views["dense_1"][1].data["value"])
    model.fit(x, y, epochs=2, verbose=0, callbacks=[maps])
    assert not np.allclose(before, maps._views["dense_1"][1].data["value"])
