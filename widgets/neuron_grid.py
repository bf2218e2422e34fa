"""NeuronGrid: every neuron's output over the input plane as a thumbnail (TF Playground)."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, TapTool
from bokeh.plotting import figure
from panel.viewable import Viewer

from .base import FitCallback, push
from .colors import diverging_lut, map_values
from .plane import hidden_outputs, model_input_dim, plane_grid


class NeuronGrid(Viewer, FitCallback):
    """One small heatmap per neuron, a column per layer; hover names a neuron, click (or the
    picker) enlarges it. All thumbnails are images of ONE ``image_rgba`` glyph, so an update is
    one colour mapping per layer and one data-source assignment.

    ``update(layers=[(res², units) array per layer], names=[...])`` takes outputs computed over
    the grid (e.g. in the same forward pass as a :class:`DecisionBoundary`); as a ``fit``
    callback (or with ``update()`` and ``model=``) it evaluates the model's Dense layers itself.

    >>> import numpy as np
    >>> grid = NeuronGrid(resolution=10)
    >>> pts = grid.grid_points()
    >>> h1 = np.tanh(pts @ np.ones((2, 4), np.float32))
    >>> grid.update(layers=[h1, h1[:, :2]], names=["dense", "dense_1"])
    >>> grid.shape
    [4, 2]
    """

    model = param.Parameter(default=None, doc="Optional model with 2 inputs, for update() with no arguments.")
    x_range = param.NumericTuple(default=(-6.0, 6.0), length=2)
    y_range = param.NumericTuple(default=(-6.0, 6.0), length=2)
    resolution = param.Integer(default=100, bounds=(2, 1000))
    value_range = param.NumericTuple(
        default=(-1.0, 1.0), length=2, allow_None=True, doc="Colour range; None: each neuron scaled to its own max |v|."
    )
    thumb_size = param.Integer(default=56, bounds=(8, None), doc="Thumbnail size in pixels.")
    every = param.Integer(default=1, bounds=(1, None), doc="As a fit callback: redraw every N epochs.")

    def __init__(self, **params):
        super().__init__(**params)
        self._points = None
        self._images = []  # (layer, unit, name, image)
        self._act_model = None
        self.shape = []
        self._source = ColumnDataSource(
            {"image": [], "x": [], "y": [], "dw": [], "dh": [], "name": [], "layer": [], "unit": []}
        )
        self._labels = ColumnDataSource({"x": [], "y": [], "text": []})
        self.figure = figure(
            width=200,
            height=200,
            tools="",
            toolbar_location=None,
            x_range=(0, 1),
            y_range=(0, 1),
            min_border=2,
        )
        self.figure.axis.visible = False
        self.figure.grid.visible = False
        self.figure.outline_line_color = None
        thumbs = self.figure.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=self._source)
        self.figure.text("x", "y", text="text", source=self._labels, text_font_size="9pt", text_align="center")
        self.figure.add_tools(
            HoverTool(renderers=[thumbs], tooltips=[("neuron", "@name")]), TapTool(renderers=[thumbs])
        )
        self._source.selected.on_change("indices", self._on_tap)
        self._big_source = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []})
        self.big = figure(
            width=220, height=220, x_range=self.x_range, y_range=self.y_range, tools="", toolbar_location=None
        )
        self.big.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=self._big_source)
        self.big.grid.visible = False
        self._picker = pn.widgets.Select(label="enlarge neuron", options=[], width=200)
        self._picker.param.watch(lambda e: self._enlarge(e.new), "value")
        self._pane = pn.pane.Bokeh(self.figure)
        self._big_pane = pn.pane.Bokeh(self.big)
        self._alert = pn.pane.Alert("", alert_type="warning", visible=False)
        self.param.watch(self._forget_grid, ["x_range", "y_range", "resolution"])
        self.param.watch(self._forget_model, "model")

    def _forget_grid(self, _event=None):
        self._points = None
        self.big.x_range.update(start=self.x_range[0], end=self.x_range[1])
        self.big.y_range.update(start=self.y_range[0], end=self.y_range[1])

    def _forget_model(self, _event=None):
        self._act_model = None  # built for the previous model

    def grid_points(self) -> np.ndarray:
        """The ``(resolution**2, 2)`` float32 points the layer outputs must be computed on."""
        if self._points is None:
            self._points = plane_grid(self.x_range, self.y_range, self.resolution)
        return self._points

    @property
    def message(self):
        """The explanation shown instead of thumbnails, or None."""
        return self._alert.object if self._alert.visible else None

    def _fail(self, text):
        self._alert.object, self._alert.visible = text, True
        push(self._alert)

    def _from_model(self):
        if self.model is None:
            return None, None, "No model: pass model=... or update(layers=[...])."
        dim = model_input_dim(self.model)
        if dim is not None and dim != 2:
            return None, None, f"Neuron thumbnails need a model with 2 inputs, but this model takes {dim}."
        try:
            layers, names, self._act_model = hidden_outputs(self.model, self.grid_points(), self._act_model)
        except Exception as exc:  # shown in place of the thumbnails
            self._act_model = None
            return None, None, f"Could not evaluate the model's layers: {type(exc).__name__}: {exc}"
        return layers, names, None

    def update(self, layers=None, names=None) -> None:
        """Redraw from ``layers`` (one ``(res², units)`` array per layer) or from the model."""
        if layers is None:
            layers, model_names, error = self._from_model()
            if error:
                self._fail(error)
                return
            names = names or model_names
        n = self.resolution**2
        arrays = []
        for k, values in enumerate(layers):
            values = np.asarray(values, dtype=np.float32)
            if values.ndim == 1:
                values = values[:, None]
            if values.ndim != 2 or values.shape[0] != n:
                self._fail(
                    f"Layer {k}: expected an array of shape ({n}, units) for resolution={self.resolution}, "
                    f"got {values.shape}."
                )
                return
            if not np.all(np.isfinite(values)):
                self._fail(f"Layer {k} has NaN or infinite outputs: training diverged (lower the learning rate).")
                return
            arrays.append(values)
        names = list(names) if names is not None else [f"layer {k + 1}" for k in range(len(arrays))]
        if len(names) != len(arrays):
            self._fail(f"Got {len(arrays)} layers but {len(names)} names.")
            return
        self._draw(arrays, names)

    def _colorize(self, values):
        lut = getattr(self, "_lut", None)
        if lut is None:
            lut = self._lut = diverging_lut()
        res = self.resolution
        if self.value_range is None:
            m = np.max(np.abs(values), axis=0)
            m[m == 0] = 1.0
            values = values / m
            lo, hi = -1.0, 1.0
        else:
            lo, hi = self.value_range
        # (N, units) -> (units, res, res), contiguous per neuron: one colour mapping per layer.
        return map_values(values.T, lo, hi, lut).reshape(-1, res, res)

    def _draw(self, arrays, names):
        cell, size = 1.2, 1.0
        shape = [a.shape[1] for a in arrays]
        images, xs, ys, labels, layer_idx, unit_idx = [], [], [], [], [], []
        self._images = []
        for k, (values, name) in enumerate(zip(arrays, names)):
            packed = self._colorize(values)
            for j in range(values.shape[1]):
                images.append(packed[j])
                xs.append(k * cell)
                ys.append(-j * cell)
                labels.append(f"{name}[{j}]")
                layer_idx.append(k)
                unit_idx.append(j)
                self._images.append(labels[-1])
        self._packed = images
        count = len(images)
        data = {
            "image": images,
            "x": xs,
            "y": ys,
            "dw": [size] * count,
            "dh": [size] * count,
            "name": labels,
            "layer": layer_idx,
            "unit": unit_idx,
        }
        self._source.data = data
        if shape != self.shape:  # structure changed: resize the figure and relabel
            self.shape = shape
            rows, cols = max(shape, default=1), max(len(shape), 1)
            self.figure.x_range.update(start=-0.1, end=cols * cell - 0.1)
            self.figure.y_range.update(start=-(rows - 1) * cell - 0.1, end=cell + 0.35)
            self.figure.width = int(cols * cell * self.thumb_size)
            self.figure.height = int((rows * cell + 0.45) * self.thumb_size)
            self._labels.data = {
                "x": [k * cell + size / 2 for k in range(len(names))],
                "y": [size + 0.08] * len(names),
                "text": list(names),
            }
            self._picker.options = list(labels)
        if self._picker.value not in labels and labels:
            self._picker.value = labels[0]
        if self._alert.visible:
            self._alert.visible = False
        self._enlarge(self._picker.value)
        push(self._pane, self._big_pane, self._alert)

    def _on_tap(self, _attr, _old, new):
        if new:
            self._picker.value = self._images[new[0]]

    def _enlarge(self, label):
        if label is None or label not in self._images:
            return
        img = self._packed[self._images.index(label)]
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        self._big_source.data = {"image": [img], "x": [x0], "y": [y0], "dw": [x1 - x0], "dh": [y1 - y0]}
        self.big.title.text = label

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.update()

    def __panel__(self):
        return pn.Column(self._alert, pn.Row(self._pane, pn.Column(self._picker, self._big_pane)))
