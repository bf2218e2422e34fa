"""``Model``: a layer that trains — ``compile``, ``fit``, ``evaluate``, ``predict``.

``Model(inputs, outputs)`` makes a functional model; subclass ``Model`` and define ``call`` for
a model written in Python. ``train_step``/``test_step`` are the overridable units of work.

>>> import numpy as np
>>> from gradplay.engine import keras
>>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
>>> model.compile(optimizer="sgd", loss="mse")
>>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0)
>>> sorted(history.history)
['loss']
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np

from ... import nest
from ...core import wrap
from ...ops import random_ops
from ...tape import GradientTape
from ...tensor import Tensor, _Operand, convert_to_tensor
from .. import callbacks as callbacks_mod
from ..layers.base import Layer


def _to_array(x, what):
    if x is None:
        return None
    if isinstance(x, _Operand):
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype == object:
        raise ValueError(f"Could not convert {what} to a numeric array (got an object array). Check its contents.")
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    return arr


def _struct_arrays(x, what):
    if isinstance(x, dict):
        return {k: _to_array(v, what) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, (np.ndarray, _Operand)) for v in x):
        return [_to_array(v, what) for v in x]
    return _to_array(x, what)


def _n_samples(x):
    return len(nest.flatten(x)[0]) if x is not None else 0


def _take(x, idx):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: v[idx] for k, v in x.items()}
    if isinstance(x, list):
        return [v[idx] for v in x]
    return x[idx]


def _tensor(x):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: wrap(v) for k, v in x.items()}
    if isinstance(x, list):
        return [wrap(v) for v in x]
    return wrap(x)


class _ArrayData:
    """Batches from in-memory arrays: one fancy-index per batch, no per-sample Python."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, steps=None):
        self.x, self.y, self.sw = x, y, sample_weight
        self.n = _n_samples(x)
        sizes = {
            "x": [len(v) for v in nest.flatten(x)],
            "y": [len(v) for v in nest.flatten(y)] if y is not None else [],
        }
        if sample_weight is not None:
            sizes["sample_weight"] = [len(sample_weight)]
        if len({s for v in sizes.values() for s in v}) > 1:
            detail = " ".join(f"{k} sizes: {', '.join(map(str, v))}" for k, v in sizes.items() if v)
            raise ValueError(
                f"Data cardinality is ambiguous: {detail}. Make sure all arrays contain the same number of samples."
            )
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.steps = steps if steps is not None else max(math.ceil(self.n / self.batch_size), 1 if self.n else 0)

    def batches(self):
        if self.shuffle and self.shuffle != "batch":
            order = random_ops.get_global_generator()._rng.permutation(self.n)
        else:
            order = None
        for step in range(self.steps):
            start = (step * self.batch_size) % max(self.n, 1)
            stop = min(start + self.batch_size, self.n)
            idx = order[start:stop] if order is not None else slice(start, stop)
            yield _tensor(_take(self.x, idx)), _tensor(_take(self.y, idx)), _tensor(_take(self.sw, idx))


class _IterableData:
    """Batches from a tf.data.Dataset or any iterable of ``x`` / ``(x, y)`` / ``(x, y, w)``."""

    def __init__(self, data, steps=None):
        self.data = data
        self.steps = steps
        if steps is None:
            try:
                self.steps = len(data)
            except TypeError:
                self.steps = None

    def batches(self):
        for i, batch in enumerate(self.data):
            if self.steps is not None and i >= self.steps:
                break
            if isinstance(batch, tuple):
                parts = list(batch) + [None] * (3 - len(batch))
                x, y, sw = parts[:3]
            else:
                x, y, sw = batch, None, None
            yield _conv(x), _conv(y), _conv(sw)


def _conv(x):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _conv(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_conv(v) for v in x]
    if isinstance(x, _Operand):
        return x
    arr = np.asarray(x)
    return convert_to_tensor(arr.astype(np.float32) if arr.dtype == np.float64 else arr)


def _is_dataset_like(x):
    return not isinstance(x, (np.ndarray, _Operand, list, tuple, dict)) and hasattr(x, "__iter__")


class Model(Layer):
    """A trainable layer graph. ``Model(inputs, outputs)`` builds a functional model."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        Layer.__init__(self, trainable=trainable, name=name)
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self.loss = None
        self._metrics = []
        self._loss_tracker = None
        self._compile_args = None
        self._compile_config = None
        self._predict_counter = 0

    # -- structure ----------------------------------------------------------------------------

    @property
    def layers(self) -> list:
        return list(self._all_layers())

    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(layers)} layers."
                )
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        from .summary import print_summary

        print_summary(self, line_length=line_length, print_fn=print_fn)

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    @property
    def metrics(self) -> list:
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        return out + [m for m in self._metrics]

    # -- compile ------------------------------------------------------------------------------

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
        **kwargs,
    ):
        """Configure training: an optimizer, a loss (string, Loss, or ``fn(y_true, y_pred)``), metrics."""
        from .. import metrics as metrics_mod
        from .. import optimizers as optimizers_mod

        self.optimizer = optimizers_mod.get(optimizer)
        self.loss = loss
        self._loss_fns = None if loss is None else _resolve_losses(loss)
        self._loss_weights = loss_weights
        self._metric_specs = metrics
        self._metrics = []
        self._metrics_resolved = False
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._plan = None  # per-step lookups, computed on the first step after compile
        # What `get_compile_config` saves into .keras / .h5 files (see saving/compile_config.py).
        self._compile_config = {
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
        }
        self.compiled = True
        self.stop_training = False

    def get_compile_config(self):
        """The compile settings as Keras 3 saves them (``compile_config`` in ``config.json``), or None."""
        from ..saving import compile_config

        return compile_config.get_compile_config(self)

    def compile_from_config(self, config):
        """Compile with the settings ``get_compile_config`` returned (a fresh optimizer of the same config)."""
        from ..saving import compile_config

        compile_config.compile_from_config(self, config)

    def _resolve_metrics(self, y, y_pred):
        """Instantiate the compiled metrics once the shapes of y and y_pred are known."""
        if self._metrics_resolved:
            return
        from .. import metrics as metrics_mod

        specs = self._metric_specs
        self._metrics = []
        if specs:
            if isinstance(specs, dict):
                specs = [m for v in specs.values() for m in (v if isinstance(v, (list, tuple)) else [v])]
            for spec in specs:
                self._metrics.append(_make_metric(spec, self.loss, y, y_pred, metrics_mod))
        self._metrics_resolved = True

    # -- the units of work --------------------------------------------------------------------

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if self._loss_fns is None:
            if not (self._regularization_losses() if self.compiled else self.losses):
                raise ValueError(
                    "No loss to compute. Provide a `loss` argument in `compile()`, e.g. "
                    "model.compile(optimizer='adam', loss='mse')."
                )
            total = None
        else:
            total = _apply_losses(self._loss_fns, self._loss_weights, y, y_pred, sample_weight)
        extras = self._regularization_losses() if self.compiled else self.losses
        for extra in extras:
            total = extra if total is None else total + extra
        return total

    def _step_plan(self):
        """What every training step needs, looked up once: the variables to train, the
        (variable, constraint) pairs, and the layers that can contribute losses."""
        plan = getattr(self, "_plan", None)
        if plan is None:
            layers = [self, *self._flat_sublayers()]
            plan = {
                "variables": self.trainable_variables,
                "constraints": [pair for layer in layers for pair in layer._constraints],
                "loss_layers": [
                    layer
                    for layer in layers
                    if layer._weight_regularizers
                    or layer.activity_regularizer is not None
                    or type(layer).add_loss is not Layer.add_loss
                    or layer.__dict__.get("_losses")
                ],
            }
            if self.built:  # an unbuilt model has no variables yet: look again next time
                self._plan = plan
        return plan

    def _regularization_losses(self):
        plan = self._step_plan()
        out = []
        for layer in plan["loss_layers"]:
            out.extend(layer._losses)
            out.extend(layer.__dict__.get("_activity_losses", ()))
            out.extend(reg(var) for var, reg in layer._weight_regularizers)
        return out

    def train_step(self, data):
        x, y, sample_weight = _unpack(data)
        if getattr(self, "_plan", None) is not None:
            for layer in self._plan["loss_layers"]:
                layer._losses.clear()  # add_loss terms belong to one forward pass
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        plan = self._step_plan()
        variables = plan["variables"]
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        for var, constraint in plan["constraints"]:
            var.assign(constraint(var))
        return self.compute_metrics(x, y, y_pred, sample_weight, loss=loss)

    def test_step(self, data):
        x, y, sample_weight = _unpack(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self.compute_metrics(x, y, y_pred, sample_weight, loss=loss)

    def predict_step(self, data):
        x, _, _ = _unpack(data)
        return self(x, training=False)

    def compute_metrics(self, x, y, y_pred, sample_weight=None, loss=None):
        if loss is not None:
            value = np.float32(loss.numpy()) if isinstance(loss, _Operand) else np.float32(loss)
            n = len(nest.flatten(y_pred)[0])
            self._loss_tracker.update_state(value, sample_weight=n)
        if y is not None:
            self._resolve_metrics(y, y_pred)
            for metric in self._metrics:
                metric.update_state(y, y_pred, sample_weight)
        return _Logs(self.metrics)

    def get_metrics_result(self) -> dict:
        return {m.name: float(np.asarray(m.result())) for m in self.metrics}

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _flat_sublayers(self):
        out, seen, stack = [], set(), list(self._all_layers())
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(layer._all_layers())
        return out

    # -- loops --------------------------------------------------------------------------------

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(
                f"You must call `compile()` before calling `{what}()`, e.g. "
                "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])."
            )

    def _data(self, x, y, sample_weight, batch_size, shuffle, steps, class_weight=None):
        if _is_dataset_like(x):
            if y is not None:
                raise ValueError(
                    "`y` argument is not supported when using a dataset as input; the dataset yields (x, y)."
                )
            return _IterableData(x, steps)
        x = _struct_arrays(x, "x")
        y = _struct_arrays(y, "y")
        if x is None:
            raise ValueError("Expected input data `x`, got None.")
        sample_weight = _to_array(sample_weight, "sample_weight")
        if class_weight is not None:
            sample_weight = _class_weights(y, class_weight, sample_weight)
        return _ArrayData(x, y, sample_weight, batch_size or 32, shuffle, steps)

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train for ``epochs``; returns the ``History`` (``history.history["loss"]`` ...)."""
        self._require_compiled("fit")
        if self._loss_fns is None and not self.losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        verbose = 1 if verbose == "auto" else int(verbose)
        if batch_size is not None and int(batch_size) <= 0:
            raise ValueError(f"batch_size must be a positive integer, got batch_size={batch_size}.")
        if validation_split and validation_data is None:
            if _is_dataset_like(x):
                raise ValueError(
                    "`validation_split` is only supported for arrays, not datasets. Pass `validation_data`."
                )
            if not 0 < validation_split < 1:
                raise ValueError(f"validation_split must be between 0 and 1, got {validation_split}.")
            xa, ya = _struct_arrays(x, "x"), _struct_arrays(y, "y")
            swa = _to_array(sample_weight, "sample_weight")
            n = _n_samples(xa)
            split = int(n * (1.0 - validation_split))  # the last fraction, before shuffling (Keras)
            x, validation_x = _take(xa, slice(0, split)), _take(xa, slice(split, None))
            y, validation_y = _take(ya, slice(0, split)), _take(ya, slice(split, None))
            sample_weight = None if swa is None else swa[:split]
            validation_data = (validation_x, validation_y)
        data = self._data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight)
        history = callbacks_mod.History()
        cbs = list(callbacks or [])
        if verbose and not any(isinstance(c, callbacks_mod.ProgbarLogger) for c in cbs):
            cbs.append(callbacks_mod.ProgbarLogger())
        cbs.append(history)
        params = {"verbose": verbose, "epochs": epochs, "steps": data.steps}
        cb = callbacks_mod.CallbackList(cbs, model=self, params=params)
        self.stop_training = False
        cb.call("on_train_begin", {})
        if getattr(self, "_initial_epoch", None):  # set by BackupAndRestore when resuming
            initial_epoch, self._initial_epoch = self._initial_epoch, None
        epoch_logs = {}
        per_batch = cb.wants("on_train_batch_end")
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cb.call("on_epoch_begin", epoch, {})
            logs = {}
            step = 0
            for step, batch in enumerate(data.batches()):
                if cb.wants("on_train_batch_begin"):
                    cb.call("on_train_batch_begin", step, {})
                logs = self.train_step(batch)
                if per_batch:
                    cb.call("on_train_batch_end", step, logs)
                if self.stop_training:
                    break
            if data.steps is None:
                params["steps"] = step + 1
            epoch_logs = dict(self.get_metrics_result())
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                vx, vy, vsw = _unpack_validation(validation_data)
                val = self.evaluate(
                    vx,
                    vy,
                    sample_weight=vsw,
                    batch_size=validation_batch_size or batch_size,
                    steps=validation_steps,
                    verbose=0,
                    return_dict=True,
                    _internal=True,
                )
                epoch_logs.update({f"val_{k}": v for k, v in val.items()})
            if not all(math.isfinite(v) for v in epoch_logs.values() if isinstance(v, float)):
                bad = [k for k, v in epoch_logs.items() if isinstance(v, float) and not math.isfinite(v)]
                if "loss" in bad and not any(isinstance(c, callbacks_mod.TerminateOnNaN) for c in cbs):
                    import warnings

                    warnings.warn(
                        f"Epoch {epoch + 1}: the loss is {epoch_logs['loss']} — training diverged. Lower the "
                        "learning rate, check the data for NaN/inf, or add callbacks.TerminateOnNaN().",
                        RuntimeWarning,
                        stacklevel=2,
                    )
            cb.call("on_epoch_end", epoch, epoch_logs)
            if self.stop_training:
                break
        cb.call("on_train_end", epoch_logs)
        return history

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        _internal=False,
        **kwargs,
    ):
        """Loss and metrics on data: a scalar (no metrics), a list ``[loss, ...]``, or a dict."""
        self._require_compiled("evaluate")
        verbose = 1 if verbose == "auto" else int(verbose)
        data = self._data(x, y, sample_weight, batch_size, False, steps)
        saved = None
        if _internal:
            saved = [(m, [v.numpy() for v in m.variables]) for m in self.metrics]
        self.reset_metrics()
        cb = callbacks_mod.CallbackList(callbacks or [], model=self, params={"verbose": verbose, "steps": data.steps})
        cb.call("on_test_begin", {})
        bar = callbacks_mod.Progbar(data.steps, verbose=verbose)
        logs = {}
        step = 0
        for step, batch in enumerate(data.batches()):
            cb.call("on_test_batch_begin", step, {})
            logs = self.test_step(batch)
            cb.call("on_test_batch_end", step, logs)
            bar.update(step + 1, logs)
        logs = self.get_metrics_result()
        bar.update(step + 1, logs, finalize=True)
        cb.call("on_test_end", logs)
        if saved is not None:  # evaluate inside fit must not disturb the training metrics
            for m, values in saved:
                for var, val in zip(m.variables, values):
                    var.assign(val)
        if return_dict:
            return logs
        values = [logs[m.name] for m in self.metrics if m.name in logs]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs as NumPy arrays, computed batch by batch."""
        verbose = 1 if verbose == "auto" else int(verbose)
        data = self._data(x, None, None, batch_size, False, steps)
        outputs = []
        cb = callbacks_mod.CallbackList(callbacks or [], model=self, params={"verbose": verbose, "steps": data.steps})
        cb.call("on_predict_begin", {})
        bar = callbacks_mod.Progbar(data.steps, verbose=verbose)
        step = 0
        for step, batch in enumerate(data.batches()):
            cb.call("on_predict_batch_begin", step, {})
            out = self.predict_step(batch)
            outputs.append(
                nest.map_structure(lambda t: t.numpy() if isinstance(t, _Operand) else np.asarray(t), out)
                if nest.is_nested(out)
                else np.asarray(out.numpy())
            )
            cb.call("on_predict_batch_end", step, {"outputs": out})
            bar.update(step + 1)
        bar.update(step + 1, finalize=True)
        cb.call("on_predict_end", {})
        if not outputs:
            raise ValueError("predict() got no data: the input has 0 samples.")
        if nest.is_nested(outputs[0]):
            return nest.map_structure(lambda *parts: np.concatenate(parts), *outputs)
        return np.concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._require_compiled("train_on_batch")
        self.reset_metrics()
        data = self._data(x, y, sample_weight, _n_samples(_struct_arrays(x, "x")), False, None, class_weight)
        logs = self.train_step(next(iter(data.batches())))
        return dict(logs) if return_dict else _as_list(logs, self)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled("test_on_batch")
        self.reset_metrics()
        data = self._data(x, y, sample_weight, _n_samples(_struct_arrays(x, "x")), False, None)
        logs = self.test_step(next(iter(data.batches())))
        return dict(logs) if return_dict else _as_list(logs, self)

    def predict_on_batch(self, x):
        out = self(_conv(_struct_arrays(x, "x")), training=False)
        return nest.map_structure(lambda t: t.numpy(), out) if nest.is_nested(out) else out.numpy()

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    # -- model and weights files ----------------------------------------------------------------

    def save(self, filepath, overwrite=True, **kwargs):
        """Write the model to ``filepath`` (``*.keras``: Keras 3's zip of ``config.json``,
        ``model.weights.h5`` and ``metadata.json``; Keras 3 loads it with ``keras.saving.load_model``; ``*.h5``:
        Keras' legacy whole-model HDF5 format, needs h5py)."""
        from ..saving import keras_zip

        keras_zip.save_model(self, filepath, overwrite=overwrite)

    def export(self, filepath, format=None, verbose=False, **kwargs):  # noqa: A002 - Keras' name
        """Export for inference elsewhere: ``format="onnx"`` (one ``.onnx`` file taking the same NHWC input;
        needs the ``onnx`` package) or ``format="tfjs"`` (a TensorFlow.js layers-model folder, NumPy only).
        Without ``format`` a ``*.onnx`` path means ONNX. The bytes forms are ``saving.onnx_export.onnx_to_bytes``
        and ``saving.tfjs.tfjs_to_bytes``."""
        if format is None and os.fspath(filepath).endswith(".onnx"):
            format = "onnx"  # noqa: A001
        if format == "onnx":
            from ..saving import onnx_export

            onnx_export.export_onnx(self, filepath, **kwargs)
        elif format == "tfjs":
            from ..saving import tfjs

            tfjs.save_tfjs(self, filepath, **kwargs)
        else:
            raise ValueError(
                f"Unsupported export format {format!r}: use format='onnx' or format='tfjs' (a TF SavedModel "
                "needs TensorFlow; save a Keras file with model.save('m.keras') instead)."
            )
        if verbose:
            print(f"Saved the {format} export to {os.fspath(filepath)}")

    def save_weights(self, filepath, overwrite=True):
        """Write the weights to ``filepath``: ``*.weights.h5`` (Keras 3's HDF5 layout; h5py, else a pure-Python writer)
        or ``*.npz`` (plain NumPy, the same keys)."""
        from ..saving import weights_h5, weights_npz

        module = weights_npz if os.fspath(filepath).endswith(".npz") else weights_h5
        module.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False):
        """Read weights saved by ``save_weights`` here or in Keras 3 (``*.weights.h5`` or ``*.npz``)."""
        from ..saving import weights_h5, weights_npz

        module = weights_npz if os.fspath(filepath).endswith(".npz") else weights_h5
        module.load_weights(self, filepath, skip_mismatch=skip_mismatch)


class _Logs(Mapping):
    """The logs a step returns: metric results computed when first read, not every batch
    (the progress bar reads them a few times per second; most batches nobody does)."""

    def __init__(self, metrics):
        self._metrics = list(metrics)
        self._values = None

    def _resolve(self):
        if self._values is None:
            self._values = {m.name: float(np.asarray(m.result())) for m in self._metrics}
        return self._values

    def __getitem__(self, key):
        return self._resolve()[key]

    def __iter__(self):
        return iter(self._resolve())

    def __len__(self):
        return len(self._metrics)

    def __repr__(self):
        return repr(self._resolve())


def _as_list(logs, model):
    values = [logs[m.name] for m in model.metrics if m.name in logs]
    return values[0] if len(values) == 1 else values


def _unpack(data):
    if isinstance(data, tuple):
        parts = list(data) + [None] * (3 - len(data))
        return parts[0], parts[1], parts[2]
    return data, None, None


def _unpack_validation(validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        return vx, vy, vsw
    if _is_dataset_like(validation_data):
        return validation_data, None, None
    raise ValueError(
        "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), or a dataset; "
        f"got {type(validation_data).__name__}."
    )


def _class_weights(y, class_weight, sample_weight):
    labels = np.asarray(nest.flatten(y)[0])
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    missing = set(np.unique(labels).tolist()) - set(int(k) for k in class_weight)
    if missing:
        raise ValueError(f"class_weight has no weight for classes {sorted(missing)}; give one per class.")
    weights = np.asarray([class_weight[int(c)] for c in labels], np.float32)
    return weights if sample_weight is None else weights * sample_weight


def _resolve_losses(loss):
    from .. import losses as losses_mod

    def one(spec):
        if spec is None:
            return None
        if isinstance(spec, losses_mod.Loss):
            return spec
        fn = losses_mod.get(spec)
        if isinstance(fn, losses_mod.Loss):
            return fn
        name = spec if isinstance(spec, str) else getattr(fn, "__name__", "loss")
        return losses_mod.LossFunctionWrapper(fn, name=name)

    if isinstance(loss, dict):
        return {k: one(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [one(v) for v in loss]
    return one(loss)


def _apply_losses(loss_fns, loss_weights, y, y_pred, sample_weight):
    if not isinstance(loss_fns, (list, dict)):
        if nest.is_nested(y_pred) and not isinstance(y_pred, Tensor):
            preds, trues = nest.flatten(y_pred), nest.flatten(y)
            return sum((loss_fns(t, p, sample_weight) for t, p in zip(trues, preds)), start=0.0)
        return loss_fns(y, y_pred, sample_weight)
    if isinstance(loss_fns, dict):
        keys = list(loss_fns)
        preds = y_pred if isinstance(y_pred, dict) else dict(zip(keys, nest.flatten(y_pred)))
        trues = y if isinstance(y, dict) else dict(zip(keys, nest.flatten(y)))
        weights = loss_weights or {}
        total = 0.0
        for k in keys:
            if loss_fns[k] is not None:
                total = total + loss_fns[k](trues[k], preds[k], sample_weight) * float(weights.get(k, 1.0))
        return total
    preds, trues = nest.flatten(y_pred), nest.flatten(y)
    if len(loss_fns) != len(preds):
        raise ValueError(
            f"compile() got {len(loss_fns)} losses for a model with {len(preds)} outputs; give one per output."
        )
    weights = loss_weights or [1.0] * len(preds)
    total = 0.0
    for fn, t, p, w in zip(loss_fns, trues, preds, weights):
        if fn is not None:
            total = total + fn(t, p, sample_weight) * float(w)
    return total


def _make_metric(spec, loss, y, y_pred, metrics_mod):
    if isinstance(spec, metrics_mod.Metric):
        return spec
    y_shape = tuple(nest.flatten(y)[0].shape)
    p_shape = tuple(nest.flatten(y_pred)[0].shape)
    if isinstance(spec, str) and spec in ("accuracy", "acc"):
        resolved = metrics_mod.resolve_accuracy(loss, y_shape, p_shape)
        metric = resolved if isinstance(resolved, metrics_mod.Metric) else metrics_mod.MeanMetricWrapper(resolved)
        metric.name = spec
        return metric
    if isinstance(spec, str) and spec in ("crossentropy", "ce"):
        spec = {"binary_crossentropy": "binary_crossentropy"}.get(loss, "categorical_crossentropy")
    got = metrics_mod.get(spec)
    if isinstance(got, type) and issubclass(got, metrics_mod.Metric):
        got = got()
    if not isinstance(got, metrics_mod.Metric):
        got = metrics_mod.MeanMetricWrapper(got, name=getattr(got, "__name__", "metric"))
    if isinstance(spec, str):
        got.name = spec  # Keras logs a string metric under the string given ("mae", not its full name)
    return got
