"""Weights as a plain NumPy ``.npz`` archive, keyed by the model's structure, and the weights of
either format as bytes in memory (for downloads in the browser, where files are a detour).

Keys are the HDF5 layout's paths (``layers/dense/vars/0``), so the two formats name every
weight the same way. Loading never unpickles (``allow_pickle=False``), checks every array's
shape and dtype before changing anything, and names what is wrong.

>>> import numpy as np
>>> from gradplay.engine import keras
>>> from gradplay.engine.keras.saving import weights_npz
>>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
>>> data = weights_npz.weights_to_bytes(model, "npz")
>>> weights_npz.load_weights_from_bytes(model, data, "npz")
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile

import numpy as np

from ...atomic import atomic_path
from . import weights_h5

FORMATS = ("h5", "npz")


def _arrays(model) -> dict[str, np.ndarray]:
    weights_h5._check_built(model, "saving")
    out = {}
    for _layer, vars_path, _name, variables in weights_h5._entries(model):
        for i, v in enumerate(variables):
            out[f"{vars_path}/{i}"] = np.asarray(v.numpy())
    return out


def save_weights(model, filepath, overwrite=True):
    """Write the weights to ``filepath`` (``*.npz``) atomically (temporary file, then rename)."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".npz"):
        raise ValueError(f"The filename must end in `.npz` for this format. Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    data = _npz_bytes(_arrays(model))
    with atomic_path(filepath) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def _npz_bytes(arrays: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def load_weights(model, filepath, skip_mismatch=False):
    """Read weights written by ``save_weights`` (``*.npz``)."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such weights file: {filepath}")
    with open(filepath, "rb") as fh:
        _load_npz(model, fh.read(), filepath, skip_mismatch)


def _load_npz(model, data: bytes, source: str, skip_mismatch: bool):
    weights_h5._check_built(model, "loading")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            stored = {key: archive[key] for key in archive.files}
    except ValueError as exc:  # object arrays need pickle: refused
        raise ValueError(f"{source}: refusing to load it: it holds pickled objects ({exc}).") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"{source} is not a valid .npz weights file (corrupt or truncated: {exc}).") from None
    updates, problems = [], []
    for layer, vars_path, _name, variables in weights_h5._entries(model):
        for i, v in enumerate(variables):
            key = f"{vars_path}/{i}"
            if key not in stored:
                problems.append(f"missing array {key!r} for layer {layer.name!r} (variable {v.path})")
                continue
            value = stored[key]
            if tuple(value.shape) != tuple(v.shape):
                problems.append(
                    f"{key!r} (layer {layer.name!r}, variable {v.path}): expected shape {tuple(v.shape)}, "
                    f"received {tuple(value.shape)}"
                )
                continue
            if value.dtype.kind not in "biuf":
                problems.append(f"{key!r}: unsupported dtype {value.dtype}")
                continue
            updates.append((v, value))
    if problems and not skip_mismatch:
        raise ValueError(
            f"Cannot load {source} into model {model.name!r}: "
            + "; ".join(problems[:10])
            + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
            + ". Build the same architecture that saved the file."
        )
    for v, value in updates:
        v.assign(value.astype(v.dtype.as_numpy_dtype))


def weights_to_bytes(model, format="h5") -> bytes:  # noqa: A002 - the natural name
    """The weights file as bytes: ``format="h5"`` (Keras 3's ``.weights.h5``; written without h5py where it
    is missing, see ``weights_h5``) or ``"npz"``."""
    if format == "npz":
        return _npz_bytes(_arrays(model))
    if format == "h5":
        return weights_h5.weights_to_bytes(model)
    raise ValueError(f"Unknown weights format {format!r}; use one of {FORMATS}.")


def load_weights_from_bytes(model, data: bytes, format="h5", skip_mismatch=False):  # noqa: A002
    """Load weights from bytes made by ``weights_to_bytes`` (or read from a Keras 3 file)."""
    if format == "npz":
        return _load_npz(model, bytes(data), "<bytes>", skip_mismatch)
    if format == "h5":
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.weights.h5")
            with open(path, "wb") as fh:
                fh.write(data)
            return weights_h5.load_weights(model, path, skip_mismatch=skip_mismatch)
    raise ValueError(f"Unknown weights format {format!r}; use one of {FORMATS}.")
