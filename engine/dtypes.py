"""Data types, named and compared as TensorFlow does (``tf.float32 == "float32"``).

The rules the engine follows (TensorFlow's, without NumPy-style promotion):

* Python floats become float32, Python ints int32 (int64 when they do not fit), bools bool.
* NumPy arrays and scalars keep their dtype (a float64 array makes a float64 tensor).
* Two tensors of different dtypes never mix silently; a Python scalar or an array next to a
  tensor takes the tensor's dtype ("weak" typing), and is refused if that would lose its value.

>>> import gradplay.engine as tf
>>> tf.constant(1.5).dtype
tf.float32
>>> tf.as_dtype("int32") == tf.int32
True
"""

from __future__ import annotations

import numpy as np

_pybool = bool  # the builtin, before this module's ``bool`` dtype shadows it


class DType:
    """A tensor element type. ``tf.float32.as_numpy_dtype`` is ``numpy.float32``."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name: str, np_type):
        self.name = name
        self.as_numpy_dtype = np_type
        self._np = np.dtype(np_type)

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    @property
    def base_dtype(self) -> DType:
        return self

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __eq__(self, other) -> bool:
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = half = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TensorFlow's public name

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool)
_BY_NAME = {d.name: d for d in ALL}
_BY_NUMPY = {d._np: d for d in ALL}
_BY_NAME.update({"half": float16, "float": float32, "double": float64})


def from_numpy(np_dtype) -> DType:
    """The DType of a NumPy dtype; raises TypeError for types tensors cannot hold."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        try:
            return _BY_NUMPY[np.dtype(np_dtype)]
        except (KeyError, TypeError):
            raise TypeError(
                f"gradplay tensors cannot hold NumPy dtype {np_dtype!r}. Supported: {', '.join(d.name for d in ALL)}."
            ) from None


def as_dtype(value) -> DType:
    """Convert a DType, name (``"float32"``), NumPy dtype or type (``np.int32``) to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        try:
            return _BY_NAME[value]
        except KeyError:
            raise TypeError(f"Unknown dtype name {value!r}. Valid names: {', '.join(sorted(_BY_NAME))}.") from None
    if value is float:
        return float32
    if value is int:
        return int32
    if value is _pybool:
        return bool
    try:
        return from_numpy(np.dtype(value))
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a dtype.") from None
