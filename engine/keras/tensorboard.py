"""``callbacks.TensorBoard``: training curves (and weight histograms) for TensorBoard, laid out as Keras
writes them, through the maintained ``tensorboardX`` writer (imported when training starts, so the engine
itself still needs NumPy only).

Under ``log_dir``: ``train/`` gets ``epoch_loss``, ``epoch_accuracy``, ... and ``epoch_learning_rate`` at
step ``epoch`` (0-based), ``validation/`` gets the ``val_*`` values under the same tags (``epoch_loss``), so
TensorBoard draws both on one chart. ``histogram_freq=N`` adds a histogram of every weight
(``<layer>/<weight>``, e.g. ``dense/kernel``) every N epochs; ``update_freq="batch"`` (or an int N) adds
``batch_loss``, ... every N batches; ``write_graph=True`` stores the model's Keras config where
TensorBoard's Graphs tab finds it.

>>> from gradplay.engine.keras import callbacks
>>> tb = callbacks.TensorBoard(log_dir="logs/run1", histogram_freq=1)
>>> # model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[tb]); then: tensorboard --logdir logs
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from .callbacks import Callback

# Keras arguments accepted for compatibility; only their defaults are supported here.
_IGNORED_DEFAULTS = {
    "write_images": False,
    "write_steps_per_second": False,
    "profile_batch": 0,
    "embeddings_freq": 0,
    "embeddings_metadata": None,
}


def _summary_writer():
    from ..summary import tensorboardx_writer_class  # shared with tf.summary

    return tensorboardx_writer_class()


class TensorBoard(Callback):
    """Write TensorBoard event files under ``log_dir/train`` and ``log_dir/validation`` during ``fit``."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=False, update_freq="epoch", **kwargs):
        super().__init__()
        for key, value in kwargs.items():
            if key not in _IGNORED_DEFAULTS:
                raise TypeError(f"TensorBoard() got an unexpected keyword argument {key!r}.")
            if value != _IGNORED_DEFAULTS[key]:
                warnings.warn(f"TensorBoard: {key}={value!r} is not supported here and is ignored.")
        if int(histogram_freq) < 0:
            raise ValueError(f"histogram_freq must be >= 0, got histogram_freq={histogram_freq!r}.")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, int) or update_freq <= 0):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive int, got {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = bool(write_graph)
        self.update_freq = update_freq
        self._writers = {}
        self._batches = 0

    # -- writers ----------------------------------------------------------------------------------

    def _writer(self, kind):
        """The writer for ``train`` or ``validation`` (created on first use, so unused ones leave no folder)."""
        if kind not in self._writers:
            self._writers[kind] = _summary_writer()(logdir=os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _close(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- hooks ------------------------------------------------------------------------------------

    def on_train_begin(self, logs=None):
        _summary_writer()  # fail before the first epoch, with the install hint, if tensorboardX is missing
        self._batches = 0
        writer = self._writer("train")
        if self.write_graph:
            self._write_keras_graph(writer)

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.update_freq:
            return
        writer = self._writer("train")
        for key, value in (logs or {}).items():
            scalar = _scalar(value)
            if scalar is not None:
                writer.add_scalar(f"batch_{key}", scalar, self._batches)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        lr = self._learning_rate()
        if lr is not None and "learning_rate" not in train:
            train["learning_rate"] = lr
        for kind, values in (("train", train), ("validation", validation)):
            if not values:
                continue
            writer = self._writer(kind)
            for key, value in values.items():
                scalar = _scalar(value)
                if scalar is not None:
                    writer.add_scalar(f"epoch_{key}", scalar, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        self._close()

    # -- contents ---------------------------------------------------------------------------------

    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "learning_rate"):
            return None
        try:
            value = optimizer.learning_rate
            return float(np.asarray(value.numpy() if hasattr(value, "numpy") else value))
        except (TypeError, ValueError):
            return None

    def _write_histograms(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for var in list(layer.trainable_weights) + list(layer.non_trainable_weights):
                name = (getattr(var, "name", None) or "variable").split("/")[-1].split(":")[0]
                values = np.asarray(var.numpy(), dtype=np.float64)
                if values.size:
                    writer.add_histogram(f"{layer.name}/{name}", values, epoch)

    def _write_keras_graph(self, writer):
        """The model config as a ``keras`` string tensor with the ``graph_keras_model`` plugin, which is
        what Keras' ``keras_model_summary`` writes and TensorBoard's Graphs tab reads (Keras 2 JSON)."""
        from tensorboardX.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

        config = _model_json(self.model)
        if config is None:
            return
        metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1")
        )
        tensor = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_STRING,
            string_val=[config.encode("utf-8")],
            tensor_shape=tensor_shape_pb2.TensorShapeProto(),
        )
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        writer._get_file_writer().add_summary(summary, 0)


def _scalar(value):
    try:
        value = float(np.asarray(value.numpy() if hasattr(value, "numpy") else value))
    except (TypeError, ValueError):
        return None
    return value


def _model_json(model):
    """The Keras 2 config TensorBoard's graph plugin parses, or None (with a warning) when there is none."""
    from .saving import keras_zip, tfjs

    try:
        return json.dumps(tfjs.model_topology(model))
    except (ValueError, NotImplementedError):
        pass
    try:
        return json.dumps(keras_zip.model_to_config(model))
    except (ValueError, NotImplementedError) as e:
        warnings.warn(f"TensorBoard: write_graph=True but the model has no config to write ({e}).")
        return None
