"""tf.data: each transformation against a hand-computed expectation, structures, shuffling,
the batching fast path against the element path, cardinality, element_spec and errors."""

from __future__ import annotations

import collections
import doctest

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine import data

D = tf.data.Dataset
INF, UNKNOWN = tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY
Point = collections.namedtuple("Point", ["x", "y"])


def py(value):
    """A NumPy structure as plain Python, for comparing with hand-written expectations."""
    if isinstance(value, dict):
        return {k: py(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(py(v) for v in value)
    return np.asarray(value).tolist()


def items(ds):
    return [py(e) for e in ds.as_numpy_iterator()]


def identity(*args):
    return args if len(args) > 1 else args[0]


def r(n):
    return D.range(n)


# ---------------------------------------------------------------------------------------------
# Transformations, each against a hand-computed list

TRANSFORMS = {
    "range": (lambda: r(5), [0, 1, 2, 3, 4]),
    "range_start_stop_step": (lambda: D.range(2, 10, 3), [2, 5, 8]),
    "range_negative_step": (lambda: D.range(5, 0, -2), [5, 3, 1]),
    "from_tensor_slices": (lambda: D.from_tensor_slices([[1, 2], [3, 4]]), [[1, 2], [3, 4]]),
    "from_tensors": (lambda: D.from_tensors([[1, 2], [3, 4]]), [[[1, 2], [3, 4]]]),
    "map": (lambda: r(4).map(lambda x: x * 10), [0, 10, 20, 30]),
    "map_tuple_unpacked": (lambda: D.zip((r(3), r(3))).map(lambda a, b: a + b), [0, 2, 4]),
    "map_returns_list": (lambda: r(2).map(lambda x: [x, x + 1]), [[0, 1], [1, 2]]),
    "filter": (lambda: r(7).filter(lambda x: x % 3 == 0), [0, 3, 6]),
    "take": (lambda: r(5).take(2), [0, 1]),
    "take_all": (lambda: r(3).take(-1), [0, 1, 2]),
    "take_zero": (lambda: r(3).take(0), []),
    "take_more_than_there_is": (lambda: r(3).take(10), [0, 1, 2]),
    "skip": (lambda: r(5).skip(3), [3, 4]),
    "skip_all": (lambda: r(5).skip(-1), []),
    "skip_past_end": (lambda: r(3).skip(7), []),
    "repeat": (lambda: r(2).repeat(3), [0, 1, 0, 1, 0, 1]),
    "repeat_zero": (lambda: r(2).repeat(0), []),
    "repeat_then_take": (lambda: r(3).repeat().take(7), [0, 1, 2, 0, 1, 2, 0]),
    "repeat_forever_of_empty": (lambda: r(0).repeat(), []),
    "batch": (lambda: r(5).batch(2), [[0, 1], [2, 3], [4]]),
    "batch_drop_remainder": (lambda: r(5).batch(2, drop_remainder=True), [[0, 1], [2, 3]]),
    "batch_larger_than_data": (lambda: r(3).batch(10), [[0, 1, 2]]),
    "batch_then_unbatch": (lambda: r(5).batch(2).unbatch(), [0, 1, 2, 3, 4]),
    "unbatch_matrix": (lambda: D.from_tensors([[1, 2], [3, 4]]).unbatch(), [[1, 2], [3, 4]]),
    "repeat_then_batch_crosses_epochs": (lambda: r(3).repeat(2).batch(4), [[0, 1, 2, 0], [1, 2]]),
    "enumerate": (lambda: D.from_tensor_slices([7, 8]).enumerate(start=3), [(3, 7), (4, 8)]),
    "concatenate": (lambda: r(2).concatenate(D.range(5, 7)), [0, 1, 5, 6]),
    "zip_tuple": (lambda: D.zip((r(3), D.range(10, 12))), [(0, 10), (1, 11)]),
    "zip_varargs": (lambda: D.zip(r(2), r(2)), [(0, 0), (1, 1)]),
    "zip_dict": (lambda: D.zip({"a": r(2), "b": r(2).map(lambda x: -x)}), [{"a": 0, "b": 0}, {"a": 1, "b": -1}]),
    "shard": (lambda: r(10).shard(3, 1), [1, 4, 7]),
    "prefetch": (lambda: r(3).prefetch(tf.data.AUTOTUNE), [0, 1, 2]),
    "cache": (lambda: r(3).cache(), [0, 1, 2]),
    "flat_map": (lambda: r(4).flat_map(lambda x: D.from_tensors(x).repeat(x)), [1, 2, 2, 3, 3, 3]),
    "counter": (lambda: D.counter(5, 2).take(3), [5, 7, 9]),
    "padded_batch": (
        lambda: r(4).map(lambda x: tf.fill([x], x)).padded_batch(2),
        [[[0], [1]], [[2, 2, 0], [3, 3, 3]]],
    ),
    "padded_batch_fixed_shape_and_value": (
        lambda: r(3).map(lambda x: tf.fill([x], x)).padded_batch(3, padded_shapes=[4], padding_values=np.int64(-1)),
        [[[-1, -1, -1, -1], [1, -1, -1, -1], [2, 2, -1, -1]]],
    ),
    "slices_shuffle_full_buffer_is_still_all": (lambda: D.from_tensor_slices([5]).shuffle(10), [5]),
    "from_generator": (
        lambda: D.from_generator(lambda: iter([1, 2]), output_signature=tf.TensorSpec((), tf.int32)),
        [1, 2],
    ),
    "apply": (lambda: r(4).apply(lambda ds: ds.skip(1).take(2)), [1, 2]),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transformation(name):
    build, expected = TRANSFORMS[name]
    ds = build()
    assert items(ds) == expected
    assert items(ds) == expected, "a dataset must be re-iterable with the same elements"


def test_iteration_yields_tensors_and_numpy_iterator_yields_numpy():
    ds = D.from_tensor_slices(([1.0, 2.0], [3, 4]))
    x, y = next(iter(ds))
    assert isinstance(x, tf.Tensor) and x.dtype == tf.float32 and y.dtype == tf.int32
    a, b = next(ds.as_numpy_iterator())
    assert isinstance(a, np.float32) and isinstance(b, np.int32)
    batch = next(ds.batch(2).as_numpy_iterator())[0]
    batch[:] = 0  # a writable copy: changing it must not reach the dataset
    assert items(ds.batch(2)) == [([1.0, 2.0], [3, 4])]


def test_source_arrays_are_copied():
    x = np.arange(4)
    ds = D.from_tensor_slices(x)
    x[:] = -1
    assert items(ds) == [0, 1, 2, 3]
    assert items(ds.batch(4)) == [[0, 1, 2, 3]]


def test_iterator_get_next_and_out_of_range():
    it = iter(r(2))
    assert int(it.get_next()) == 0 and int(next(it)) == 1
    assert it.element_spec == tf.TensorSpec([], tf.int64)
    with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
        it.get_next()


def test_reduce_and_get_single_element():
    assert int(r(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    count, total = r(4).reduce((np.int64(0), np.int64(0)), lambda s, x: (s[0] + 1, s[1] + x))
    assert (int(count), int(total)) == (4, 6)
    assert int(r(10).skip(9).get_single_element()) == 9
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than one"):
        r(2).get_single_element()
    with pytest.raises(tf.errors.InvalidArgumentError, match="empty"):
        r(0).get_single_element()


# ---------------------------------------------------------------------------------------------
# Structures and dtypes


def test_structures_are_preserved_through_batch_and_map():
    x = np.arange(12, dtype=np.float64).reshape(6, 2)
    nested = ((x, np.arange(6)), {"label": np.arange(6) % 2, "w": [1.0] * 6})
    ds = D.from_tensor_slices(nested).batch(4)
    (xb, ib), d = next(iter(ds))
    assert xb.shape == (4, 2) and xb.dtype == tf.float64
    assert ib.dtype == tf.int64 and sorted(d) == ["label", "w"] and d["w"].dtype == tf.float32
    mapped = ds.map(lambda xi, d: (d["label"], xi[0]))  # a tuple element arrives unpacked
    label, first = next(iter(mapped))
    assert py(label.numpy()) == [0, 1, 0, 1] and py(first.numpy()) == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]


def test_namedtuple_and_dict_elements_are_not_unpacked():
    ds = D.from_tensor_slices(Point([1, 2], [3, 4]))
    p = next(iter(ds))
    assert type(p) is Point and int(p.y) == 3
    assert items(ds.map(lambda p: p.x + p.y)) == [4, 6]
    assert items(D.from_tensor_slices({"a": [1, 2]}).map(lambda d: d["a"] * 2)) == [2, 4]


@pytest.mark.parametrize(
    "value, dtype",
    [
        ([1.5, 2.5], tf.float32),  # Python floats: float32, as in TensorFlow
        ([1, 2], tf.int32),
        (np.array([1.5]), tf.float64),  # NumPy arrays keep their dtype
        (np.array([1], np.uint8), tf.uint8),
        ([True, False], tf.bool),
        (tf.constant([1.0, 2.0], tf.float16), tf.float16),
    ],
)
def test_slice_dtypes_follow_tensorflow(value, dtype):
    ds = D.from_tensor_slices(value)
    assert ds.element_spec.dtype == dtype and next(iter(ds)).dtype == dtype


# ---------------------------------------------------------------------------------------------
# element_spec and cardinality

SPECS = [
    (lambda: r(3), tf.TensorSpec([], tf.int64)),
    (lambda: D.from_tensor_slices(np.zeros((4, 2, 3), np.float32)), tf.TensorSpec([2, 3], tf.float32)),
    (lambda: D.from_tensors(np.zeros((4, 2), np.float32)), tf.TensorSpec([4, 2], tf.float32)),
    (lambda: r(3).batch(2), tf.TensorSpec([None], tf.int64)),
    (lambda: r(3).batch(2, drop_remainder=True), tf.TensorSpec([2], tf.int64)),
    (lambda: r(3).batch(2).batch(2), tf.TensorSpec([None, None], tf.int64)),
    (lambda: r(3).batch(2).unbatch(), tf.TensorSpec([], tf.int64)),
    (lambda: r(9).batch(3).map(lambda x: tf.cast(x, tf.float32) / 2), tf.TensorSpec([None], tf.float32)),
    (lambda: r(9).map(lambda x: tf.fill([x], x)), tf.TensorSpec([None], tf.int64)),  # value-dependent size
    (lambda: r(9).map(lambda x: tf.zeros([3])), tf.TensorSpec([3], tf.float32)),
    (
        lambda: D.from_tensor_slices((np.zeros((4, 2)), [0, 1, 2, 3])).batch(2),
        (tf.TensorSpec([None, 2], tf.float64), tf.TensorSpec([None], tf.int32)),
    ),
    (lambda: r(3).enumerate(), (tf.TensorSpec([], tf.int64), tf.TensorSpec([], tf.int64))),
    (
        lambda: D.from_tensors([1, 2]).concatenate(D.from_tensors([1, 2, 3])),
        tf.TensorSpec([None], tf.int32),
    ),
    (
        lambda: r(4).map(lambda x: tf.fill([x], x)).padded_batch(2, drop_remainder=True),
        tf.TensorSpec([2, None], tf.int64),
    ),
]


@pytest.mark.parametrize("build, spec", SPECS)
def test_element_spec(build, spec):
    assert build().element_spec == spec


def test_repr_names_the_transformation_and_spec():
    assert repr(r(3).batch(2)) == "<_BatchDataset element_spec=TensorSpec(shape=(None,), dtype=tf.int64, name=None)>"


CARDINALITIES = [
    (lambda: r(5), 5),
    (lambda: D.from_tensor_slices(np.zeros((7, 2))), 7),
    (lambda: D.from_tensors([1, 2]), 1),
    (lambda: r(5).batch(2), 3),
    (lambda: r(5).batch(2, drop_remainder=True), 2),
    (lambda: r(5).map(lambda x: x), 5),
    (lambda: r(5).shuffle(3), 5),
    (lambda: r(5).take(3), 3),
    (lambda: r(5).take(9), 5),
    (lambda: r(5).take(-1), 5),
    (lambda: r(5).skip(3), 2),
    (lambda: r(5).skip(9), 0),
    (lambda: r(5).skip(-1), 0),
    (lambda: r(5).repeat(3), 15),
    (lambda: r(5).repeat(), INF),
    (lambda: r(0).repeat(), 0),
    (lambda: r(5).repeat().take(4), 4),
    (lambda: r(5).repeat().skip(4), INF),
    (lambda: r(5).filter(lambda x: x > 1), UNKNOWN),
    (lambda: r(5).filter(lambda x: x > 1).take(2), UNKNOWN),
    (lambda: r(5).filter(lambda x: x > 1).repeat(), INF),
    (lambda: r(6).batch(2, drop_remainder=True).unbatch(), 6),
    (lambda: r(5).batch(2).unbatch(), UNKNOWN),
    (lambda: D.zip((r(5), r(3))), 3),
    (lambda: D.zip((r(5), r(3).repeat())), 5),
    (lambda: r(5).concatenate(r(3)), 8),
    (lambda: r(5).concatenate(r(3).repeat()), INF),
    (lambda: r(5).enumerate(), 5),
    (lambda: r(10).shard(3, 0), 4),
    (lambda: r(10).shard(3, 2), 3),
    (lambda: r(4).flat_map(lambda x: D.from_tensors(x)), UNKNOWN),
    (lambda: D.counter(), INF),
]


@pytest.mark.parametrize("build, expected", CARDINALITIES)
def test_cardinality(build, expected):
    ds = build()
    card = ds.cardinality()
    assert card.dtype == tf.int64 and int(card) == expected
    assert int(tf.data.experimental.cardinality(ds)) == expected
    if expected >= 0:
        assert len(ds) == expected
        if expected < 50:
            assert len(list(ds)) == expected
    else:
        with pytest.raises(TypeError, match="infinite" if expected == INF else "unknown"):
            len(ds)
        assert bool(ds)  # truth-testing never needs the length


# ---------------------------------------------------------------------------------------------
# Shuffling


def _order(ds):
    return [int(v) for v in ds]


def test_shuffle_is_a_permutation_and_reproducible_with_a_seed():
    a = _order(r(50).shuffle(50, seed=3))
    assert sorted(a) == list(range(50)) and a != list(range(50))
    assert a == _order(r(50).shuffle(50, seed=3))  # a freshly built pipeline repeats the order
    assert a != _order(r(50).shuffle(50, seed=4))


def test_shuffle_reshuffles_each_iteration_unless_told_not_to():
    ds = r(30).shuffle(30, seed=1)
    first, second = _order(ds), _order(ds)
    assert first != second and sorted(second) == list(range(30))
    fixed = r(30).shuffle(30, seed=1, reshuffle_each_iteration=False)
    assert _order(fixed) == _order(fixed)
    unseeded = r(30).shuffle(30, reshuffle_each_iteration=False)
    assert _order(unseeded) == _order(unseeded)
    # shuffle before repeat: each repetition is a new order, as in TensorFlow
    repeated = _order(r(20).shuffle(20, seed=2).repeat(2))
    assert sorted(repeated[:20]) == sorted(repeated[20:]) == list(range(20)) and repeated[:20] != repeated[20:]


def test_unseeded_shuffle_follows_the_global_seed():
    tf.random.set_seed(11)
    ds = r(40).shuffle(40)
    a, b = _order(ds), _order(ds)
    tf.random.set_seed(11)
    ds = r(40).shuffle(40)
    assert (_order(ds), _order(ds)) == (a, b) and a != b
    tf.random.set_seed(None)


@pytest.mark.parametrize("buffer", [1, 2, 5, 17])
def test_small_buffer_shuffle_is_a_local_permutation(buffer):
    out = _order(r(60).shuffle(buffer, seed=0))
    assert sorted(out) == list(range(60))
    # an element can only leave the buffer after it entered: position i holds an input < i + buffer
    assert all(v < i + buffer for i, v in enumerate(out))
    if buffer == 1:
        assert out == list(range(60))


# ---------------------------------------------------------------------------------------------
# The batching fast path (index plans) against the element-by-element path

X = np.arange(103 * 3, dtype=np.float32).reshape(103, 3)
Y = (np.arange(103) % 7).astype(np.int64)

PIPELINES = {
    "batch": lambda ds: ds.batch(10),
    "shuffle_full_buffer": lambda ds: ds.shuffle(103, seed=5).batch(10),
    "shuffle_huge_buffer_prefetch": lambda ds: ds.shuffle(10_000, seed=5).batch(16).prefetch(tf.data.AUTOTUNE),
    "shuffle_streamed_buffer": lambda ds: ds.shuffle(20, seed=5).batch(8),
    "drop_remainder": lambda ds: ds.shuffle(103, seed=1).batch(10, drop_remainder=True),
    "repeat_then_batch": lambda ds: ds.shuffle(103, seed=2).repeat(3).batch(32),
    "infinite_repeat_take": lambda ds: ds.shuffle(50, seed=2).repeat().batch(40).take(9),
    "take_skip": lambda ds: ds.skip(5).take(60).shuffle(60, seed=3).batch(7),
    "shuffle_take": lambda ds: ds.shuffle(103, seed=3).take(30).batch(7),
    "cache": lambda ds: ds.shuffle(103, seed=4).cache().batch(25),
}


@pytest.mark.parametrize("name", list(PIPELINES))
def test_fast_path_matches_element_path(name, monkeypatch):
    build = PIPELINES[name]
    fast = build(D.from_tensor_slices((X, {"y": Y})))
    slow = build(D.from_tensor_slices((X, {"y": Y})).map(identity))  # map has no plan

    def no_stacking(group):
        raise AssertionError("the fast path must not stack elements one by one")

    slow_passes = [[py(b) for b in slow.as_numpy_iterator()] for _ in range(2)]
    assert len(slow_passes[0]) > 1
    monkeypatch.setattr(data, "_stack", no_stacking)
    # two passes each: the second pass reshuffles both pipelines in the same way
    assert [[py(b) for b in fast.as_numpy_iterator()] for _ in range(2)] == slow_passes
    xb, yb = next(iter(fast))
    assert isinstance(xb, tf.Tensor) and xb.dtype == tf.float32 and yb["y"].dtype == tf.int64


def test_fast_path_unshuffled_batches_are_slices_of_the_source():
    ds = D.from_tensor_slices(X).batch(50)
    batches = [b.numpy() for b in ds]
    np.testing.assert_array_equal(np.concatenate(batches), X)
    assert [len(b) for b in batches] == [50, 50, 3]


def test_batches_feed_a_training_step():
    w = tf.Variable(tf.zeros([3, 1]))
    ds = D.from_tensor_slices((X / 300, Y.astype(np.float32))).shuffle(10_000, seed=0).batch(32)
    ds = ds.prefetch(tf.data.AUTOTUNE).cache()  # cached after shuffle: every epoch replays the same batches
    epoch_losses = []
    for _ in range(3):
        batch_losses = []
        for xb, yb in ds:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((tf.matmul(xb, w)[:, 0] - yb) ** 2)
            w.assign_sub(0.1 * tape.gradient(loss, w))
            batch_losses.append(float(loss))
        epoch_losses.append(np.mean(batch_losses))
    assert epoch_losses[-1] < epoch_losses[0]


def test_cache_replays_the_first_complete_pass():
    calls = []

    def traced(x):
        calls.append(int(x))
        return x

    ds = r(4).map(traced).cache()
    assert items(ds.take(2)) == [0, 1]  # a partial pass does not fill the cache
    assert items(ds) == [0, 1, 2, 3] and len(calls) == 6
    assert items(ds) == [0, 1, 2, 3] and len(calls) == 6
    shuffled = D.from_tensor_slices(np.arange(30)).shuffle(30, seed=9).cache()
    assert items(shuffled) == items(shuffled)  # the first pass's order is what is cached
    assert items(shuffled.batch(7).unbatch()) == items(shuffled)


# ---------------------------------------------------------------------------------------------
# Errors: loud, with the fix in the message

ERRORS = [
    (lambda: r(3).batch(0), tf.errors.InvalidArgumentError, "batch_size must be greater than zero.*batch_size=0"),
    (lambda: r(3).batch(-2), tf.errors.InvalidArgumentError, "batch_size=-2"),
    (lambda: r(3).padded_batch(0), tf.errors.InvalidArgumentError, "batch_size=0"),
    (lambda: r(3).shuffle(0), tf.errors.InvalidArgumentError, "buffer_size must be greater than zero"),
    (lambda: D.from_tensor_slices((np.zeros(3), np.zeros(2))), ValueError, r"has 3 .* has 2 .*x\[:2\]"),
    (lambda: D.from_tensor_slices({"a": [1, 2], "b": [1]}), ValueError, r"\['a'\] has 2 .*\['b'\] has 1"),
    (lambda: D.from_tensor_slices(5), ValueError, "scalar.*from_tensors"),
    (lambda: D.from_tensor_slices(()), ValueError, "at least one tensor"),
    (lambda: r(3).take(-2), ValueError, "count=-2"),
    (lambda: r(3).skip(-3), ValueError, "count=-3"),
    (lambda: r(3).repeat(-5), ValueError, "count=-5"),
    (lambda: r(3).take(1.5), TypeError, "must be an integer.*int"),
    (lambda: r(3).batch(2.0), TypeError, "must be an integer"),
    (lambda: r(3).shard(2, 2), tf.errors.InvalidArgumentError, "index=2"),
    (lambda: r(3).prefetch(-3), ValueError, "AUTOTUNE"),
    (lambda: r(3).cache("/tmp/x"), NotImplementedError, r"\.cache\(\)"),
    (lambda: r(3).map(3), TypeError, "callable"),
    (lambda: D.zip((r(3), np.zeros(3))), TypeError, "from_tensor_slices"),
    (lambda: r(3).concatenate(D.from_tensor_slices([1.0])), TypeError, "incompatible"),
    (lambda: D.range(0, 5, 0), tf.errors.InvalidArgumentError, "nonzero step"),
    (lambda: D.from_generator(lambda: iter([1]), output_types=tf.int32), TypeError, "output_signature"),
]


@pytest.mark.parametrize("build, error, match", ERRORS)
def test_construction_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


ITERATION_ERRORS = [
    (lambda: r(3).filter(lambda x: x), ValueError, "scalar tf.bool.*x > 0"),
    (
        lambda: D.from_tensor_slices([1, 2, 3]).map(lambda x: tf.fill([x], x)).batch(2),
        tf.errors.InvalidArgumentError,
        r"different shapes in component 0.*\[1\].*element 1.*\[2\].*padded_batch",
    ),
    (lambda: r(3).map(lambda x: (x,) if int(x) else x), TypeError, "same structure"),
    (
        lambda: r(3).map(lambda x: tf.fill([x + 1], x)).padded_batch(3, padded_shapes=[2]),
        tf.errors.InvalidArgumentError,
        "smaller size",
    ),
    (lambda: r(3).reduce(0, lambda s, x: tf.cast(x, tf.float32)), TypeError, "dtype float32.*int32"),
    (lambda: r(3).flat_map(lambda x: x), TypeError, "must return a Dataset"),
    (
        lambda: D.from_generator(lambda: iter([[1, 2, 3]]), output_signature=tf.TensorSpec((2,), tf.int32)),
        TypeError,
        r"shape \(3,\) where an element of shape \(2,\)",
    ),
    (
        lambda: D.from_generator(lambda: iter([(1,)]), output_signature=(tf.TensorSpec((), tf.int32),) * 2),
        TypeError,
        "expected 2 components",
    ),
    (lambda: D.from_tensors(np.zeros(3)).unbatch().unbatch(), ValueError, "scalar"),
]


@pytest.mark.parametrize("build, error, match", ITERATION_ERRORS)
def test_iteration_errors(build, error, match):
    with pytest.raises(error, match=match):
        list(build())  # (reduce raises inside build)


@pytest.mark.parametrize("where", ["map", "filter", "flat_map"])
def test_user_function_errors_propagate_with_a_note(where):
    def broken(x):
        raise KeyError("boom")

    ds = getattr(r(3), where)(broken)
    with pytest.raises(KeyError, match="boom") as info:
        list(ds)
    assert f"Dataset.{where}" in "".join(info.value.__notes__)


def test_module_docstrings_run():
    assert doctest.testmod(data).failed == 0
