"""TrainingDashboard: the widgets that fit a model, assembled; one ``fit`` callback."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from panel.viewable import Viewer

from .base import FitCallback, show_in_notebook
from .confusion_matrix import ConfusionMatrix
from .decision_boundary import DecisionBoundary
from .loss_curve import LossCurve
from .plane import model_input_dim
from .weight_histogram import WeightHistogram


def looks_like_classes(y) -> bool:
    """Integer-valued labels or one-hot rows (a classifier's targets)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return bool(np.all((y == 0) | (y == 1)))
    return bool(y.size) and bool(np.all(y == np.round(y))) and len(np.unique(y)) <= 100


class TrainingDashboard(Viewer, FitCallback):
    """Loss and accuracy curves, a confusion matrix (classifiers with ``validation_data``),
    weight histograms and — for models with 2 inputs — the decision boundary, updated live.
    Pass it to ``fit``; in a notebook it shows itself when training starts if it is not shown yet.

    >>> import numpy as np
    >>> from gradplay.engine.keras import layers, models
    >>> m = models.Sequential([layers.Input((2,)), layers.Dense(4, activation="tanh"),
    ...                        layers.Dense(1, activation="sigmoid")])
    >>> m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    >>> x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    >>> y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    >>> dash = TrainingDashboard(validation_data=(x[:16], y[:16]))
    >>> _ = m.fit(x, y, epochs=2, verbose=0, callbacks=[dash])
    >>> dash.loss.series()["loss"][:1] != [], sorted(dash.parts)
    (True, ['accuracy', 'boundary', 'confusion', 'histogram', 'loss'])
    """

    model = param.Parameter(default=None, doc="The model (fit sets it).")
    validation_data = param.Parameter(default=None, doc="(x_val, y_val): confusion matrix and test points.")
    train_data = param.Parameter(default=None, doc="(x, y) shown as training points on the decision boundary.")
    per = param.Selector(default="epoch", objects=["epoch", "batch"], doc="Curve points per epoch or per batch.")
    x_range = param.NumericTuple(default=(-6.0, 6.0), length=2, doc="Plane shown for 2-input models.")
    y_range = param.NumericTuple(default=(-6.0, 6.0), length=2)
    resolution = param.Integer(default=60, bounds=(2, 400))
    class_names = param.List(default=None, allow_None=True)
    auto_display = param.Boolean(default=True, doc="In a notebook, display on train begin if not shown yet.")

    def __init__(self, model=None, validation_data=None, **params):
        super().__init__(model=model, validation_data=validation_data, **params)
        self.loss = LossCurve(metrics=("loss",), per=self.per, title="loss")
        self.parts = {"loss": self.loss}
        self._layout = pn.FlexBox(self.loss, sizing_mode="stretch_width")
        self._built_for = None
        if model is not None:
            self._build(model)

    def _build(self, model):
        if self._built_for is model:
            return
        self._built_for = model
        parts = {"loss": self.loss}
        metric_names = [m for m in getattr(model, "metrics_names", []) if "acc" in m]
        parts["accuracy"] = LossCurve(metrics=metric_names or ("accuracy",), per=self.per, title="accuracy")
        val = self.validation_data
        if val is not None and looks_like_classes(val[1]):
            parts["confusion"] = ConfusionMatrix(class_names=self.class_names, validation_data=val)
        parts["histogram"] = WeightHistogram(model=model)
        if model_input_dim(model) == 2:
            train = self.train_data
            targets = (train if train is not None else val if val is not None else (None, None))[1]
            problem = "regression" if targets is not None and not looks_like_classes(targets) else "classification"
            boundary = DecisionBoundary(
                model, x_range=self.x_range, y_range=self.y_range, resolution=self.resolution, problem=problem
            )
            if train is not None or val is not None:
                xt, yt = train if train is not None else val
                xv, yv = val if (val is not None and train is not None) else (None, None)
                boundary.set_points(xt, yt, xv, yv)
            parts["boundary"] = boundary
        self.parts = parts
        for part in parts.values():
            part.set_model(model)
        self._layout.objects = list(parts.values())

    # -- fit callback: forwarded to the parts --------------------------------------------------------
    def set_model(self, model):
        self.model = model
        self._build(model)

    def _forward(self, hook, *args):
        for part in self.parts.values():
            if getattr(type(part), hook) is not getattr(FitCallback, hook):
                getattr(part, hook)(*args)

    def on_train_begin(self, logs=None):
        if self.model is not None:
            self._build(self.model)
        if self.auto_display and not self._layout._models:
            show_in_notebook(self)
        self._forward("on_train_begin", logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.validation_data is not None and "val_loss" not in logs and self.model is not None:
            # fit was not given the validation data: evaluate it here so the curves have it.
            x_val, y_val = self.validation_data[0], self.validation_data[1]
            scores = self.model.evaluate(x_val, y_val, verbose=0, return_dict=True)
            logs.update({f"val_{k}": float(v) for k, v in scores.items()})
        accuracy = self.parts.get("accuracy")
        if accuracy is not None and logs:
            # The metric names are known for sure only now (compile may name them differently).
            names = [k for k in logs if "acc" in k and not k.startswith("val_")]
            if names and not set(names) <= set(accuracy.metrics):
                accuracy.metrics = names
        self._forward("on_epoch_end", epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        if self.per == "batch":
            self._forward("on_train_batch_end", batch, logs)

    def __panel__(self):
        return self._layout
