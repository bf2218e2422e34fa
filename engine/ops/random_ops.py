"""``tf.random``: seedable random tensors.

Seeding follows TensorFlow's rules: ``tf.random.set_seed(s)`` makes every later sequence of
random ops repeat; an op-level ``seed=`` on top of it picks a fixed stream per (global seed,
op seed) pair, whose successive calls still differ. ``tf.random.Generator`` is an explicit
RNG object, the recommended way to pass randomness around.

>>> import gradplay.engine as tf
>>> g = tf.random.Generator.from_seed(1)
>>> g.normal([2]).shape
TensorShape([2])
"""

from __future__ import annotations

import threading

import numpy as np

from .. import dtypes
from ..core import wrap
from ..tensor import _Operand, convert_to_tensor, to_buffer


def _shape(shape):
    if isinstance(shape, _Operand):
        shape = np.asarray(shape).tolist()
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"Random shapes must be non-negative, got {list(dims)}.")
    return dims


def _float_dtype(dtype, op):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"{op} needs a floating dtype, got {dtype.name}.")
    return dtype


def _value(v):
    return np.asarray(v) if isinstance(v, _Operand) else v


class Generator:
    """An explicit random number generator (PCG64), like ``tf.random.Generator``."""

    def __init__(self, seed=None, alg=None, _rng=None):
        self._rng = _rng if _rng is not None else np.random.Generator(np.random.PCG64(seed))

    @classmethod
    def from_seed(cls, seed, alg=None) -> Generator:
        return cls(int(seed))

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> Generator:
        return cls(None)

    def reset_from_seed(self, seed):
        self._rng = np.random.Generator(np.random.PCG64(int(seed)))

    def split(self, count=1) -> list[Generator]:
        return [Generator(_rng=np.random.Generator(bg)) for bg in self._rng.bit_generator.spawn(count)]

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        dtype = _float_dtype(dtype, "normal")
        z = self._rng.standard_normal(_shape(shape))
        return wrap(to_buffer((z * _value(stddev) + _value(mean)).astype(dtype._np)))

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        """Normal values redrawn until within two standard deviations of the mean."""
        dtype = _float_dtype(dtype, "truncated_normal")
        dims = _shape(shape)
        z = self._rng.standard_normal(dims)
        bad = np.abs(z) > 2
        while bad.any():
            z[bad] = self._rng.standard_normal(int(bad.sum()))
            bad = np.abs(z) > 2
        return wrap(to_buffer((z * _value(stddev) + _value(mean)).astype(dtype._np)))

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Uniform in [minval, maxval); integer dtypes need ``maxval``."""
        dtype = dtypes.as_dtype(dtype)
        dims = _shape(shape)
        if dtype.is_integer:
            if maxval is None:
                raise ValueError("Must specify maxval for integer dtype " + dtype.name + ".")
            out = self._rng.integers(int(_value(minval)), int(_value(maxval)), dims)
            return wrap(to_buffer(out.astype(dtype._np)))
        maxval = 1.0 if maxval is None else maxval
        u = self._rng.random(dims)
        lo, hi = _value(minval), _value(maxval)
        return wrap(to_buffer((lo + u * (np.asarray(hi) - lo)).astype(dtype._np)))

    def shuffle(self, value):
        x = np.asarray(convert_to_tensor(value))
        if x.ndim == 0:
            raise ValueError("tf.random.shuffle needs a tensor with at least one dimension.")
        return wrap(to_buffer(x[self._rng.permutation(x.shape[0])]))

    def categorical(self, logits, num_samples, dtype=dtypes.int64):
        lg = np.asarray(convert_to_tensor(logits), np.float64)
        p = np.exp(lg - lg.max(axis=-1, keepdims=True))
        p /= p.sum(axis=-1, keepdims=True)
        out = np.stack([self._rng.choice(p.shape[-1], int(num_samples), p=row) for row in p])
        return wrap(to_buffer(out.astype(dtypes.as_dtype(dtype)._np)))


class _GlobalState(threading.local):
    def __init__(self):
        self.seed = None
        self.generator = Generator(None)
        self.op_generators: dict = {}


_state = _GlobalState()


def set_seed(seed):
    """Make the random ops that follow repeat from run to run (TensorFlow's global seed)."""
    _state.seed = None if seed is None else int(seed)
    _state.generator = Generator(_state.seed)
    _state.op_generators = {}


def get_global_generator() -> Generator:
    return _state.generator


def set_global_generator(generator: Generator):
    _state.generator = generator


def _gen(seed) -> Generator:
    if seed is None:
        return _state.generator
    key = (_state.seed, int(seed))
    gen = _state.op_generators.get(key)
    if gen is None:
        gen = _state.op_generators[key] = Generator([int(seed), 0 if key[0] is None else key[0]])
    return gen


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    return _gen(seed).normal(shape, mean, stddev, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    return _gen(seed).truncated_normal(shape, mean, stddev, dtype)


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    return _gen(seed).uniform(shape, minval, maxval, dtype)


def shuffle(value, seed=None, name=None):
    """Shuffle along the first axis."""
    return _gen(seed).shuffle(value)


def categorical(logits, num_samples, dtype=dtypes.int64, seed=None, name=None):
    return _gen(seed).categorical(logits, num_samples, dtype)
