"""Preprocessing and augmentation layers: Rescaling, Normalization (with ``adapt``), and
RandomFlip / RandomRotation / RandomZoom / RandomTranslation / RandomContrast, which change the
images only in training (``training=True``) and pass them through otherwise.

Augmentations run in NumPy on the batch (they are data transformations, never differentiated).
"""

from __future__ import annotations

import math

import numpy as np

from ...core import wrap
from ...ops import math_ops, random_ops
from ...tensor import to_buffer
from .base import Layer


class Rescaling(Layer):
    """``x * scale + offset`` (e.g. ``Rescaling(1/255)``)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.built = True

    def call(self, inputs):
        x = inputs if inputs.dtype.is_floating else math_ops.cast(inputs, "float32")
        return x * float(self.scale) + float(self.offset)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per feature; ``adapt(data)`` learns mean and variance."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.invert = invert
        self._given = (mean, variance)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: pass both `mean` and `variance`, or neither (and call adapt()).")

    def build(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis or [])
        ndim = len(input_shape)
        self._keep = sorted(a % ndim for a in axes)
        shape = tuple(input_shape[a] for a in self._keep)
        self._bshape = [input_shape[i] if i in self._keep else 1 for i in range(ndim)]
        self.adapt_mean = self.add_weight(name="mean", shape=shape, initializer="zeros", trainable=False)
        self.adapt_variance = self.add_weight(name="variance", shape=shape, initializer="ones", trainable=False)
        self.count = self.add_weight(name="count", shape=(), initializer="zeros", trainable=False, dtype="int64")
        mean, variance = self._given
        if mean is not None:
            self.adapt_mean.assign(np.broadcast_to(np.asarray(mean, np.float32), shape))
            self.adapt_variance.assign(np.broadcast_to(np.asarray(variance, np.float32), shape))
        self._adapted = mean is not None

    def adapt(self, data, batch_size=None, steps=None):
        arr = np.concatenate([np.asarray(b) for b in data]) if not hasattr(data, "shape") else np.asarray(data)
        arr = arr.astype(np.float64)
        if not self.built:
            self._maybe_build((None,) + arr.shape[1:])
        reduce = tuple(i for i in range(arr.ndim) if i not in self._keep)
        self.adapt_mean.assign(arr.mean(axis=reduce).astype(np.float32).reshape(self.adapt_mean.shape))
        self.adapt_variance.assign(arr.var(axis=reduce).astype(np.float32).reshape(self.adapt_variance.shape))
        self.count.assign(np.int64(arr.shape[0]))
        self._adapted = True

    def call(self, inputs):
        if not self._adapted:
            raise RuntimeError(
                f"Normalization {self.name!r} has no mean/variance: call layer.adapt(data) before using it, or pass "
                "mean= and variance=."
            )
        x = inputs if inputs.dtype.is_floating else math_ops.cast(inputs, "float32")
        mean = np.reshape(np.asarray(self.adapt_mean), self._bshape)
        std = np.maximum(np.sqrt(np.reshape(np.asarray(self.adapt_variance), self._bshape)), 1e-7)
        if self.invert:
            return x * std + mean
        return (x - mean) / std


class _Augment(Layer):
    _config_keys: tuple = ()

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._gen = random_ops.Generator(seed) if seed is not None else None
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update({k: _listify(getattr(self, k)) for k in self._config_keys})
        config["seed"] = self.seed
        return config

    @property
    def rng(self) -> np.random.Generator:
        return (self._gen or random_ops.get_global_generator())._rng

    def call(self, inputs, training=True):
        if not training:
            return inputs
        images = np.asarray(inputs)
        single = images.ndim == 3
        if single:
            images = images[None]
        out = self._augment(images.astype(np.float32, copy=False))
        out = out[0] if single else out
        return wrap(
            to_buffer(out.astype(np.asarray(inputs).dtype if np.asarray(inputs).dtype.kind == "f" else np.float32))
        )


def _listify(value):
    return list(value) if isinstance(value, tuple) else value


def _factor_pair(factor, name):
    if isinstance(factor, (int, float)):
        if factor < 0:
            raise ValueError(f"`{name}` must be non-negative (or a (lower, upper) pair), got {factor}.")
        return -float(factor), float(factor)
    lo, hi = (float(v) for v in factor)
    if lo > hi:
        raise ValueError(f"`{name}` lower bound {lo} is greater than its upper bound {hi}.")
    return lo, hi


def _sample(images, rows, cols, fill_mode, fill_value, interpolation):
    """Sample every image at float coordinates (rows, cols) of shape (N, H, W)."""
    n, h, w, c = images.shape

    def fix(coord, size):
        if fill_mode == "reflect":
            period = 2 * size
            coord = np.mod(coord + 0.5, period) - 0.5 if size > 0 else coord
            coord = np.where(coord > size - 0.5, period - 1 - coord, coord)
            return np.clip(coord, 0, size - 1), None
        if fill_mode == "wrap":
            return np.mod(coord, size), None
        if fill_mode == "nearest":
            return np.clip(coord, 0, size - 1), None
        outside = (coord < -0.5) | (coord > size - 0.5)
        return np.clip(coord, 0, size - 1), outside

    r, out_r = fix(rows, h)
    q, out_c = fix(cols, w)
    batch = np.arange(n)[:, None, None]
    if interpolation == "nearest":
        result = images[batch, np.rint(r).astype(int), np.rint(q).astype(int)]
    else:
        r0, q0 = np.floor(r).astype(int), np.floor(q).astype(int)
        r1, q1 = np.minimum(r0 + 1, h - 1), np.minimum(q0 + 1, w - 1)
        dr, dq = (r - r0)[..., None], (q - q0)[..., None]
        result = (
            images[batch, r0, q0] * (1 - dr) * (1 - dq)
            + images[batch, r1, q0] * dr * (1 - dq)
            + images[batch, r0, q1] * (1 - dr) * dq
            + images[batch, r1, q1] * dr * dq
        )
    if out_r is not None:
        outside = (out_r | out_c)[..., None]
        result = np.where(outside, fill_value, result)
    return result


def _grid(h, w):
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    return rows, cols


class RandomFlip(_Augment):
    _config_keys = ("mode",)

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument {mode}")
        self.mode = mode

    def _augment(self, images):
        out = images.copy()
        n = len(out)
        if "horizontal" in self.mode:
            flip = self.rng.random(n) < 0.5
            out[flip] = out[flip][:, :, ::-1]
        if "vertical" in self.mode:
            flip = self.rng.random(n) < 0.5
            out[flip] = out[flip][:, ::-1]
        return out


class RandomRotation(_Augment):
    """Rotate by a random fraction of a full turn in ``factor`` (0.1 = up to ±36°)."""

    _config_keys = ("factor", "fill_mode", "interpolation", "fill_value")

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, "factor")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def _augment(self, images):
        n, h, w, _ = images.shape
        angles = self.rng.uniform(*self.factor, n) * 2 * math.pi
        rows, cols = _grid(h, w)
        cy, cx = (h - 1) / 2, (w - 1) / 2
        cos, sin = np.cos(angles)[:, None, None], np.sin(angles)[:, None, None]
        src_r = cos * (rows - cy) - sin * (cols - cx) + cy
        src_c = sin * (rows - cy) + cos * (cols - cx) + cx
        return _sample(images, src_r, src_c, self.fill_mode, self.fill_value, self.interpolation)


class RandomZoom(_Augment):
    """Zoom by a random factor in ``height_factor`` (negative = zoom in, as in Keras)."""

    _config_keys = ("height_factor", "width_factor", "fill_mode", "interpolation", "fill_value")

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.height_factor = _factor_pair(height_factor, "height_factor")
        self.width_factor = None if width_factor is None else _factor_pair(width_factor, "width_factor")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def _augment(self, images):
        n, h, w, _ = images.shape
        zh = 1.0 + self.rng.uniform(*self.height_factor, n)
        zw = zh if self.width_factor is None else 1.0 + self.rng.uniform(*self.width_factor, n)
        rows, cols = _grid(h, w)
        cy, cx = (h - 1) / 2, (w - 1) / 2
        src_r = (rows - cy) * zh[:, None, None] + cy
        src_c = (cols - cx) * zw[:, None, None] + cx
        return _sample(images, src_r, src_c, self.fill_mode, self.fill_value, self.interpolation)


class RandomTranslation(_Augment):
    """Shift by random fractions of the height and width."""

    _config_keys = ("height_factor", "width_factor", "fill_mode", "interpolation", "fill_value")

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        self.height_factor = _factor_pair(height_factor, "height_factor")
        self.width_factor = _factor_pair(width_factor, "width_factor")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def _augment(self, images):
        n, h, w, _ = images.shape
        dy = self.rng.uniform(*self.height_factor, n) * h
        dx = self.rng.uniform(*self.width_factor, n) * w
        rows, cols = _grid(h, w)
        return _sample(
            images,
            rows - dy[:, None, None],
            cols - dx[:, None, None],
            self.fill_mode,
            self.fill_value,
            self.interpolation,
        )


class RandomContrast(_Augment):
    """Scale each image's deviation from its mean by a random factor in [1 - f, 1 + f]."""

    _config_keys = ("factor", "value_range")

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        lo, hi = _factor_pair(factor, "factor")
        self.lower, self.upper = 1 + lo, 1 + hi
        if self.lower < 0:
            raise ValueError(f"RandomContrast: factor must be at most 1, got {factor}.")
        self.value_range = value_range

    def _augment(self, images):
        n = len(images)
        f = self.rng.uniform(self.lower, self.upper, n)[:, None, None, None]
        mean = images.mean(axis=(1, 2), keepdims=True)
        return np.clip((images - mean) * f + mean, *self.value_range)
