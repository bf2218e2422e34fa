"""ConfusionMatrix: true class x predicted class counts, with each class's accuracy."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, FactorRange, HoverTool
from bokeh.plotting import figure
from panel.viewable import Viewer

from .base import FitCallback, push
from .colors import BLUE, make_lut, map_values
from .decision_boundary import hex_colors
from .plane import model_outputs


def to_class_ids(y) -> np.ndarray:
    """Labels or predictions -> integer class ids: one-hot / probabilities ``(N, C)`` -> argmax;
    ``(N,)`` / ``(N, 1)`` scores -> threshold at 0 if any is negative (tanh, ±1 labels), else at
    0.5 unless they are already integers (class ids, or 0/1).

    >>> to_class_ids([[0.1, 0.9], [0.8, 0.2]]).tolist(), to_class_ids([-0.3, 0.7]).tolist()
    ([1, 0], [0, 1])
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(1)
    y = y.reshape(-1)
    if y.size and y.min() < 0:
        return (y > 0).astype(int)
    if np.issubdtype(y.dtype, np.integer) or np.all(y == np.round(y)):
        return y.astype(int)
    return (y >= 0.5).astype(int)


class ConfusionMatrix(Viewer, FitCallback):
    """The confusion matrix (rows: true class, columns: predicted) coloured by the fraction of
    each true class, with counts, plus per-class and overall accuracy. As a ``fit`` callback it
    evaluates ``validation_data`` every epoch.

    >>> cm = ConfusionMatrix(class_names=["cat", "dog"])
    >>> cm.update([0, 0, 1, 1], [0, 1, 1, 1])
    >>> cm.matrix.tolist(), cm.per_class_accuracy.tolist()
    ([[1, 1], [0, 2]], [0.5, 1.0])
    """

    class_names = param.List(default=None, allow_None=True, doc="Names of the classes (default: 0, 1, ...).")
    validation_data = param.Parameter(default=None, doc="(x, y) evaluated after every epoch as a fit callback.")
    size = param.Integer(default=320, bounds=(80, None))

    def __init__(self, class_names=None, **params):
        super().__init__(class_names=None if class_names is None else list(class_names), **params)
        self.matrix = np.zeros((0, 0), int)
        self.per_class_accuracy = np.zeros(0)
        self.accuracy = float("nan")
        self.model = None
        self._source = ColumnDataSource({k: [] for k in ("true", "pred", "count", "fraction", "color", "text_color")})
        self.figure = figure(
            width=self.size,
            height=self.size,
            x_range=FactorRange(),
            y_range=FactorRange(),
            x_axis_label="predicted",
            y_axis_label="true",
            tools="",
            toolbar_location=None,
            title="confusion matrix",
        )
        self.figure.rect("pred", "true", 0.95, 0.95, source=self._source, fill_color="color", line_color=None)
        self.figure.text(
            "pred",
            "true",
            text="count",
            source=self._source,
            text_align="center",
            text_baseline="middle",
            text_color="text_color",
            text_font_size="10pt",
        )
        self.figure.add_tools(
            HoverTool(
                tooltips=[
                    ("true", "@true"),
                    ("predicted", "@pred"),
                    ("count", "@count"),
                    ("of the true class", "@fraction{0.0%}"),
                ]
            )
        )
        self.figure.grid.visible = False
        self._lut = make_lut(("#ffffff", BLUE))
        self._pane = pn.pane.Bokeh(self.figure)
        self._summary = pn.pane.Markdown("", width=220)
        self._alert = pn.pane.Alert("", alert_type="warning", visible=False)

    @property
    def message(self):
        """The explanation shown instead of the matrix, or None."""
        return self._alert.object if self._alert.visible else None

    def _names(self, n):
        names = list(self.class_names or [])
        return [str(names[k]) if k < len(names) else str(k) for k in range(n)]

    def update(self, y_true, y_pred) -> None:
        """Count ``y_true`` against ``y_pred`` (class ids, one-hot, probabilities or scores)."""
        t, p = to_class_ids(y_true), to_class_ids(y_pred)
        if t.shape != p.shape:
            self._alert.object = f"{len(t)} true labels but {len(p)} predictions: they must match one to one."
            self._alert.visible = True
            push(self._alert)
            return
        if t.size and min(t.min(), p.min()) < 0:
            self._alert.object, self._alert.visible = "Class ids must be >= 0.", True
            push(self._alert)
            return
        n = max(int(max(t.max(initial=0), p.max(initial=0))) + 1, len(self.class_names or []), 2)
        m = np.bincount(t * n + p, minlength=n * n).reshape(n, n)
        self.matrix = m
        totals = m.sum(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.per_class_accuracy = np.where(totals > 0, np.diag(m) / np.maximum(totals, 1), np.nan)
            fraction = m / np.maximum(totals, 1)[:, None]
        self.accuracy = float(np.trace(m) / m.sum()) if m.sum() else float("nan")
        names = self._names(n)
        ti, pi = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        colors = hex_colors(map_values(fraction.ravel(), 0.0, 1.0, self._lut))
        self._source.data = {
            "true": [names[k] for k in ti.ravel()],
            "pred": [names[k] for k in pi.ravel()],
            "count": [str(v) for v in m.ravel()],
            "fraction": fraction.ravel(),
            "color": colors,
            "text_color": ["white" if f > 0.6 else "black" for f in fraction.ravel()],
        }
        if list(self.figure.x_range.factors) != names:
            self.figure.x_range.factors = names
            self.figure.y_range.factors = names[::-1]
        rows = "\n".join(
            f"| {name} | {'—' if np.isnan(a) else f'{a:.1%}'} | {int(c)} |"
            for name, a, c in zip(names, self.per_class_accuracy, totals)
        )
        self._summary.object = f"**accuracy {self.accuracy:.1%}**\n\n| class | accuracy | n |\n|---|---:|---:|\n{rows}"
        self._alert.visible = False
        push(self._pane, self._summary, self._alert)

    def on_epoch_end(self, epoch, logs=None):
        if self.validation_data is not None and self.model is not None:
            x, y = self.validation_data[0], self.validation_data[1]
            self.update(y, model_outputs(self.model, np.asarray(x)))

    def __panel__(self):
        return pn.Column(self._alert, pn.Row(self._pane, self._summary))
