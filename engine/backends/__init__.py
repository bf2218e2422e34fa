"""Backends: the forward implementations of the engine's primitives, keyed by name.

A backend is a module with

* ``NAME`` — its name (``"numpy"``);
* ``IMPL`` — ``{primitive name: forward function}``; each takes buffers and static params and
  returns one buffer, keeping the input dtype as TensorFlow would;
* ``asarray(ndarray) -> buffer`` and ``to_numpy(buffer) -> ndarray`` — the only host transfers.

Buffers expose ``.shape`` (tuple) and ``.dtype`` (NumPy dtype). Gradient rules never appear
in a backend: they are written once, in ``gradplay.engine.ops``, with primitives.

The process-wide backend is chosen with ``set_backend(name)`` or the ``GRADPLAY_BACKEND``
environment variable; the default is NumPy.

>>> from gradplay.engine import backends
>>> backends.get_backend().NAME
'numpy'
"""

from __future__ import annotations

import importlib
import os

from ..errors import UnimplementedError

_KNOWN = {"numpy": "numpy_backend"}
_state = {"backend": None, "listeners": []}


def available() -> list[str]:
    return sorted(_KNOWN)


def get_backend():
    if _state["backend"] is None:
        set_backend(os.environ.get("GRADPLAY_BACKEND", "numpy"))
    return _state["backend"]


def set_backend(name: str):
    """Select the backend every new operation dispatches to."""
    if name not in _KNOWN:
        raise ValueError(f"Unknown backend {name!r}. Available backends: {', '.join(available())}.")
    module = importlib.import_module(f".{_KNOWN[name]}", __name__)
    _state["backend"] = module
    for listener in _state["listeners"]:
        listener(module)
    return module


def on_change(listener) -> None:
    """Call ``listener(backend)`` now and whenever the backend changes."""
    _state["listeners"].append(listener)
    listener(get_backend())


def missing_kernel(name: str) -> UnimplementedError:
    backend = get_backend().NAME
    return UnimplementedError(
        None,
        name,
        f"The {backend!r} backend has no kernel for primitive {name!r}. "
        f"Run this op on another backend (available: {', '.join(available())}).",
    )
