"""``model.save("m.keras")`` / ``keras.models.load_model("m.keras")`` in Keras 3's zip format.

The archive (measured against Keras 3.15 ``saving_lib``) holds three members, stored uncompressed:

- ``config.json``: the model serialized as Keras 3 does (``{"module", "class_name", "config",
  "registered_name"}`` for every object). A Sequential's layer list starts with an ``InputLayer``
  carrying ``batch_shape``; a Functional model lists its layers with ``name`` and ``inbound_nodes``
  (call arguments with tensors as ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
  "keras_history": [layer name, node index, tensor index]}}``), plus ``input_layers``/``output_layers``.
  A model used as a layer (a data-augmentation ``Sequential`` inside a model) is listed with its full
  config, as Keras 3 nests it (a nested Sequential built without ``Input`` gets its InputLayer from the
  shape it was called on); its weights sit at ``layers/sequential/layers/<class>/vars``. A compiled model
  also carries ``compile_config`` (``compile_config.py``), and ``load_model`` compiles the model from it
  unless ``compile=False``.
- ``model.weights.h5``: exactly what ``model.save_weights`` writes (``weights_h5``).
- ``metadata.json``: ``{"keras_version", "date_saved"}``.

Loading never unpickles. It refuses members with absolute or ``..`` paths, members larger than a size
cap, members that expand more than 100 times their stored size (Keras 3.15's bomb rule, applied here
from 1 MiB on), unknown layer classes (naming them) and corrupt archives, each with a clear error.
"""

from __future__ import annotations

import datetime
import inspect
import json
import os
import posixpath
import sys
import tempfile
import warnings
import zipfile

from ... import nest
from ...atomic import atomic_path
from .compile_config import compile_from_config

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# The Keras version whose format this writes (Keras reads the file regardless of the number).
KERAS_VERSION = "3.15.1"

MAX_MEMBER_BYTES = min(1 << 32, sys.maxsize - 1)  # 4 GiB, Keras 3.15's floor (2 GiB on 32-bit wasm)
MAX_JSON_BYTES = 64 << 20  # config.json / metadata.json
MAX_EXPANSION = 100  # uncompressed size / stored size
_RATIO_FLOOR_BYTES = 1 << 20  # tiny members may compress well without being bombs

# Keys Keras 3 writes that gradplay layers do not take; dropped silently when loading.
_KERAS_ONLY_KEYS = frozenset(
    {
        "quantization_config",
        "ragged",
        "optional",
        "synchronized",
        "renorm",
        "renorm_clipping",
        "renorm_momentum",
        "zero_output_for_mask",
        "lora_rank",
        "lora_alpha",
        "autocast",
        "shared_object_id",
    }
)


# -- serialization ------------------------------------------------------------------------------


def _is_model_layer(layer) -> bool:
    from ..models.functional import Functional
    from ..models.sequential import Sequential

    return isinstance(layer, (Sequential, Functional))


def _layer_entry(layer) -> dict:
    from ..layers import serialize

    if _is_model_layer(layer):
        # A model used as a layer (e.g. a data-augmentation Sequential): its full config, as Keras 3 nests it.
        return model_to_config(layer)
    entry = serialize(layer)
    entry["config"] = dict(entry["config"])
    # Models list an explicit InputLayer; Keras 3 layers do not take `batch_input_shape`.
    entry["config"].pop("batch_input_shape", None)
    return entry


def _has_build(layer) -> bool:
    from ..layers.base import InputLayer, Layer

    if isinstance(layer, InputLayer):
        return False
    return type(layer).build is not Layer.build or bool(layer._trainable_variables or layer._non_trainable_variables)


def _shape_list(shape):
    if shape is None:
        return None
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [_shape_list(s) for s in shape]
    return [None if d is None else int(d) for d in shape]


def _node_input_shape(node):
    from ..layers.base import KerasTensor

    def shape(x):
        return _shape_list(list(x.shape)) if isinstance(x, KerasTensor) else None

    if not node.args:
        return None
    first = node.args[0]
    if isinstance(first, (list, tuple)):
        return [shape(x) for x in first]
    return shape(first)


def _sequential_input_entry(model):
    """The InputLayer entry of a Sequential; a nested Sequential built without ``Input`` gets one from the
    shape it was called on (Keras builds it then, and lists that InputLayer)."""
    from ..layers.base import InputLayer

    if model._input_layer is not None:
        return _layer_entry(model._input_layer)
    node = model._inbound_nodes[-1] if model._inbound_nodes else None
    shape = _node_input_shape(node) if node is not None else None
    if shape is None or (shape and isinstance(shape[0], list)):
        return None
    return _layer_entry(InputLayer(batch_shape=tuple(shape)))


def _sequential_config(model) -> dict:
    input_entry = _sequential_input_entry(model)
    if input_entry is None:
        raise ValueError(
            f"Cannot save the Sequential model {model.name!r}: it has not been built. Start it with "
            "keras.Input(shape=...) or call it on data before saving."
        )
    layers = [input_entry]
    input_shape = _shape_list(list(input_entry["config"]["batch_shape"]))
    for layer in model._stack:
        entry = _layer_entry(layer)
        node = layer._inbound_nodes[-1] if layer._inbound_nodes else None
        if _has_build(layer) and node is not None:
            entry["build_config"] = {"input_shape": _node_input_shape(node)}
        layers.append(entry)
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": model.name,
            "trainable": model.trainable,
            "dtype": "float32",
            "layers": layers,
            "build_input_shape": input_shape,
        },
        "registered_name": None,
        "build_config": {"input_shape": input_shape},
    }


def _functional_config(model) -> dict:
    from ..layers.base import InputLayer, KerasTensor

    model_nodes = {id(n) for n in model._nodes}
    # Keras numbers a layer's nodes within the model (calls outside it are skipped).
    node_index = {}
    for layer in model.layers:
        k = 0
        for i, node in enumerate(layer._inbound_nodes):
            if id(node) in model_nodes:
                node_index[(id(layer), i)] = k
                k += 1

    def history(kt):
        layer, i, t = kt._history
        if (id(layer), i) not in node_index:
            raise ValueError(f"Tensor {kt.name!r} comes from a call of layer {layer.name!r} outside the model.")
        return [layer.name, node_index[(id(layer), i)], t]

    def tensor(x):
        if isinstance(x, KerasTensor):
            return {
                "class_name": "__keras_tensor__",
                "config": {"shape": _shape_list(list(x.shape)), "dtype": x.dtype, "keras_history": history(x)},
            }
        if isinstance(x, tuple):
            return [tensor(v) for v in x]
        return x

    def structure(value):
        if isinstance(value, KerasTensor):
            return tensor(value)
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [structure(v) for v in value]
        return value

    layers = []
    for layer in model.layers:
        entry = _layer_entry(layer)
        nodes = [n for n in layer._inbound_nodes if id(n) in model_nodes]
        if isinstance(layer, InputLayer):
            inbound = []
        else:
            inbound = [
                {"args": structure(list(n.args)), "kwargs": {k: structure(v) for k, v in n.kwargs.items()}}
                for n in nodes
            ]
        if _has_build(layer) and nodes:
            entry["build_config"] = {"input_shape": _node_input_shape(nodes[0])}
        entry["name"] = layer.name
        entry["inbound_nodes"] = inbound
        layers.append(entry)

    def io(struct):
        if isinstance(struct, KerasTensor):
            return history(struct)
        return nest.map_structure(history, struct)

    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": model.name,
            "trainable": model.trainable,
            "layers": layers,
            "input_layers": io(model._inputs_struct),
            "output_layers": io(model._outputs_struct),
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
    }


def model_to_config(model) -> dict:
    """The ``config.json`` content for ``model`` (a Sequential or Functional model)."""
    from ..models.functional import Functional
    from ..models.sequential import Sequential

    if isinstance(model, (Sequential, Functional)):
        config = _sequential_config(model) if isinstance(model, Sequential) else _functional_config(model)
        compile_config = model.get_compile_config()
        if compile_config is not None:
            config["compile_config"] = compile_config
        return config
    raise NotImplementedError(
        f"Saving {type(model).__name__} to .keras is not supported: only Sequential and Functional models "
        "(keras.Model(inputs, outputs)) have a config. Save the weights with model.save_weights(...) instead."
    )


# -- save ---------------------------------------------------------------------------------------


def save_model(model, filepath, overwrite=True):
    """Write ``model`` to ``filepath`` (``*.keras``) atomically."""
    from . import legacy_h5, weights_npz

    filepath = os.fspath(filepath)
    if legacy_h5.is_legacy_h5_path(filepath):
        return legacy_h5.save_model(model, filepath, overwrite=overwrite)
    if not filepath.endswith(".keras"):
        raise ValueError(
            f"Invalid filepath extension for saving. Please add `.keras` to the filepath. Received: {filepath}. "
            "(Use model.save_weights('x.weights.h5') for weights only.)"
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    config_json = json.dumps(model_to_config(model))
    metadata_json = json.dumps(
        {"keras_version": KERAS_VERSION, "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    )
    weights = weights_npz.weights_to_bytes(model, "h5")
    with atomic_path(filepath) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA_FILENAME, metadata_json)
        zf.writestr(CONFIG_FILENAME, config_json)
        zf.writestr(WEIGHTS_FILENAME, weights)


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


# -- load: archive checks -----------------------------------------------------------------------


def _check_member(info: zipfile.ZipInfo, filepath):
    name = info.filename
    norm = posixpath.normpath(name.replace("\\", "/"))
    absolute = name.startswith(("/", "\\")) or norm.startswith("/") or (len(name) > 1 and name[1] == ":")
    if absolute or ".." in norm.split("/"):
        raise ValueError(f"{filepath}: refusing zip member with an absolute or '..' path: {name!r}.")
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(
            f"{filepath}: zip member {name!r} declares {info.file_size} bytes, over the {MAX_MEMBER_BYTES}-byte cap."
        )
    if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > MAX_EXPANSION * max(info.compress_size, 1):
        raise ValueError(
            f"{filepath}: zip member {name!r} expands from {info.compress_size} to {info.file_size} bytes "
            f"(ratio above {MAX_EXPANSION}); refusing to load a potential decompression bomb."
        )


def _read_member(zf, name, filepath, limit):
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ValueError(f"{filepath}: {name} is {info.file_size} bytes, over the {limit}-byte cap.")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{filepath}: {name} is larger than it declares; refusing it.")
    return data


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Read a ``*.keras`` archive written here or by Keras 3 into a gradplay model."""
    from . import legacy_h5, weights_h5

    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such file: {filepath}")
    if legacy_h5.is_legacy_h5_path(filepath):
        return legacy_h5.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if not zipfile.is_zipfile(filepath):
        raise ValueError(
            f"{filepath} is not a Keras `.keras` zip archive (corrupt, truncated, or another format). "
            "SavedModel directories are not read by load_model here; legacy models need a `.h5` suffix."
        )
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"{filepath} is not a readable `.keras` zip archive (corrupt or truncated): {e}") from None
    with zf:
        infos = zf.infolist()
        for info in infos:
            _check_member(info, filepath)
        names = {i.filename for i in infos}
        if CONFIG_FILENAME not in names:
            raise ValueError(f"{filepath} has no {CONFIG_FILENAME}; it is not a Keras `.keras` archive.")
        try:
            raw = _read_member(zf, CONFIG_FILENAME, filepath, MAX_JSON_BYTES)
            config = json.loads(raw.decode("utf-8"))
        except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{filepath}: {CONFIG_FILENAME} is corrupt: {e}") from None
        model = model_from_config(config, custom_objects=custom_objects)
        if compile:
            compile_from_config(model, config.get("compile_config"), custom_objects=custom_objects)
        if WEIGHTS_FILENAME not in names:
            raise ValueError(f"{filepath} has no {WEIGHTS_FILENAME} (npz weights are not supported).")
        directory = os.path.dirname(os.path.abspath(filepath))
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".load.", suffix=".weights.h5")
        try:
            try:
                with os.fdopen(fd, "wb") as out, zf.open(WEIGHTS_FILENAME) as src:
                    remaining = MAX_MEMBER_BYTES
                    while True:
                        chunk = src.read(1 << 20)
                        if not chunk:
                            break
                        remaining -= len(chunk)
                        if remaining < 0:
                            raise ValueError(f"{filepath}: {WEIGHTS_FILENAME} is larger than the size cap.")
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                raise ValueError(f"{filepath}: {WEIGHTS_FILENAME} is corrupt: {e}") from None
            weights_h5.load_weights(model, tmp)
        finally:
            _remove(tmp)
    return model


# -- load: configs ------------------------------------------------------------------------------


def _accepted_kwargs(cls):
    """Names ``cls.__init__`` takes, following ``**kwargs`` up to ``Layer.__init__``."""
    from ..layers.base import Layer

    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters
        names.update(p for p, v in params.items() if v.kind not in (v.VAR_KEYWORD, v.VAR_POSITIONAL))
        if not any(v.kind == v.VAR_KEYWORD for v in params.values()):
            return names
        if klass is Layer:
            names.update({"weights", "activity_regularizer", "dynamic"})
            return names
    return names


def _normalize_initializer(value):
    from .. import initializers

    if not (isinstance(value, dict) and "class_name" in value):
        return value
    cls = initializers._BY_CLASS.get(value["class_name"])
    if cls is None:
        return value  # initializers.get raises a clear error
    config = {k: v for k, v in (value.get("config") or {}).items() if k in _accepted_kwargs(cls) or v is not None}
    return {**value, "config": config}


def _normalize_layer_config(cls, config: dict, layer_name: str) -> dict:
    """Adapt a Keras 3 layer config to gradplay's constructor: DTypePolicy → name, Keras-only keys dropped."""
    config = dict(config)
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        config["dtype"] = (dtype.get("config") or {}).get("name", "float32")
    if config.get("dtype") in ("mixed_float16", "mixed_bfloat16"):
        config["dtype"] = "float32"
    from ..layers import LAYERS

    for key in ("layer", "backward_layer"):  # Bidirectional, TimeDistributed
        nested = config.get(key)
        if isinstance(nested, dict) and nested.get("class_name") in LAYERS:
            inner = nested.get("config") or {}
            nested_cls = LAYERS[nested["class_name"]]
            config[key] = {**nested, "config": _normalize_layer_config(nested_cls, inner, inner.get("name", "?"))}
    accepted = _accepted_kwargs(cls)
    for key in list(config):
        value = config[key]
        if key.endswith("_initializer"):
            config[key] = _normalize_initializer(value)
        if key in accepted:
            continue
        del config[key]
        benign = key in _KERAS_ONLY_KEYS or (key == "data_format" and value == "channels_last")
        if not benign and value not in (None, False, [], {}):
            warnings.warn(f"Layer {layer_name!r} ({cls.__name__}): ignoring config key {key!r}={value!r}.")
    return config


def _layer_class(entry, custom_objects):
    from ..layers import LAYERS

    name = entry.get("class_name")
    cls = (
        (custom_objects or {}).get(name) or (custom_objects or {}).get(entry.get("registered_name")) or LAYERS.get(name)
    )
    return cls


_MODEL_CLASSES = ("Sequential", "Functional", "Model")


def _build_layer(entry, custom_objects):
    if entry.get("class_name") in _MODEL_CLASSES and not (custom_objects or {}).get(entry.get("class_name")):
        return model_from_config(entry, custom_objects=custom_objects)  # a nested model (its compile config unused)
    cls = _layer_class(entry, custom_objects)
    config = entry.get("config") or {}
    return cls.from_config(_normalize_layer_config(cls, config, config.get("name", "?")))


def _check_known(entries, custom_objects):
    from ..layers import LAYERS

    unknown = sorted(
        {
            e.get("class_name")
            for e in entries
            if e.get("class_name") not in _MODEL_CLASSES and _layer_class(e, custom_objects) is None
        }
    )
    if unknown:
        raise ValueError(
            f"Unknown layer class(es) in the model config: {', '.join(map(str, unknown))}. gradplay supports: "
            f"{', '.join(sorted(LAYERS))}. Pass custom layers with custom_objects={{'Name': Class}}."
        )


def model_from_config(config: dict, custom_objects=None):
    """Build a gradplay model from a Keras 3 ``config.json`` dict."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("The model config must be a dict with 'class_name' and 'config'.")
    cls_name = config["class_name"]
    inner = config.get("config") or {}
    if cls_name == "Sequential":
        return _sequential_from_config(inner, config, custom_objects)
    if cls_name in ("Functional", "Model"):
        return _functional_from_config(inner, custom_objects)
    raise ValueError(
        f"Unknown model class {cls_name!r} in the config: only Sequential and Functional models can be loaded "
        "from .keras files here."
    )


def _sequential_from_config(inner, config, custom_objects):
    from ..models.sequential import Sequential

    entries = list(inner.get("layers") or [])
    _check_known(entries, custom_objects)
    model = Sequential(name=inner.get("name"), trainable=inner.get("trainable", True))
    for entry in entries:
        model.add(_build_layer(entry, custom_objects), rebuild=False)
    model._maybe_build_graph()
    if not model.built:
        shape = inner.get("build_input_shape") or (config.get("build_config") or {}).get("input_shape")
        if shape is None:
            raise ValueError("The Sequential config has no InputLayer and no build input shape; cannot build it.")
        model.build(tuple(shape))
    return model


def _is_history(x):
    return isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str) and isinstance(x[1], int)


def _functional_from_config(inner, custom_objects):
    from ..layers.base import InputLayer
    from ..models.functional import Functional

    entries = list(inner.get("layers") or [])
    _check_known(entries, custom_objects)
    layers = {}
    for entry in entries:
        layer = _build_layer(entry, custom_objects)
        name = entry.get("name") or layer.name
        layers[name] = layer
    # (layer name, node index) -> outputs of that call
    outputs = {}
    for name, layer in layers.items():
        if isinstance(layer, InputLayer):
            outputs[(name, 0)] = layer.output_tensor

    def is_tensor(x):
        return isinstance(x, dict) and x.get("class_name") == "__keras_tensor__"

    def ready(value):
        if is_tensor(value):
            h = value["config"]["keras_history"]
            return (h[0], h[1]) in outputs
        if isinstance(value, dict):
            return all(ready(v) for v in value.values())
        if isinstance(value, list):
            return all(ready(v) for v in value)
        return True

    def resolve(value):
        if is_tensor(value):
            h = value["config"]["keras_history"]
            out = outputs[(h[0], h[1])]
            return nest.flatten(out)[h[2]] if nest.is_nested(out) else out
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    pending = []
    for entry in entries:
        name = entry.get("name") or entry["config"].get("name")
        nodes = entry.get("inbound_nodes") or []
        if nodes and not isinstance(nodes[0], dict):
            raise ValueError(
                f"Layer {name!r} uses the Keras 2 `inbound_nodes` format; only Keras 3 `.keras` files are supported."
            )
        for i, node in enumerate(nodes):
            pending.append((name, i, node))
    while pending:
        remaining = []
        for name, i, node in pending:
            if any(n == name and j < i for n, j, _ in remaining) or not ready([node.get("args"), node.get("kwargs")]):
                remaining.append((name, i, node))
                continue
            args = resolve(node.get("args") or [])
            kwargs = resolve(node.get("kwargs") or {})
            layer = layers[name]
            kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is None)}
            outputs[(name, i)] = layer(*args, **kwargs)
        if len(remaining) == len(pending):
            raise ValueError(
                f"The functional config cannot be resolved: layers {sorted({n for n, _, _ in remaining})} "
                "depend on tensors no layer produces."
            )
        pending = remaining

    def io(spec):
        if _is_history(spec):
            out = outputs[(spec[0], spec[1])]
            return nest.flatten(out)[spec[2]] if nest.is_nested(out) else out
        if isinstance(spec, dict):
            return {k: io(v) for k, v in spec.items()}
        return [io(s) for s in spec]

    inputs = io(inner["input_layers"])
    outs = io(inner["output_layers"])
    return Functional(inputs, outs, name=inner.get("name"), trainable=inner.get("trainable", True))
