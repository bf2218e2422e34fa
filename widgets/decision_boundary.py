"""DecisionBoundary: the model's output over the input plane, with the data on top (TF Playground)."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.plotting import figure
from panel.viewable import Viewer

from .base import FitCallback, push
from .colors import CLASS_COLORS, class_colors, diverging_lut, map_values, unpack
from .plane import model_input_dim, model_outputs, plane_grid


def hex_colors(packed: np.ndarray) -> list[str]:
    """Packed RGBA -> ``'#rrggbb'`` strings (for scatter glyph colours)."""
    rgba = unpack(packed)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b, _ in rgba.reshape(-1, 4).tolist()]


class DecisionBoundary(Viewer, FitCallback):
    """Heatmap of a model's output over the plane, training points (white outline) and test
    points (black outline) on top, in the TF Playground's colours (orange = negative / class 0,
    blue = positive / class 1; multi-class: one colour per class, faded by confidence).

    Draw with one batched forward pass: ``update()`` runs the model on :meth:`grid_points`;
    ``update(values=...)`` takes outputs computed elsewhere (e.g. in the same pass as the hidden
    layers), ``update(predict=fn)`` calls ``fn(points)``. Bad input (a model whose input is not
    2-D, NaN outputs, wrong shapes) shows an explanation in place of a drawing.

    >>> import numpy as np
    >>> db = DecisionBoundary(resolution=20, output_range=(-1, 1))
    >>> pts = db.grid_points()
    >>> pts.shape, pts.dtype
    ((400, 2), dtype('float32'))
    >>> db.update(values=np.tanh(pts[:, 0] * pts[:, 1]))
    >>> db.message is None
    True
    >>> db.update(values=np.zeros(7))
    >>> print(db.message)
    Expected one output per grid point (400 rows for resolution=20), got an array of shape (7,).
    """

    model = param.Parameter(default=None, doc="A Keras-like model with 2 inputs (optional).")
    x_range = param.NumericTuple(default=(-6.0, 6.0), length=2)
    y_range = param.NumericTuple(default=(-6.0, 6.0), length=2)
    resolution = param.Integer(default=100, bounds=(2, 1000), doc="Pixels per side of the heatmap.")
    problem = param.Selector(default="classification", objects=["classification", "regression"])
    num_classes = param.Integer(default=2, bounds=(2, None))
    output_range = param.NumericTuple(
        default=None, length=2, allow_None=True, doc="(lo, hi) of a 1-column output; None: infer (0,1) or (-1,1)."
    )
    discretize = param.Boolean(default=False, doc="Threshold the output (hard class regions).")
    show_test = param.Boolean(default=True, doc="Show the test points.")
    show_controls = param.Boolean(default=True, doc="Show the widget's own show-test/discretize checkboxes.")
    every = param.Integer(default=1, bounds=(1, None), doc="As a fit callback: redraw every N epochs.")
    height = param.Integer(default=360, bounds=(80, None))

    def __init__(self, model=None, **params):
        super().__init__(model=model, **params)
        self._points = None
        self._values = None
        self._labels_range = None
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        self._image = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []})
        self._train = ColumnDataSource({"x": [], "y": [], "label": [], "color": []})
        self._test = ColumnDataSource({"x": [], "y": [], "label": [], "color": []})
        self.figure = figure(
            height=self.height,
            width=self.height,
            x_range=(x0, x1),
            y_range=(y0, y1),
            match_aspect=True,
            tools="pan,wheel_zoom,reset,save",
            toolbar_location="below",
        )
        self.figure.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=self._image)
        self.figure.scatter("x", "y", source=self._train, fill_color="color", line_color="white", size=6)
        self._test_renderer = self.figure.scatter(
            "x", "y", source=self._test, fill_color="color", line_color="black", size=6, visible=self.show_test
        )
        self.figure.add_tools(HoverTool(tooltips=[("x", "$x{0.00}"), ("y", "$y{0.00}"), ("label", "@label")]))
        self.figure.grid.visible = False
        self._pane = pn.pane.Bokeh(self.figure)
        self._alert = pn.pane.Alert("", alert_type="warning", visible=False)
        self._controls = pn.Row(
            pn.widgets.Checkbox.from_param(self.param.show_test, label="show test data"),
            pn.widgets.Checkbox.from_param(self.param.discretize, label="discretize output"),
        )
        self._controls.visible = self.show_controls
        self.param.watch(lambda e: setattr(self._controls, "visible", e.new), "show_controls")
        self.param.watch(lambda e: setattr(self._test_renderer, "visible", e.new), "show_test")
        self.param.watch(self._redraw_cached, "discretize")
        self.param.watch(self._new_grid, ["x_range", "y_range", "resolution"])

    # -- grid ---------------------------------------------------------------------------------------
    def _new_grid(self, _event=None):
        self._points = None
        self.figure.x_range.update(start=self.x_range[0], end=self.x_range[1])
        self.figure.y_range.update(start=self.y_range[0], end=self.y_range[1])

    def grid_points(self) -> np.ndarray:
        """The ``(resolution**2, 2)`` float32 pixel centres, row by row from the bottom (y), so
        ``outputs.reshape(res, res)`` is the image. Cached until the ranges or resolution change."""
        if self._points is None:
            self._points = plane_grid(self.x_range, self.y_range, self.resolution)
        return self._points

    # -- messages -----------------------------------------------------------------------------------
    @property
    def message(self):
        """The explanation currently shown instead of a drawing, or None."""
        return self._alert.object if self._alert.visible else None

    def _fail(self, text):
        self._alert.object = text
        self._alert.visible = True
        push(self._alert)

    def _ok(self):
        if self._alert.visible:
            self._alert.visible = False

    # -- drawing ------------------------------------------------------------------------------------
    def _range(self):
        if self.output_range is not None:
            return tuple(float(v) for v in self.output_range)
        if self._labels_range is not None:
            return self._labels_range
        act = getattr(getattr(self.model, "layers", [None])[-1], "activation", None) if self.model else None
        if getattr(act, "__name__", "") == "sigmoid":
            return (0.0, 1.0)
        return (-1.0, 1.0)

    def colorize(self, values: np.ndarray) -> np.ndarray:
        """Grid outputs ``(N,)`` / ``(N, 1)`` / ``(N, C)`` -> packed RGBA ``(N,)``."""
        if values.ndim == 2 and values.shape[1] > 1:
            return class_colors(values, discretize=self.discretize)
        values = values.reshape(-1)
        if self.problem == "regression" and self.output_range is None:
            m = float(np.max(np.abs(values))) or 1.0
            lo, hi = -m, m
        else:
            lo, hi = self._range()
        if self.discretize:
            values = np.where(values >= (lo + hi) / 2, hi, lo)
        return map_values(values, lo, hi, self._lut())

    def _lut(self):
        lut = getattr(self, "_lut_cache", None)
        if lut is None:
            lut = self._lut_cache = diverging_lut()
        return lut

    def _check(self, values):
        n = self.resolution**2
        values = np.asarray(values)
        if values.dtype == object or not np.issubdtype(values.dtype, np.number):
            return None, f"Expected numeric outputs, got an array of dtype {values.dtype}."
        if values.ndim not in (1, 2) or values.shape[0] != n:
            return None, (
                f"Expected one output per grid point ({n} rows for resolution={self.resolution}), "
                f"got an array of shape {values.shape}."
            )
        if not np.all(np.isfinite(values)):
            return None, (
                "The model's output contains NaN or infinite values: training diverged. Lower the learning "
                "rate or reset the weights."
            )
        return values.astype(np.float32, copy=False), None

    def _forward(self, predict):
        if predict is None:
            if self.model is None:
                return None, "No model to draw: pass model=..., or update(values=...) / update(predict=...)."
            dim = model_input_dim(self.model)
            if dim is not None and dim != 2:
                return None, (
                    f"A decision boundary needs a model with 2 inputs (x, y), but this model takes {dim}. "
                    "Use it on 2-D data, or compute the outputs yourself and call update(values=...)."
                )
            predict = self.model_outputs
        try:
            return predict(self.grid_points()), None
        except Exception as exc:  # shown to the user in place of the plot, with the reason
            return None, f"Could not compute the model's output on the grid: {type(exc).__name__}: {exc}"

    def model_outputs(self, points):
        return model_outputs(self.model, points)

    def update(self, values=None, predict=None) -> None:
        """Redraw from precomputed grid ``values`` ((res²,) or (res², C)), or ``predict(points)``,
        or the model. Problems are shown in the widget, never raised."""
        error = None
        if values is None:
            values, error = self._forward(predict)
        if error is None:
            values, error = self._check(values)
        if error is not None:
            self._fail(error)
            return
        self._values = values
        self._draw(values)

    def _redraw_cached(self, _event=None):
        if self._values is not None:
            self._draw(self._values)
        self._refresh_point_colors()

    def _draw(self, values):
        res = self.resolution
        img = self.colorize(values).reshape(res, res)
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        self._image.data = {"image": [img], "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0]}
        self._ok()
        push(self._pane, self._alert)

    @property
    def image(self):
        """The packed RGBA image currently drawn (``(res, res) uint32``), or None."""
        data = self._image.data["image"]
        return data[0] if len(data) else None

    # -- points -------------------------------------------------------------------------------------
    def _label_colors(self, y):
        if y.ndim == 2 and y.shape[1] > 1:
            y = y.argmax(1)
        y = y.reshape(-1)
        if self.problem == "classification" and (self.num_classes > 2 or (y.size and y.max() > 1)):
            palette = np.array(CLASS_COLORS)
            return y, list(palette[y.astype(int) % len(palette)])
        lo, hi = self._range()
        if self.problem == "classification":
            y_col = np.where(y >= (lo + hi) / 2, hi, lo)
        else:
            y_col = y
        return y, hex_colors(map_values(y_col, lo, hi, self._lut()))

    def set_points(self, x_train, y_train, x_test=None, y_test=None) -> None:
        """Show the data: ``x`` of shape (N, 2), ``y`` labels (±1, 0/1, class ids or one-hot) or
        regression targets."""
        self._raw_points = (x_train, y_train, x_test, y_test)
        self._refresh_point_colors()

    def _refresh_point_colors(self):
        raw = getattr(self, "_raw_points", None)
        if raw is None:
            return
        x_train, y_train, x_test, y_test = raw
        pairs = [(self._train, x_train, y_train, "training"), (self._test, x_test, y_test, "test")]
        arrays = []
        for _, x, y, what in pairs:
            if x is None:
                arrays.append(None)
                continue
            x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
            if x.ndim != 2 or x.shape[1] != 2:
                self._fail(f"The {what} points must have shape (N, 2) to be drawn on the plane; got {x.shape}.")
                return
            if len(y) != len(x):
                self._fail(f"The {what} data has {len(x)} points but {len(y)} labels.")
                return
            arrays.append((x, y))
        if self.problem == "classification" and self.output_range is None and arrays[0] is not None:
            y0 = arrays[0][1]
            if y0.ndim == 1 or y0.shape[1] == 1:
                self._labels_range = (-1.0, 1.0) if y0.size and y0.min() < 0 else (0.0, 1.0)
        for (source, *_), xy in zip(pairs, arrays):
            if xy is None:
                source.data = {"x": [], "y": [], "label": [], "color": []}
                continue
            labels, colors = self._label_colors(xy[1])
            source.data = {"x": xy[0][:, 0], "y": xy[0][:, 1], "label": labels, "color": colors}
        push(self._pane)

    # -- fit callback -------------------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.update()

    def on_train_begin(self, logs=None):
        self.update()

    def __panel__(self):
        return pn.Column(self._alert, self._pane, self._controls)
