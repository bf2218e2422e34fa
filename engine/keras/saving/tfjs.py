"""TensorFlow.js layers models: ``save_tfjs(model, "web_model")`` writes the folder ``tf.loadLayersModel``
reads; ``tfjs_to_bytes(model)`` gives the same folder as a zip (for downloads in the browser, where files
are a detour); ``load_tfjs(folder_or_zip_bytes)`` reads either back into a gradplay model.

The folder (checked against TensorFlow.js 4.22 in ``tests/keras/test_tfjs.py``) holds:

- ``model.json``: ``{"format": "layers-model", "generatedBy", "convertedBy", "modelTopology",
  "weightsManifest"}``. ``modelTopology`` is the model in the Keras 2 dialect TF.js reads
  (``{"class_name": "Sequential" | "Model", "config": ...}``, ``batch_input_shape`` on the first layer,
  ``inbound_nodes`` as ``[[[layer, node, tensor, {}], ...]]``): TF.js rejects Keras 3's
  ``InputLayer``/``batch_shape`` and its ``{"args", "kwargs"}`` nodes.
- ``group1-shard1ofN.bin`` ...: the weights, little-endian float32, concatenated in manifest order and cut
  into shards of at most 4 MiB (the size the official converter uses).

Weights are named ``<layer name>/<variable>`` (``dense/kernel``), which is how TF.js matches them.
Layers without a TF.js counterpart, and activations TF.js computes differently (Keras 3's
``hard_sigmoid``), are refused with an error naming them.

>>> import numpy as np, tempfile
>>> from gradplay.engine import keras
>>> from gradplay.engine.keras.saving import tfjs
>>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="relu")])
>>> folder = tempfile.mkdtemp()
>>> tfjs.save_tfjs(model, folder)
>>> again = tfjs.load_tfjs(folder)
>>> x = np.ones((1, 3), "float32")
>>> bool(np.allclose(model.predict(x, verbose=0), again.predict(x, verbose=0)))
True
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import sys
import zipfile

import numpy as np

from ...atomic import atomic_path

MODEL_JSON = "model.json"
SHARD_BYTES = 4 * 1024 * 1024  # the official converter's default shard size
MAX_JSON_BYTES = 64 << 20
MAX_WEIGHT_BYTES = min(1 << 32, sys.maxsize - 1)  # 2 GiB on 32-bit wasm (Pyodide)
KERAS_VERSION = "2.15.0"  # the Keras dialect of the topology (what TF.js 4.22 understands)
BACKEND = "tensorflow"
_SHARD_RE = re.compile(r"^group\d+-shard\d+of\d+\.bin$")

_INIT_REG_CONSTRAINT = (
    "kernel_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "kernel_constraint",
    "bias_constraint",
)
# Keras 2 config keys TF.js reads, per layer class (beyond name, trainable, dtype, batch_input_shape).
LAYER_KEYS = {
    "Dense": ("units", "activation", "use_bias", *_INIT_REG_CONSTRAINT),
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias")
    + _INIT_REG_CONSTRAINT,
    "MaxPooling2D": ("pool_size", "strides", "padding", "data_format"),
    "AveragePooling2D": ("pool_size", "strides", "padding", "data_format"),
    "GlobalAveragePooling2D": ("data_format",),
    "GlobalMaxPooling2D": ("data_format",),
    "Flatten": ("data_format",),
    "Dropout": ("rate", "noise_shape", "seed"),
    "BatchNormalization": (
        "axis",
        "momentum",
        "epsilon",
        "center",
        "scale",
        "beta_initializer",
        "gamma_initializer",
        "moving_mean_initializer",
        "moving_variance_initializer",
        "beta_regularizer",
        "gamma_regularizer",
        "beta_constraint",
        "gamma_constraint",
    ),
    "Activation": ("activation",),
    "Reshape": ("target_shape",),
    "Permute": ("dims",),
    "ReLU": ("max_value",),
    "LeakyReLU": ("alpha",),
    "ELU": ("alpha",),
    "Softmax": ("axis",),
    "ZeroPadding2D": ("padding", "data_format"),
    "UpSampling2D": ("size", "data_format", "interpolation"),
    "Add": (),
    "Subtract": (),
    "Multiply": (),
    "Average": (),
    "Maximum": (),
    "Minimum": (),
    "Concatenate": ("axis",),
}
# gradplay activation name -> the name TF.js registers (it camel-cases snake_case strings itself).
ACTIVATIONS = {
    "linear": "linear",
    "relu": "relu",
    "relu6": "relu6",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "elu": "elu",
    "selu": "selu",
    "softplus": "softplus",
    "softsign": "softsign",
    "gelu": "gelu",  # TF.js' gelu is the exact (erf) form, as Keras' default
    "silu": "swish",
    "swish": "swish",
    "mish": "mish",
}
_TFJS_INITIALIZERS = {
    "Zeros",
    "Ones",
    "Constant",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "Identity",
}


# -- topology -----------------------------------------------------------------------------------


def _activation(value, where):
    if value is None:
        return "linear"
    if value not in ACTIVATIONS:
        raise ValueError(
            f"{where}: activation {value!r} has no TensorFlow.js equivalent (TF.js supports "
            f"{', '.join(sorted(ACTIVATIONS))}). Use a LeakyReLU/ReLU layer or another activation."
        )
    return ACTIVATIONS[value]


def _initializer(value, where):
    if value is None:
        return None
    name = value.get("class_name")
    if name not in _TFJS_INITIALIZERS:
        raise ValueError(f"{where}: initializer {name!r} has no TensorFlow.js equivalent.")
    config = dict(value.get("config") or {})
    if name == "VarianceScaling" and config.get("distribution") == "untruncated_normal":
        config["distribution"] = "normal"
    return {"class_name": name, "config": config}


def _regularizer(value, where):
    if value is None:
        return None
    if value.get("class_name") not in ("L1", "L2", "L1L2"):
        raise ValueError(f"{where}: regularizer {value.get('class_name')!r} has no TensorFlow.js equivalent.")
    config = value.get("config") or {}
    return {"class_name": "L1L2", "config": {"l1": float(config.get("l1", 0.0)), "l2": float(config.get("l2", 0.0))}}


def _constraint(value, where):
    if value is None:
        return None
    return {"class_name": value.get("class_name"), "config": dict(value.get("config") or {})}


def _check_layer(class_name, config, where):
    """Refuse settings TF.js would compute differently."""
    if class_name == "ReLU" and (config.get("negative_slope") or config.get("threshold")):
        raise ValueError(f"{where}: TF.js' ReLU has no negative_slope/threshold; only max_value is supported.")
    if class_name in ("GlobalAveragePooling2D", "GlobalMaxPooling2D") and config.get("keepdims"):
        raise ValueError(f"{where}: TF.js' global pooling has no keepdims=True.")
    if class_name == "Conv2D" and config.get("groups", 1) != 1:
        raise ValueError(f"{where}: TF.js' Conv2D has no groups.")
    if class_name == "BatchNormalization" and not isinstance(config.get("axis", -1), int):
        raise ValueError(f"{where}: TF.js' BatchNormalization takes a single integer axis.")


def _tfjs_layer_config(entry) -> dict:
    """One Keras 3 layer entry (``keras_zip`` form) -> ``{"class_name", "config"}`` in the Keras 2 dialect."""
    class_name = entry["class_name"]
    config = dict(entry.get("config") or {})
    where = f"Layer {config.get('name')!r} ({class_name})"
    if class_name not in LAYER_KEYS:
        raise ValueError(
            f"{where} cannot be exported to TensorFlow.js. Supported layers: {', '.join(sorted(LAYER_KEYS))}."
        )
    _check_layer(class_name, config, where)
    if class_name == "LeakyReLU":
        config["alpha"] = config.pop("negative_slope", 0.3)
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name", "float32")
    out = {"name": config["name"], "trainable": bool(config.get("trainable", True)), "dtype": dtype or "float32"}
    for key in LAYER_KEYS[class_name]:
        if key not in config:
            continue
        value = config[key]
        if key == "activation":
            value = _activation(value, where)
        elif key.endswith("_initializer"):
            value = _initializer(value, where)
        elif key.endswith("_regularizer"):
            value = _regularizer(value, where)
        elif key.endswith("_constraint"):
            value = _constraint(value, where)
        out[key] = value
    return {"class_name": class_name, "config": out}


def _history_list(node_args):
    """Keras 3 ``{"args": ...}`` -> Keras 2 ``[[layer, node, tensor, {}], ...]``."""
    found = []

    def walk(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            found.append([*value["config"]["keras_history"], {}])
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(node_args.get("args"))
    kwargs = (node_args.get("kwargs") or {}).values()
    if any(isinstance(v, dict) and v.get("class_name") == "__keras_tensor__" for v in kwargs):
        raise ValueError("Layer calls with tensor keyword arguments cannot be exported to TensorFlow.js.")
    return found


def model_topology(model) -> dict:
    """``modelTopology`` for ``model``: ``{"class_name", "config", "keras_version", "backend"}``."""
    from .keras_zip import model_to_config

    keras3 = model_to_config(model)
    inner = keras3["config"]
    if keras3["class_name"] == "Sequential":
        entries = inner["layers"]
        batch_shape = entries[0]["config"]["batch_shape"]
        layers = [_tfjs_layer_config(e) for e in entries[1:]]
        if not layers:
            raise ValueError(f"The Sequential model {model.name!r} has no layers to export.")
        layers[0]["config"]["batch_input_shape"] = batch_shape
        topology = {"class_name": "Sequential", "config": {"name": inner["name"], "layers": layers}}
    else:
        layers = []
        for entry in inner["layers"]:
            if entry["class_name"] == "InputLayer":
                c = entry["config"]
                layer = {
                    "class_name": "InputLayer",
                    "config": {
                        "batch_input_shape": c["batch_shape"],
                        "dtype": c.get("dtype") or "float32",
                        "sparse": False,
                        "name": c["name"],
                    },
                }
                layer["inbound_nodes"] = []
            else:
                layer = _tfjs_layer_config(entry)
                layer["inbound_nodes"] = [_history_list(n) for n in entry["inbound_nodes"]]
            layer["name"] = entry["name"]
            layers.append(layer)

        def io(spec):
            return [spec] if spec and isinstance(spec[0], str) else [list(s) for s in spec]

        topology = {
            "class_name": "Model",
            "config": {
                "name": inner["name"],
                "layers": layers,
                "input_layers": io(inner["input_layers"]),
                "output_layers": io(inner["output_layers"]),
            },
        }
    topology["keras_version"] = KERAS_VERSION
    topology["backend"] = BACKEND
    return topology


# -- weights ------------------------------------------------------------------------------------


def _var_name(var) -> str:
    return (getattr(var, "name", None) or "variable").split("/")[-1].split(":")[0]


def _named_weights(model):
    """``[(manifest name, variable), ...]``: each layer's trainable then non-trainable weights."""
    out, seen = [], set()
    for layer in model.layers:
        for var in list(layer.trainable_weights) + list(layer.non_trainable_weights):
            name = f"{layer.name}/{_var_name(var)}"
            if name in seen:
                raise ValueError(f"Two weights are named {name!r}; TF.js matches weights by name, rename the layers.")
            seen.add(name)
            out.append((name, var))
    return out


def _files(model) -> dict[str, bytes]:
    """``{file name: bytes}`` of the TF.js folder for ``model``."""
    import gradplay

    from .keras_zip import KERAS_VERSION as GRADPLAY_KERAS

    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet; call it on data or build it before exporting.")
    topology = model_topology(model)
    specs, chunks = [], []
    for name, var in _named_weights(model):
        value = np.asarray(var.numpy())
        if value.dtype.kind not in "fiub":
            raise ValueError(f"Weight {name!r} has dtype {value.dtype}; TF.js layers models hold float32 weights.")
        specs.append({"name": name, "shape": [int(d) for d in value.shape], "dtype": "float32"})
        chunks.append(np.ascontiguousarray(value, dtype="<f4").tobytes())
    data = b"".join(chunks)
    n = max(1, -(-len(data) // SHARD_BYTES))
    paths = [f"group1-shard{i + 1}of{n}.bin" for i in range(n)]
    files = {path: data[i * SHARD_BYTES : (i + 1) * SHARD_BYTES] for i, path in enumerate(paths)}
    model_json = {
        "format": "layers-model",
        "generatedBy": f"gradplay {gradplay.__version__}",
        "convertedBy": f"gradplay {gradplay.__version__} (Keras {GRADPLAY_KERAS} layers)",
        "modelTopology": topology,
        "weightsManifest": [{"paths": paths, "weights": specs}],
    }
    files[MODEL_JSON] = json.dumps(model_json).encode("utf-8")
    return files


def save_tfjs(model, dirpath, overwrite=True):
    """Write ``model`` as a TensorFlow.js layers model into the folder ``dirpath`` (created if needed).

    Every file is written atomically, the shards first and ``model.json`` last, so a reader never sees
    a ``model.json`` whose shards are incomplete; shards left from an earlier, bigger save are removed."""
    dirpath = os.fspath(dirpath)
    if os.path.exists(dirpath) and not os.path.isdir(dirpath):
        raise ValueError(f"{dirpath} exists and is not a folder; a TF.js model is a folder (model.json + shards).")
    target = os.path.join(dirpath, MODEL_JSON)
    if not overwrite and os.path.exists(target):
        raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it.")
    files = _files(model)
    os.makedirs(dirpath, exist_ok=True)
    for name, data in files.items():
        if name == MODEL_JSON:
            continue
        with atomic_path(os.path.join(dirpath, name)) as tmp, open(tmp, "wb") as fh:
            fh.write(data)
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(files[MODEL_JSON])
    for name in os.listdir(dirpath):
        if _SHARD_RE.match(name) and name not in files:
            os.remove(os.path.join(dirpath, name))


def tfjs_to_bytes(model) -> bytes:
    """The TF.js folder as a zip archive in memory (``model.json`` + shards at its root)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in _files(model).items():
            # A fixed timestamp keeps the bytes a function of the model alone.
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


# -- load ---------------------------------------------------------------------------------------


class _Folder:
    def __init__(self, path):
        self.path, self.where = path, path

    def read(self, name, limit):
        full = os.path.join(self.path, name)
        if not os.path.isfile(full):
            raise ValueError(f"{self.where}: {name} is missing (model.json lists it).")
        if os.path.getsize(full) > limit:
            raise ValueError(f"{self.where}: {name} is larger than the {limit}-byte cap.")
        with open(full, "rb") as fh:
            return fh.read()


class _Zip:
    def __init__(self, data, where):
        self.where = where
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ValueError(f"{where} is not a readable zip of a TF.js model (corrupt or truncated): {e}") from None
        self.members = {}
        for info in infos:
            norm = posixpath.normpath(info.filename.replace("\\", "/"))
            if norm.startswith("/") or ".." in norm.split("/"):
                raise ValueError(f"{where}: refusing zip member with an absolute or '..' path: {info.filename!r}.")
            self.members[posixpath.basename(norm)] = info  # the folder may be zipped with its parent

    def read(self, name, limit):
        info = self.members.get(name)
        if info is None:
            raise ValueError(f"{self.where}: {name} is missing from the archive (model.json lists it).")
        if info.file_size > limit:
            raise ValueError(f"{self.where}: {name} declares {info.file_size} bytes, over the {limit}-byte cap.")
        try:
            with self.zf.open(info) as fh:
                data = fh.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ValueError(f"{self.where}: {name} is corrupt: {e}") from None
        if len(data) > limit:
            raise ValueError(f"{self.where}: {name} is larger than it declares; refusing it.")
        return data


def _source(path_or_bytes):
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return _Zip(bytes(path_or_bytes), "<bytes>")
    path = os.fspath(path_or_bytes)
    if os.path.isdir(path):
        return _Folder(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such TF.js model folder or file: {path}")
    if os.path.basename(path) == MODEL_JSON:
        return _Folder(os.path.dirname(path) or ".")
    with open(path, "rb") as fh:
        return _Zip(fh.read(), path)


def _keras3_layer(entry, where) -> dict:
    class_name = entry.get("class_name")
    config = dict(entry.get("config") or {})
    if class_name == "InputLayer":
        config["batch_shape"] = config.pop("batch_input_shape", config.get("batch_shape"))
    config.pop("batch_input_shape", None)
    if class_name == "LeakyReLU" and "alpha" in config:
        config["negative_slope"] = config.pop("alpha")
    if isinstance(config.get("axis"), list) and len(config["axis"]) == 1:
        config["axis"] = int(config["axis"][0])
    if config.get("activation") in ("swish",):
        config["activation"] = "silu"
    for key, value in list(config.items()):
        if key.endswith(("_initializer", "_regularizer", "_constraint")) and isinstance(value, dict):
            config[key] = {"class_name": value.get("class_name"), "config": value.get("config") or {}}
    return {"class_name": class_name, "config": config}


def _keras3_config(topology, where) -> dict:
    """Keras 2 ``modelTopology`` -> the Keras 3 config ``keras_zip.model_from_config`` builds."""
    if not isinstance(topology, dict):
        raise ValueError(f"{where}: modelTopology must be an object.")
    if "model_config" in topology:  # the converter's older nesting
        topology = topology["model_config"]
    class_name = topology.get("class_name")
    inner = topology.get("config")
    if isinstance(inner, list):  # very old Keras: the config is the layer list
        inner = {"layers": inner}
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise ValueError(f"{where}: modelTopology has no config.layers list.")
    if class_name == "Sequential":
        entries = [_keras3_layer(e, where) for e in inner["layers"]]
        first = (inner["layers"][0].get("config") or {}) if inner["layers"] else {}
        shape = first.get("batch_input_shape")
        if shape is not None and entries and entries[0]["class_name"] != "InputLayer":
            entries.insert(0, {"class_name": "InputLayer", "config": {"batch_shape": shape, "name": "input_layer"}})
        return {
            "class_name": "Sequential",
            "config": {"name": inner.get("name"), "layers": entries, "build_input_shape": shape},
        }
    if class_name in ("Model", "Functional"):
        layers = []
        for e in inner["layers"]:
            layer = _keras3_layer(e, where)
            layer["name"] = e.get("name") or layer["config"].get("name")
            nodes = []
            for node in e.get("inbound_nodes") or []:
                tensors = [
                    {"class_name": "__keras_tensor__", "config": {"keras_history": [t[0], int(t[1]), int(t[2])]}}
                    for t in node
                ]
                nodes.append({"args": [tensors if len(tensors) > 1 else tensors[0]], "kwargs": {}})
            layer["inbound_nodes"] = nodes
            layers.append(layer)

        def io(spec):
            specs = [list(s[:3]) for s in spec]
            return specs[0] if len(specs) == 1 else specs

        return {
            "class_name": "Functional",
            "config": {
                "name": inner.get("name"),
                "layers": layers,
                "input_layers": io(inner.get("input_layers") or []),
                "output_layers": io(inner.get("output_layers") or []),
            },
        }
    raise ValueError(f"{where}: unknown model class {class_name!r} (expected Sequential or Model).")


def _spec(spec, where):
    """``(name, shape, dtype)`` of one manifest entry, validated."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ValueError(f"{where}: malformed weight entry in weightsManifest: {spec!r:.200}.")
    shape = spec.get("shape", [])
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise ValueError(f"{where}: weight {spec['name']!r} has an invalid shape {shape!r:.200}.")
    return spec["name"], shape, spec.get("dtype")


def load_tfjs(path_or_bytes, custom_objects=None):
    """Read a TF.js layers model (a folder, its ``model.json``, a zip file, or zip bytes) into gradplay.

    Weights are matched by name and every shape is checked before any variable changes."""
    from .keras_zip import model_from_config

    src = _source(path_or_bytes)
    where = src.where
    try:
        model_json = json.loads(src.read(MODEL_JSON, MAX_JSON_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{where}: {MODEL_JSON} is not valid JSON (corrupt or truncated): {e}") from None
    if not isinstance(model_json, dict) or "modelTopology" not in model_json:
        raise ValueError(f"{where}: {MODEL_JSON} has no modelTopology; it is not a TF.js layers model.")
    if model_json.get("format") not in (None, "layers-model"):
        raise ValueError(
            f"{where}: format {model_json.get('format')!r} is not a layers model (graph models cannot be loaded)."
        )
    try:
        model = model_from_config(_keras3_config(model_json["modelTopology"], where), custom_objects=custom_objects)
    except (KeyError, TypeError, IndexError) as e:
        raise ValueError(f"{where}: modelTopology is malformed: {type(e).__name__}: {e}") from None
    manifest = model_json.get("weightsManifest") or []
    if not isinstance(manifest, list):
        raise ValueError(f"{where}: weightsManifest must be a list.")
    variables = dict(_named_weights(model))
    assignments = []
    for group in manifest:
        if not isinstance(group, dict) or not isinstance(group.get("paths", []), list):
            raise ValueError(f"{where}: weightsManifest entries must be {{'paths': [...], 'weights': [...]}}.")
        paths, specs = group.get("paths") or [], group.get("weights") or []
        for p in paths:
            if not isinstance(p, str) or "/" in p or "\\" in p or p in ("", ".", ".."):
                raise ValueError(f"{where}: refusing shard path {p!r} (shards must sit beside model.json).")
        data = b"".join(src.read(p, MAX_WEIGHT_BYTES) for p in paths)
        offset = 0
        for spec in specs:
            name, shape, dtype = _spec(spec, where)
            if dtype not in ("float32", None):
                raise ValueError(f"{where}: weight {name!r} has dtype {dtype!r}; only float32 is supported.")
            if spec.get("quantization"):
                raise ValueError(f"{where}: weight {name!r} is quantized; quantized weights are not supported.")
            size = int(np.prod(shape, dtype=np.int64)) * 4
            if offset + size > len(data):
                raise ValueError(
                    f"{where}: the shards {paths} hold {len(data)} bytes, too few for weight {name!r} "
                    f"(needs bytes {offset}..{offset + size}); a shard is truncated."
                )
            value = np.frombuffer(data, dtype="<f4", count=size // 4, offset=offset).reshape(shape)
            offset += size
            var = variables.pop(name, None)
            if var is None:
                raise ValueError(f"{where}: weight {name!r} in the manifest matches no variable of the model.")
            if tuple(var.shape) != tuple(shape):
                raise ValueError(
                    f"{where}: shape mismatch for weight {name!r}: the model expects {tuple(var.shape)}, "
                    f"the manifest says {tuple(shape)}."
                )
            assignments.append((var, value))
        if offset != len(data):
            raise ValueError(f"{where}: the shards {paths} hold {len(data)} bytes, the manifest describes {offset}.")
    if variables:
        raise ValueError(f"{where}: the manifest has no values for weights {sorted(variables)}.")
    for var, value in assignments:
        var.assign(value.astype(np.dtype(var.dtype.as_numpy_dtype)))
    return model
