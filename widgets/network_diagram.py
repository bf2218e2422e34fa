"""NetworkDiagram: neurons, weighted edges and biases of a dense network, editable by clicking."""

from __future__ import annotations

import numpy as np
import panel as pn
import param
from bokeh.models import ColumnDataSource, HoverTool, Range1d, Segment, TapTool
from bokeh.plotting import figure
from panel.viewable import Viewer

from .base import FitCallback, push
from .colors import BLUE, ORANGE, diverging_lut, map_values
from .decision_boundary import hex_colors
from .plane import dense_layers, hidden_outputs, model_input_dim, plane_grid

COLUMN_GAP = 3.0  # data units between layer columns (a node is 1 unit wide)
ROW_GAP = 1.5


def edge_width(w):
    """The Playground's edge width: |w| in [0, 5] mapped linearly onto [1, 10] px (clamped)."""
    return 1.0 + 9.0 * np.minimum(np.abs(np.asarray(w, np.float64)), 5.0) / 5.0


class NetworkDiagram(Viewer, FitCallback):
    """The network as the TF Playground draws it: a column of nodes per layer, an edge per weight
    (orange negative, blue positive, width ∝ |w|), a small bias square at each node, optional
    thumbnails of each neuron's output at the nodes. Click an edge (or a bias square) to select
    it; its value appears in a number box, and editing it calls ``on_edit(layer, i, j, value)``
    (``on_edit_bias(layer, j, value)``) — or, with no callback and a ``model``, writes the model.

    >>> import numpy as np
    >>> net = NetworkDiagram()
    >>> net.update(weights=[(np.ones((2, 3)), np.zeros(3)), (-np.ones((3, 1)), np.zeros(1))],
    ...            input_names=["x1", "x2"])
    >>> len(net.edges.data["value"]), net.edges.data["color"][-1]
    (9, '#f59322')
    >>> net.select_edge(1, 0, 0)
    >>> net.edit_selected(0.5)  # no on_edit, no model: just redrawn
    >>> float(net.weights[1][0][0, 0])
    0.5
    """

    model = param.Parameter(default=None, doc="Optional Keras-like model: update() reads its Dense layers.")
    on_edit = param.Callable(default=None, doc="on_edit(layer, i, j, value) when an edge weight is edited.")
    on_edit_bias = param.Callable(default=None, doc="on_edit_bias(layer, j, value) when a bias is edited.")
    show_thumbnails = param.Boolean(default=False, doc="With a 2-input model: draw each neuron's output.")
    x_range = param.NumericTuple(default=(-6.0, 6.0), length=2)
    y_range = param.NumericTuple(default=(-6.0, 6.0), length=2)
    thumb_resolution = param.Integer(default=24, bounds=(2, 200))
    node_size = param.Integer(default=44, bounds=(8, None), doc="Pixels per node box.")
    every = param.Integer(default=1, bounds=(1, None), doc="As a fit callback: redraw every N epochs.")

    def __init__(self, model=None, **params):
        super().__init__(model=model, **params)
        self.weights = []
        self.input_names = []
        self._structure = None
        self._act_model = None
        self._selection = None  # ("edge", layer, i, j) or ("bias", layer, j)
        self.edges = ColumnDataSource(
            {k: [] for k in ("x0", "y0", "x1", "y1", "color", "width", "value", "layer", "i", "j", "label")}
        )
        self.nodes = ColumnDataSource({k: [] for k in ("x", "y", "label_y", "name", "bias", "fill")})
        self.biases = ColumnDataSource({k: [] for k in ("x", "y", "color", "value", "layer", "j", "label")})
        self.thumbs = ColumnDataSource({k: [] for k in ("image", "x", "y", "dw", "dh")})
        # Explicit Range1d: the layout sets the ranges (a DataRange1d would re-fit them in the browser).
        self.figure = figure(
            width=400,
            height=300,
            x_range=Range1d(-0.8, 1.0),
            y_range=Range1d(-1.0, 1.0),
            tools="",
            toolbar_location=None,
            match_aspect=False,
        )
        self.figure.axis.visible = False
        self.figure.grid.visible = False
        self.figure.outline_line_color = None
        edge_r = self.figure.segment(
            "x0", "y0", "x1", "y1", source=self.edges, line_color="color", line_width="width", line_alpha=0.8
        )
        edge_r.nonselection_glyph = None  # the other edges keep their colours when one is selected
        edge_r.selection_glyph = Segment(line_color="#222222", line_width="width", line_alpha=1.0)
        node_r = self.figure.rect("x", "y", 1.0, 1.0, source=self.nodes, fill_color="fill", line_color="#666666")
        self.figure.image_rgba(image="image", x="x", y="y", dw="dw", dh="dh", source=self.thumbs)
        bias_r = self.figure.rect("x", "y", 0.25, 0.25, source=self.biases, fill_color="color", line_color="#333333")
        self.figure.text(
            "x",
            "label_y",
            text="name",
            source=self.nodes,
            text_font_size="8pt",
            text_align="center",
            text_baseline="bottom",
        )
        self.figure.add_tools(
            HoverTool(renderers=[edge_r], tooltips=[("weight", "@label"), ("value", "@value{0.000}")]),
            HoverTool(renderers=[node_r], tooltips=[("neuron", "@name"), ("bias", "@bias{0.000}")]),
            HoverTool(renderers=[bias_r], tooltips=[("bias", "@label"), ("value", "@value{0.000}")]),
            TapTool(renderers=[edge_r, bias_r]),
        )
        self.edges.selected.on_change("indices", self._on_tap_edge)
        self.biases.selected.on_change("indices", self._on_tap_bias)
        self._value = pn.widgets.FloatInput(label="selected: (click an edge)", value=None, step=0.1, disabled=True)
        self._value.param.watch(self._on_value, "value")
        self._pane = pn.pane.Bokeh(self.figure)
        self._alert = pn.pane.Alert("", alert_type="warning", visible=False)
        self._lut = diverging_lut()
        self.param.watch(self._forget_model, "model")

    def _forget_model(self, _event=None):
        self._act_model = None  # built for the previous model

    @property
    def message(self):
        """The explanation shown instead of a diagram, or None."""
        return self._alert.object if self._alert.visible else None

    def _fail(self, text):
        self._alert.object, self._alert.visible = text, True
        push(self._alert)

    # -- data -----------------------------------------------------------------------------------------
    def _from_model(self):
        layers = dense_layers(self.model)
        if not layers:
            raise ValueError("the model has no Dense layers (or is not built yet: give it an Input).")
        weights = [(layer.kernel.numpy(), layer.bias.numpy() if layer.bias is not None else None) for layer in layers]
        thumbnails = None
        if self.show_thumbnails and model_input_dim(self.model) == 2:
            pts = plane_grid(self.x_range, self.y_range, self.thumb_resolution)
            outs, _, self._act_model = hidden_outputs(self.model, pts, self._act_model)
            thumbnails = [pts, *outs]
        return weights, thumbnails

    def update(self, weights=None, input_names=None, thumbnails=None) -> None:
        """Redraw from ``weights=[(W (in, out), b (out,) or None), ...]`` (or the model's Dense
        layers), with optional ``thumbnails``: per-layer ``(res², units)`` arrays, for the layers
        after the inputs or (one longer) including the inputs."""
        try:
            if weights is None:
                if self.model is None:
                    raise ValueError("no weights: pass weights=[(W, b), ...] or model=...")
                weights, model_thumbs = self._from_model()
                thumbnails = thumbnails if thumbnails is not None else model_thumbs
            weights = self._check(weights)
            n_in = weights[0][0].shape[0]
            if input_names is not None and len(input_names) != n_in:
                raise ValueError(f"{len(input_names)} input names for {n_in} inputs.")
            if input_names is None:
                same = len(self.input_names) == n_in
                input_names = self.input_names if same else [f"x{k + 1}" for k in range(n_in)]
            self.input_names, self.weights = list(input_names), weights
            self._draw(thumbnails)
        except Exception as exc:  # shown in place of the diagram, with the reason
            self._fail(f"Cannot draw the network: {exc}")

    @staticmethod
    def _check(weights):
        out = []
        for k, pair in enumerate(weights):
            w, b = pair if isinstance(pair, (tuple, list)) and len(pair) == 2 else (pair, None)
            w = np.array(w, dtype=np.float32)
            if w.ndim != 2:
                raise ValueError(f"layer {k}: expected a 2-D kernel (in, out), got shape {w.shape}.")
            if out and out[-1][0].shape[1] != w.shape[0]:
                raise ValueError(f"layer {k}: kernel {w.shape} does not follow the previous {out[-1][0].shape}.")
            b = np.zeros(w.shape[1], np.float32) if b is None else np.array(b, dtype=np.float32).reshape(-1)
            if b.shape != (w.shape[1],):
                raise ValueError(f"layer {k}: bias of shape {b.shape} for {w.shape[1]} units.")
            out.append((w, b))
        if not out:
            raise ValueError("an empty list of weights.")
        return out

    def _positions(self):
        sizes = [self.weights[0][0].shape[0]] + [w.shape[1] for w, _ in self.weights]
        return [
            (np.full(n, c * COLUMN_GAP), (np.arange(n) - (n - 1) / 2) * -ROW_GAP) for c, n in enumerate(sizes)
        ], sizes

    def _draw(self, thumbnails):
        pos, sizes = self._positions()
        key = (tuple(sizes), tuple(self.input_names), thumbnails is None)
        if key == getattr(self, "_drawn_key", None):
            self._redraw_values(thumbnails, pos, sizes)
            return
        self._drawn_key = key
        x0, y0, x1, y1, values, layer, ii, jj, labels = [], [], [], [], [], [], [], [], []
        for k, (w, _) in enumerate(self.weights):
            (xa, ya), (xb, yb) = pos[k], pos[k + 1]
            i, j = np.meshgrid(np.arange(w.shape[0]), np.arange(w.shape[1]), indexing="ij")
            i, j = i.ravel(), j.ravel()
            x0.append(xa[i] + 0.5), y0.append(ya[i]), x1.append(xb[j] - 0.5), y1.append(yb[j])
            values.append(w[i, j]), layer.append(np.full(i.size, k)), ii.append(i), jj.append(j)
            labels += [f"layer {k}: {a} → {b}" for a, b in zip(i.tolist(), j.tolist())]
        values = np.concatenate(values).astype(np.float64)
        self.edges.data = {
            "x0": np.concatenate(x0),
            "y0": np.concatenate(y0),
            "x1": np.concatenate(x1),
            "y1": np.concatenate(y1),
            "color": np.where(values < 0, ORANGE, BLUE).tolist(),
            "width": edge_width(values),
            "value": values,
            "layer": np.concatenate(layer),
            "i": np.concatenate(ii),
            "j": np.concatenate(jj),
            "label": labels,
        }
        names = list(self.input_names) + [
            f"{'out' if k == len(self.weights) - 1 else f'h{k + 1}'}[{j}]"
            for k, (w, _) in enumerate(self.weights)
            for j in range(w.shape[1])
        ]
        xs, ys = np.concatenate([p[0] for p in pos]), np.concatenate([p[1] for p in pos])
        bias_vals = np.concatenate([np.full(sizes[0], np.nan)] + [b for _, b in self.weights]).astype(np.float64)
        self.nodes.data = {
            "x": xs,
            "y": ys,
            "label_y": ys + 0.55,
            "name": names,
            "bias": bias_vals,
            "fill": ["#ffffff"] * len(xs),
        }
        bx, by = xs[sizes[0] :] - 0.5, ys[sizes[0] :] - 0.5
        b_all = bias_vals[sizes[0] :]
        self.biases.data = {
            "x": bx,
            "y": by,
            "color": hex_colors(map_values(b_all, -1.0, 1.0, self._lut)),
            "value": b_all,
            "layer": np.concatenate([np.full(len(b), k) for k, (_, b) in enumerate(self.weights)]),
            "j": np.concatenate([np.arange(len(b)) for _, b in self.weights]),
            "label": [f"layer {k}: bias {j}" for k, (_, b) in enumerate(self.weights) for j in range(len(b))],
        }
        self._draw_thumbnails(thumbnails, pos, sizes)
        structure = tuple(sizes)
        if structure != self._structure:
            self._structure = structure
            cols, rows = len(sizes), max(sizes)
            self.figure.x_range.update(start=-0.8, end=(cols - 1) * COLUMN_GAP + 0.8)
            # room below for the bias squares, above for the node names
            self.figure.y_range.update(start=-(rows - 1) / 2 * ROW_GAP - 0.9, end=(rows - 1) / 2 * ROW_GAP + 1.1)
            self.figure.width = int(((cols - 1) * COLUMN_GAP + 1.6) * self.node_size)
            self.figure.height = int(((rows - 1) * ROW_GAP + 2.0) * self.node_size)
            # The Bokeh pane copied the figure's first size when it was made: give it the new one.
            self._pane.param.update(width=self.figure.width, height=self.figure.height)
        self._alert.visible = False
        self._show_selection()
        push(self._pane, self._alert, self._value)

    def _redraw_values(self, thumbnails, pos, sizes):
        """Same network, new numbers: send only the columns that change (weights, their colours
        and widths, biases, thumbnails), so the browser repaints without rebuilding the glyphs."""
        values = np.concatenate([w.ravel() for w, _ in self.weights]).astype(np.float64)
        self.edges.data.update(
            {"color": np.where(values < 0, ORANGE, BLUE).tolist(), "width": edge_width(values), "value": values}
        )
        b_all = np.concatenate([b for _, b in self.weights]).astype(np.float64)
        self.nodes.data.update({"bias": np.concatenate([np.full(sizes[0], np.nan), b_all])})
        self.biases.data.update({"color": hex_colors(map_values(b_all, -1.0, 1.0, self._lut)), "value": b_all})
        if thumbnails is not None:
            self.thumbs.data.update({"image": self._thumbnail_images(thumbnails, sizes)[0]})
        self._show_selection()
        push(self._pane, self._value)

    def _thumbnail_images(self, thumbnails, sizes):
        columns = list(range(len(sizes)))
        if len(thumbnails) == len(sizes) - 1:
            columns = columns[1:]
        elif len(thumbnails) != len(sizes):
            raise ValueError(f"{len(thumbnails)} thumbnail arrays for {len(sizes)} columns of nodes.")
        images = []
        for c, arr in zip(columns, thumbnails):
            arr = np.asarray(arr, np.float32)
            arr = arr.reshape(len(arr), -1)
            res = int(round(np.sqrt(len(arr))))
            if res * res != len(arr) or arr.shape[1] != sizes[c]:
                raise ValueError(f"thumbnails for column {c}: expected (res², {sizes[c]}), got {arr.shape}.")
            scale = np.max(np.abs(arr)) if c == 0 else 1.0  # inputs span the plane's range
            images += list(map_values(arr.T / (scale or 1.0), -1.0, 1.0, self._lut).reshape(-1, res, res))
        return images, columns

    def _draw_thumbnails(self, thumbnails, pos, sizes):
        if thumbnails is None:
            self.thumbs.data = {k: [] for k in ("image", "x", "y", "dw", "dh")}
            return
        images, columns = self._thumbnail_images(thumbnails, sizes)
        xs, ys = [], []
        for c in columns:
            xs += list(pos[c][0] - 0.5)
            ys += list(pos[c][1] - 0.5)
        n = len(images)
        self.thumbs.data = {"image": images, "x": xs, "y": ys, "dw": [1.0] * n, "dh": [1.0] * n}

    # -- selection and editing ------------------------------------------------------------------------
    def select_edge(self, layer, i, j) -> None:
        """Select the weight ``weights[layer][0][i, j]`` (what clicking its edge does)."""
        w = self.weights[layer][0]
        if not (0 <= i < w.shape[0] and 0 <= j < w.shape[1]):
            raise IndexError(f"layer {layer} has a kernel of shape {w.shape}; there is no edge ({i}, {j}).")
        self._selection = ("edge", layer, i, j)
        self._show_selection()

    def select_bias(self, layer, j) -> None:
        """Select the bias ``weights[layer][1][j]``."""
        if not 0 <= j < len(self.weights[layer][1]):
            raise IndexError(f"layer {layer} has {len(self.weights[layer][1])} biases; there is no bias {j}.")
        self._selection = ("bias", layer, j)
        self._show_selection()

    def _selected_value(self):
        kind, layer, *idx = self._selection
        return float(self.weights[layer][0][tuple(idx)] if kind == "edge" else self.weights[layer][1][idx[0]])

    def _show_selection(self):
        if self._selection is None:
            return
        kind, layer, *idx = self._selection
        self._updating = True
        try:
            self._value.label = f"{kind} layer {layer} {tuple(idx) if kind == 'edge' else idx[0]}"
            self._value.value = round(self._selected_value(), 6)
            self._value.disabled = False
        finally:
            self._updating = False

    def _on_tap_edge(self, _attr, _old, new):
        if new:
            d = self.edges.data
            self.select_edge(int(d["layer"][new[0]]), int(d["i"][new[0]]), int(d["j"][new[0]]))

    def _on_tap_bias(self, _attr, _old, new):
        if new:
            d = self.biases.data
            self.select_bias(int(d["layer"][new[0]]), int(d["j"][new[0]]))

    def _on_value(self, event):
        if getattr(self, "_updating", False) or event.new is None or self._selection is None:
            return
        self.edit_selected(event.new)

    def edit_selected(self, value) -> None:
        """Set the selected weight or bias to ``value`` (what typing in the number box does)."""
        if self._selection is None:
            raise ValueError("Nothing selected: click an edge or a bias first (or call select_edge).")
        kind, layer, *idx = self._selection
        value = float(value)
        if kind == "edge":
            self.weights[layer][0][tuple(idx)] = value
            if self.on_edit is not None:
                self.on_edit(layer, *idx, value)
            elif self.model is not None:
                self._write_model(layer, "kernel", tuple(idx), value)
        else:
            self.weights[layer][1][idx[0]] = value
            if self.on_edit_bias is not None:
                self.on_edit_bias(layer, idx[0], value)
            elif self.model is not None:
                self._write_model(layer, "bias", (idx[0],), value)
        if self.model is not None and self.on_edit is None and self.on_edit_bias is None:
            self.update()
        else:
            self._draw(None)

    def _write_model(self, layer, name, index, value):
        var = getattr(dense_layers(self.model)[layer], name)
        array = var.numpy().copy()
        array[index] = value
        var.assign(array)

    # -- fit callback ---------------------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.update()

    def __panel__(self):
        return pn.Column(self._alert, self._pane, self._value)
