"""``tf.function`` and ``tf.TensorSpec``.

gradplay runs everything eagerly, so ``@tf.function`` returns a callable that runs the
Python function each call (the results are the same as TensorFlow's graph mode; Python side
effects such as ``print`` happen on every call rather than once at tracing). An
``input_signature`` is checked, with TensorFlow's errors, so code written for graph mode
fails here where it would fail there.

>>> import gradplay.engine as tf
>>> @tf.function
... def square(x):
...     return x * x
>>> float(square(tf.constant(3.0)))
9.0
"""

from __future__ import annotations

import functools

from . import dtypes, nest
from .shape import TensorShape
from .tensor import _Operand, convert_to_tensor


class TensorSpec:
    """Describes a tensor: ``TensorSpec(shape=[None, 2], dtype=tf.float32)``."""

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, value) -> bool:
        if isinstance(value, TensorSpec):
            return value.dtype == self.dtype and self.shape.is_compatible_with(value.shape)
        t = value if isinstance(value, _Operand) else convert_to_tensor(value)
        return t.dtype == self.dtype and self.shape.is_compatible_with(t.shape)

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (
            other.shape,
            other.dtype,
            other.name,
        )

    __hash__ = None


class Function:
    """What ``@tf.function`` returns: callable, bindable as a method, signature-checked."""

    def __init__(self, python_function, input_signature=None, jit_compile=None, **options):
        self.python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        self.jit_compile = jit_compile
        self.options = options
        functools.update_wrapper(self, python_function)

    def _check(self, args):
        sig = self.input_signature
        if sig is None:
            return
        flat_sig = nest.flatten(sig)
        flat_args = nest.flatten(list(args))
        if len(flat_args) != len(flat_sig):
            raise TypeError(
                f"{self.python_function.__name__}() was called with {len(flat_args)} tensor "
                f"arguments but its input_signature has {len(flat_sig)}: {sig}."
            )
        for i, (spec, arg) in enumerate(zip(flat_sig, flat_args)):
            if not spec.is_compatible_with(arg):
                got = arg if isinstance(arg, _Operand) else convert_to_tensor(arg)
                raise TypeError(
                    f"Binding inputs to tf.function failed: argument {i} has shape "
                    f"{got.shape} and dtype {got.dtype.name}, which is not compatible with "
                    f"{spec}."
                )

    def __call__(self, *args, **kwargs):
        self._check(args)
        return self.python_function(*args, **kwargs)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        bound = Function(self.python_function.__get__(instance, owner), None, self.jit_compile, **self.options)
        if self.input_signature is not None:
            bound.input_signature = self.input_signature
        return bound

    def get_concrete_function(self, *args, **kwargs):
        return self

    def experimental_get_tracing_count(self) -> int:
        return 0


def function(
    func=None,
    input_signature=None,
    autograph=True,
    jit_compile=None,
    reduce_retracing=False,
    experimental_relax_shapes=None,
    **options,
):
    """Decorator with or without arguments: ``@tf.function`` or ``@tf.function(...)``."""
    if func is None:
        return lambda f: Function(f, input_signature, jit_compile, autograph=autograph)
    return Function(func, input_signature, jit_compile, autograph=autograph)
