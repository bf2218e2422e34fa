"""ActivationMaps: what every layer of an image model computes for one chosen input (seed 003)."""

from __future__ import annotations

import math

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.plotting import figure
from panel.viewable import Viewer

from .base import FitCallback, push
from .colors import BLUE, make_lut, map_values, sequential_lut
from .plane import activation_model, to_numpy


def normalize_channels(maps: np.ndarray) -> np.ndarray:
    """Seed 003's display normalization, per channel: centre, divide by the std, ``*64 + 128``,
    clip to 0..255. ``maps`` is (H, W, C); returns float32 of the same shape."""
    maps = maps.astype(np.float32)
    centred = maps - maps.mean(axis=(0, 1), keepdims=True)
    std = centred.std(axis=(0, 1), keepdims=True)
    std[std == 0] = 1.0
    return np.clip(centred / std * 64.0 + 128.0, 0.0, 255.0)


class ActivationMaps(Viewer, FitCallback):
    """Feature maps of every layer for one input picked with a slider: convolution (and pooling)
    outputs as a grid of per-channel images, flat outputs (Dense, Flatten) as bar plots.
    Built from ``keras.Model(inputs=model.inputs, outputs=[l.output for l in model.layers])``.

    >>> import numpy as np
    >>> from gradplay.engine.keras import layers, models
    >>> cnn = models.Sequential([layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu", name="conv"),
    ...                          layers.Flatten(name="flat"), layers.Dense(3, activation="softmax", name="out")])
    >>> maps = ActivationMaps(cnn, np.random.default_rng(0).random((5, 8, 8, 1), np.float32))
    >>> maps.index = 2  # or move the slider
    >>> sorted(maps.shapes)
    ['conv', 'flat', 'out']
    >>> ActivationMaps(cnn, np.zeros((1, 8, 8, 1), np.float32), layers=["conv9"]).message
    "Unknown layer name(s) ['conv9']. The model's layers are: conv, flat, out."
    """

    model = param.Parameter(default=None, doc="A built Keras-like model.")
    x_samples = param.Parameter(default=None, doc="Inputs to choose from, shape (N, ...) matching the model.")
    layers = param.List(default=None, allow_None=True, doc="Names of the layers to show (default: all).")
    index = param.Integer(default=0, bounds=(0, None), doc="Which sample is shown.")
    columns = param.Integer(default=8, bounds=(1, None), doc="Channel images per row.")
    cell_size = param.Integer(default=48, bounds=(8, None), doc="Pixels per channel image.")

    def __init__(self, model=None, x_samples=None, **params):
        super().__init__(model=model, x_samples=x_samples, **params)
        self._alert = pn.pane.Alert("", alert_type="warning", visible=False)
        self._slider = pn.widgets.IntSlider(label="sample", start=0, end=1, value=0)
        self._views = {}  # name -> (kind, source, pane)
        self.shapes = {}
        self._act_model = None
        self._chosen = []
        self._input_source = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []})
        self._input_fig = figure(width=120, height=120, tools="", toolbar_location=None, title="input")
        self._input_fig.axis.visible = False
        self._input_fig.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=self._input_source)
        self._input_pane = pn.pane.Bokeh(self._input_fig)
        self._gray = make_lut(("#000000", "#ffffff"))
        self._lut = sequential_lut()
        self._body = pn.Column()
        self._setup()
        self._slider.link(self, value="index")
        self.param.watch(self._on_index, "index")

    @property
    def message(self):
        """The explanation shown instead of the maps, or None."""
        return self._alert.object if self._alert.visible else None

    def _on_index(self, event):
        self._slider.value = min(event.new, self._slider.end)
        self.update()

    def _fail(self, text):
        self._alert.object, self._alert.visible = text, True
        push(self._alert)

    def _setup(self):
        if self.model is None or self.x_samples is None:
            self._fail("ActivationMaps needs a model and some input samples: ActivationMaps(model, x_samples).")
            return
        x = np.asarray(self.x_samples, dtype=np.float32)
        self._x = x
        names = [layer.name for layer in self.model.layers]
        wanted = names if self.layers is None else list(self.layers)
        unknown = [n for n in wanted if n not in names]
        if unknown:
            self._fail(f"Unknown layer name(s) {unknown}. The model's layers are: {', '.join(names)}.")
            return
        try:
            self._act_model = activation_model(self.model)
        except Exception as exc:  # an unbuilt model, typically: say how to fix it
            self._fail(f"Cannot read the layers' outputs: {exc}")
            return
        self._chosen = wanted
        self._slider.end = max(len(x) - 1, 1)
        self._slider.disabled = len(x) < 2
        self.update()

    def _layer_view(self, name, out):
        kind = "maps" if out.ndim == 3 else "bars"
        if name in self._views and self._views[name][0] == kind:
            return self._views[name]
        if kind == "maps":
            h, w, c = out.shape
            cols = min(self.columns, c)
            rows = math.ceil(c / cols)
            src = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": [], "channel": []})
            fig = figure(
                title=f"{name} {out.shape}",
                width=cols * self.cell_size + 20,
                height=rows * self.cell_size + 40,
                x_range=(0, cols * 1.05),
                y_range=(-(rows - 1) * 1.05, 1.05),
                tools="",
                toolbar_location=None,
            )
            fig.axis.visible = False
            fig.grid.visible = False
            r = fig.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=src)
            fig.add_tools(HoverTool(renderers=[r], tooltips=[("channel", "@channel")]))
        else:
            src = ColumnDataSource({"unit": [], "value": []})
            fig = figure(title=f"{name} {out.shape}", height=160, width=400, tools="", toolbar_location=None)
            fig.vbar(x="unit", top="value", width=0.8, source=src, color=BLUE)
            fig.add_tools(HoverTool(tooltips=[("unit", "@unit"), ("value", "@value{0.000}")]))
        view = (kind, src, pn.pane.Bokeh(fig))
        self._views[name] = view
        return view

    def update(self, index=None) -> None:
        """Recompute the chosen sample's activations (after training, or for a new ``index``)."""
        if self._act_model is None:
            return
        if index is not None:
            self.index = index  # the watcher calls update() again
            return
        if self.index >= len(self._x):
            self._fail(f"Sample index {self.index} is out of range: there are {len(self._x)} samples.")
            return
        try:
            outs = self._act_model.predict_on_batch(self._x[self.index : self.index + 1])
        except Exception as exc:  # wrong input shape for the model, typically
            self._fail(f"The model cannot run on these samples (shape {self._x.shape[1:]}): {exc}")
            return
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        by_name = {layer.name: to_numpy(o)[0] for layer, o in zip(self.model.layers, outs)}
        panes = []
        for name in self._chosen:
            out = by_name[name]
            if out.ndim not in (1, 3):
                out = out.reshape(-1)
            self.shapes[name] = out.shape
            kind, src, pane = self._layer_view(name, out)
            if kind == "maps":
                self._fill_maps(src, out)
            else:
                src.data = {"unit": np.arange(out.size), "value": out.astype(np.float64)}
            panes.append(pane)
        self._show_input(self._x[self.index])
        if list(self._body.objects) != panes:
            self._body.objects = panes
        self._alert.visible = False
        push(*panes, self._input_pane, self._alert)

    def _fill_maps(self, src, out):
        h, w, c = out.shape
        cols = min(self.columns, c)
        packed = map_values(np.moveaxis(normalize_channels(out), -1, 0), 0, 255, self._lut)
        images = [packed[k][::-1] for k in range(c)]  # row 0 of an image is its top; Bokeh's is the bottom
        size = 1.0
        src.data = {
            "image": images,
            "x": [(k % cols) * 1.05 for k in range(c)],
            "y": [-(k // cols) * 1.05 for k in range(c)],
            "dw": [size] * c,
            "dh": [size * h / w] * c,
            "channel": list(range(c)),
        }

    def _show_input(self, x):
        x = np.asarray(x, np.float32)
        if x.ndim == 3:
            x = x.mean(-1)
        if x.ndim != 2:
            return
        lo, hi = float(x.min()), float(x.max())
        img = map_values(x[::-1], lo, hi if hi > lo else lo + 1, self._gray)
        self._input_source.data = {"image": [img], "x": [0], "y": [0], "dw": [1], "dh": [1]}

    def on_epoch_end(self, epoch, logs=None):
        self.update()

    def __panel__(self):
        return pn.Column(self._alert, pn.Row(self._slider, self._input_pane), self._body)
