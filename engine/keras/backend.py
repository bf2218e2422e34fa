"""``keras.backend``: a few helpers tutorials use (clear_session, set_value, get_value, epsilon)."""

from __future__ import annotations

import numpy as np

from ..tensor import Variable, _Operand
from .naming import clear_session  # noqa: F401


def epsilon() -> float:
    return 1e-7


def floatx() -> str:
    return "float32"


def backend() -> str:
    return "gradplay"


def set_value(x, value):
    """Assign ``value`` to a variable (``set_value(model.optimizer.learning_rate, 1e-3)``)."""
    if not isinstance(x, Variable):
        raise TypeError(f"set_value needs a Variable (e.g. optimizer.learning_rate), got {type(x).__name__}.")
    x.assign(np.asarray(value, dtype=x.dtype.as_numpy_dtype))


def get_value(x):
    return x.numpy() if isinstance(x, _Operand) else np.asarray(x)
