"""The Playground's page: controls bound to a ``PlaygroundState``, views of a ``TrainingSession``.

The split follows Panel's data-store/view pattern: ``state`` (param, the URL's serialization)
says what to train, ``session`` (engine only, headless) trains it, and this module only wires
widgets to them. Training runs in short ticks of a periodic callback, each followed by one
redraw, so the page stays responsive and many sessions can share one server.

Example (in a notebook or a Panel app)::

    from gradplay.app.playground import Playground
    Playground(url="#dataset=xor&networkShape=4,4").servable()
"""

from __future__ import annotations

import asyncio
import io
import json
import time

import numpy as np
import panel as pn
import param
from panel.io.state import set_curdoc

from gradplay.widgets import ConfusionMatrix, DecisionBoundary, LossCurve, NetworkDiagram

from . import features as feature_table
from .session import EXPORTERS, TrainingSession, available_exports
from .state import PlaygroundState

# TF Playground's discrete choices, kept so its users find the same menus.
LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REGULARIZATION_RATES = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
EXPORT_LABELS = {
    "keras": "Keras 3 model (.keras)",
    "h5": "Legacy Keras model (.h5)",
    "weights.h5": "Keras weights (.weights.h5)",
    "npz": "NumPy weights (.npz)",
    "tfjs": "TensorFlow.js model (.zip)",
    "onnx": "ONNX model (.onnx)",
}
EXPLANATION = """
**What am I looking at?** Each point is an example; its colour is its class
(orange = negative, blue = positive). The big square shows what the network predicts at every
point of the plane: where it is blue the network says "positive", and the stronger the colour,
the surer it is. Training moves the weights so the colours match the points.

**The network.** Each small square is one neuron: it shows that neuron's output over the same
plane. A neuron combines the neurons to its left with weights, drawn as lines: blue lines are
positive weights, orange negative, thicker means larger. Hover a line to read its weight; click
it to edit it.

**The losses.** Training loss measures the error on the points the network learns from; test
loss on points it never sees. When test loss rises while training loss falls, the network is
memorizing (overfitting): try fewer neurons, more data, regularization or dropout.
"""


HEAVY_PERIOD_S = 0.5  # while playing, the slower-changing views redraw at most this often
THUMB_STRIDE = 4  # neuron thumbnails: every 4th pixel of the 100x100 output grid (25x25)


def _subsample(values: np.ndarray, resolution: int, stride: int) -> np.ndarray:
    """Every ``stride``-th pixel of a ``(resolution**2, units)`` grid of values, as ``(r**2, units)``."""
    grid = values.reshape(resolution, resolution, -1)[::stride, ::stride]
    return np.ascontiguousarray(grid.reshape(-1, grid.shape[-1]))


class Playground(pn.viewable.Viewer):
    """A TensorFlow-Playground-style page for one user: state, session, controls and views."""

    playing = param.Boolean(default=False, doc="Training runs while this is on.")
    click_mode = param.Selector(
        default="off",
        objects=["off", "add points", "remove points"],
        doc="What a click on the output plot does: nothing, add a training point, or remove nearby points.",
    )
    click_label = param.String(default="", doc="The label of points added by clicking (a class or a value).")
    message = param.String(default="", doc="The last problem to show the user (bad link, bad CSV, ...).")

    def __init__(
        self, url: str = "", tick_period_ms: int = 50, train_budget_s: float = 0.025, scheduler=None, **params
    ):
        super().__init__(**params)
        # Served, the server's TickScheduler runs the training ticks of all sessions in turn;
        # elsewhere (a notebook, a script) this page's own periodic callback does.
        self._doc = pn.state.curdoc
        self._scheduler = scheduler if self._doc is not None else None
        if self._scheduler is not None:
            self._doc.on_session_destroyed(lambda context: self._scheduler.discard(self))
        self.state = PlaygroundState()
        self._tick_period_ms = tick_period_ms
        self._train_budget_s = train_budget_s
        self._callback = None
        self._last_heavy = 0.0
        self._data_key = None
        self._curve_epochs = 0
        if url:
            self._apply_url(url)
        self.session = TrainingSession(self.state)
        self._build_views()
        self._build_controls()
        self.state.param.watch(self._state_changed, list(self._watched_state_params()))
        self.param.watch(self._playing_changed, "playing")
        self._sync_view_settings()
        self.redraw()
        if pn.state.curdoc is not None and pn.state.location is not None:
            # The page's address sets the state unless a link was given; then the address follows it.
            pn.state.onload(self._sync_url if url else self._load_from_location)

    # ----------------------------------------------------------------- state and URL
    def _watched_state_params(self):
        return [name for name in self.state.param if name != "name"]

    def _apply_url(self, url: str) -> bool:
        try:
            self.state.update_from_url(url)
        except ValueError as err:
            self.message = f"This link could not be opened: {err}"
            return False
        warnings = self.state.url_warnings
        if warnings:
            self.message = "Ignored in the link: " + "; ".join(map(str, warnings))
        return True

    def _load_from_location(self):
        location = pn.state.location
        url = location.hash or (location.search or "").lstrip("?")
        if url and url not in ("#", ""):
            self._apply_url(url)
        self._sync_url()
        self.redraw()

    def _sync_url(self):
        location = pn.state.location
        if location is None:
            return
        location.hash = "#" + self.state.to_url()

    def _state_changed(self, *events):
        try:
            kind = self.session.configure(self.state)
        except ValueError as err:
            self.message = str(err)
            return
        if kind in ("rebuilt", "regenerated"):
            self._reset_curve()
        if kind == "rebuilt":
            # A Bokeh figure keeps its first layout size in the page: a new shape gets a new diagram.
            self.network = self._new_network_diagram()
            self.redraw()
            self.network_holder.objects = [self.network]
        if kind != "unchanged":
            self._sync_view_settings()
        self._sync_url()
        self.redraw()

    # ----------------------------------------------------------------- training loop
    def _playing_changed(self, event):
        self.play_button.label = "Pause" if event.new else "Play"
        if self._scheduler is not None:
            (self._scheduler.add if event.new else self._scheduler.discard)(self)
            return
        if event.new:
            if self._callback is None:
                self._callback = pn.state.add_periodic_callback(self.tick, period=self._tick_period_ms)
            else:
                self._callback.start()
        elif self._callback is not None:
            self._callback.stop()

    async def run_tick(self, budget_s: float):
        """One tick from the server's scheduler, run inside this session's document lock."""
        done = asyncio.get_running_loop().create_future()

        def locked():
            try:
                with set_curdoc(self._doc):
                    self.tick(budget_s)
            except Exception as exc:
                done.set_exception(exc)
            else:
                done.set_result(None)

        self._doc.add_next_tick_callback(locked)
        await asyncio.wait_for(done, timeout=60)

    def tick(self, budget_s: float | None = None):
        """Train for a short time budget (at least one epoch), then redraw once."""
        budget_s = self._train_budget_s if budget_s is None else budget_s
        start = time.perf_counter()
        while True:
            self.session.train_epoch()
            stop, reason = self.session.should_stop()
            if stop:
                self.playing = False
                self.message = reason
                break
            if time.perf_counter() - start >= budget_s:
                break
        self.redraw(full=not self.playing)

    def step(self, event=None):
        self.session.train_epoch()
        self.redraw()

    def reset(self, event=None):
        self.playing = False
        self.session.reset()
        self._reset_curve()
        self.redraw()

    def regenerate(self, event=None):
        seed = self.session.regenerate()
        self._reset_curve()
        self.state.seed = seed  # the new data's seed goes into the link; the session is already there
        self.redraw()

    # ----------------------------------------------------------------- views
    def _build_views(self):
        self.boundary = DecisionBoundary(resolution=100, show_controls=False)
        self.network = self._new_network_diagram()
        self.network_holder = pn.Column(self.network)
        self.loss_curve = LossCurve(
            metrics=("loss",), rollover=5000, markers=False, title="training (solid) and test (dashed) loss"
        )
        self.confusion = ConfusionMatrix()
        self.status = pn.pane.Markdown("", sizing_mode="stretch_width", styles={"font-size": "1.1em"})
        self.alert = pn.pane.Alert("", alert_type="warning", visible=False, sizing_mode="stretch_width")
        self.code = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.share = pn.widgets.TextInput(label="Link with the trained weights", value="", sizing_mode="stretch_width")
        self._install_click_handler()

    def _new_network_diagram(self):
        return NetworkDiagram(on_edit=self._edit_weight, on_edit_bias=self._edit_bias, show_thumbnails=True)

    def _sync_view_settings(self):
        st, session = self.state, self.session
        self.boundary.param.update(
            problem="regression" if session.kind == "regression" else "classification",
            num_classes=max(2, session.num_classes),
            output_range=(0.0, 1.0) if session.kind == "binary" and st.loss == "crossentropy" else (-1.0, 1.0),
            discretize=st.discretize,
            show_test=st.showTestData,
        )
        labels = self._label_choices()
        self.click_label_input.options = labels
        if self.click_label not in labels:
            self.click_label = labels[-1]
        self._apply_hidden()

    def _install_click_handler(self):
        figure = getattr(self.boundary, "figure", None)
        if figure is None:
            return
        from bokeh.events import Tap

        figure.on_event(Tap, self._plane_clicked)

    def _label_choices(self) -> list[str]:
        kind = self.session.kind
        if kind == "multiclass":
            return [str(k) for k in range(self.session.num_classes)]
        if kind == "regression":
            return ["-1", "-0.5", "0", "0.5", "1"]
        return ["0", "1"] if self.state.loss == "crossentropy" else ["-1", "1"]

    def _plane_clicked(self, event):
        if self.click_mode == "off" or event.x is None:
            return
        try:
            if self.click_mode == "remove points":
                self.session.remove_points_near(event.x, event.y, radius=0.5)
            else:
                self.session.add_point(event.x, event.y, float(self.click_label))
            self.message = ""
        except ValueError as err:
            self.message = str(err)
        self.redraw()

    def _edit_weight(self, layer, i, j, value):
        self.session.set_weight(layer, i, j, value)
        self.redraw()

    def _edit_bias(self, layer, j, value):
        self.session.set_bias(layer, j, value)
        self.redraw()

    def redraw(self, full: bool = True):
        """Recompute the views from the session: one forward pass over the plane for all of them.

        While playing (``full=False``) the output map and the status follow every tick; the
        network, the loss curve and the confusion matrix at most every ``HEAVY_PERIOD_S``, which
        keeps the browser's repaint cost per tick low (they change slowly anyway)."""
        session = self.session
        now = time.perf_counter()
        heavy = full or now - self._last_heavy >= HEAVY_PERIOD_S
        if heavy:
            self._last_heavy = now
        with pn.io.hold():
            outputs = session.layer_outputs(self.boundary.grid_points())
            data = (session.x_train, session.y_train, session.x_test, session.y_test)
            data_key = tuple(hash(np.ascontiguousarray(a).tobytes()) for a in data)
            if data_key != self._data_key:  # the points are sent again only when they change
                self._data_key = data_key
                self.boundary.set_points(session.x_train, session.y_train, session.x_test, session.y_test)
            self.boundary.update(values=outputs[-1])
            if heavy:
                self.network.update(
                    weights=session.weights(),
                    input_names=[feature_table.LABELS[n] for n in session.features],
                    thumbnails=[_subsample(o, self.boundary.resolution, THUMB_STRIDE) for o in outputs],
                )
                self._extend_loss_curve()
                if self.state.problem == "classification":
                    self.confusion.update(*self._confusion_inputs())
            self.status.object = self._status_text()
            self.alert.object = self.message
            self.alert.visible = bool(self.message)

    def _reset_curve(self):
        self.loss_curve.reset()
        self._curve_epochs = 0

    def _extend_loss_curve(self):
        """Every epoch since the last call goes onto the curve (one point per epoch)."""
        history = self.session.history
        done = len(history.get("loss", ()))
        if done < self._curve_epochs:  # the history restarted (reset, new data, new network)
            self.loss_curve.reset()
            self._curve_epochs = 0
        if done > self._curve_epochs:
            start = self._curve_epochs
            series = {k: history[k][start:done] for k in ("loss", "val_loss") if len(history.get(k, ())) >= done}
            self.loss_curve.extend(range(start + 1, done + 1), **series)
            self._curve_epochs = done

    def _confusion_inputs(self):
        s = self.session
        pred = s.predict(s.x_test) if len(s.x_test) else np.zeros((0,))
        return s.y_test, pred

    def _status_text(self) -> str:
        """Epoch and the current losses (evaluated now, so edits and uploads show at once)."""
        logs = self.session.evaluate()
        parts = [f"**Epoch** {self.session.epoch:,}", f"**Test loss** {logs['val_loss']:.3f}"]
        parts.append(f"**Training loss** {logs['loss']:.3f}")
        if logs.get("val_accuracy") is not None:
            parts.append(f"**Test accuracy** {logs['val_accuracy']:.1%}")
        return " · ".join(parts)

    # ----------------------------------------------------------------- controls
    def _build_controls(self):
        st = self.state
        p = st.param
        self.play_button = pn.widgets.Toggle.from_param(self.param.playing, label="Play", color="primary", width=90)
        step = pn.widgets.Button(label="Step", description="Train one epoch.")
        step.on_click(self.step)
        reset = pn.widgets.Button(
            label="Reset", description="Back to the initial weights (the same seed gives the same)."
        )
        reset.on_click(self.reset)
        regenerate = pn.widgets.Button(label="Regenerate", description="Draw new data points.")
        regenerate.on_click(self.regenerate)

        def select(key, options=None, **kw):
            w = pn.widgets.Select.from_param(getattr(p, key), description=getattr(p, key).doc, **kw)
            if options is not None:
                w.options = options
            return w

        def slider(key, cls=pn.widgets.IntSlider, **kw):
            w = cls.from_param(getattr(p, key), **kw)
            return pn.Row(w, pn.widgets.TooltipIcon(value=getattr(p, key).doc))

        self.controls = {
            "learningRate": select("learningRate", LEARNING_RATES, label="Learning rate"),
            "activation": select("activation", label="Activation"),
            "regularization": select("regularization", label="Regularization"),
            "regularizationRate": select("regularizationRate", REGULARIZATION_RATES, label="Regularization rate"),
            "problem": select("problem", label="Problem type"),
            "dataset": select("dataset", label="Dataset"),
            "regDataset": select("regDataset", label="Regression dataset"),
            "percTrainData": slider("percTrainData", label="Ratio of training data (%)"),
            "noise": slider("noise", label="Noise"),
            "batchSize": slider("batchSize", label="Batch size"),
            "showTestData": pn.widgets.Checkbox.from_param(p.showTestData, label="Show test data"),
            "discretize": pn.widgets.Checkbox.from_param(p.discretize, label="Discretize output"),
        }
        feature_box = pn.widgets.CheckBoxGroup(
            label="Features",
            options={feature_table.LABELS[n]: n for n in feature_table.NAMES},
            value=list(self.session.features),
            inline=False,
        )

        def features_changed(event):
            with param.parameterized.batch_call_watchers(st):
                st.param.update({n: n in event.new for n in feature_table.NAMES})

        feature_box.param.watch(features_changed, "value")
        st.param.watch(lambda *e: setattr(feature_box, "value", self.state.features), list(feature_table.NAMES))
        self.controls["features"] = feature_box
        self.controls["networkShape"] = self._network_controls()

        advanced = {}
        for name, label in [
            ("optimizer", "Optimizer"),
            ("loss", "Loss"),
            ("initializer", "Weight initialization"),
            ("numClasses", "Classes (multi-class datasets)"),
        ]:
            if name in p:
                advanced[name] = select(name, label=label) if hasattr(p[name], "objects") else None
        if "numClasses" in p and not hasattr(p["numClasses"], "objects"):
            advanced["numClasses"] = pn.widgets.IntInput.from_param(
                p.numClasses, label="Classes", description=p.numClasses.doc
            )
        for name, label in [("dropout", "Dropout rate"), ("stopEpochs", "Stop after epochs (0 = never)")]:
            if name in p:
                cls = (
                    pn.widgets.FloatInput
                    if isinstance(p[name], param.Number) and not isinstance(p[name], param.Integer)
                    else pn.widgets.IntInput
                )
                advanced[name] = cls.from_param(p[name], label=label, description=p[name].doc)
        if "earlyStopPatience" in p:
            advanced["earlyStopPatience"] = pn.widgets.IntInput.from_param(
                p.earlyStopPatience,
                label="Stop when test loss stalls for (epochs, 0 = off)",
                description=p.earlyStopPatience.doc,
            )
        if "batchNorm" in p:
            advanced["batchNorm"] = pn.widgets.Checkbox.from_param(p.batchNorm, label="Batch normalization")
        self.controls["seed"] = pn.widgets.TextInput.from_param(p.seed, label="Seed", description=p.seed.doc, width=120)
        advanced["layerActivations"] = self._layer_activations_input()
        self.controls.update({k: v for k, v in advanced.items() if v is not None})

        self.csv_input = pn.widgets.FileInput(accept=".csv,text/csv", multiple=False, label="Upload CSV (x, y, label)")
        self.csv_input.param.watch(self._csv_uploaded, "value")
        data_download = pn.widgets.FileDownload(
            callback=lambda: io.BytesIO(self.session.export_csv()),
            filename="playground-data.csv",
            label="Export data (CSV)",
        )
        click = pn.widgets.RadioButtonGroup.from_param(self.param.click_mode, label="Click on the output to")
        self.click_label_input = pn.widgets.Select.from_param(
            self.param.click_label, label="Label of added points", options=self._label_choices()
        )
        self.click_label = self._label_choices()[-1]
        self.export_format = pn.widgets.Select(label="Export the trained model as", options=self._export_options())
        self.export_button = pn.widgets.FileDownload(
            callback=self._export_bytes, filename="model.keras", label="Download model"
        )
        self.export_format.param.watch(self._export_format_changed, "value")
        self._export_format_changed()
        code_button = pn.widgets.Button(label="Show as Python code")
        code_button.on_click(self._show_code)
        code_download = pn.widgets.FileDownload(
            callback=lambda: io.BytesIO(self._notebook_json().encode()),
            filename="playground.ipynb",
            label="Download notebook",
        )
        share_button = pn.widgets.Button(label="Make a link with the trained weights")
        share_button.on_click(self._make_share_link)

        c = self.controls
        self.sections = {
            "top": pn.Row(
                self.play_button,
                step,
                reset,
                c["learningRate"],
                c["activation"],
                c["regularization"],
                c["regularizationRate"],
                c["problem"],
                sizing_mode="stretch_width",
            ),
            "data": pn.Column(
                "### Data",
                c["dataset"],
                c["regDataset"],
                c["percTrainData"],
                c["noise"],
                c["batchSize"],
                pn.Row(c["seed"], regenerate),
                "#### Your own data",
                self.csv_input,
                data_download,
                click,
                self.click_label_input,
                width=280,
            ),
            "network": pn.Column(
                "### Features", c["features"], "### Hidden layers", c["networkShape"], self.network_holder
            ),
            "output": pn.Column(
                "### Output",
                self.loss_curve,
                self.boundary,
                c["showTestData"],
                c["discretize"],
                self.confusion,
                width=440,
            ),
            "more": pn.Card(
                title="More: optimizer, loss, initialization, stopping, export, code, sharing",
                collapsed=True,
                sizing_mode="stretch_width",
            ),
            "help": pn.Card(
                pn.pane.Markdown(EXPLANATION),
                title="What am I looking at?",
                collapsed=False,
                sizing_mode="stretch_width",
            ),
        }
        more_content = [
            pn.Row(
                pn.Column(*[v for k, v in c.items() if k in advanced]),
                pn.Column(self.export_format, self.export_button, code_button, code_download, share_button, self.share),
            ),
            self.code,
        ]

        # The card's controls become browser models only when it is first opened: most students
        # never open it, and a class connecting at once waits for every session's page to build.
        def fill(event):
            if not event.new and not self.sections["more"].objects:
                self.sections["more"].objects = more_content

        self.sections["more"].param.watch(fill, "collapsed")
        self._apply_hidden()

    def _layer_activations_input(self):
        """A comma-separated list ("relu,tanh") editing ``state.layerActivations``; bad names get a message."""
        box = pn.widgets.TextInput(
            label="Per-layer activations (comma-separated; empty = the same for all)",
            value=",".join(self.state.layerActivations),
            description=self.state.param.layerActivations.doc,
        )

        def typed(event):
            names = [n.strip() for n in event.new.split(",") if n.strip()]
            try:
                self.state.layerActivations = names
            except ValueError as err:
                self.message = str(err)
                self.alert.object, self.alert.visible = self.message, True

        box.param.watch(typed, "value")
        self.state.param.watch(lambda e: setattr(box, "value", ",".join(e.new)), "layerActivations")
        return box

    def _network_controls(self):
        self.layers_box = pn.Column()
        self._rebuild_layer_controls()
        self.state.param.watch(lambda e: self._rebuild_layer_controls(), "networkShape")
        return self.layers_box

    def _rebuild_layer_controls(self):
        shape = list(self.state.networkShape)
        add_layer = pn.widgets.Button(label="+ layer", width=70, description="Add a hidden layer.")
        remove_layer = pn.widgets.Button(
            label="− layer", width=70, description="Remove the last hidden layer.", disabled=not shape
        )
        add_layer.on_click(lambda e: self._set_shape([*shape, shape[-1] if shape else 4]))
        remove_layer.on_click(lambda e: self._set_shape(shape[:-1]))
        rows = [pn.Row(add_layer, remove_layer, pn.pane.Markdown(f"{len(shape)} hidden layer(s)"))]
        for index, units in enumerate(shape):
            plus = pn.widgets.Button(label="+", width=40)
            minus = pn.widgets.Button(label="−", width=40, disabled=units <= 1)
            plus.on_click(lambda e, i=index: self._set_shape([u + (k == i) for k, u in enumerate(shape)]))
            minus.on_click(lambda e, i=index: self._set_shape([u - (k == i) for k, u in enumerate(shape)]))
            rows.append(pn.Row(minus, plus, pn.pane.Markdown(f"layer {index + 1}: {units} neurons")))
        self.layers_box.objects = rows

    def _set_shape(self, shape):
        try:
            self.state.networkShape = shape
        except ValueError as err:
            self.message = str(err)
            self.alert.object, self.alert.visible = self.message, True

    def _apply_hidden(self):
        hidden = set(self.state.hidden)
        # Like the TF Playground, only the dataset menu of the current problem type is shown.
        hidden.add("dataset" if self.state.problem == "regression" else "regDataset")
        for name, widget in self.controls.items():
            widget.visible = name not in hidden
        self.sections["help"].visible = not self.state.hideText

    # ----------------------------------------------------------------- files
    def _csv_uploaded(self, event):
        if event.new is None:
            return
        try:
            self.session.load_csv(event.new)
        except ValueError as err:
            self.message = f"The CSV file was not loaded: {err}"
        else:
            self.message = ""
            self._reset_curve()
        self.redraw()

    def _export_options(self):
        return {EXPORT_LABELS.get(n, n): n for n in available_exports()}

    def _export_format_changed(self, *events):
        self.export_button.filename = EXPORTERS[self.export_format.value][0]

    def _export_bytes(self):
        filename, data = self.session.export(self.export_format.value)
        self.export_button.filename = filename
        return io.BytesIO(data)

    def _show_code(self, event=None):
        self.code.object = "```python\n" + self.session.to_code() + "\n```"

    def _notebook_json(self) -> str:
        source = self.session.to_code()
        cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
        intro = {
            "cell_type": "markdown",
            "metadata": {},
            "source": "# Rebuild and train the Playground's network\n\nGenerated by the gradplay Playground.",
        }
        notebook = {
            "cells": [intro, cell],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        return json.dumps(notebook, indent=1)

    def _make_share_link(self, event=None):
        url = self.state.to_url()
        weights = self.session.weights_to_url()
        location = pn.state.location
        base = ""
        if location is not None and location.href:
            base = location.href.split("#")[0]
        self.share.value = f"{base}#{url}&weights={weights}"

    # ----------------------------------------------------------------- page
    def __panel__(self):
        s = self.sections
        return pn.Column(
            s["top"],
            self.status,
            self.alert,
            pn.Row(s["data"], s["network"], s["output"]),
            s["more"],
            s["help"],
            sizing_mode="stretch_width",
        )
