"""Optimizers (``tf.keras.optimizers``) with Keras 3's update rules, and ``get`` by name.

>>> import gradplay.engine as tf
>>> from gradplay.engine.keras import optimizers
>>> opt = optimizers.get("adam")
>>> opt.name, float(opt.learning_rate)
('adam', 0.0010000000474974513)
>>> w = tf.Variable([1.0, 2.0])
>>> with tf.GradientTape() as tape:
...     loss = tf.reduce_sum(w * w)
>>> _ = opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
>>> int(opt.iterations)
1

Names (case-insensitive): ``sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam``.
``serialize``/``deserialize`` use Keras' dict (``{"module": "keras.optimizers", "class_name":
"Adam", "config": {...}, "registered_name": None}``), the form saved in ``.keras`` files.
Layout: ``base`` (``Optimizer``: clipping, weight decay, EMA, accumulation, config),
``algorithms`` (the update rules), ``schedules`` (learning-rate schedules).
"""

from __future__ import annotations

from . import schedules
from .algorithms import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from .base import Optimizer

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]

ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)}


def _names() -> str:
    return ", ".join(f"'{name}'" for name in ALL_OBJECTS_DICT)


def serialize(optimizer) -> dict:
    """The optimizer's configuration as Keras' JSON-ready dict."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize() takes an Optimizer; received {type(optimizer).__name__}.")
    cls = type(optimizer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__.lower()) is cls
    return {
        "module": "keras.optimizers" if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": optimizer.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize(config, custom_objects=None):
    """An optimizer from ``serialize``'s dict (or ``{"class_name": "Adam", "config": {...}}``)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"deserialize() takes a dict like {{'class_name': 'Adam', 'config': {{...}}}}. Received: {config!r}"
        )
    name = config["class_name"]
    custom_objects = custom_objects or {}
    cls = custom_objects.get(config.get("registered_name") or name) or custom_objects.get(name)
    if cls is None:
        cls = ALL_OBJECTS_DICT.get(str(name).lower())
    if cls is None:
        raise ValueError(
            f"Unknown optimizer: '{name}'. Valid names are {_names()} (case-insensitive); "
            "pass custom_objects={name: class} for your own."
        )
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier):
    """An optimizer from a name (``"adam"``), a config dict, or an optimizer (returned as is)."""
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer: '{identifier}'. Valid names are {_names()} (case-insensitive).")
        return cls()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. "
        f"Pass an optimizer name ({_names()}), a config dict or an Optimizer instance."
    )
