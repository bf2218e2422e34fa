"""The compile settings saved with a model: ``compile_config`` in a ``.keras`` archive's ``config.json`` and
``training_config`` in a legacy ``.h5`` file, as Keras 3.15 writes and reads them.

``compile_config`` (``.keras``): ``{"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
"config": {...}, "registered_name": None}, "loss": ..., "loss_weights": ..., "metrics": [...],
"weighted_metrics": ..., "run_eagerly", "steps_per_execution", "jit_compile"}``. Strings stay strings
(``"sparse_categorical_crossentropy"``, ``"accuracy"``); ``Loss``/``Metric`` objects are written as
``{"module": "keras.losses" | "keras.metrics", "class_name", "config", "registered_name"}``, built-in loss and
metric functions as Keras writes them, ``{"module": "builtins", "class_name": "function", "config": <name>,
"registered_name": "function"}`` (your own functions with their name: load them with ``custom_objects``);
lists and dicts nest.

``training_config`` (legacy ``.h5``, a root attribute): the same keys without ``optimizer``, objects as
``{"class_name", "config"}`` only, functions as their name, plus ``"optimizer_config": {"class_name",
"config"}``.

Optimizer state (slot variables, the iteration count) is not saved: a loaded model is compiled with a fresh
optimizer of the same class and configuration.
"""

from __future__ import annotations

import inspect
import warnings


def _builtin(obj, table) -> bool:
    return any(v is obj or (inspect.isclass(v) and type(obj) is v) for v in table.values())


def _serialize_value(value, legacy=False):
    from .. import losses as losses_mod
    from .. import metrics as metrics_mod
    from ..optimizers import Optimizer
    from ..optimizers import serialize as serialize_optimizer

    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize_value(v, legacy) for v in value]
    if isinstance(value, dict):
        return {str(k): _serialize_value(v, legacy) for k, v in value.items()}
    if isinstance(value, Optimizer):
        entry = serialize_optimizer(value)
        return {"class_name": entry["class_name"], "config": entry["config"]} if legacy else entry
    for cls, table, module in (
        (losses_mod.Loss, losses_mod.ALL_OBJECTS_DICT, "keras.losses"),
        (metrics_mod.Metric, metrics_mod.ALL_OBJECTS_DICT, "keras.metrics"),
    ):
        if isinstance(value, cls):
            builtin = _builtin(value, table)
            name = type(value).__name__
            if legacy:
                return {"class_name": name, "config": value.get_config()}
            return {
                "module": module if builtin else type(value).__module__,
                "class_name": name,
                "config": value.get_config(),
                "registered_name": None if builtin else name,
            }
    if callable(value):
        name = getattr(value, "__name__", None)
        if not name or name == "<lambda>":
            raise ValueError(
                f"Cannot save the compile settings: {value!r} has no name. Use a named function (and pass it "
                "to load_model with custom_objects={'name': fn}), or save with the model uncompiled."
            )
        if legacy:
            return name
        tables = (losses_mod.ALL_OBJECTS_DICT, metrics_mod.ALL_OBJECTS_DICT)
        if any(v is value for table in tables for v in table.values()):
            # What Keras 3.15 writes for its own loss and metric functions.
            return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
        module = getattr(value, "__module__", None) or "builtins"
        return {"module": module, "class_name": "function", "config": name, "registered_name": name}
    raise ValueError(f"Cannot save the compile setting {value!r} ({type(value).__name__}).")


def get_compile_config(model):
    """The ``compile_config`` Keras 3 writes for ``model``, or None when it is not compiled."""
    args = getattr(model, "_compile_config", None)
    if not getattr(model, "compiled", False) or args is None:
        return None
    config = {"optimizer": _serialize_value(model.optimizer)}
    for key in ("loss", "loss_weights", "metrics", "weighted_metrics"):
        config[key] = _serialize_value(args.get(key))
    for key, default in (("run_eagerly", False), ("steps_per_execution", 1), ("jit_compile", "auto")):
        config[key] = args.get(key, default)
    return config


def get_training_config(model):
    """The legacy ``.h5`` ``training_config`` attribute for ``model``, or None when it is not compiled."""
    args = getattr(model, "_compile_config", None)
    if not getattr(model, "compiled", False) or args is None:
        return None
    config = {key: _serialize_value(args.get(key), legacy=True) for key in ("loss", "loss_weights", "metrics")}
    config["weighted_metrics"] = _serialize_value(args.get("weighted_metrics"), legacy=True)
    for key, default in (("run_eagerly", False), ("steps_per_execution", 1), ("jit_compile", "auto")):
        config[key] = args.get(key, default)
    config["optimizer_config"] = _serialize_value(model.optimizer, legacy=True)
    return config


# -- load ---------------------------------------------------------------------------------------


def _is_object(value) -> bool:
    return isinstance(value, dict) and "class_name" in value and "config" in value


def _lookup(name, custom_objects, *tables):
    for table in ((custom_objects or {}),) + tables:
        if name in table:
            return table[name]
    return None


def _deserialize_object(value, kind, custom_objects):
    """A loss (``kind="loss"``) or metric from its saved dict."""
    from .. import losses as losses_mod
    from .. import metrics as metrics_mod

    tables = (losses_mod.ALL_OBJECTS_DICT,) if kind == "loss" else (metrics_mod.ALL_OBJECTS_DICT,)
    tables += (metrics_mod.ALL_OBJECTS_DICT,) if kind == "loss" else (losses_mod.ALL_OBJECTS_DICT,)
    class_name = value.get("class_name")
    if class_name == "function":
        name = value.get("config")
        fn = _lookup(value.get("registered_name"), custom_objects) or _lookup(name, custom_objects, *tables)
        if fn is None:
            raise ValueError(
                f"The saved compile settings use the {kind} function {name!r}, which is unknown here: pass it with "
                f"load_model(..., custom_objects={{{name!r}: fn}}), or load with compile=False."
            )
        return fn
    cls = _lookup(value.get("registered_name"), custom_objects) or _lookup(class_name, custom_objects, tables[0])
    if cls is None or not inspect.isclass(cls):
        raise ValueError(
            f"The saved compile settings use the {kind} class {class_name!r}, which is unknown here: pass it with "
            f"load_model(..., custom_objects={{{class_name!r}: cls}}), or load with compile=False."
        )
    config = dict(value.get("config") or {})
    try:
        return cls.from_config(config)
    except TypeError:
        # Keras-only keys (e.g. ``dtype`` on a loss): keep what the constructor takes.
        params = inspect.signature(cls.__init__).parameters
        kept = {k: v for k, v in config.items() if k in params}
        dropped = sorted(set(config) - set(kept))
        warnings.warn(f"Compiling the loaded model: ignoring {kind} {class_name} config keys {dropped}.")
        return cls.from_config(kept)


def _deserialize_nested(value, kind, custom_objects):
    from .. import losses as losses_mod

    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, str) and custom_objects and value in custom_objects:
            return custom_objects[value]
        if isinstance(value, str) and kind == "loss" and value not in losses_mod.ALL_OBJECTS_DICT:
            # Legacy .h5 files name loss functions by their name only.
            raise ValueError(
                f"The saved compile settings use the loss {value!r}, which is unknown here: pass it with "
                f"load_model(..., custom_objects={{{value!r}: fn}}), or load with compile=False."
            )
        return value
    if _is_object(value):
        return _deserialize_object(value, kind, custom_objects)
    if isinstance(value, dict):
        return {k: _deserialize_nested(v, kind, custom_objects) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_deserialize_nested(v, kind, custom_objects) for v in value]
    return value


def _deserialize_optimizer(value, custom_objects):
    from .. import optimizers

    if value is None:
        return "rmsprop"
    if isinstance(value, str):
        return optimizers.get(value)
    if not isinstance(value, dict) or "class_name" not in value:
        raise ValueError(f"The saved optimizer config is not understood: {value!r}")
    config = dict(value.get("config") or {})
    name = value["class_name"]
    cls = _lookup(value.get("registered_name") or name, custom_objects) or optimizers.ALL_OBJECTS_DICT.get(
        str(name).lower()
    )
    if cls is not None:
        from .keras_zip import _accepted_kwargs  # here: keras_zip imports this module

        accepted = _accepted_kwargs(cls)
        unknown = {k: v for k, v in config.items() if k not in accepted}
        if unknown:
            # Keras 2 files carry `decay`, `is_legacy_optimizer`, `jit_compile`, ...
            config = {k: v for k, v in config.items() if k in accepted}
            notable = {k: v for k, v in unknown.items() if v not in (None, False, 0, 0.0) and k != "jit_compile"}
            if notable:
                warnings.warn(f"Compiling the loaded model: ignoring optimizer {name} settings {notable}.")
    return optimizers.deserialize({**value, "config": config}, custom_objects=custom_objects)


def compile_args(config, custom_objects=None, legacy=False):
    """``model.compile`` keyword arguments from a saved ``compile_config`` (or legacy ``training_config``)."""
    optimizer = config.get("optimizer_config") if legacy else config.get("optimizer")
    args = {
        "optimizer": _deserialize_optimizer(optimizer, custom_objects),
        "loss": _deserialize_nested(config.get("loss"), "loss", custom_objects),
        "loss_weights": config.get("loss_weights"),
        "metrics": _deserialize_nested(config.get("metrics"), "metric", custom_objects),
        "weighted_metrics": _deserialize_nested(config.get("weighted_metrics"), "metric", custom_objects),
    }
    for key in ("run_eagerly", "steps_per_execution", "jit_compile"):
        if key in config:
            args[key] = config[key]
    return args


def compile_from_config(model, config, custom_objects=None, legacy=False):
    """Compile ``model`` as the saved settings say (nothing happens for an empty or missing config)."""
    if not config:
        return
    if not isinstance(config, dict):
        raise ValueError(f"The saved compile settings are not a dict: {config!r}")
    args = compile_args(config, custom_objects, legacy=legacy)
    for key in ("metrics", "weighted_metrics"):
        value = args[key]
        # Keras 2 wrote per-output metric lists ([[...]]) also for single-output models.
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            args[key] = [m for v in value for m in v]
    model.compile(**args)
