"""TrainingDashboard composition, the gallery page, docstring examples, the dependency rule."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import gradplay.widgets
from gradplay.widgets import TrainingDashboard

from .conftest import renders

MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(gradplay.widgets.__path__, "gradplay.widgets."))


def test_dashboard_for_a_2d_classifier(classifier):
    model, x, y = classifier
    dash = TrainingDashboard(validation_data=(x[:20], y[:20]), resolution=12)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[dash])
    assert sorted(dash.parts) == ["accuracy", "boundary", "confusion", "histogram", "loss"]
    assert len(dash.loss.series()["loss"]) == 2 and len(dash.loss.series()["val_loss"]) == 2
    assert len(dash.parts["accuracy"].series()["accuracy"]) == 2
    assert dash.parts["confusion"].matrix.sum() == 20
    assert dash.parts["boundary"].image.shape == (12, 12) and dash.parts["boundary"].message is None
    assert len(dash._layout.objects) == 5
    renders(dash)


def test_dashboard_for_an_image_model_skips_the_plane(cnn):
    model, x, y = cnn
    dash = TrainingDashboard(model, per="batch")
    assert "boundary" not in dash.parts and "confusion" not in dash.parts
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[dash])
    assert len(dash.loss.series()["loss"]) == 3
    renders(dash)


def test_gallery_builds_every_widget():
    import panel as pn

    from gradplay.widgets.gallery import make_gallery

    page = make_gallery(epochs=2)
    text = " ".join(str(md.object) for md in page.select(pn.pane.Markdown))
    for name in (
        "LossCurve",
        "DecisionBoundary",
        "NeuronGrid",
        "NetworkDiagram",
        "ConfusionMatrix",
        "WeightHistogram",
        "ActivationMaps",
        "TrainingDashboard",
    ):
        assert name in text
    renders(page)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_public_classes_have_examples():
    for name in gradplay.widgets.__all__:
        doc = getattr(gradplay.widgets, name).__doc__ or ""
        assert ">>>" in doc, f"{name} has no example in its docstring"


def test_widgets_never_import_the_app():
    root = Path(gradplay.widgets.__file__).parent
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "gradplay.app" not in text and "from ..app" not in text, f"{path.name} imports the app"


def test_hooks_reach_fit():
    """fit calls only hooks the class overrides: each widget overrides the ones it needs."""
    from gradplay.engine.keras.callbacks import Callback

    for name in (
        "LossCurve",
        "DecisionBoundary",
        "NeuronGrid",
        "NetworkDiagram",
        "ConfusionMatrix",
        "WeightHistogram",
        "ActivationMaps",
        "TrainingDashboard",
    ):
        cls = getattr(gradplay.widgets, name)
        assert issubclass(cls, Callback) and cls.on_epoch_end is not Callback.on_epoch_end, name


def test_dashboard_for_a_2d_regression_uses_a_diverging_boundary(playground):
    from gradplay.engine.keras import layers, models

    _, x, _ = playground
    model = models.Sequential([layers.Input((2,)), layers.Dense(3, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    y = (0.3 * x[:, 0] - 0.1 * x[:, 1]).astype("float32")
    dash = TrainingDashboard(train_data=(x, y), resolution=8)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[dash])
    assert dash.parts["boundary"].problem == "regression" and dash.parts["boundary"].message is None
    assert "confusion" not in dash.parts
