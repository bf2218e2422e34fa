"""``keras.utils``: to_categorical, set_random_seed, normalize."""

from __future__ import annotations

import random

import numpy as np

from ..ops import random_ops


def to_categorical(x, num_classes=None):
    """Integer class vector -> one-hot float32 matrix (trailing 1-sized axis dropped, as Keras)."""
    y = np.asarray(x)
    if y.dtype.kind == "f":
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError("to_categorical needs integer class ids; got non-integer values.")
        y = y.astype(np.int64)
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: class ids must be non-negative, got {y.min()}.")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and y.max() >= num_classes:
        raise ValueError(f"to_categorical: class id {y.max()} is out of range for num_classes={num_classes}.")
    out = np.zeros((y.size, num_classes), np.float32)
    out[np.arange(y.size), y] = 1
    return out.reshape(shape + (num_classes,))


def set_random_seed(seed):
    """Seed Python's, NumPy's and gradplay's generators (Keras' ``utils.set_random_seed``)."""
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    random_ops.set_seed(int(seed))


def normalize(x, axis=-1, order=2):
    x = np.asarray(x, np.float32)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.maximum(norm, 1e-12)
