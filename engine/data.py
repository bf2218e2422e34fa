"""``tf.data``: input pipelines. A ``Dataset`` is an immutable, re-iterable recipe; iterating
it yields elements (Tensors, or tuples/dicts of Tensors) in the order TensorFlow would.

>>> import gradplay.engine as tf
>>> ds = tf.data.Dataset.from_tensor_slices(([[1.0], [2.0], [3.0]], [0, 1, 0]))
>>> for x, y in ds.batch(2):
...     print(x.shape, y.numpy())
(2, 1) [0 1]
(1, 1) [0]
>>> ds = tf.data.Dataset.range(6).filter(lambda x: x % 2 == 0).map(lambda x: x * 10)
>>> [int(x) for x in ds]
[0, 20, 40]

How it works. Each transformation is a small node class holding its input(s) and four things:
``_generate`` (elements, one by one, as NumPy structures; they become Tensors only when they
leave the pipeline), ``_cardinality``, ``_spec`` (the ``element_spec``) and, optionally,
``_plan``. A plan is the fast path for training: a pipeline made of ``from_tensor_slices`` and
order-only steps (``shuffle, take, skip, repeat, cache, prefetch``) is described by the source
arrays plus a stream of index chunks, so ``batch`` slices each source array once per batch
instead of building and stacking one element at a time. The plan and the element path draw
the same random numbers, so ``from_tensor_slices(x).shuffle(n, seed=1).batch(32)`` gives the
same batches whichever path runs.

Structures follow ``tf.data``: tuples (namedtuples too) and dicts nest; a Python list is a
value, converted to one tensor.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import types

import numpy as np

from . import core, dtypes
from .errors import InvalidArgumentError, OutOfRangeError
from .function import TensorSpec
from .ops import random_ops
from .tensor import _Operand, convert_to_tensor, to_buffer

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_INF, _UNKNOWN = INFINITE_CARDINALITY, UNKNOWN_CARDINALITY

_DRAWS = 1024  # shuffle slots drawn per NumPy call: one call per element would dominate the cost
_BLOCK = 8192  # index-chunk length of a streamed (buffer < dataset) shuffle on the fast path


# ---------------------------------------------------------------------------------------------
# Structures: tuples, namedtuples and dicts nest; anything else (lists included) is a leaf.


def _map(fn, first, *others):
    """``fn`` applied leafwise, following ``first``'s structure (``others`` are indexed alike)."""
    if isinstance(first, dict):
        return {k: _map(fn, v, *(o[k] for o in others)) for k, v in first.items()}
    if isinstance(first, tuple):
        items = [_map(fn, v, *(o[i] for o in others)) for i, v in enumerate(first)]
        return type(first)(*items) if hasattr(first, "_fields") else tuple(items)
    return fn(first, *others)


def _paths(structure, prefix=""):
    """``[(path, leaf), ...]`` in ``_map``'s order; paths look like ``[0]['label']``."""
    if isinstance(structure, dict):
        return [p for k, v in structure.items() for p in _paths(v, f"{prefix}[{k!r}]")]
    if isinstance(structure, tuple):
        return [p for i, v in enumerate(structure) for p in _paths(v, f"{prefix}[{i}]")]
    return [(prefix or "the tensor", structure)]


def _flatten(structure) -> list:
    return [leaf for _, leaf in _paths(structure)]


def _treedef(structure):
    """A comparable description of the nesting (not the leaves)."""
    if isinstance(structure, dict):
        return (dict, tuple((k, _treedef(v)) for k, v in structure.items()))
    if isinstance(structure, tuple):
        return (type(structure), tuple(_treedef(v) for v in structure))
    return None


# ---------------------------------------------------------------------------------------------
# Leaves: NumPy arrays inside the pipeline, Tensors outside.


def _array(value) -> np.ndarray:
    """A leaf as a NumPy array, with TensorFlow's conversion rules (Python floats -> float32)."""
    if not isinstance(value, (_Operand, np.ndarray, list, tuple, int, float)) and hasattr(value, "__array__"):
        value = np.asarray(value)  # pandas Series and the like keep their dtype, as in TF
    return np.asarray(core.backends.get_backend().to_numpy(to_buffer(value)))


def _source_array(value) -> np.ndarray:
    """A private, read-only array: slices of it are handed out as tensors without copying."""
    arr = _array(value).view()
    arr.flags.writeable = False
    return arr


def _tensor(arr):
    return core.wrap(core.backends.get_backend().asarray(arr))


def _to_tensors(element):
    return _map(_tensor, element)


def _to_numpy(arr):
    return arr[()] if arr.ndim == 0 else arr.copy()  # what ``Tensor.numpy()`` would give


def _spec_of(element):
    return _map(lambda a: TensorSpec(a.shape, dtypes.from_numpy(a.dtype)), element)


def _probe(spec, fill: int):
    dims = [fill if d is None else d for d in spec.shape]
    return _tensor(np.full(dims, fill - 1, spec.dtype.as_numpy_dtype))


def _merge_specs(a, b, what: str):
    """The most specific spec both match: differing dimensions become ``None``."""
    if _treedef(a) != _treedef(b):
        raise TypeError(f"{what}: incompatible element structures {a} and {b}.")

    def merge(s, t):
        if s.dtype != t.dtype or len(s.shape) != len(t.shape):
            raise TypeError(f"{what}: incompatible elements {s} and {t}; cast or reshape one side to match (tf.cast).")
        return TensorSpec([x if x == y else None for x, y in zip(s.shape, t.shape)], s.dtype)

    return _map(merge, a, b)


def _call(fn, element, op: str):
    """Call a user function the way tf.data does: a tuple element is unpacked into arguments."""
    try:
        return fn(*element) if type(element) is tuple else fn(element)
    except Exception as exc:
        exc.add_note(f"(raised by the function passed to Dataset.{op})")
        raise


def _count(value, op: str, arg: str) -> int:
    """An integer argument (Python int, NumPy integer, integer scalar tensor)."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"Dataset.{op}: {arg} must be an integer. Received: {arg}={value!r}. Convert it with int(...)."
        ) from None


def _cardinality_sum(a: int, b: int) -> int:
    if _UNKNOWN in (a, b):
        return _UNKNOWN
    return _INF if _INF in (a, b) else a + b


# ---------------------------------------------------------------------------------------------
# Shuffling. One algorithm (TensorFlow's buffer) serves elements and fast-path indices.


def _shuffled(items, size: int, rng):
    """Fill a buffer of ``size`` items; then emit a random slot and refill it from the input;
    when the input ends, emit what is left in random order."""
    it = iter(items)
    buf = list(itertools.islice(it, size))
    slots = iter(())
    for x in it:
        j = next(slots, None)
        if j is None:
            slots = iter(rng.integers(size, size=_DRAWS).tolist())
            j = next(slots)
        yield buf[j]
        buf[j] = x
    for j in rng.permutation(len(buf)).tolist():
        yield buf[j]


def _as_indices(chunk) -> np.ndarray:
    if isinstance(chunk, range):
        return np.arange(chunk.start, chunk.stop, chunk.step, dtype=np.intp)
    return chunk


def _concat(chunks) -> np.ndarray:
    return np.concatenate([_as_indices(c) for c in chunks]) if chunks else np.empty(0, np.intp)


def _shuffled_chunks(chunks, size: int, rng):
    """``_shuffled`` over a stream of index chunks, vectorised when everything fits in the buffer
    (the training case): then ``_shuffled`` is exactly one permutation of the whole input."""
    head, count = [], 0
    for c in chunks:
        head.append(c)
        count += len(c)
        if count > size:
            break
    else:
        order = _concat(head)
        yield order[rng.permutation(len(order))]
        return
    ints = itertools.chain(
        _concat(head).tolist(), itertools.chain.from_iterable(_as_indices(c).tolist() for c in chunks)
    )
    stream = _shuffled(ints, size, rng)
    while len(block := np.fromiter(itertools.islice(stream, _BLOCK), np.intp)):
        yield block


# ---------------------------------------------------------------------------------------------
# Fast-path helpers: a plan is ``(arrays, order)``; ``order()`` starts one pass and returns an
# iterator of index chunks (``range`` for untouched runs, so batches of them are views).


def _plan_elements(arrays, order):
    for chunk in order():
        for i in chunk if isinstance(chunk, range) else chunk.tolist():
            yield _map(operator.itemgetter((i, Ellipsis)), arrays)


def _plan_batches(arrays, chunks, size: int, drop_remainder: bool):
    pieces, count = [], 0
    for c in chunks:
        while len(c):
            n = min(size - count, len(c))
            pieces.append(c[:n])
            count += n
            c = c[n:]
            if count == size:
                yield _gather(arrays, pieces)
                pieces, count = [], 0
    if count and not drop_remainder:
        yield _gather(arrays, pieces)


def _gather(arrays, pieces):
    if len(pieces) == 1 and isinstance(pieces[0], range):
        key = slice(pieces[0].start, pieces[0].stop)
        return _map(operator.itemgetter(key), arrays)
    idx = _concat(pieces)
    return _map(lambda a: a.take(idx, axis=0), arrays)


def _take_chunks(chunks, n: int):
    if n <= 0:
        return
    for c in chunks:  # stop before pulling another chunk: that could start another shuffled pass
        yield c[:n]
        n -= len(c)
        if n <= 0:
            return


def _skip_chunks(chunks, n: int):
    for c in chunks:
        if n < len(c):
            yield c[n:]
        n = max(0, n - len(c))


def _repeat(start, count: int):
    """Iterate ``start()`` ``count`` times (forever if -1); stop early if a pass is empty."""
    done = 0
    while count == -1 or done < count:
        empty = True
        for x in start():
            empty = False
            yield x
        if empty:
            return
        done += 1


def _lazy(start):
    """``start`` deferred to the first ``next``: a pass's random draw happens when it begins."""

    def order():
        yield from start()

    return order


def _recorded(iterable, node, attr: str):
    """Yield from ``iterable``; on reaching its end, store everything seen on ``node.attr``."""
    seen = []
    for x in iterable:
        seen.append(x)
        yield x
    setattr(node, attr, seen)


def _groups(elements, size: int, drop_remainder: bool):
    group = []
    for e in elements:
        group.append(e)
        if len(group) == size:
            yield group
            group = []
    if group and not drop_remainder:
        yield group


def _stack(group):
    component = itertools.count()

    def stack(*leaves):
        k, first = next(component), leaves[0]
        for i, a in enumerate(leaves):
            if a.shape != first.shape or a.dtype != first.dtype:
                raise InvalidArgumentError(
                    None,
                    "BatchDataset",
                    f"Cannot batch tensors with different shapes in component {k}. First element had shape "
                    f"{list(first.shape)} ({first.dtype}) and element {i} had shape {list(a.shape)} ({a.dtype}). "
                    f"Make the elements the same shape (tf.reshape), or use padded_batch.",
                )
        return np.stack(leaves)

    return _map(stack, *group)


# ---------------------------------------------------------------------------------------------
# Dataset


class Dataset:
    """A sequence of elements, built from tensors and transformed lazily, like ``tf.data.Dataset``.

    Transformations return new datasets; iterating one yields Tensors (or tuples/dicts of them)
    and may be repeated: each pass gives the same elements, except that ``shuffle`` draws a new
    order per pass unless ``reshuffle_each_iteration=False``.

    >>> import numpy as np
    >>> import gradplay.engine as tf
    >>> x = np.arange(10, dtype=np.float32).reshape(5, 2)
    >>> y = np.array([0, 1, 0, 1, 1])
    >>> ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(5, seed=1).batch(2).prefetch(tf.data.AUTOTUNE)
    >>> ds.element_spec
    (TensorSpec(shape=(None, 2), dtype=tf.float32, name=None), TensorSpec(shape=(None,), dtype=tf.int64, name=None))
    >>> len(ds), [xb.shape[0] for xb, yb in ds]
    (3, [2, 2, 1])
    >>> sorted(np.concatenate([yb for _, yb in ds.as_numpy_iterator()]).tolist())
    [0, 0, 1, 1, 1]
    """

    _spec_cache = None

    # -- what a node implements ---------------------------------------------------------------

    def _generate(self):
        """Elements as NumPy structures (the path every node supports)."""
        raise NotImplementedError

    def _cardinality(self) -> int:
        return _UNKNOWN

    def _spec(self):
        raise NotImplementedError

    def _plan(self):
        """``(arrays, order)`` when the elements are ``arrays`` sliced in ``order``, else None."""
        return None

    def _elements(self):
        plan = self._plan()
        return _plan_elements(*plan) if plan is not None else self._generate()

    # -- sources --------------------------------------------------------------------------------

    @staticmethod
    def from_tensor_slices(tensors, name=None) -> Dataset:
        """One element per row: ``from_tensor_slices((x, y))`` yields ``(x[i], y[i])``."""
        arrays = _map(_source_array, tensors)
        paths = _paths(arrays)
        if not paths:
            raise ValueError(f"from_tensor_slices needs at least one tensor. Received: {tensors!r}.")
        for path, a in paths:
            if a.ndim == 0:
                raise ValueError(
                    f"from_tensor_slices: {path} is a scalar, but slicing needs at least one dimension. "
                    f"Use Dataset.from_tensors for a single element, or pass e.g. [{a[()]!r}]."
                )
        n = paths[0][1].shape[0]
        for path, a in paths[1:]:
            if a.shape[0] != n:
                raise ValueError(
                    f"from_tensor_slices: all components must have the same size in their first dimension, "
                    f"but {paths[0][0]} has {n} (shape {paths[0][1].shape}) and {path} has {a.shape[0]} "
                    f"(shape {a.shape}). Slice them to a common length, e.g. x[:{min(n, a.shape[0])}]."
                )
        return _TensorSliceDataset(arrays, n)

    @staticmethod
    def from_tensors(tensors, name=None) -> Dataset:
        """A dataset of exactly one element, ``tensors``."""
        return _TensorDataset(_map(_source_array, tensors))

    @staticmethod
    def range(*args, output_type=dtypes.int64, name=None) -> Dataset:
        """``Dataset.range(5)`` -> 0, 1, 2, 3, 4 (int64), with Python's ``range`` arguments."""
        try:
            r = range(*(_count(a, "range", "start/stop/step") for a in args))
        except ValueError as exc:
            raise InvalidArgumentError(None, "RangeDataset", f"Dataset.range: {exc}. Use a nonzero step.") from None
        return _RangeDataset(r.start, r.stop, r.step, dtypes.as_dtype(output_type))

    @staticmethod
    def counter(start=0, step=1, dtype=dtypes.int64, name=None) -> Dataset:
        """``start, start + step, ...`` without end."""
        start, step = _count(start, "counter", "start"), _count(step, "counter", "step")
        return _RangeDataset(start, None, step, dtypes.as_dtype(dtype))

    @staticmethod
    def zip(*args, datasets=None, name=None) -> Dataset:
        """Elements of several datasets side by side: ``zip((a, b))`` or ``zip(a, b)`` -> ``(a_i, b_i)``.
        Stops with the shortest input; any nesting of tuples and dicts of datasets works."""
        if datasets is None:
            if not args:
                raise TypeError("Dataset.zip needs datasets, e.g. Dataset.zip((ds_x, ds_y)).")
            datasets = args[0] if len(args) == 1 else args
        elif args:
            raise TypeError("Dataset.zip: pass the datasets either positionally or as datasets=..., not both.")
        for path, d in _paths(datasets):
            if not isinstance(d, Dataset):
                raise TypeError(
                    f"Dataset.zip: {path} is a {type(d).__name__}, not a Dataset. "
                    f"Wrap arrays with tf.data.Dataset.from_tensor_slices first."
                )
        return _ZipDataset(datasets)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None, output_signature=None, name=None):
        """Elements from ``generator(*args)`` (a callable returning an iterator), checked against
        ``output_signature`` (a structure of ``tf.TensorSpec``)."""
        if not callable(generator):
            raise TypeError("from_generator: generator must be callable (the generator function, not its result).")
        if output_signature is None:
            if output_types is None or output_shapes is None:
                raise TypeError(
                    "from_generator needs output_signature, e.g. "
                    "output_signature=(tf.TensorSpec(shape=(2,), dtype=tf.float32), tf.TensorSpec(shape=(), "
                    "dtype=tf.int32)). (output_types alone would mean unknown ranks, which gradplay does not model.)"
                )
            output_signature = _map(lambda t, s: TensorSpec(s, t), output_types, output_shapes)
        for path, spec in _paths(output_signature):
            if not isinstance(spec, TensorSpec):
                raise TypeError(f"from_generator: output_signature ({path}) must be tf.TensorSpec, not {spec!r}.")
        return _GeneratorDataset(generator, tuple(args or ()), output_signature)

    # -- transformations ----------------------------------------------------------------------

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None) -> Dataset:
        """Randomly shuffle with a buffer of ``buffer_size`` elements (>= the dataset's size for a
        uniform shuffle). A new order each pass unless ``reshuffle_each_iteration=False``."""
        size = _count(buffer_size, "shuffle", "buffer_size")
        if size <= 0:
            raise InvalidArgumentError(
                None,
                "ShuffleDataset",
                f"Dataset.shuffle: buffer_size must be greater than zero. Received: buffer_size={size}. "
                f"Use the dataset's size (len(x)) for a full shuffle.",
            )
        return _ShuffleDataset(self, size, seed, reshuffle_each_iteration in (None, True))

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Stack consecutive elements into batches (the last may be smaller unless ``drop_remainder``)."""
        size = _count(batch_size, "batch", "batch_size")
        if size <= 0:
            raise InvalidArgumentError(
                None,
                "BatchDataset",
                f"Dataset.batch: batch_size must be greater than zero. Received: batch_size={size}.",
            )
        return _BatchDataset(self, size, bool(drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False, name=None):
        """Batch elements of different shapes, padding each component (with 0 by default) to
        ``padded_shapes`` (``None`` dimensions: the largest in the batch)."""
        size = _count(batch_size, "padded_batch", "batch_size")
        if size <= 0:
            raise InvalidArgumentError(
                None,
                "PaddedBatchDataset",
                f"Dataset.padded_batch: batch_size must be greater than zero. Received: batch_size={size}.",
            )
        return _PaddedBatchDataset(self, size, padded_shapes, padding_values, bool(drop_remainder))

    def unbatch(self, name=None) -> Dataset:
        """Split each element along its first axis: the inverse of ``batch``."""
        return _UnbatchDataset(self)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None) -> Dataset:
        """``map_func`` applied to each element (a tuple element is passed as separate arguments).

        Runs sequentially; ``num_parallel_calls`` is accepted for compatibility.
        """
        if not callable(map_func):
            raise TypeError(f"Dataset.map: map_func must be callable. Received: {map_func!r}.")
        return _MapDataset(self, map_func)

    def filter(self, predicate, name=None) -> Dataset:
        """The elements for which ``predicate`` returns a True boolean scalar."""
        if not callable(predicate):
            raise TypeError(f"Dataset.filter: predicate must be callable. Received: {predicate!r}.")
        return _FilterDataset(self, predicate)

    def flat_map(self, map_func, name=None) -> Dataset:
        """``map_func`` maps each element to a Dataset; their elements are concatenated."""
        if not callable(map_func):
            raise TypeError(f"Dataset.flat_map: map_func must be callable. Received: {map_func!r}.")
        return _FlatMapDataset(self, map_func)

    def take(self, count, name=None) -> Dataset:
        """The first ``count`` elements (all of them if ``count`` is -1)."""
        return _TakeDataset(self, self._count_arg(count, "take"))

    def skip(self, count, name=None) -> Dataset:
        """All but the first ``count`` elements (nothing if ``count`` is -1)."""
        return _SkipDataset(self, self._count_arg(count, "skip"))

    def repeat(self, count=None, name=None) -> Dataset:
        """The elements ``count`` times over (forever if ``count`` is None or -1)."""
        return _RepeatDataset(self, -1 if count is None else self._count_arg(count, "repeat"))

    def shard(self, num_shards, index, name=None) -> Dataset:
        """Every ``num_shards``-th element, starting at ``index``."""
        n, i = _count(num_shards, "shard", "num_shards"), _count(index, "shard", "index")
        if n <= 0 or not 0 <= i < n:
            raise InvalidArgumentError(
                None,
                "ShardDataset",
                f"Dataset.shard: need num_shards > 0 and 0 <= index < num_shards. Received: num_shards={n}, index={i}.",
            )
        return _ShardDataset(self, n, i)

    def enumerate(self, start=0, name=None) -> Dataset:
        """``(index, element)`` pairs, the index an int64 scalar counting from ``start``."""
        return Dataset.zip((Dataset.counter(start), self))

    def concatenate(self, dataset, name=None) -> Dataset:
        """This dataset's elements, then ``dataset``'s (their structures and dtypes must match)."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"Dataset.concatenate: expected a Dataset, got {type(dataset).__name__}.")
        _merge_specs(self.element_spec, dataset.element_spec, "Dataset.concatenate")
        return _ConcatenateDataset(self, dataset)

    def prefetch(self, buffer_size, name=None) -> Dataset:
        """Accepted for compatibility: gradplay's pipelines run synchronously, so this passes through."""
        size = _count(buffer_size, "prefetch", "buffer_size")
        if size < AUTOTUNE:
            raise ValueError(
                f"Dataset.prefetch: buffer_size must be >= 0 or tf.data.AUTOTUNE. Received: buffer_size={size}."
            )
        return _PrefetchDataset(self)

    def cache(self, filename="", name=None) -> Dataset:
        """Keep the elements in memory after the first complete pass; later passes replay them."""
        if filename:
            raise NotImplementedError(
                f"Dataset.cache: caching to a file is not supported (filename={filename!r}). "
                f"Use .cache() for an in-memory cache."
            )
        return _CacheDataset(self)

    def apply(self, transformation_func) -> Dataset:
        """``transformation_func(self)``: for reusable pipeline pieces."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError(f"Dataset.apply: the function must return a Dataset, not {type(out).__name__}.")
        return out

    @staticmethod
    def _count_arg(count, op: str) -> int:
        n = _count(count, op, "count")
        if n < -1:
            raise ValueError(f"Dataset.{op}: count must be >= 0, or -1 for all. Received: count={n}.")
        return n

    # -- consuming ------------------------------------------------------------------------------

    def __iter__(self):
        return Iterator(self)

    def as_numpy_iterator(self):
        """Iterate with NumPy values: arrays, and NumPy scalars for 0-d elements."""
        for element in self._elements():
            yield _map(_to_numpy, element)

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the elements: ``state = reduce_func(state, element)`` from ``initial_state``."""
        state = _map(convert_to_tensor, initial_state)
        for element in self._elements():
            new = _map(convert_to_tensor, _call(reduce_func, (state, _to_tensors(element)), "reduce"))
            if _treedef(new) != _treedef(state):
                raise TypeError(
                    f"Dataset.reduce: reduce_func must return the structure of the initial state "
                    f"({_treedef(state)}); it returned {_treedef(new)}."
                )
            for (path, old), nxt in zip(_paths(state), _flatten(new)):
                if old.dtype != nxt.dtype:
                    raise TypeError(
                        f"Dataset.reduce: the new state{'' if path == 'the tensor' else path} has dtype "
                        f"{nxt.dtype.name} but the initial state has {old.dtype.name}. Give the initial state "
                        f"that dtype, e.g. np.int64(0) for int64 elements."
                    )
            state = new
        return state

    def get_single_element(self, name=None):
        """The one element of a one-element dataset."""
        it = self._elements()
        first = next(it, None)
        if first is None:
            raise InvalidArgumentError(None, "DatasetToSingleElement", "Dataset was empty; expected one element.")
        if next(it, None) is not None:
            raise InvalidArgumentError(
                None, "DatasetToSingleElement", "Dataset had more than one element; use take(1) to keep the first."
            )
        return _to_tensors(first)

    def cardinality(self):
        """Number of elements as an int64 scalar: -1 if infinite, -2 if unknown (e.g. after filter)."""
        return core.wrap(np.asarray(self._cardinality(), np.int64))

    def __len__(self) -> int:
        n = self._cardinality()
        if n == _INF:
            raise TypeError("The dataset is infinite (it repeats without end). Use take(n) to make it finite.")
        if n == _UNKNOWN:
            raise TypeError(
                "The dataset length is unknown (after filter, flat_map or from_generator). "
                "Count it with ds.reduce(np.int64(0), lambda n, _: n + 1)."
            )
        return n

    def __bool__(self) -> bool:
        return True  # a dataset is never "empty" in a boolean test, as in TensorFlow (no len() call)

    @property
    def element_spec(self):
        """The structure of ``tf.TensorSpec`` describing each element (``None`` = varies)."""
        if self._spec_cache is None:
            self._spec_cache = self._spec()
        return self._spec_cache

    def __repr__(self) -> str:
        return f"<{type(self).__name__} element_spec={self.element_spec}>"


DatasetV2 = Dataset


class Iterator:
    """What ``iter(dataset)`` returns: ``next(it)``, or ``it.get_next()`` raising ``OutOfRangeError``."""

    def __init__(self, dataset: Dataset):
        self._dataset = dataset
        self._elements = dataset._elements()

    def __iter__(self):
        return self

    def __next__(self):
        return _to_tensors(next(self._elements))

    def get_next(self):
        try:
            return next(self)
        except StopIteration:
            raise OutOfRangeError(None, "IteratorGetNext", "End of sequence") from None

    @property
    def element_spec(self):
        return self._dataset.element_spec


# ---------------------------------------------------------------------------------------------
# Sources


class _TensorSliceDataset(Dataset):
    def __init__(self, arrays, n: int):
        self._arrays, self._n = arrays, n

    def _plan(self):
        return self._arrays, lambda: iter((range(self._n),))

    def _cardinality(self):
        return self._n

    def _spec(self):
        return _map(lambda a: TensorSpec(a.shape[1:], dtypes.from_numpy(a.dtype)), self._arrays)


class _TensorDataset(Dataset):
    def __init__(self, element):
        self._element = element

    def _generate(self):
        yield self._element

    def _cardinality(self):
        return 1

    def _spec(self):
        return _spec_of(self._element)


class _RangeDataset(Dataset):
    def __init__(self, start: int, stop: int | None, step: int, dtype):
        self._args, self._dtype = (start, stop, step), dtype  # stop None: count without end

    def _values(self):
        start, stop, step = self._args
        return itertools.count(start, step) if stop is None else range(start, stop, step)

    def _generate(self):
        np_dtype = self._dtype.as_numpy_dtype
        for v in self._values():
            yield np.asarray(v, np_dtype)

    def _cardinality(self):
        return _INF if self._args[1] is None else len(self._values())

    def _spec(self):
        return TensorSpec([], self._dtype)


class _GeneratorDataset(Dataset):
    def __init__(self, generator, args, signature):
        self._generator, self._args, self._signature = generator, args, signature

    def _generate(self):
        for value in self._generator(*self._args):
            yield self._conform(self._signature, value)

    def _conform(self, spec, value):
        if isinstance(spec, dict):
            if not isinstance(value, dict) or set(value) != set(spec):
                raise TypeError(
                    f"from_generator: the generator yielded {value!r}; expected a dict with keys {list(spec)}."
                )
            return {k: self._conform(s, value[k]) for k, s in spec.items()}
        if isinstance(spec, tuple):
            if not isinstance(value, (tuple, list)) or len(value) != len(spec):
                raise TypeError(f"from_generator: the generator yielded {value!r}; expected {len(spec)} components.")
            items = [self._conform(s, v) for s, v in zip(spec, value)]
            return type(spec)(*items) if hasattr(spec, "_fields") else tuple(items)
        arr = np.asarray(core.backends.get_backend().to_numpy(to_buffer(value, spec.dtype)))
        if not spec.shape.is_compatible_with(arr.shape):
            raise TypeError(
                f"`generator` yielded an element of shape {arr.shape} where an element of shape {spec.shape} "
                f"was expected. Fix the generator or the output_signature (None marks a varying dimension)."
            )
        return arr

    def _spec(self):
        return self._signature


class _ZipDataset(Dataset):
    def __init__(self, datasets):
        self._datasets = datasets

    def _generate(self):
        iterators = _map(lambda d: d._elements(), self._datasets)
        while True:
            try:
                element = _map(next, iterators)
            except StopIteration:
                return
            yield element

    def _cardinality(self):
        ns = [d._cardinality() for d in _flatten(self._datasets)]
        if _UNKNOWN in ns:
            return _UNKNOWN
        finite = [n for n in ns if n != _INF]
        return min(finite) if finite else _INF

    def _spec(self):
        return _map(lambda d: d.element_spec, self._datasets)


class _ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        self._first, self._second = first, second

    def _generate(self):
        yield from self._first._elements()
        yield from self._second._elements()

    def _cardinality(self):
        return _cardinality_sum(self._first._cardinality(), self._second._cardinality())

    def _spec(self):
        return _merge_specs(self._first.element_spec, self._second.element_spec, "Dataset.concatenate")


# ---------------------------------------------------------------------------------------------
# One-input transformations


class _UnaryDataset(Dataset):
    """A transformation of one input that, by default, keeps its spec and cardinality."""

    def __init__(self, parent: Dataset):
        self._parent = parent

    def _cardinality(self):
        return self._parent._cardinality()

    def _spec(self):
        return self._parent.element_spec


class _ShuffleDataset(_UnaryDataset):
    def __init__(self, parent, size: int, seed, reshuffle: bool):
        super().__init__(parent)
        self._size = size
        self._passes = itertools.count()
        if seed is not None:
            # TensorFlow's rule: an op seed makes the sequence of orders repeat from run to run.
            global_seed = random_ops._state.seed  # read now, as TensorFlow fixes op seeds when built
            self._key = [_count(seed, "shuffle", "seed") % 2**63, 0 if global_seed is None else global_seed % 2**63]
        elif not reshuffle:
            self._key = [int(random_ops._gen(None)._rng.integers(2**31))]  # one order, drawn now
        else:
            self._key = None  # a fresh order per pass, drawn from the global random state
        self._reshuffle = reshuffle

    def _rng(self):
        """The generator for one pass (called once, when the pass starts)."""
        if self._key is None:
            return np.random.default_rng(int(random_ops._gen(None)._rng.integers(2**31)))
        return np.random.default_rng([*self._key, next(self._passes) if self._reshuffle else 0])

    def _plan(self):
        plan = self._parent._plan()
        if plan is None:
            return None
        arrays, order = plan

        def shuffled_order():
            return _shuffled_chunks(iter(order()), self._size, self._rng())

        return arrays, _lazy(shuffled_order)

    def _generate(self):
        yield from _shuffled(self._parent._elements(), self._size, self._rng())


class _BatchDataset(_UnaryDataset):
    def __init__(self, parent, size: int, drop_remainder: bool):
        super().__init__(parent)
        self._size, self._drop = size, drop_remainder

    def _generate(self):
        plan = self._parent._plan()
        if plan is not None:  # the fast path: one slice or fancy-index per component per batch
            arrays, order = plan
            yield from _plan_batches(arrays, order(), self._size, self._drop)
            return
        for group in _groups(self._parent._elements(), self._size, self._drop):
            yield _stack(group)

    def _cardinality(self):
        n = self._parent._cardinality()
        if n < 0:
            return n
        return n // self._size if self._drop else math.ceil(n / self._size)

    def _spec(self):
        dim = self._size if self._drop else None
        return _map(lambda s: TensorSpec([dim, *s.shape], s.dtype), self._parent.element_spec)


class _PaddedBatchDataset(_BatchDataset):
    def __init__(self, parent, size, padded_shapes, padding_values, drop_remainder):
        super().__init__(parent, size, drop_remainder)
        self._shapes, self._values = padded_shapes, padding_values

    def _targets(self):
        """Per component: (padded shape with None for 'largest in batch', padding value)."""
        spec = self._parent.element_spec
        shapes = _map(lambda s: s.shape, spec) if self._shapes is None else self._shapes
        default = 0 if self._values is None else self._values
        values = _map(lambda s: default, spec) if _treedef(default) is None else default  # one value for all

        def target(s, shape, value):
            dims = [None if d is None or d == -1 else int(d) for d in shape]
            if len(dims) != len(s.shape):
                raise ValueError(
                    f"Dataset.padded_batch: padded shape {dims} has rank {len(dims)} but the component {s} has "
                    f"rank {len(s.shape)}."
                )
            return dims, np.asarray(core.backends.get_backend().to_numpy(to_buffer(value, s.dtype)))

        try:
            return _map(target, spec, shapes, values)
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(
                f"Dataset.padded_batch: padded_shapes/padding_values must match the element structure {spec} ({exc})."
            ) from None

    def _generate(self):
        targets = self._targets()
        for group in _groups(self._parent._elements(), self._size, self._drop):
            yield _map(_pad_stack, *group, targets)

    def _spec(self):
        dim = self._size if self._drop else None
        return _map(lambda s, t: TensorSpec([dim, *t[0]], s.dtype), self._parent.element_spec, self._targets())


def _pad_stack(*leaves_and_target):
    *leaves, (dims, value) = leaves_and_target
    shape = [max(a.shape[i] for a in leaves) if d is None else d for i, d in enumerate(dims)]
    out = np.full([len(leaves), *shape], value, leaves[0].dtype)
    for k, a in enumerate(leaves):
        if any(x > y for x, y in zip(a.shape, shape)):
            raise InvalidArgumentError(
                None,
                "PaddedBatchDataset",
                f"Attempted to pad to a smaller size than the input element: element shape {list(a.shape)}, "
                f"padded shape {shape}. Give larger padded_shapes, or None to pad to the largest in the batch.",
            )
        out[(k, *(slice(0, x) for x in a.shape))] = a
    return out


class _UnbatchDataset(_UnaryDataset):
    def _generate(self):
        for element in self._parent._elements():
            paths = _paths(element)
            for path, a in paths:
                if a.ndim == 0:
                    raise ValueError(f"Dataset.unbatch: cannot unbatch {path}, a scalar; batch the dataset first.")
            n = paths[0][1].shape[0]
            if any(a.shape[0] != n for _, a in paths):
                sizes = {path: a.shape[0] for path, a in paths}
                raise InvalidArgumentError(
                    None, "UnbatchDataset", f"Dataset.unbatch: components have different batch sizes {sizes}."
                )
            for i in range(n):
                yield _map(operator.itemgetter((i, Ellipsis)), element)

    def _cardinality(self):
        n = self._parent._cardinality()
        if n < 0:
            return n
        dims = {s.shape[0] if len(s.shape) else None for s in _flatten(self._parent.element_spec)}
        return n * dims.pop() if len(dims) == 1 and None not in dims else _UNKNOWN

    def _spec(self):
        def unbatched(s):
            if not len(s.shape):
                raise ValueError(f"Dataset.unbatch: cannot unbatch a scalar component ({s}); batch the dataset first.")
            return TensorSpec(s.shape[1:], s.dtype)

        return _map(unbatched, self._parent.element_spec)


def _traced_spec(fn, input_spec, op: str, output_spec):
    """The element spec after ``fn``. TensorFlow traces ``fn`` symbolically; gradplay runs eagerly,
    so it calls ``fn`` twice on probe tensors of the input spec: all ones with each unknown (None)
    dimension 2, then all twos with it 3. Output dimensions that differ between the calls
    (batch sizes, value-dependent sizes as in ``tf.range(x)``) are unknown."""
    specs = []
    for fill in (2, 3):
        try:
            out = _call(fn, _map(functools.partial(_probe, fill=fill), input_spec), op)
        except Exception as exc:
            exc.add_note(
                f"(gradplay computes a Dataset.{op} element_spec by calling the function on tensors of ones, "
                f"then twos, shaped like {input_spec}; make it accept such input)"
            )
            raise
        specs.append(output_spec(out))
    return _merge_specs(specs[0], specs[1], f"Dataset.{op}")


class _MapDataset(_UnaryDataset):
    def __init__(self, parent, fn):
        super().__init__(parent)
        self._fn = fn

    def _generate(self):
        fn, expected = self._fn, None
        for element in self._parent._elements():
            out = _map(_array, _call(fn, _to_tensors(element), "map"))
            structure = _treedef(out)
            if expected is None:
                expected = (structure,)
            elif structure != expected[0]:
                raise TypeError(
                    f"Dataset.map: the function returned differently nested outputs for different elements "
                    f"({expected[0]} then {structure}). Return the same structure for every element."
                )
            yield out

    def _spec(self):
        return _traced_spec(self._fn, self._parent.element_spec, "map", lambda out: _spec_of(_map(_array, out)))


class _FilterDataset(_UnaryDataset):
    def __init__(self, parent, predicate):
        super().__init__(parent)
        self._predicate = predicate

    def _generate(self):
        for element in self._parent._elements():
            keep = _call(self._predicate, _to_tensors(element), "filter")
            value = np.asarray(keep._value if isinstance(keep, _Operand) else keep)
            if value.shape != () or value.dtype != np.bool_:
                raise ValueError(
                    f"Dataset.filter: the predicate must return a scalar tf.bool, but it returned shape "
                    f"{value.shape} and dtype {value.dtype}. Compare to get a bool (lambda x: x > 0), or reduce "
                    f"(tf.reduce_all)."
                )
            if value:
                yield element

    def _cardinality(self):
        return _UNKNOWN


class _FlatMapDataset(_UnaryDataset):
    def __init__(self, parent, fn):
        super().__init__(parent)
        self._fn = fn

    def _generate(self):
        for element in self._parent._elements():
            yield from self._dataset(_call(self._fn, _to_tensors(element), "flat_map"))._elements()

    @staticmethod
    def _dataset(out):
        if not isinstance(out, Dataset):
            raise TypeError(
                f"Dataset.flat_map: the function must return a Dataset, not {type(out).__name__}. "
                f"Wrap tensors with tf.data.Dataset.from_tensor_slices(...)."
            )
        return out

    def _cardinality(self):
        return _UNKNOWN

    def _spec(self):
        spec = self._parent.element_spec
        return _traced_spec(self._fn, spec, "flat_map", lambda out: self._dataset(out).element_spec)


class _TakeDataset(_UnaryDataset):
    def __init__(self, parent, count: int):
        super().__init__(parent)
        self._n = count

    def _plan(self):
        plan = self._parent._plan()
        if plan is None or self._n == -1:
            return plan
        arrays, order = plan
        return arrays, lambda: _take_chunks(order(), self._n)

    def _generate(self):
        elements = self._parent._elements()
        return elements if self._n == -1 else itertools.islice(elements, self._n)

    def _cardinality(self):
        n = self._parent._cardinality()
        if self._n == -1 or n == _UNKNOWN:
            return n
        return self._n if n == _INF else min(n, self._n)


class _SkipDataset(_UnaryDataset):
    def __init__(self, parent, count: int):
        super().__init__(parent)
        self._n = count

    def _plan(self):
        plan = self._parent._plan()
        if plan is None or self._n == -1:
            return plan and (plan[0], lambda: iter(()))
        arrays, order = plan
        return arrays, lambda: _skip_chunks(order(), self._n)

    def _generate(self):
        elements = self._parent._elements()
        if self._n == -1:
            for _ in elements:  # TensorFlow reads (and drops) every element
                pass
            return
        yield from itertools.islice(elements, self._n, None)

    def _cardinality(self):
        n = self._parent._cardinality()
        if n < 0:
            return n
        return 0 if self._n == -1 else max(0, n - self._n)


class _RepeatDataset(_UnaryDataset):
    def __init__(self, parent, count: int):
        super().__init__(parent)
        self._n = count

    def _plan(self):
        plan = self._parent._plan()
        if plan is None:
            return None
        arrays, order = plan
        return arrays, lambda: _repeat(lambda: (c for c in order() if len(c)), self._n)

    def _generate(self):
        return _repeat(self._parent._elements, self._n)

    def _cardinality(self):
        n = self._parent._cardinality()
        if self._n == -1:
            return 0 if n == 0 else _INF
        if self._n == 0:
            return 0
        return n if n < 0 else n * self._n


class _ShardDataset(_UnaryDataset):
    def __init__(self, parent, num_shards: int, index: int):
        super().__init__(parent)
        self._num, self._index = num_shards, index

    def _generate(self):
        return itertools.islice(self._parent._elements(), self._index, None, self._num)

    def _cardinality(self):
        n = self._parent._cardinality()
        return n if n < 0 else n // self._num + (self._index < n % self._num)


class _PrefetchDataset(_UnaryDataset):
    def _plan(self):
        return self._parent._plan()

    def _generate(self):
        return self._parent._elements()


class _CacheDataset(_UnaryDataset):
    # Two caches, one per path: the plan caches the index order (the elements follow from it),
    # the element path caches elements. Either is stored only when a pass reaches the end.
    _order_cache = None
    _element_cache = None

    def _plan(self):
        plan = self._parent._plan()
        if plan is None:
            return None
        arrays, order = plan

        def cached_order():
            if self._order_cache is not None:
                return iter(self._order_cache)
            return _recorded(order(), self, "_order_cache")

        return arrays, cached_order

    def _generate(self):
        if self._element_cache is not None:
            return iter(self._element_cache)
        return _recorded(self._parent._elements(), self, "_element_cache")


# ---------------------------------------------------------------------------------------------

experimental = types.SimpleNamespace(
    AUTOTUNE=AUTOTUNE,
    INFINITE_CARDINALITY=INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY,
    cardinality=lambda dataset: dataset.cardinality(),
    Counter=Dataset.counter,
)

__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "Dataset",
    "DatasetV2",
    "Iterator",
    "experimental",
]
