"""The input plane shared by the 2-D views: grid points and one-pass model evaluation on them."""

from __future__ import annotations

import numpy as np


def plane_grid(x_range, y_range, resolution: int) -> np.ndarray:
    """``(resolution**2, 2)`` float32 pixel centres, row by row from the bottom, so that
    ``outputs.reshape(resolution, resolution)`` is an image with row 0 at ``y_range[0]``.

    >>> plane_grid((0, 2), (0, 2), 2).tolist()
    [[0.5, 0.5], [1.5, 0.5], [0.5, 1.5], [1.5, 1.5]]
    """
    (x0, x1), (y0, y1) = x_range, y_range
    xs = x0 + (np.arange(resolution) + 0.5) * (x1 - x0) / resolution
    ys = y0 + (np.arange(resolution) + 0.5) * (y1 - y0) / resolution
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    points.flags.writeable = False
    return points


def to_numpy(out) -> np.ndarray:
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out)


def model_outputs(model, points: np.ndarray) -> np.ndarray:
    """One batched forward pass of ``model`` on ``points`` as a NumPy array."""
    out = model.predict_on_batch(points) if hasattr(model, "predict_on_batch") else model(points)
    if isinstance(out, (list, tuple)):
        raise ValueError(f"the model has {len(out)} outputs; give it a single output to draw a boundary.")
    return to_numpy(out)


def model_input_dim(model):
    """The last input dimension of ``model``, or None when it is not known yet (unbuilt)."""
    try:
        shape = model.input_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, list):
        return -1  # several inputs: never a 2-D plane
    return shape[-1] if shape else None


def activation_model(model):
    """``keras.Model`` whose outputs are every layer's output (seed 003's recipe)."""
    from gradplay.engine import keras

    return keras.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])


def dense_layers(model) -> list:
    """The layers of ``model`` that have a 2-D ``kernel`` (Dense-like), in order."""
    return [
        layer for layer in model.layers if getattr(layer, "kernel", None) is not None and len(layer.kernel.shape) == 2
    ]


def hidden_outputs(model, points, act_model=None):
    """Outputs of every Dense layer of ``model`` on ``points`` in ONE forward pass:
    ``(list of (N, units) arrays, names, act_model)``; pass ``act_model`` back in to reuse it."""
    if act_model is None:
        act_model = activation_model(model)
    outs = act_model.predict_on_batch(points)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    dense = {id(layer) for layer in dense_layers(model)}
    arrays, names = [], []
    for layer, out in zip(model.layers, outs):
        if id(layer) in dense:
            arrays.append(to_numpy(out).reshape(len(points), -1))
            names.append(layer.name)
    return arrays, names, act_model
