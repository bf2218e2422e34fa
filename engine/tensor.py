"""``Tensor`` (immutable) and ``Variable`` (mutable state), and conversion of Python values.

>>> import gradplay.engine as tf
>>> print(tf.constant([[1, 2], [3, 4]]))
tf.Tensor(
[[1 2]
 [3 4]], shape=(2, 2), dtype=int32)
>>> tf.Variable([1, 2], name="b")
<tf.Variable 'b:0' shape=(2,) dtype=int32, numpy=array([1, 2], dtype=int32)>

Operators (``+ - * / // % ** @``, comparisons, ``[]``) are installed by ``ops.math_ops`` and
``ops.array_ops``, the modules that define the primitives behind them.
"""

from __future__ import annotations

import numpy as np

from . import core, dtypes
from .shape import TensorShape

_FLOAT_KINDS = "fc"


class _Operand:
    """What Tensors and Variables share: a backend buffer in ``_value`` and its views."""

    __slots__ = ()
    # NumPy defers ``ndarray + tensor`` to ``tensor.__radd__`` (a Tensor comes back), while
    # ``np.exp(tensor)`` still converts through ``__array__``, as with TensorFlow.
    __array_priority__ = 100

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy(self._value.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def numpy(self):
        """A NumPy copy of the value (a NumPy scalar for 0-d tensors). A host sync point."""
        value = core.backends.get_backend().to_numpy(self._value)
        return value.copy() if isinstance(value, np.ndarray) and value.ndim else value[()]

    def __array__(self, dtype=None, copy=None):
        value = core.backends.get_backend().to_numpy(self._value)
        if isinstance(value, np.generic):
            value = np.asarray(value)
        if copy:
            value = value.copy()
        else:
            value = value.view()
            value.flags.writeable = False  # a view must not mutate an immutable tensor
        return value if dtype is None else value.astype(dtype, copy=False)

    def __len__(self) -> int:
        shape = self._value.shape
        if not shape:
            raise TypeError("len() of a scalar (0-d) tensor is undefined; it has no first axis.")
        return shape[0]

    def __iter__(self):
        if not self._value.shape:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __bool__(self) -> bool:
        return bool(self._value)

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iu":
            raise TypeError(f"Only integer scalar tensors can be used as an index, not {self.dtype.name}.")
        return int(self._scalar("index"))

    def _scalar(self, what):
        value = self.numpy()
        if np.size(value) != 1:
            raise TypeError(
                f"Only scalar (0-d or 1-element) tensors can be converted to Python {what}s; "
                f"this one has shape {self.shape}."
            )
        return np.reshape(value, ())[()]

    def __format__(self, spec: str) -> str:
        return self.numpy().__format__(spec)

    def __hash__(self):
        raise TypeError(f"{type(self).__name__} is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self):
        """A hashable reference to this object (``ref.deref()`` gives it back)."""
        return _Ref(self)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


_DEFAULT_INT_IS_64 = np.dtype(np.int_) == np.int64


def _array_repr(value: np.ndarray) -> str:
    """NumPy's repr as on 64-bit platforms (TensorFlow's printouts), also where NumPy's default
    integer is int32 (wasm32, in Pyodide) and would otherwise drop ``dtype=int32``."""
    text = repr(value)
    if not _DEFAULT_INT_IS_64:
        if value.dtype == np.int32 and "dtype=" not in text:
            text = text[:-1] + ", dtype=int32)"
        elif value.dtype == np.int64:
            text = text.replace(", dtype=int64)", ")")
    return text


def _numpy_text(t, is_repr: bool) -> str:
    value = t.numpy()
    # 0-d values print as plain numbers in both forms (``numpy=3``), as TensorFlow shows them.
    text = _array_repr(value) if is_repr and not isinstance(value, np.generic) else str(value)
    return "\n" + text if "\n" in text else text


class Tensor(_Operand):
    """An immutable n-dimensional array on the engine's backend. Make one with ``tf.constant``."""

    # _keras_logits: set by keras.activations.softmax/sigmoid on their outputs, so that the
    # cross-entropy losses can start from the logits, as Keras' TensorFlow backend does.
    __slots__ = ("_value", "_keras_logits", "__weakref__")

    def __init__(self, value, dtype=None):
        self._value = to_buffer(value, dtype)

    def __str__(self) -> str:
        return f"tf.Tensor({_numpy_text(self, False)}, shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self) -> str:
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={_numpy_text(self, True)}>"

    def __setitem__(self, key, value):
        raise TypeError(
            "'Tensor' object does not support item assignment: tensors are immutable. "
            "Use a tf.Variable and v[...].assign(value), or build a new tensor."
        )


core.Tensor = Tensor


class Variable(_Operand):
    """Mutable state (model weights). Reading it inside a ``GradientTape`` watches it.

    >>> import gradplay.engine as tf
    >>> v = tf.Variable(1.0)
    >>> _ = v.assign_add(2.0)
    >>> float(v)
    3.0
    """

    __slots__ = ("_value", "_name", "trainable", "_path", "__weakref__")

    def __init__(self, initial_value=None, trainable=True, name=None, dtype=None, shape=None, **kwargs):
        if initial_value is None:
            raise ValueError("tf.Variable needs an initial_value, e.g. tf.Variable(0.0).")
        if callable(initial_value):
            initial_value = initial_value()
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._value = to_buffer(initial_value, dtype)
        if shape is not None:
            shape = TensorShape(shape)
            if not shape.is_compatible_with(self._value.shape):
                raise ValueError(
                    f"tf.Variable: initial value has shape {TensorShape(self._value.shape)}, "
                    f"which does not match shape={shape}."
                )
        self._name = "Variable" if name is None else str(name)
        self._path = None
        self.trainable = bool(trainable)

    @property
    def name(self) -> str:
        return f"{self._name}:0"

    def __repr__(self) -> str:
        return (
            f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, numpy={_numpy_text(self, True)}>"
        )

    __str__ = __repr__

    def value(self):
        return self.read_value()

    def read_value(self):
        """The current value as a Tensor (recorded, so gradients flow back to the variable)."""
        from .ops.array_ops import identity

        return identity(self)

    def _new_value(self, value, what: str):
        current = self._value
        if type(value) is Tensor:  # the training-loop case: no conversion needed
            buf = value._value
            if buf.dtype == current.dtype and buf.shape == current.shape:
                return buf
        buf = to_buffer(value, self.dtype)
        if buf.shape != self._value.shape:
            raise ValueError(
                f"Cannot {what} variable '{self.name}': shape mismatch. The variable has shape "
                f"{TensorShape(self._value.shape)} and the value has shape {TensorShape(buf.shape)}. "
                f"Reshape the value (tf.reshape) or create a new tf.Variable."
            )
        return buf

    def assign(self, value, use_locking=None, name=None, read_value=True):
        self._value = self._new_value(value, "assign to")
        return self if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        # A new buffer rather than an in-place update: tensors already read from this variable
        # (and tapes holding them) must keep the value they saw.
        self._value = self._value + self._new_value(delta, "assign_add to")
        return self if read_value else None

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        self._value = self._value - self._new_value(delta, "assign_sub from")
        return self if read_value else None

    def __getitem__(self, key):
        from .ops.array_ops import _getitem

        return _VariableSlice._of(self, key, _getitem(self, key))

    @property
    def path(self) -> str:
        return self._path or self._name


class _VariableSlice(Tensor):
    """``v[0, 0]``: a tensor that can also write back into its variable (``.assign``)."""

    __slots__ = ("_var", "_key")

    @classmethod
    def _of(cls, var, key, tensor):
        out = object.__new__(cls)
        out._value, out._var, out._key = tensor._value, var, key
        return out

    def assign(self, value, use_locking=None, name=None, read_value=True):
        from .ops.array_ops import _static_key

        var = self._var
        new = np.array(core.backends.get_backend().to_numpy(var._value), copy=True)
        new[_static_key(self._key)] = to_buffer(value, var.dtype)
        var._value = core.backends.get_backend().asarray(new)
        return var if read_value else None


class _Ref:
    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        return self._obj

    def __hash__(self):
        return id(self._obj)

    def __eq__(self, other):
        return isinstance(other, _Ref) and other._obj is self._obj


OPERAND_TYPES = (Tensor, Variable, _VariableSlice)


def _python_array(value):
    """A Python value as an array, with TensorFlow's defaults (float32, int32)."""
    try:
        arr = np.asarray(value)
    except ValueError as exc:
        raise ValueError(
            f"Can't convert non-rectangular Python sequence to Tensor ({exc}). Make every row the same length."
        ) from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(np.float32)
    if kind == "i":
        if arr.size == 0 or (arr.min() >= -(2**31) and arr.max() < 2**31):
            return arr.astype(np.int32)
        return arr.astype(np.int64)
    if kind == "b":
        return arr
    if kind == "O" and arr.ndim and arr.size and all(isinstance(x, _Operand) for x in arr.flat):
        return np.asarray([np.asarray(x) for x in arr.flat]).reshape(arr.shape)
    raise TypeError(
        f"Cannot convert {value!r} to a tensor: unsupported Python type "
        f"{type(value).__name__} (NumPy made dtype {arr.dtype})."
    )


def to_buffer(value, dtype: dtypes.DType | None = None):
    """Convert a Python value, NumPy array or tensor to a backend buffer.

    Arrays and Python values are copied, so later changes to them never reach the tensor.
    ``dtype`` converts numbers and arrays; a tensor of another dtype is refused (TensorFlow
    never casts tensors implicitly).
    """
    backend = core.backends.get_backend()
    if isinstance(value, _Operand):
        if dtype is not None and value._value.dtype != dtype._np:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                f"{value.dtype.name}. Use tf.cast(value, tf.{dtype.name}) first."
            )
        return value._value
    if isinstance(value, (np.ndarray, np.generic)):
        arr = value
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"Cannot convert a NumPy array of dtype {arr.dtype} to a tensor.")
    else:
        arr = _python_array(value)
    if dtype is not None and arr.dtype != dtype._np:
        arr = _cast_checked(arr, dtype, value)
    else:
        arr = np.array(arr, copy=True)
    if arr.dtype.kind not in "biuf" or arr.dtype not in dtypes._BY_NUMPY:
        arr = arr.astype(dtypes.from_numpy(arr.dtype).as_numpy_dtype)
    return backend.asarray(arr)


def _cast_checked(arr: np.ndarray, dtype: dtypes.DType, original):
    """Cast for conversion: allowed unless it changes a value's kind (1.5 -> int32)."""
    target = dtype._np
    with np.errstate(invalid="ignore", over="ignore"):
        out = arr.astype(target)
    if arr.dtype.kind in "fc" and target.kind in "iub" or (arr.dtype.kind in "iu" and target.kind in "iu"):
        if not np.array_equal(out.astype(arr.dtype), arr):
            raise TypeError(
                f"Cannot convert {original!r} to EagerTensor of dtype {dtype.name}: "
                f"the value does not fit. Use tf.cast to convert explicitly."
            )
    return out


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Return ``value`` as a Tensor (Tensors pass through; Variables are read)."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if type(value) is Tensor and (dtype is None or value._value.dtype == dtype._np):
        return value
    if isinstance(value, Variable):
        if dtype is not None and value.dtype != dtype:
            to_buffer(value, dtype)  # raises the conversion error
        return value.read_value()
    if dtype is None and dtype_hint is not None and not isinstance(value, (np.ndarray, _Operand)):
        try:
            return core.wrap(to_buffer(value, dtypes.as_dtype(dtype_hint)))
        except (TypeError, ValueError):
            pass
    return core.wrap(to_buffer(value, dtype))


def is_tensor(x) -> bool:
    return isinstance(x, _Operand)
