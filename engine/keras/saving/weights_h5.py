"""``model.save_weights("x.weights.h5")`` / ``model.load_weights(...)`` in Keras 3's HDF5 layout.

The layout (measured against Keras 3.15 ``saving_lib._save_state``): the file mirrors the trackable
structure of the model. The model's own variables live in the root group ``vars`` (which must exist:
Keras <= 3.3 fails without it), a Sequential or Functional model's layers under
``layers/<key>/vars/<i>``, where ``<key>`` is the snake-case CLASS name with a per-class counter in
layer order (``dense``, ``dense_1``, ...), never ``layer.name``. Nested layers sit under their attribute
names (``bidirectional/forward_layer``, ``multi_head_attention/query_dense``, ``time_distributed/layer``),
lists of layers as containers keyed like ``layers``. Datasets ``0, 1, ...`` hold a layer's own variables,
trainable first then non-trainable. Every visited layer gets a ``vars`` group whose ``name`` attribute is
``layer.name``, even if it has no variables. Keras keeps recurrent weights on a ``cell`` sublayer; gradplay
keeps them on the LSTM/GRU/SimpleRNN layer itself, so they are written to and read from ``<rnn>/cell/vars``.
Optimizer state is not written (Keras only warns when it is missing).

Writing uses h5py when it can be imported, and otherwise (Pyodide in the browser has no h5py) the
pure-Python writer ``hdf5_writer``, whose files h5py and Keras 3 read the same way. Setting the
environment variable ``GRADPLAY_PURE_HDF5=1`` forces the pure-Python writer (tests use it). Reading
always needs h5py. h5py is imported inside the functions: ``import gradplay.engine`` imports NumPy only.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np

from ...atomic import atomic_path
from ..naming import to_snake_case
from . import hdf5_writer

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
PURE_HDF5_ENV = "GRADPLAY_PURE_HDF5"  # "1": write with hdf5_writer even where h5py is installed
# Attributes of gradplay layers that hold internal structure rather than tracked sublayers.
_SKIP_ATTRS = frozenset(
    {"_layers", "_self_ref", "_inbound_nodes", "_graph", "_graph_layers", "_stack", "_input_layer", "_nodes"}
)


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Saving and loading `.weights.h5` files needs h5py. Install it with `pip install h5py` "
            "(or `pip install gradplay[io]`)."
        ) from e
    return h5py


def _h5py_for_writing():
    """h5py, or None to write with the pure-Python ``hdf5_writer`` (no h5py, or ``GRADPLAY_PURE_HDF5=1``)."""
    if os.environ.get(PURE_HDF5_ENV) == "1":
        return None
    try:
        import h5py
    except ImportError:
        return None
    return h5py


# -- walking the trackable structure ------------------------------------------------------------


def _layer_cls():
    from ..layers.base import Layer

    return Layer


def _is_rnn(layer) -> bool:
    from ..layers.rnn import _RNN

    return isinstance(layer, _RNN)


def _own_variables(layer) -> list:
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def _name_key(name: str) -> str:
    """Keras visits private attributes last."""
    return f"~{name}" if name.startswith("_") else name


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _children(layer):
    """(attribute name, value) pairs Keras' ``_walk_saveable`` would visit, in its order."""
    from ..models.functional import Functional
    from ..models.model import Model
    from ..models.sequential import Sequential

    Layer = _layer_cls()
    attrs = dict(vars(layer))
    if isinstance(layer, (Sequential, Functional)):
        # Keras saves the layers tracked by Sequential and Functional first.
        yield "layers", list(layer.layers)
    elif isinstance(layer, Model):
        # A subclassed model: Keras walks its `layers` property among the attributes, in name order.
        attrs["layers"] = list(layer.layers)
    tracked = {id(l) for l in layer._layers}
    for attr in sorted(attrs, key=_name_key):
        if attr.startswith("__") or attr in _SKIP_ATTRS:
            continue
        value = attrs[attr]
        if isinstance(value, Layer):
            if id(value) in tracked:
                yield attr, value
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            if any(isinstance(v, Layer) for v in items):
                yield attr, value


def _walk(layer, path: str, visited: set, out: list):
    """Append ``(layer, path)`` for every layer reachable from ``layer``, as Keras orders and names them."""
    if id(layer) in visited:
        return
    visited.add(id(layer))
    out.append((layer, path))
    Layer = _layer_cls()
    for attr, child in _children(layer):
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, Layer):
            _walk(child, child_path, visited, out)
        else:
            _walk_container(child, child_path, visited, out, set())


def _walk_container(container, path, visited, out, seen_containers):
    if id(container) in seen_containers:
        return
    seen_containers.add(id(container))
    items = list(container.values()) if isinstance(container, dict) else list(container)
    used: dict = {}
    Layer = _layer_cls()
    for item in items:
        if isinstance(item, Layer):
            name = _unique(to_snake_case(type(item).__name__), used)
            _walk(item, f"{path}/{name}", visited, out)
        elif isinstance(item, (list, tuple, dict)):
            name = _unique("container", used)
            _walk_container(item, f"{path}/{name}", visited, out, seen_containers)


def _entries(model):
    """``[(layer, group path of its vars, metadata name), ...]``; RNN weights go to ``<path>/cell``."""
    out: list = []
    _walk(model, "", set(), out)
    entries = []
    for layer, path in out:
        vars_path = f"{path}/vars" if path else "vars"
        if _is_rnn(layer):
            entries.append((layer, vars_path, layer.name, []))  # the RNN's own (empty) group
            cell = f"{path}/cell/vars"
            entries.append((layer, cell, to_snake_case(type(layer).__name__) + "_cell", _own_variables(layer)))
        else:
            entries.append((layer, vars_path, layer.name, _own_variables(layer)))
    return entries


def _check_built(model, verb):
    if not model.built:
        raise ValueError(
            f"You are {verb} a model that has not yet been built. Try building the model first by calling "
            "it on some data or by using `build()`."
        )


def _check_suffix(filepath):
    if not str(filepath).endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")


# -- save ---------------------------------------------------------------------------------------


def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights to ``filepath`` (``*.weights.h5``) atomically."""
    filepath = os.fspath(filepath)
    _check_suffix(filepath)
    _check_built(model, "saving")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    data = weights_to_bytes(model)
    with atomic_path(filepath) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def weights_to_bytes(model) -> bytes:
    """The ``.weights.h5`` file of ``model`` as bytes, written by h5py or, without it, by ``hdf5_writer``."""
    _check_built(model, "saving")
    entries = _entries(model)
    h5py = _h5py_for_writing()
    if h5py is None:
        root = hdf5_writer.Group()
        _write(root, entries)
        return hdf5_writer.write_hdf5(root)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _write(f, entries)
    return buffer.getvalue()


def _write(f, entries):
    """Fill ``f``, an ``h5py.File`` or an ``hdf5_writer.Group`` (same calls)."""
    for _layer, vars_path, name, variables in entries:
        group = f.require_group(vars_path)
        group.attrs["name"] = name
        for i, v in enumerate(variables):
            group.create_dataset(str(i), data=np.asarray(v.numpy()))


# -- load ---------------------------------------------------------------------------------------


def _alternatives(path: str):
    """Paths older Keras versions used for the same group (private attribute names, e.g. ``_query_dense``)."""
    yield path
    if "layers" in path:  # files from Keras 2.13-2.15 (Keras 3 reads them the same way)
        yield path.replace("layers", "_layer_checkpoint_dependencies")
    parts = path.split("/")
    for i, p in enumerate(parts[:-1]):
        if p in ("layers", "vars", "cell") or p.startswith("container"):
            continue
        alt = p[1:] if p.startswith("_") else "_" + p
        yield "/".join(parts[:i] + [alt] + parts[i + 1 :])


def _has_hdf5_signature(filepath) -> bool:
    """The HDF5 superblock starts at byte 0, 512, 1024, 2048, ... (after an optional user block)."""
    size = os.path.getsize(filepath)
    with open(filepath, "rb") as fh:
        offset = 0
        while offset + 8 <= size:
            fh.seek(offset)
            if fh.read(8) == _HDF5_SIGNATURE:
                return True
            offset = 512 if offset == 0 else offset * 2
    return False


def _open_for_reading(filepath):
    h5py = _h5py()
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such weights file: {filepath}")
    if not _has_hdf5_signature(filepath):
        with open(filepath, "rb") as fh:
            head = fh.read(8)
        raise ValueError(
            f"{filepath} is not an HDF5 file (expected a Keras `.weights.h5` file written by "
            f"`model.save_weights`); its first bytes are {head!r}."
        )
    try:
        return h5py.File(filepath, "r")
    except OSError as e:
        raise ValueError(f"{filepath} is not a readable HDF5 weights file (corrupt or truncated): {e}") from None


def load_weights(model, filepath, skip_mismatch=False):
    """Read ``filepath`` (``*.weights.h5``, Keras 3 layout) into ``model``.

    Every dataset is checked (count, shape, dtype) before any variable changes, so a failed load leaves
    the model untouched. With ``skip_mismatch=True`` mismatching layers are skipped with a warning.
    """
    filepath = os.fspath(filepath)
    _check_suffix(filepath)
    _check_built(model, "loading weights into")
    entries = _entries(model)
    f = _open_for_reading(filepath)
    try:
        assignments, problems = _read(f, entries, filepath)
    except (OSError, RuntimeError, KeyError) as e:
        raise ValueError(f"{filepath} is not a readable HDF5 weights file (corrupt or truncated): {e}") from None
    finally:
        f.close()
    if problems:
        if not skip_mismatch:
            more = f"\n({len(problems) - 1} more: {[p[0] for p in problems[1:]]})" if len(problems) > 1 else ""
            raise ValueError(f"Could not load weights from {filepath}: {problems[0][1]}{more}")
        for _path, msg in problems:
            warnings.warn(f"Skipping loading weights: {msg}")
    for var, value in assignments:
        var.assign(value)


def _fits_integer(value, want) -> bool:
    """Integer counters may differ in width (Keras' Normalization keeps ``count`` as int32) if the values fit."""
    if value.dtype.kind not in "iu" or want.kind not in "iu":
        return False
    info = np.iinfo(want)
    return value.size == 0 or (int(value.min()) >= info.min and int(value.max()) <= info.max)


def _read(f, entries, filepath):
    h5py = _h5py()
    assignments, problems = [], []
    for layer, vars_path, _name, variables in entries:
        if not variables:
            continue
        group = None
        for candidate in _alternatives(vars_path):
            if candidate in f and isinstance(f[candidate], h5py.Group):
                group = f[candidate]
                break
        where = f"layer {layer.name!r} ({type(layer).__name__}) at {vars_path!r}"
        if group is None:
            problems.append(
                (
                    vars_path,
                    f"the file has no group {vars_path!r} for {where}, which has {len(variables)} variables. "
                    "The file was saved from a different architecture.",
                )
            )
            continue
        if len(group.keys()) != len(variables):
            problems.append(
                (
                    vars_path,
                    f"{where} expects {len(variables)} variables {[tuple(v.shape) for v in variables]}, "
                    f"but the file holds {len(group.keys())}.",
                )
            )
            continue
        staged, bad = [], None
        for i, v in enumerate(variables):
            ds = group.get(str(i))
            if not isinstance(ds, h5py.Dataset):
                bad = f"{where}: the file has no dataset {vars_path}/{i}."
                break
            expected = tuple(v.shape)
            if tuple(ds.shape) != expected:
                bad = (
                    f"{where}, variable {i} ({v.path}): expected shape {expected}, "
                    f"received {tuple(ds.shape)} in the file."
                )
                break
            want = np.dtype(v.dtype.as_numpy_dtype)
            value = np.asarray(ds[()])
            if ds.dtype != want and not _fits_integer(value, want):
                bad = f"{where}, variable {i} ({v.path}): expected dtype {want}, received {ds.dtype} in the file."
                break
            staged.append((v, value.astype(want)))
        if bad:
            problems.append((vars_path, bad))
        else:
            assignments.extend(staged)
    return assignments, problems
