"""WeightHistogram: how each layer's weight distribution moves during training."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.plotting import figure
from panel.viewable import Viewer

from .base import FitCallback, push
from .colors import BLUE, map_values, sequential_lut


def layer_weights(model) -> dict:
    """``{layer name: flat array}`` of each layer's kernel (or all its weights if it has none)."""
    out = {}
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        arrays = [kernel.numpy()] if kernel is not None else [w.numpy() for w in getattr(layer, "weights", [])]
        if arrays:
            out[layer.name] = np.concatenate([np.ravel(a) for a in arrays]).astype(np.float32)
    return out


class WeightHistogram(Viewer, FitCallback):
    """Histogram of one layer's weights now (bars) and over time (an image: snapshots x bins,
    brighter = more weights). ``update()`` takes a snapshot of the model (a ``fit`` callback does
    it at train begin and after every epoch); ``update(weights={name: array})`` takes one given.

    >>> import numpy as np
    >>> hist = WeightHistogram(bins=10)
    >>> rng = np.random.default_rng(0)
    >>> for step in range(3):
    ...     hist.update(weights={"dense": rng.normal(0, 1 + step, 100)})
    >>> hist.history_image().shape  # bins x snapshots
    (10, 3)
    """

    model = param.Parameter(default=None, doc="Optional model whose layers' weights are snapshotted.")
    layer = param.Parameter(default=None, doc="Layer name or index to show (default: the first with weights).")
    bins = param.Integer(default=30, bounds=(2, 1000))
    max_snapshots = param.Integer(default=500, bounds=(1, None), doc="Older snapshots are dropped.")

    def __init__(self, model=None, **params):
        super().__init__(model=model, **params)
        self._snapshots = {}  # name -> list of flat arrays
        self._lut = sequential_lut()
        self._select = pn.widgets.Select(label="layer", options=[], width=200)
        self._select.param.watch(lambda e: self._draw(), "value")
        self._bars = ColumnDataSource({"left": [], "right": [], "count": []})
        self._image = ColumnDataSource({"image": [], "x": [], "y": [], "dw": [], "dh": []})
        self.figure = figure(height=180, width=420, title="weights now", tools="", toolbar_location=None)
        self.figure.quad(left="left", right="right", bottom=0, top="count", source=self._bars, color=BLUE, alpha=0.8)
        self.figure.add_tools(HoverTool(tooltips=[("from", "@left{0.000}"), ("to", "@right{0.000}"), ("n", "@count")]))
        self.history_figure = figure(
            height=180,
            width=420,
            title="over time",
            x_axis_label="snapshot",
            y_axis_label="weight",
            tools="",
            toolbar_location=None,
        )
        self.history_figure.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=self._image)
        self.history_figure.grid.visible = False
        self._panes = (pn.pane.Bokeh(self.figure), pn.pane.Bokeh(self.history_figure))
        self._alert = pn.pane.Alert("", alert_type="warning", visible=False)

    @property
    def message(self):
        """The explanation shown instead of the plots, or None."""
        return self._alert.object if self._alert.visible else None

    def update(self, weights=None) -> None:
        """Snapshot ``weights`` (``{name: array}``) or the model's layers, then redraw."""
        if weights is None:
            if self.model is None:
                self._alert.object, self._alert.visible = "No model: pass model=... or update(weights={...}).", True
                push(self._alert)
                return
            weights = layer_weights(self.model)
        for name, w in weights.items():
            shots = self._snapshots.setdefault(name, [])
            shots.append(np.asarray(w, np.float32).ravel())
            del shots[: -self.max_snapshots]
        names = list(self._snapshots)
        if self._select.options != names:
            self._select.options = names
        self._select.value = self._chosen_name(names)  # triggers nothing if unchanged
        self._draw()

    def _chosen_name(self, names):
        if isinstance(self.layer, int):
            return names[self.layer] if -len(names) <= self.layer < len(names) else names[0]
        if self.layer in names and self._select.value is None:
            return self.layer
        return self._select.value if self._select.value in names else names[0]

    def history_image(self) -> np.ndarray:
        """Counts of the shown layer: ``(bins, snapshots)``, over the range of all its snapshots."""
        return self._history()[0]

    def _history(self):
        shots = self._snapshots.get(self._select.value, [])
        if not shots:
            return np.zeros((self.bins, 0), int), (0.0, 1.0)
        lo = min(float(s.min()) for s in shots)
        hi = max(float(s.max()) for s in shots)
        hi = hi if hi > lo else lo + 1e-6
        return np.stack([np.histogram(s, bins=self.bins, range=(lo, hi))[0] for s in shots], axis=1), (lo, hi)

    def _draw(self):
        shots = self._snapshots.get(self._select.value)
        if not shots:
            return
        if not all(np.all(np.isfinite(s)) for s in shots[-1:]):
            self._alert.object = "The weights contain NaN or infinite values: training diverged."
            self._alert.visible = True
            push(self._alert)
            return
        counts, edges = np.histogram(shots[-1], bins=self.bins)
        self._bars.data = {"left": edges[:-1], "right": edges[1:], "count": counts}
        hist, (lo, hi) = self._history()
        scaled = np.log1p(hist) / max(np.log1p(hist).max(), 1e-9)
        img = map_values(scaled, 0.0, 1.0, self._lut)
        self._image.data = {"image": [img], "x": [-0.5], "y": [lo], "dw": [hist.shape[1]], "dh": [hi - lo]}
        self.figure.title.text = f"{self._select.value}: weights now"
        self._alert.visible = False
        push(*self._panes, self._alert)

    def on_train_begin(self, logs=None):
        if not self._snapshots:
            self.update()

    def on_epoch_end(self, epoch, logs=None):
        self.update()

    def __panel__(self):
        return pn.Column(self._alert, self._select, *self._panes)
