"""LossCurve: training curves (loss, val_loss, any metric) streamed as they come."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.plotting import figure
from panel.viewable import Viewer

from .base import FitCallback, push
from .colors import CLASS_COLORS


class LossCurve(Viewer, FitCallback):
    """Lines of ``loss`` / ``val_loss`` / metrics over epochs (or batches), updated live.

    ``push(step, **values)`` appends one point per named series (a new name makes a new line);
    as a ``fit`` callback it pushes the logs of every epoch (``per="epoch"``) or batch
    (``per="batch"``) for the names in ``metrics`` and their ``val_`` twins.

    >>> curve = LossCurve(metrics=("loss", "accuracy"), rollover=500)
    >>> curve.push(1, loss=0.9, val_loss=1.1)
    >>> curve.push(2, loss=0.5, val_loss=0.7)
    >>> curve.series()["loss"]
    [0.9, 0.5]
    >>> # model.fit(x, y, validation_split=0.2, callbacks=[curve])
    """

    metrics = param.List(default=["loss"], doc="Log names to plot; each also gets its 'val_' twin.")
    per = param.Selector(default="epoch", objects=["epoch", "batch"], doc="Push every epoch or every batch.")
    log_scale = param.Boolean(default=False, doc="Logarithmic y axis.")
    rollover = param.Integer(default=None, allow_None=True, bounds=(1, None), doc="Keep only the last N points.")
    title = param.String(default="", doc="Figure title (defaults to the metric names).")
    height = param.Integer(default=260, bounds=(80, None))
    markers = param.Boolean(default=True, doc="Draw a marker on every point (off: lines only, cheaper for long runs).")

    def __init__(self, metrics=("loss",), **params):
        if isinstance(metrics, str):
            metrics = (metrics,)
        super().__init__(metrics=list(metrics), **params)
        self._sources: dict[str, ColumnDataSource] = {}
        self._styles: dict[str, tuple[str, str]] = {}
        self._figure = self._make_figure()
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width")
        self._toggle = pn.widgets.Checkbox.from_param(self.param.log_scale, label="log scale")
        self._epochs_done = 0
        self._batches_done = 0
        # The declared series exist (empty) from the start, so the legend is there before data.
        for name in self.metrics:
            self._series_source(name)
            self._series_source(f"val_{name}")
        self.param.watch(self._swap_figure, "log_scale")

    def _make_figure(self):
        """A figure with the current axis scale and a line for every series so far. Bokeh cannot
        change an axis type in place, so toggling the scale builds a new figure on the same data."""
        x_label = "batch" if self.per == "batch" else "epoch"
        fig = figure(
            title=self.title or " / ".join(self.metrics),
            height=self.height,
            sizing_mode="stretch_width",
            y_axis_type="log" if self.log_scale else "linear",
            x_axis_label=x_label,
            tools="pan,wheel_zoom,box_zoom,reset,save",
        )
        fig.add_tools(HoverTool(tooltips=[("series", "$name"), (x_label, "@step"), ("value", "@value{0.0000}")]))
        for name in self._sources:
            self._add_lines(fig, name)
        return fig

    def _add_lines(self, fig, name):
        color, dash = self._styles[name]
        source = self._sources[name]
        style = dict(source=source, name=name, color=color)
        fig.line("step", "value", line_width=2, line_dash=dash, legend_label=name, **style)
        if self.markers:
            fig.scatter("step", "value", size=4, **style)
        fig.legend.location = "top_right"
        fig.legend.click_policy = "hide"

    def _swap_figure(self, _event=None):
        self._figure = self._make_figure()
        self._pane.object = self._figure

    def _series_source(self, name):
        source = self._sources.get(name)
        if source is None:
            source = ColumnDataSource({"step": [], "value": []}, name=name)
            self._sources[name] = source
            base = name[4:] if name.startswith("val_") else name
            bases = list(dict.fromkeys(n[4:] if n.startswith("val_") else n for n in self._sources))
            color = CLASS_COLORS[(bases.index(base) + 1) % len(CLASS_COLORS)] if base != "loss" else CLASS_COLORS[1]
            self._styles[name] = (color, "dashed" if name.startswith("val_") else "solid")
            self._add_lines(self._figure, name)
        return source

    def push(self, step, **values) -> None:
        """Append ``values[name]`` at x = ``step`` to each named series (non-finite values are kept
        as NaN gaps rather than dropped, so a diverging run is visible as such)."""
        for name, value in values.items():
            value = float(np.asarray(value))
            self._series_source(name).stream({"step": [step], "value": [value]}, rollover=self.rollover)
        push(self._pane)

    def extend(self, steps, **series) -> None:
        """Append many points at once: ``extend([1, 2, 3], loss=[...], val_loss=[...])`` (one
        message to the browser per series, however many points)."""
        steps = list(steps)
        for name, values in series.items():
            values = np.asarray(values, dtype=np.float64).reshape(-1)
            if len(values) != len(steps):
                raise ValueError(f"{name}: {len(values)} values for {len(steps)} steps.")
            self._series_source(name).stream({"step": steps, "value": values.tolist()}, rollover=self.rollover)
        push(self._pane)

    def reset(self) -> None:
        """Forget every point (the lines stay, empty)."""
        for source in self._sources.values():
            source.data = {"step": [], "value": []}
        self._epochs_done = self._batches_done = 0
        push(self._pane)

    def series(self) -> dict:
        """``{name: [values]}`` as currently shown."""
        return {name: list(src.data["value"]) for name, src in self._sources.items()}

    def _wanted(self, logs):
        names = set(self.metrics) | {f"val_{m}" for m in self.metrics}
        return {k: v for k, v in (logs or {}).items() if k in names}

    # -- fit callback ---------------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        self._epochs_done += 1
        if self.per == "epoch":
            self.push(self._epochs_done, **self._wanted(logs))

    def on_train_batch_end(self, batch, logs=None):
        if self.per == "batch":
            self._batches_done += 1
            self.push(self._batches_done, **self._wanted(logs))

    def __panel__(self):
        return pn.Column(self._toggle, self._pane, sizing_mode="stretch_width")
