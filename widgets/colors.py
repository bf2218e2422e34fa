"""Colour maps for ``image_rgba``: vectorized value -> packed RGBA ``uint32`` (one LUT lookup per pixel).

Bokeh's ``image_rgba`` takes a 2-D ``uint32`` array whose bytes are R, G, B, A in memory order,
so an ``(..., 4) uint8`` array viewed as ``uint32`` is exactly what it wants.

>>> import numpy as np
>>> lut = diverging_lut()
>>> img = map_values(np.array([-1.0, 0.0, 1.0]), -1, 1, lut)
>>> [hex_color(v) for v in img]
['#f59322', '#ffffff', '#0877bd']
"""

from __future__ import annotations

import numpy as np

# The TensorFlow Playground's colours: orange for negative / class 0, blue for positive / class 1.
ORANGE = "#f59322"
BLUE = "#0877bd"
WHITE = "#ffffff"
# Bokeh's Category10, used for multi-class outputs (class 0 and 1 keep the Playground colours).
CLASS_COLORS = (
    ORANGE,
    BLUE,
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
# A few stops of matplotlib's viridis (perceptually uniform; used for unsigned activations).
VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")


def hex_to_rgb(color: str) -> np.ndarray:
    """``"#f59322"`` -> ``array([245, 147, 34])`` (float64)."""
    digits = color.lstrip("#")
    try:
        if len(digits) != 6:
            raise ValueError
        return np.array([int(digits[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)
    except ValueError:
        raise ValueError(f"Expected a hex colour like '#f59322', got {color!r}.") from None


def hex_color(packed) -> str:
    """A packed RGBA ``uint32`` back to ``'#rrggbb'`` (alpha dropped)."""
    r, g, b, _ = np.array([packed], dtype=np.uint32).view(np.uint8)
    return f"#{r:02x}{g:02x}{b:02x}"


def unpack(packed: np.ndarray) -> np.ndarray:
    """Packed ``uint32`` image -> ``(..., 4) uint8`` RGBA."""
    packed = np.ascontiguousarray(packed, dtype=np.uint32)
    return packed.view(np.uint8).reshape(*packed.shape, 4)


def pack(rgba: np.ndarray) -> np.ndarray:
    """``(..., 4)`` RGBA in 0..255 -> packed ``uint32`` of shape ``(...)``."""
    rgba = np.ascontiguousarray(np.clip(rgba, 0, 255), dtype=np.uint8)
    return rgba.view(np.uint32).reshape(rgba.shape[:-1])


def make_lut(stops, n: int = 255, alpha: int = 255) -> np.ndarray:
    """A lookup table of ``n`` packed colours interpolated linearly between evenly spaced ``stops``."""
    rgb = np.stack([hex_to_rgb(c) for c in stops])
    pos = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, n)
    channels = [np.interp(t, pos, rgb[:, k]) for k in range(3)]
    rgba = np.stack([*channels, np.full(n, alpha, np.float64)], axis=-1)
    return pack(np.rint(rgba))


def diverging_lut(n: int = 255, alpha: int = 255) -> np.ndarray:
    """Orange (low) -> white (middle) -> blue (high): the Playground's scale."""
    return make_lut((ORANGE, WHITE, BLUE), n, alpha)


def sequential_lut(n: int = 255, alpha: int = 255) -> np.ndarray:
    """Viridis-like scale for values without a meaningful sign."""
    return make_lut(VIRIDIS, n, alpha)


def map_values(values: np.ndarray, lo: float, hi: float, lut: np.ndarray) -> np.ndarray:
    """Map ``values`` linearly from ``[lo, hi]`` onto ``lut`` (clipped); returns packed ``uint32``
    of the same shape. NaN maps to the lowest colour: callers check for NaN first and say so."""
    values = np.asarray(values, dtype=np.float32)
    n = len(lut)
    scale = (n - 1) / (hi - lo) if hi != lo else 0.0
    idx = (values - np.float32(lo)) * np.float32(scale)
    np.clip(idx, 0, n - 1, out=idx)
    np.nan_to_num(idx, copy=False, nan=0.0)
    idx += np.float32(0.5)  # round to the nearest entry (an odd-length LUT has an exact middle)
    return lut[idx.astype(np.intp)]


def class_colors(probs: np.ndarray, colors=CLASS_COLORS, discretize: bool = False) -> np.ndarray:
    """``(N, C)`` class probabilities -> packed colours: the argmax class's colour, faded towards
    white as the confidence drops to chance (``1/C``); ``discretize`` gives full colour."""
    probs = np.asarray(probs, dtype=np.float32)
    c = probs.shape[-1]
    palette = np.stack([hex_to_rgb(colors[k % len(colors)]) for k in range(c)]).astype(np.float32)
    winner = probs.argmax(-1)
    if discretize:
        strength = np.ones(winner.shape, np.float32)
    else:
        conf = probs.max(-1)
        strength = np.clip((conf - 1.0 / c) / (1.0 - 1.0 / c), 0.0, 1.0) if c > 1 else np.ones_like(conf)
    rgb = 255.0 + (palette[winner] - 255.0) * strength[..., None]
    rgba = np.concatenate([rgb, np.full((*rgb.shape[:-1], 1), 255.0, np.float32)], axis=-1)
    return pack(np.rint(rgba))
