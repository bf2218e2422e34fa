"""The Playground's input features (TF Playground's ``INPUTS`` table), vectorized over points.

>>> import numpy as np
>>> from gradplay.app import features
>>> features.transform(np.array([[1.0, 2.0]]), ["x", "xTimesY", "ySquared"]).tolist()
[[1.0, 2.0, 4.0]]
>>> features.LABELS["xSquared"]
'x₁²'
"""

from __future__ import annotations

import numpy as np

# name -> (function of the (N, 2) points, display label); TF Playground's order and names.
FEATURES = {
    "x": (lambda p: p[:, 0], "x₁"),
    "y": (lambda p: p[:, 1], "x₂"),
    "xSquared": (lambda p: p[:, 0] * p[:, 0], "x₁²"),
    "ySquared": (lambda p: p[:, 1] * p[:, 1], "x₂²"),
    "xTimesY": (lambda p: p[:, 0] * p[:, 1], "x₁x₂"),
    "sinX": (lambda p: np.sin(p[:, 0]), "sin(x₁)"),
    "sinY": (lambda p: np.sin(p[:, 1]), "sin(x₂)"),
    "cosX": (lambda p: np.cos(p[:, 0]), "cos(x₁)"),
    "cosY": (lambda p: np.cos(p[:, 1]), "cos(x₂)"),
}
NAMES = tuple(FEATURES)
LABELS = {name: label for name, (_, label) in FEATURES.items()}


def selected(state) -> list[str]:
    """The feature names switched on in ``state`` (any object with the boolean attributes), in
    the table's order."""
    return [name for name in NAMES if getattr(state, name, False)]


def transform(points, names) -> np.ndarray:
    """Columns ``names`` of the features of ``points`` (N, 2): float32 (N, len(names))."""
    pts = np.asarray(points, dtype=np.float32)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2). Received: shape={pts.shape}")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"Unknown feature(s) {unknown}; expected names from {list(NAMES)}.")
    out = np.empty((len(pts), len(names)), np.float32)
    for j, name in enumerate(names):
        out[:, j] = FEATURES[name][0](pts)
    return out
