"""The autodiff core: the primitive table, ``bind``, and the per-thread recording context.

Every differentiable computation is a sequence of *primitives*. A primitive has a name (the
key into the backend's forward table), TensorFlow's op name (for messages), and one
vector-Jacobian rule per input, written with other primitives, so that a tape recording while
another tape differentiates gets the derivative of the derivative for free.

``bind(prim, inputs, params)`` runs the backend's forward function on the inputs' buffers,
wraps the result in a ``Tensor`` and, only when some ``GradientTape`` is recording, offers the
op to it. With no tape active the cost is one dict lookup, one call and one object.
"""

from __future__ import annotations

import threading

from . import backends
from .errors import InvalidArgumentError

_impl: dict = {}  # the current backend's forward table (see backends.on_change below)


class Primitive:
    """A named operation: forward lives in the backend table, derivatives here.

    ``vjps`` holds one rule per input, ``rule(ct, out, *inputs, **params) -> Tensor``
    (``None`` marks an input with no gradient); ``vjps is None`` marks a primitive with no
    gradient at all (comparisons, argmax, ...), which tapes never record.
    """

    __slots__ = ("name", "op", "vjps", "error", "impl")

    def __init__(self, name: str, op: str, error=None):
        self.name = name
        self.op = op
        self.vjps = None
        self.error = error or _incompatible_shapes
        # The current backend's forward function, looked up by name when the backend is
        # loaded (saves a dict lookup per call); raises UnimplementedError if it has none.
        self.impl = _impl.get(name) or _missing(name)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"


PRIMITIVES: dict[str, Primitive] = {}


def defprim(name: str, op: str | None = None, error=None) -> Primitive:
    """Declare a primitive. ``op`` is TensorFlow's op name, used in error messages."""
    if name in PRIMITIVES:
        raise ValueError(f"Primitive {name!r} is declared twice.")
    prim = PRIMITIVES[name] = Primitive(name, op or name, error)
    return prim


def defvjp(prim: Primitive, *rules) -> None:
    """Attach one vector-Jacobian rule per input (``None`` for non-differentiable inputs)."""
    prim.vjps = rules


def _dims(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _incompatible_shapes(prim, inputs, params, exc):
    shapes = " vs. ".join(_dims(x._value.shape) for x in inputs)
    return InvalidArgumentError(None, prim.op, f"Incompatible shapes: {shapes} [Op:{prim.op}]")


class _Context(threading.local):
    """Per-thread engine state, like TensorFlow's eager context: the recording tapes."""

    def __init__(self):
        self.tapes = ()


context = _Context()
_new = object.__new__
_EMPTY: dict = {}

# Filled in by tensor.py (the class is defined there; bind only needs to allocate it).
Tensor = None


def _load_backend(backend) -> None:
    global _impl
    _impl = backend.IMPL
    for prim in PRIMITIVES.values():
        prim.impl = _impl.get(prim.name) or _missing(prim.name)


def _missing(name):
    def kernel(*args, **params):
        raise backends.missing_kernel(name)

    return kernel


def bind(prim: Primitive, inputs: tuple, params: dict = _EMPTY):
    """Apply ``prim`` to already-converted operands (Tensors or Variables)."""
    f = prim.impl
    try:
        # The hot cases spelled out: no argument list to build, no empty **{} to unpack.
        n = len(inputs)
        if n == 2:
            if params:
                value = f(inputs[0]._value, inputs[1]._value, **params)
            else:
                value = f(inputs[0]._value, inputs[1]._value)
        elif n == 1:
            value = f(inputs[0]._value, **params) if params else f(inputs[0]._value)
        else:
            value = f(*[x._value for x in inputs], **params)
    except (ValueError, IndexError) as exc:
        raise prim.error(prim, inputs, params, exc) from None
    out = _new(Tensor)
    out._value = value
    tapes = context.tapes
    if tapes and prim.vjps is not None:
        for tape in tapes:
            tape._record(prim, inputs, out, params)
    return out


def wrap(value):
    """Wrap a backend buffer as a Tensor without recording (constants, random numbers)."""
    out = _new(Tensor)
    out._value = value
    return out


backends.on_change(_load_backend)
