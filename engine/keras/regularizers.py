"""Weight regularizers (Keras 3 formulas: ``l2 * sum(x**2)``, no 1/2)."""

from __future__ import annotations

from ..ops import math_ops


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check(name, value):
    value = float(value)
    if value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {name}={value}.")
    return value


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = math_ops.reduce_sum(math_ops.abs(x)) * self.l1
        if self.l2:
            total = total + math_ops.reduce_sum(math_ops.square(x)) * self.l2
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
TABLE = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    if (
        identifier is None
        or isinstance(identifier, Regularizer)
        or (callable(identifier) and not isinstance(identifier, str))
    ):
        return identifier
    if isinstance(identifier, str) and identifier in TABLE:
        return TABLE[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in TABLE:
        return TABLE[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}. Valid: l1, l2, l1_l2.")


def serialize(reg) -> dict:
    return {
        "module": "keras.regularizers",
        "class_name": type(reg).__name__,
        "config": reg.get_config(),
        "registered_name": None,
    }
