"""``model.save("m.h5")`` / ``keras.models.load_model("m.h5")`` in Keras' legacy whole-model HDF5 format.

The layout (measured against Keras 3.15 ``legacy_h5_format.save_model_to_hdf5``):

- root attributes ``keras_version``, ``backend`` and ``model_config``: a JSON string
  ``{"class_name": "Sequential" | "Functional", "config": {...}}``. Keras 3 writes its layers without
  ``module``/``registered_name`` keys; its loader (``Sequential.from_config``, ``Functional.from_config``)
  accepts both that and the full Keras 3 form, so the ``config.json`` content of a ``.keras`` archive
  (``keras_zip.model_to_config``) is written as is.
- group ``model_weights`` with attributes ``layer_names`` (``layer.name`` of every layer in
  ``model.layers``), ``backend`` and ``keras_version``; one subgroup per layer, named ``layer.name``,
  with attribute ``weight_names`` (the variables' paths, ``<model name>/<layer name>/<variable name>``,
  trainable first then non-trainable) and a dataset at each of those names; and an empty
  ``top_level_model_weights`` group.
- root attribute ``training_config`` when the model is compiled (``compile_config.get_training_config``:
  loss, metrics, loss_weights, ... and ``optimizer_config``); loading compiles the model from it (unless
  ``compile=False``), in Keras and here. No ``optimizer_weights``: the optimizer starts fresh.
- a nested model (a Sequential used as a layer) is one entry of ``layer_names``; its weights are named
  ``<nested model>/<its layer>/<variable name>``.

Loading is by order, as in Keras: the layers with variables in the file are matched to the model's
layers with variables, and every count and shape is checked (naming the layer) before any variable
changes. Loading never unpickles; h5py is imported inside the functions.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ...atomic import atomic_path
from .keras_zip import KERAS_VERSION

BACKEND = "jax"  # what the file says it was written with; Keras only records it


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Saving and loading legacy `.h5` models needs h5py. Install it with `pip install h5py` "
            "(or `pip install gradplay[io]`)."
        ) from e
    return h5py


def is_legacy_h5_path(filepath) -> bool:
    """``*.h5`` / ``*.hdf5`` but not ``*.weights.h5``."""
    try:
        path = os.fspath(filepath)
    except TypeError:
        return False
    return isinstance(path, str) and path.endswith((".h5", ".hdf5")) and not path.endswith(".weights.h5")


def _legacy_weights(layer) -> list:
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _var_name(var) -> str:
    name = getattr(var, "name", None) or "variable"
    return name.split("/")[-1].split(":")[0]


def _str_list(values) -> list:
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _read_attr_list(group, name) -> list:
    """An attribute list, also when Keras split it into ``name0``, ``name1``, ... (large headers)."""
    if name in group.attrs:
        return _str_list(group.attrs[name])
    data, i = [], 0
    while f"{name}{i}" in group.attrs:
        data.extend(_str_list(group.attrs[f"{name}{i}"]))
        i += 1
    return data


def _layers(model) -> list:
    """``model.layers`` as Keras lists them: a Sequential's without its InputLayer, a Functional's with."""
    return list(model.layers)


# -- save ---------------------------------------------------------------------------------------


def save_model(model, filepath, overwrite=True):
    """Write ``model`` to ``filepath`` (``*.h5``) atomically in Keras' legacy HDF5 format."""
    from .compile_config import get_training_config
    from .keras_zip import model_to_config

    h5py = _h5py()
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet; call it on data or build it before saving.")
    config = model_to_config(model)
    config.pop("compile_config", None)  # the legacy format keeps it in `training_config`
    config_json = json.dumps(config)
    with atomic_path(filepath) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = BACKEND
        f.attrs["model_config"] = config_json.encode("utf8")
        training_config = get_training_config(model)
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        _write_weights(f.create_group("model_weights"), model)


def _weight_owners(layer) -> dict:
    """For a nested model: ``id(variable) -> name of the sublayer holding it``; empty for a plain layer."""
    from .keras_zip import _is_model_layer

    if not _is_model_layer(layer):
        return {}
    owners = {}
    for sub in layer.layers:
        for owner_name, var in [(sub.name, v) for v in _legacy_weights(sub)]:
            owners.setdefault(id(var), owner_name)
    return owners


def _write_names(group, name, names):
    group.attrs[name] = [n.encode("utf8") for n in names] if names else np.zeros((0,), dtype="float64")


def _write_weights(g, model):
    layers = _layers(model)
    _write_names(g, "layer_names", [layer.name for layer in layers])
    g.attrs["backend"] = BACKEND.encode("utf8")
    g.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    names_seen = set()
    for layer in sorted(layers, key=lambda x: x.name):
        if layer.name in names_seen:
            raise ValueError(f"Two layers are named {layer.name!r}; the legacy .h5 format needs unique layer names.")
        names_seen.add(layer.name)
        lg = g.create_group(layer.name)
        weights = _legacy_weights(layer)
        owners = _weight_owners(layer)
        names, used = [], set()
        for var in weights:
            owner = owners.get(id(var))
            if owner is not None:  # a nested model: Keras names its weights <nested model>/<its layer>/<var>
                name = f"{layer.name}/{owner}/{_var_name(var)}"
            else:
                name = f"{model.name}/{layer.name}/{_var_name(var)}"
            base, i = name, 1
            while name in used:
                name = f"{base}_{i}"
                i += 1
            used.add(name)
            names.append(name)
        _write_names(lg, "weight_names", names)
        for name, var in zip(names, weights):
            lg.create_dataset(name, data=np.asarray(var.numpy()))
    _write_names(g.create_group("top_level_model_weights"), "weight_names", [])


# -- load ---------------------------------------------------------------------------------------


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Read a legacy ``*.h5`` model written here or by Keras (2 or 3) into a gradplay model.

    With ``compile=True`` (the default) a file with a ``training_config`` comes back compiled with the saved
    optimizer class and configuration, loss and metrics (the optimizer state is not restored); without one,
    uncompiled. ``safe_mode`` is accepted too: nothing here deserializes code or pickles."""
    from .compile_config import compile_from_config
    from .keras_zip import model_from_config

    h5py = _h5py()
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    try:
        f = h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(
            f"{filepath} is not a readable HDF5 file (corrupt, truncated, or another format): {e}"
        ) from None
    with f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(
                f"No model config found in the file at {filepath} (a weights-only file? "
                "use model.load_weights for those)."
            )
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        try:
            config = json.loads(str(raw))
        except json.JSONDecodeError as e:
            raise ValueError(f"{filepath}: model_config is not valid JSON: {e}") from None
        config = _from_legacy_config(config)
        model = model_from_config(config, custom_objects=custom_objects)
        if "model_weights" not in f:
            raise ValueError(f"{filepath} has no 'model_weights' group.")
        _load_weights(f["model_weights"], model, filepath)
        training_config = f.attrs.get("training_config") if compile else None
    if training_config is not None:
        if isinstance(training_config, bytes):
            training_config = training_config.decode("utf-8")
        try:
            training_config = json.loads(str(training_config))
        except json.JSONDecodeError as e:
            raise ValueError(f"{filepath}: training_config is not valid JSON: {e}") from None
        compile_from_config(model, training_config, custom_objects=custom_objects, legacy=True)
    return model


def _from_legacy_config(config):
    """Keras 2-style keys Keras 3's legacy loader converts too (``batch_input_shape``, list ``axis``)."""
    if not isinstance(config, dict):
        return config
    inner = config.get("config")
    if isinstance(inner, dict):
        for entry in inner.get("layers") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
                continue
            if entry.get("class_name") in ("Sequential", "Functional", "Model"):
                _from_legacy_config(entry)  # a nested model
                continue
            c = entry["config"]
            if entry.get("class_name") == "InputLayer" and "batch_input_shape" in c:
                c["batch_shape"] = c.pop("batch_input_shape")
            axis = c.get("axis")
            if isinstance(axis, list) and len(axis) == 1:
                c["axis"] = int(axis[0])
    return config


def _load_weights(g, model, filepath):
    h5py = _h5py()
    layers = [layer for layer in _layers(model) if _legacy_weights(layer)]
    saved = []
    for name in _read_attr_list(g, "layer_names"):
        if name not in g or not isinstance(g[name], h5py.Group):
            raise ValueError(f"{filepath}: layer {name!r} is listed in layer_names but has no group.")
        weight_names = _read_attr_list(g[name], "weight_names")
        if weight_names:
            saved.append((name, weight_names))
    if len(saved) != len(layers):
        raise ValueError(
            f"{filepath}: layer count mismatch: the model has {len(layers)} layers with weights "
            f"({[layer.name for layer in layers]}), the file {len(saved)} ({[n for n, _ in saved]})."
        )
    assignments = []
    for k, (layer, (name, weight_names)) in enumerate(zip(layers, saved)):
        variables = _legacy_weights(layer)
        where = f"layer #{k} (named {layer.name!r} in the model, {name!r} in the file)"
        if len(variables) != len(weight_names):
            raise ValueError(
                f"{filepath}: weight count mismatch for {where}: it expects {len(variables)} weights, "
                f"the file has {len(weight_names)}."
            )
        lg = g[name]
        for var, wname in zip(variables, weight_names):
            ds = lg.get(wname)
            if not isinstance(ds, h5py.Dataset):
                raise ValueError(f"{filepath}: {where}: weight {wname!r} is missing.")
            if ds.dtype.kind not in "fiub":
                raise ValueError(f"{filepath}: {where}: weight {wname!r} has non-numeric dtype {ds.dtype}.")
            if tuple(ds.shape) != tuple(var.shape):
                raise ValueError(
                    f"{filepath}: shape mismatch for {where}, weight {wname!r}: the model expects "
                    f"{tuple(var.shape)}, the file has {tuple(ds.shape)}."
                )
            assignments.append((var, np.asarray(ds[()])))
    for var, value in assignments:
        var.assign(value.astype(np.dtype(var.dtype.as_numpy_dtype), copy=False))
