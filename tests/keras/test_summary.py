"""``tf.summary``: event files written through tensorboardX, read back with the real TensorBoard's EventAccumulator."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

import gradplay.engine as tf  # noqa: E402


def _load(folder):
    acc = event_accumulator.EventAccumulator(
        str(folder),
        size_guidance={event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.TENSORS: 0},
    )
    acc.Reload()
    return acc


def test_scalar_histogram_text(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path / "run"))
    weights = tf.random.normal([200], seed=1)
    with writer.as_default():
        for step in range(4):
            assert tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
            tf.summary.scalar("accuracy", tf.constant(0.25 * step), step=step)
        assert tf.summary.histogram("weights", weights, step=0)
        tf.summary.histogram("weights", np.arange(10.0), step=1, buckets=5)
        assert tf.summary.text("notes", "first run", step=0)
        tf.summary.flush()
    writer.close()
    acc = _load(tmp_path / "run")
    assert [e.step for e in acc.Scalars("loss")] == [0, 1, 2, 3]
    np.testing.assert_allclose([e.value for e in acc.Scalars("loss")], [1, 1 / 2, 1 / 3, 1 / 4], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in acc.Scalars("accuracy")], [0, 0.25, 0.5, 0.75])
    hist = acc.Histograms("weights")
    assert [h.step for h in hist] == [0, 1]
    first = hist[0].histogram_value
    assert first.num == 200
    assert first.min == pytest.approx(float(np.min(weights.numpy())))
    assert first.sum == pytest.approx(float(np.sum(weights.numpy())), rel=1e-5, abs=1e-4)
    assert hist[1].histogram_value.num == 10 and hist[1].histogram_value.max == 9
    (text,) = acc.Tensors("notes")
    assert text.step == 0 and text.tensor_proto.string_val == [b"first run"]
    assert acc.SummaryMetadata("notes").plugin_data.plugin_name == "text"


def test_no_default_writer_records_nothing(tmp_path):
    assert tf.summary.scalar("loss", 1.0, step=0) is False
    assert not tf.summary.should_record_summaries()
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        assert tf.summary.should_record_summaries()
        with tf.summary.record_if(False):
            assert tf.summary.scalar("skipped", 1.0, step=0) is False
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("loss", 1.0)
        tf.summary.experimental.set_step(7)
        try:
            tf.summary.scalar("loss", 2.0)
        finally:
            tf.summary.experimental.set_step(None)
    with writer.as_default(step=3):
        tf.summary.scalar("loss", 3.0)
    writer.close()
    acc = _load(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [(7, 2.0), (3, 3.0)]
    assert "skipped" not in acc.Tags()["scalars"]


def test_set_as_default_and_nesting(tmp_path):
    a = tf.summary.create_file_writer(str(tmp_path / "a"))
    b = tf.summary.create_file_writer(str(tmp_path / "b"))
    a.set_as_default()
    try:
        tf.summary.scalar("x", 1.0, step=0)
        with b.as_default():
            tf.summary.scalar("x", 2.0, step=0)
        tf.summary.scalar("x", 3.0, step=1)
    finally:
        a.close()
        b.close()
    assert [e.value for e in _load(tmp_path / "a").Scalars("x")] == [1.0, 3.0]
    assert [e.value for e in _load(tmp_path / "b").Scalars("x")] == [2.0]
    assert tf.summary.scalar("x", 4.0, step=2) is False  # closing the default writer unsets it


def test_trace_api_records_nothing(tmp_path):
    """The seed tutorial's graph trace: accepted, nothing exported (eager gradplay has no graph)."""
    tf.summary.trace_on(graph=True, profiler=False)
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        tf.summary.trace_export(name="model_trace", step=0, profiler_outdir=str(tmp_path))
    tf.summary.trace_on(graph=True)
    tf.summary.trace_off()
    with pytest.warns(UserWarning, match="tracing was not enabled"):
        tf.summary.trace_export(name="again", step=0)
    acc = _load(tmp_path)
    assert not any(acc.Tags()[k] for k in ("scalars", "histograms", "tensors"))


def test_summary_is_lazy_and_names_the_extra(tmp_path):
    code = (
        "import sys\n"
        "import gradplay.engine as tf\n"
        "assert 'gradplay.engine.summary' not in sys.modules and 'tensorboardX' not in sys.modules\n"
        "sys.modules['tensorboardX'] = None\n"
        f"w = tf.summary.create_file_writer({str(tmp_path)!r})\n"
        "try:\n"
        "    with w.as_default():\n"
        "        pass\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "gradplay[export]"' in out
