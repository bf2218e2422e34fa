"""Learning-rate schedules (``keras.optimizers.schedules``): the learning rate as a function of the step.

>>> from gradplay.engine.keras.optimizers import schedules
>>> s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> float(s(10))
0.05000000074505806
>>> schedules.deserialize(schedules.serialize(s)).get_config() == s.get_config()
True

Pass one as an optimizer's ``learning_rate``: it is evaluated at ``optimizer.iterations`` every
step. Calling a schedule returns a scalar tensor in the dtype of ``initial_learning_rate``
(float32 for Python floats), computed in that dtype as Keras does.
"""

from __future__ import annotations

import math

import numpy as np

from ... import core
from ...tensor import _Operand, convert_to_tensor


class LearningRateSchedule:
    """Base class: implement ``__call__(self, step)`` (and ``get_config`` to serialize).

    >>> class InverseStep(LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate):
    ...         self.initial_learning_rate = initial_learning_rate
    ...     def __call__(self, step):
    ...         return self.initial_learning_rate / (float(step) + 1)
    >>> InverseStep(0.1)(4)
    0.02
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `__call__(step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _dtype(value):
    """The computation dtype: that of ``initial_learning_rate`` (Python numbers -> float32)."""
    if isinstance(value, _Operand):
        return value._value.dtype.type
    if isinstance(value, (np.ndarray, np.floating)) and value.dtype.kind == "f":
        return value.dtype.type
    return np.float32


def _number(value):
    """A Python number from a step or hyperparameter (int, float, numpy scalar, tensor, Variable)."""
    if isinstance(value, _Operand):
        value = value.numpy()
    return value.item() if isinstance(value, (np.ndarray, np.generic)) else value


def _out(value, dtype):
    return core.wrap(np.asarray(value, dtype))


def _positive_steps(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (integer division if ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _positive_steps("decay_steps", decay_steps)

    def __call__(self, step):
        f = _dtype(self.initial_learning_rate)
        p = f(_number(step)) / f(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(f(_number(self.initial_learning_rate)) * np.power(f(self.decay_rate), p), f)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while ``step <= boundaries[1]``, ...

    >>> s = PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    >>> [float(s(n)) for n in (100, 101, 111)]
    [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = _number(step)
        # Keras casts the boundaries to the step's dtype (an integer step truncates them).
        cast = int if isinstance(step, int) else float
        i = 0
        for b in self.boundaries:
            if step <= cast(_number(b)):
                break
            i += 1
        return convert_to_tensor(self.values[i])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``.

    With ``cycle=True`` the decay restarts: ``decay_steps`` grows to the first multiple above ``step``.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _positive_steps("decay_steps", decay_steps)

    def __call__(self, step):
        f = _dtype(self.initial_learning_rate)
        initial = f(_number(self.initial_learning_rate))
        end = f(self.end_learning_rate)
        step = f(_number(step))
        decay_steps = f(self.decay_steps)
        if self.cycle:
            multiplier = f(1.0) if step == 0 else np.ceil(step / f(self.decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return _out((initial - end) * np.power(f(1) - p, f(self.power)) + end, f)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored ratio if ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _positive_steps("decay_steps", decay_steps)

    def __call__(self, step):
        f = _dtype(self.initial_learning_rate)
        p = f(_number(step)) / f(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(f(_number(self.initial_learning_rate)) / (f(1) + f(self.decay_rate) * p), f)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` to ``initial_learning_rate * alpha`` over ``decay_steps``.

    With ``warmup_target``, first a linear warmup from ``initial_learning_rate`` to ``warmup_target``
    over ``warmup_steps``, then the cosine decay from ``warmup_target``:

    >>> s = CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    >>> [round(float(s(n)), 4) for n in (0, 5, 10, 60, 110, 500)]
    [0.0, 0.05, 0.1, 0.05, 0.0, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _positive_steps("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from, f):
        cosine = f(0.5) * (f(1.0) + np.cos(f(math.pi) * (step / decay_steps)))
        return decay_from * ((f(1) - f(self.alpha)) * cosine + f(self.alpha))

    def __call__(self, step):
        f = _dtype(self.initial_learning_rate)
        initial = f(_number(self.initial_learning_rate))
        decay_steps = f(self.decay_steps)
        step = f(_number(step))
        if self.warmup_target is None:
            return _out(self._decay(min(step, decay_steps), decay_steps, initial, f), f)
        target = f(self.warmup_target)
        warmup_steps = f(self.warmup_steps)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return _out((target - initial) * (step / warmup_steps) + initial, f)
        return _out(self._decay(step - warmup_steps, decay_steps, target, f), f)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by ``t_mul``, peaks shrink by ``m_mul``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _positive_steps("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        f = _dtype(self.initial_learning_rate)
        alpha, t_mul, m_mul = f(self.alpha), f(self._t_mul), f(self._m_mul)
        fraction = f(_number(step)) / f(self.first_decay_steps)
        if t_mul == 1:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(f(1) - fraction * (f(1) - t_mul)) / np.log(t_mul))
            sum_r = (f(1) - np.power(t_mul, i_restart)) / (f(1) - t_mul)
            fraction = (fraction - sum_r) / np.power(t_mul, i_restart)
        cosine = f(0.5) * np.power(m_mul, i_restart) * (f(1) + np.cos(f(math.pi) * fraction))
        return _out(f(_number(self.initial_learning_rate)) * ((f(1) - alpha) * cosine + alpha), f)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


ALL_SCHEDULES = {
    cls.__name__: cls
    for cls in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule) -> dict:
    """The schedule as Keras' JSON-ready dict (``module``, ``class_name``, ``config``, ``registered_name``)."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(f"serialize() takes a LearningRateSchedule; received {type(learning_rate_schedule).__name__}.")
    cls = type(learning_rate_schedule)
    builtin = ALL_SCHEDULES.get(cls.__name__) is cls
    return {
        "module": "keras.optimizers.schedules" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config, custom_objects=None):
    """A schedule from ``serialize``'s dict (or ``{"class_name": ..., "config": ...}``)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "deserialize() takes a dict like {'class_name': 'ExponentialDecay', 'config': {...}}. "
            f"Received: {config!r}"
        )
    known = {**ALL_SCHEDULES, **(custom_objects or {})}
    name = config.get("registered_name") or config["class_name"]
    cls = known.get(name) or known.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown learning rate schedule: '{config['class_name']}'. Known schedules: "
            f"{', '.join(sorted(ALL_SCHEDULES))} (pass custom_objects={{name: class}} for your own)."
        )
    return cls.from_config(dict(config.get("config", {})))
