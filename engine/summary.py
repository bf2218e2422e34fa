"""``tf.summary``: TensorBoard event files from your own loops, as TensorFlow 2 writes them.

>>> import gradplay.engine as tf
>>> writer = tf.summary.create_file_writer("logs/run1")  # doctest: +SKIP
>>> with writer.as_default():  # doctest: +SKIP
...     for step in range(3):
...         tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
...         tf.summary.histogram("weights", tf.random.normal([100]), step=step)
...     tf.summary.text("notes", "first run", step=0)
>>> # then: tensorboard --logdir logs

The events are written with the ``tensorboardX`` package (``pip install "gradplay[export]"``), imported on
first use, so ``import gradplay.engine`` still needs NumPy only. The tags are the names given (``loss``,
``weights``, ``notes``), the steps the ``step=`` given (or ``tf.summary.experimental.set_step(...)``). As in
TensorFlow, a summary call without a default writer (outside ``with writer.as_default():``) records nothing
and returns ``False``. Scalars are written as TensorBoard ``simple_value`` scalars, histograms as histogram
protos, text as the text plugin's string tensor: TensorBoard shows them in its Scalars, Histograms (and
Distributions) and Text tabs.

Graph tracing: ``tf.summary.trace_on(graph=True)`` / ``trace_export(name, step)`` / ``trace_off()`` are
accepted so TensorFlow code runs, but gradplay executes eagerly and has no graph to record, so nothing is
exported (profiling is not supported either; ``profiler_outdir`` is ignored). To see a Keras model's structure
in TensorBoard's Graphs tab, use ``keras.callbacks.TensorBoard(log_dir, write_graph=True)`` with ``fit``.
"""

from __future__ import annotations

import contextlib
import os
import warnings

import numpy as np

__all__ = [
    "SummaryWriter",
    "create_file_writer",
    "create_noop_writer",
    "experimental",
    "flush",
    "histogram",
    "record_if",
    "scalar",
    "should_record_summaries",
    "text",
    "trace_export",
    "trace_off",
    "trace_on",
]


def tensorboardx_writer_class():
    """``tensorboardX.SummaryWriter``, or an ImportError naming the package to install."""
    try:
        from tensorboardX import SummaryWriter as _Writer
    except ImportError as e:
        raise ImportError(
            'TensorBoard event files are written with tensorboardX: `pip install "gradplay[export]"` '
            "(or `pip install tensorboardX`), then view them with `tensorboard --logdir <log_dir>`."
        ) from e
    return _Writer


# The writers of the enclosing `with writer.as_default():` blocks (innermost last), the writer made default by
# `set_as_default`, the default step, `record_if`'s condition and whether `trace_on` was called.
_state = {"writers": [], "global": None, "step": None, "record": True, "trace": False}


class SummaryWriter:
    """What ``create_file_writer`` returns: use it with ``with writer.as_default():``."""

    def __init__(self, logdir, max_queue=None, flush_millis=None, filename_suffix=None):
        self.logdir = os.fspath(logdir)
        self._max_queue = 10 if max_queue is None else int(max_queue)
        self._flush_secs = 120 if flush_millis is None else max(float(flush_millis) / 1000.0, 0.001)
        self._filename_suffix = filename_suffix or ""
        self._writer = None
        self._closed = False

    def _file_writer(self):
        """The tensorboardX writer, created (with its event file) on first use."""
        if self._closed:
            raise RuntimeError(f"This summary writer for {self.logdir!r} is closed.")
        if self._writer is None:
            self._writer = tensorboardx_writer_class()(
                logdir=self.logdir,
                max_queue=self._max_queue,
                flush_secs=self._flush_secs,
                filename_suffix=self._filename_suffix,
            )
        return self._writer

    def init(self):
        """Create the event file now (TensorFlow does this in ``create_file_writer``)."""
        self._file_writer()

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Make this the writer the summary functions write to (and ``step`` the default step) inside ``with``."""
        self._file_writer()  # fail early, with the install hint, if tensorboardX is missing
        previous_step = _state["step"]
        _state["writers"].append(self)
        if step is not None:
            _state["step"] = step
        try:
            yield self
        finally:
            _state["writers"].remove(self)
            if step is not None:
                _state["step"] = previous_step
            self.flush()

    def set_as_default(self, step=None):
        """Make this the default writer from now on (until another ``set_as_default``)."""
        self._file_writer()
        _state["global"] = self
        if step is not None:
            _state["step"] = step

    def flush(self):
        if self._writer is not None and not self._closed:
            self._writer.flush()

    def close(self):
        if self._writer is not None and not self._closed:
            self._writer.close()
        self._closed = True
        if _state["global"] is self:
            _state["global"] = None

    def __repr__(self):
        return f"<SummaryWriter logdir={self.logdir!r}>"


class _NoopWriter(SummaryWriter):
    def __init__(self):
        super().__init__("")

    def _file_writer(self):
        return None

    def flush(self):
        pass

    def close(self):
        pass


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None, name=None, **kwargs):
    """A writer for event files under ``logdir`` (created with the first summary)."""
    return SummaryWriter(logdir, max_queue=max_queue, flush_millis=flush_millis, filename_suffix=filename_suffix)


def create_noop_writer():
    """A writer that records nothing."""
    return _NoopWriter()


def _default_writer():
    return _state["writers"][-1] if _state["writers"] else _state["global"]


def should_record_summaries() -> bool:
    """True inside ``with writer.as_default():`` (and ``record_if`` not off)."""
    writer = _default_writer()
    return bool(_state["record"]) and writer is not None and not isinstance(writer, _NoopWriter)


@contextlib.contextmanager
def record_if(condition):
    """Record summaries only while ``condition`` (a bool, or a callable returning one) is true."""
    previous = _state["record"]
    _state["record"] = condition() if callable(condition) else bool(condition)
    try:
        yield
    finally:
        _state["record"] = previous


def _step(step):
    if step is None:
        step = _state["step"]
    if step is None:
        raise ValueError(
            "No step set. Please specify one either through the `step` argument or through "
            "tf.summary.experimental.set_step()"
        )
    return int(np.asarray(step.numpy() if hasattr(step, "numpy") else step))


def _numpy(data):
    return np.asarray(data.numpy() if hasattr(data, "numpy") else data)


def _target(step):
    """``(tensorboardX writer, step)`` to write to, or None when nothing should be recorded."""
    if not should_record_summaries():
        return None
    return _default_writer()._file_writer(), _step(step)


def scalar(name, data, step=None, description=None) -> bool:
    """Write the number ``data`` under the tag ``name`` at ``step``; False if there is no default writer."""
    target = _target(step)
    if target is None:
        return False
    value = _numpy(data)
    if value.size != 1:
        raise ValueError(f"tf.summary.scalar({name!r}) needs a single number; got shape {value.shape}.")
    writer, step = target
    writer.add_scalar(name, float(value.reshape(())), step)
    return True


def histogram(name, data, step=None, buckets=None, description=None) -> bool:
    """Write the distribution of ``data``'s values under ``name`` at ``step`` (``buckets`` bins, default 30)."""
    target = _target(step)
    if target is None:
        return False
    values = _numpy(data).astype(np.float64).reshape(-1)
    writer, step = target
    if values.size == 0:
        warnings.warn(f"tf.summary.histogram({name!r}): no values; nothing written.")
        return False
    writer.add_histogram(name, values, step, bins=int(buckets) if buckets is not None else 30)
    return True


def text(name, data, step=None, description=None) -> bool:
    """Write the string (or array of strings) ``data`` under ``name`` at ``step`` for the Text tab."""
    target = _target(step)
    if target is None:
        return False
    from tensorboardX.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

    values = _numpy(data)
    flat = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.reshape(-1).tolist()]
    shape = tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in values.shape])
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING, string_val=[s.encode("utf-8") for s in flat], tensor_shape=shape
    )
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"),
        summary_description=description or "",
    )
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=name, metadata=metadata, tensor=tensor)])
    writer, step = target
    writer._get_file_writer().add_summary(summary, step)
    return True


def flush(writer=None, name=None):
    """Flush ``writer`` (default: the default writer) to disk."""
    writer = writer if writer is not None else _default_writer()
    if writer is not None:
        writer.flush()


# -- graph tracing: accepted, nothing to record ---------------------------------------------------


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Start "tracing". gradplay runs eagerly and builds no graph, so there is nothing to trace: accepted so
    TensorFlow code runs; ``trace_export`` then writes nothing. ``profiler=True`` is not supported."""
    if profiler:
        warnings.warn("tf.summary.trace_on(profiler=True): gradplay has no profiler; nothing is profiled.")
    _state["trace"] = True


def trace_export(name, step=None, profiler_outdir=None):
    """End tracing. Records nothing: eager gradplay has no graph to export (see ``trace_on``). For a Keras
    model's structure in TensorBoard, use ``keras.callbacks.TensorBoard(write_graph=True)``."""
    if not _state["trace"]:
        warnings.warn("Cannot export trace because tracing was not enabled (call tf.summary.trace_on first).")
    _state["trace"] = False


def trace_off():
    """Stop tracing without exporting."""
    _state["trace"] = False


class _Experimental:
    """``tf.summary.experimental``: the default step."""

    @staticmethod
    def set_step(step):
        _state["step"] = step

    @staticmethod
    def get_step():
        return _state["step"]


experimental = _Experimental()
