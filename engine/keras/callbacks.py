"""Callbacks: hooks into ``fit``/``evaluate``/``predict`` (History, ProgbarLogger, EarlyStopping,
ReduceLROnPlateau, LearningRateScheduler, CSVLogger, TerminateOnNaN, LambdaCallback, TensorBoard).

>>> from gradplay.engine.keras import callbacks
>>> stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
import warnings

import numpy as np


class Callback:
    """Base class. ``self.model`` and ``self.params`` are set by ``fit``."""

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...

    # Keras 2 names, still called by some user code.
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...


_HOOKS = [name for name in dir(Callback) if name.startswith("on_")]


class CallbackList:
    """Calls every hook on every callback, in order. Hooks a callback does not override cost
    nothing per batch (they are skipped)."""

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)
        self._active = {
            hook: [getattr(cb, hook) for cb in self.callbacks if getattr(type(cb), hook) is not getattr(Callback, hook)]
            for hook in _HOOKS
        }
        # Keras 2's on_batch_* are the train-batch hooks.
        self._active["on_train_batch_begin"] += self._active["on_batch_begin"]
        self._active["on_train_batch_end"] += self._active["on_batch_end"]

    def wants(self, hook: str) -> bool:
        return bool(self._active[hook])

    def call(self, hook: str, *args):
        for fn in self._active[hook]:
            fn(*args)


class History(Callback):
    """Records the epoch logs: ``history.history["loss"]`` is the list of epoch losses."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


def _format_value(v) -> str:
    v = float(v)
    return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"


def _format_time_per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class Progbar:
    """Keras' text progress bar: ``1875/1875 [==============================] - 3s 2ms/step - loss: 0.1400``.

    In a terminal or notebook the line is rewritten in place (carriage return), at most every
    50 ms, so it costs nothing measurable per batch.
    """

    def __init__(self, target, width=30, verbose=1, stream=None, interval=0.05):
        self.target, self.width, self.verbose = target, width, verbose
        self.stream = stream or sys.stdout
        self.interval = interval
        self._start = time.perf_counter()
        self._last = 0.0
        self._dynamic = (hasattr(self.stream, "isatty") and self.stream.isatty()) or "ipykernel" in sys.modules
        self._prev_len = 0

    def update(self, current, values=None, finalize=False):
        now = time.perf_counter()
        if self.verbose != 1 or (not finalize and now - self._last < self.interval):
            return
        if not finalize and not self._dynamic:
            return  # a log file gets the final line only
        self._last = now
        elapsed = now - self._start
        if self.target:
            filled = int(self.width * current / self.target)
            bar = "=" * max(filled - (0 if current >= self.target else 1), 0)
            if current < self.target:
                bar += ">"
            bar = f"{current}/{self.target} [{bar}{'.' * (self.width - len(bar))}]"
        else:
            bar = f"{current}/Unknown"
        if finalize:
            per_step = elapsed / max(current, 1)
            info = f" - {elapsed:.0f}s {_format_time_per_step(per_step)}"
        else:
            eta = elapsed / max(current, 1) * ((self.target or current) - current)
            info = f" - ETA: {eta:.0f}s"
        for k, v in (values or {}).items():
            info += f" - {k}: {_format_value(v)}"
        line = bar + info
        if self._dynamic:
            pad = max(self._prev_len - len(line), 0)
            self.stream.write("\r" + line + " " * pad + ("\n" if finalize else ""))
            self._prev_len = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class ProgbarLogger(Callback):
    """Prints ``Epoch 1/5`` and the progress bar (verbose=1) or one line per epoch (verbose=2)."""

    def __init__(self, count_mode="steps", stream=None):
        super().__init__()
        self.stream = stream
        self.verbose = 1
        self._bar = None
        self._seen = 0
        self._logs = {}

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.steps = params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            out = self.stream or sys.stdout
            out.write(f"Epoch {epoch + 1}/{self.epochs}\n")
            out.flush()
        self._bar = Progbar(self.steps, verbose=self.verbose, stream=self.stream)
        self._seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None and self.verbose == 1:
            self._bar.update(self._seen, logs if callable(getattr(logs, "items", None)) else None)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is None:
            return
        self._bar.verbose = 1 if self.verbose else 0
        self._bar.update(self._seen if self.steps is None else self.steps, logs, finalize=True)


class EarlyStopping(Callback):
    """Stop when ``monitor`` stops improving by ``min_delta`` for ``patience`` epochs."""

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.baseline, self.restore_best_weights, self.start_from_epoch = (
            baseline,
            restore_best_weights,
            start_from_epoch,
        )
        self.min_delta = abs(min_delta)
        self.mode = _resolve_mode(mode, monitor, "EarlyStopping")
        self.stopped_epoch = 0
        self.wait = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def _improved(self, current, reference):
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch > 0:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


def _resolve_mode(mode, monitor, who):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}.")
    if mode == "auto":
        return "max" if any(s in monitor for s in ("acc", "auc", "precision", "recall")) else "min"
    return mode


def _monitored(logs, monitor, who):
    logs = logs or {}
    if monitor not in logs:
        warnings.warn(
            f"{who} is conditioned on metric `{monitor}` which is not available. Available metrics are: "
            f"{','.join(logs)}.",
            stacklevel=3,
        )
        return None
    return float(logs[monitor])


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` plateaus for ``patience`` epochs."""

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, min_lr
        self.mode = _resolve_mode(mode, monitor, "ReduceLROnPlateau")
        self._reset()

    def _reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = _monitored(logs, self.monitor, "ReduceLROnPlateau")
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        better = current < self.best - self.min_delta if self.mode == "min" else current > self.best + self.min_delta
        if better:
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.learning_rate)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate from ``schedule(epoch)`` or ``schedule(epoch, lr)`` each epoch."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.model.optimizer.learning_rate)
        try:
            new = self.schedule(epoch, lr)
        except TypeError:
            new = self.schedule(epoch)
        new = float(np.asarray(new))
        if not math.isfinite(new):
            raise ValueError(f'The output of the "schedule" function should be a finite float, got {new}.')
        self.model.optimizer.learning_rate = new
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class CSVLogger(Callback):
    """Append each epoch's logs to a CSV file (``append=True`` keeps earlier rows)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file = None
        self._writer = None
        self._keys = None

    def on_train_begin(self, logs=None):
        mode = "a" if self.append and os.path.exists(self.filename) else "w"
        self._has_header = mode == "a" and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, mode, newline="", encoding="utf-8")  # noqa: SIM115 - closed on train end

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self._keys], delimiter=self.sep)
            if not self._has_header:
                self._writer.writeheader()
        row = {"epoch": epoch, **{k: logs.get(k, "NA") for k in self._keys}}
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None
        self._writer = None
        self._keys = None


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        given = dict(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
            on_train_batch_begin=on_train_batch_begin,
            on_train_batch_end=on_train_batch_end,
            **kwargs,
        )
        for name, fn in given.items():
            if fn is not None:
                if name not in _HOOKS:
                    raise ValueError(f"LambdaCallback: unknown hook {name!r}. Valid hooks: {', '.join(_HOOKS)}.")
                setattr(self, name, fn)
        # CallbackList looks at the class to find overridden hooks: give this instance its own class.
        self.__class__ = type("LambdaCallback", (LambdaCallback,), {n: staticmethod(f) for n, f in given.items() if f})


class ModelCheckpoint(Callback):
    """Save the model or its weights after each epoch (or every ``save_freq`` batches).

    ``filepath`` may hold ``{epoch:02d}`` and any log key (``{val_loss:.2f}``). With
    ``save_weights_only`` it must end in ``.weights.h5`` (or ``.npz``); otherwise the whole model
    is saved with ``model.save`` (``.keras``). Every write is atomic: a crash mid-save leaves the
    previous file intact.
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor, self.verbose = monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = _resolve_mode(mode, monitor, "ModelCheckpoint")
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Use 'epoch' or a positive number of batches.")
        self.save_freq = save_freq
        if save_weights_only and not self.filepath.endswith((".weights.h5", ".npz")):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                f"`.weights.h5` (Keras 3's weights format) or `.npz`. Received: filepath={self.filepath}"
            )
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format) or `.h5`; to save only the "
                f"weights use save_weights_only=True with a `.weights.h5` path. Received: filepath={self.filepath}"
            )
        self.best = initial_value_threshold
        self._batches = 0
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self._batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches += 1
            if self._batches % self.save_freq == 0:
                self._save(self._epoch, dict(logs or {}), batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, dict(logs or {}))

    def _path(self, epoch, logs, batch=None):
        try:
            return self.filepath.format(epoch=epoch + 1, batch=batch, **logs)
        except KeyError as exc:
            raise KeyError(
                f"Failed to format the ModelCheckpoint filepath {self.filepath!r}: {exc} is not in the logs "
                f"(available: {', '.join(['epoch', *logs])})."
            ) from None

    def _save(self, epoch, logs, batch=None):
        path = self._path(epoch, logs, batch)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=3)
                return
            current = float(current)
            better = self.best is None or (current < self.best if self.mode == "min" else current > self.best)
            if not better:
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                previous = "inf" if self.best is None else f"{self.best:.5f}"
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {previous} to {current:.5f}, "
                    f"saving model to {path}"
                )
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class BackupAndRestore(Callback):
    """Back up the weights and the epoch reached after every epoch, so an interrupted ``fit``
    started again with the same callback resumes where it stopped. The backup is deleted when
    training finishes (``delete_checkpoint=True``).
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed; give the folder to keep the backup in.")
        if save_freq != "epoch":
            raise ValueError("BackupAndRestore: only save_freq='epoch' is supported.")
        self.backup_dir = os.fspath(backup_dir)
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")

    def on_train_begin(self, logs=None):
        if os.path.exists(self._weights_path) and os.path.exists(self._metadata_path):
            if not self.model.built:
                raise ValueError(
                    "To resume training, the model must be built first: give it an Input (or call it on data) "
                    "before fit() with BackupAndRestore."
                )
            self.model.load_weights(self._weights_path)
            with open(self._metadata_path, encoding="utf-8") as fh:
                metadata = json.load(fh)
            self.model._initial_epoch = int(metadata["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._weights_path, overwrite=True)
        tmp = self._metadata_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"epoch": epoch + 1}, fh)
        os.replace(tmp, self._metadata_path)  # after the weights: never an epoch ahead of them

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path):
                    os.remove(path)
            try:
                os.rmdir(self.backup_dir)
            except OSError:
                pass


# Defined in its own file (it needs tensorboardX, imported only when training starts).
from .tensorboard import TensorBoard  # noqa: E402, F401
