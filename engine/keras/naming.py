"""Keras' automatic names (``dense``, ``dense_1``, ...) and ``backend.clear_session``.

Names are unique per process, counted per base name, exactly as Keras 3 counts them; the
counter lives in one object that ``clear_session()`` resets.
"""

from __future__ import annotations

import re
import threading


class _Names(threading.local):
    def __init__(self):
        self.counts: dict[str, int] = {}


_names = _Names()


def to_snake_case(name: str) -> str:
    """``Conv2DTranspose`` -> ``conv2d_transpose``, as Keras converts class names."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s


def unique_name(base: str) -> str:
    """``base`` the first time, then ``base_1``, ``base_2``, ..."""
    n = _names.counts.get(base, 0)
    _names.counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def clear_session():
    """Reset automatic naming (``keras.backend.clear_session()``)."""
    _names.counts.clear()
