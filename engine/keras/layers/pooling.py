"""Pooling (max/average, 1-D and 2-D, global) and reshaping layers (UpSampling2D, ZeroPadding2D, ...)."""

from __future__ import annotations

from ... import nn
from ...ops import array_ops, math_ops
from .base import Layer


def _pair(v, name):
    if v is None:
        return None
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(x) for x in v)
    if len(v) != 2:
        raise ValueError(f"`{name}` must be an int or a tuple of 2 ints, got {v}.")
    return v


class _Pool2D(Layer):
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Only data_format='channels_last' is supported, got {data_format!r}.")
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = _pair(strides, "strides") or self.pool_size
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}.")
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            pool_size=list(self.pool_size),
            strides=list(self.strides),
            padding=self.padding,
            data_format="channels_last",
        )
        return config


class MaxPooling2D(_Pool2D):
    def call(self, inputs):
        return nn.max_pool2d(inputs, self.pool_size, self.strides, self.padding.upper())


class AveragePooling2D(_Pool2D):
    def call(self, inputs):
        return nn.avg_pool2d(inputs, self.pool_size, self.strides, self.padding.upper())


class _Pool1D(Layer):
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size if isinstance(pool_size, int) else pool_size[0])
        s = strides if strides is not None else self.pool_size
        self.strides = int(s if isinstance(s, int) else s[0])
        self.padding = padding.lower()
        self.built = True

    def _pool(self, fn, inputs):
        x = array_ops.expand_dims(inputs, 1)
        y = fn(x, (1, self.pool_size), (1, self.strides), self.padding.upper())
        return array_ops.squeeze(y, [1])

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding)
        return config


class MaxPooling1D(_Pool1D):
    def call(self, inputs):
        return self._pool(nn.max_pool2d, inputs)


class AveragePooling1D(_Pool1D):
    def call(self, inputs):
        return self._pool(nn.avg_pool2d, inputs)


class _Global(Layer):
    axes: tuple = (1, 2)
    reducer = staticmethod(math_ops.reduce_mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.keepdims = keepdims
        self.built = True

    def call(self, inputs):
        return self.reducer(inputs, list(self.axes), keepdims=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update(data_format="channels_last", keepdims=self.keepdims)
        return config


class GlobalAveragePooling2D(_Global):
    axes = (1, 2)


class GlobalMaxPooling2D(_Global):
    axes = (1, 2)
    reducer = staticmethod(math_ops.reduce_max)


class GlobalAveragePooling1D(_Global):
    axes = (1,)


class GlobalMaxPooling1D(_Global):
    axes = (1,)
    reducer = staticmethod(math_ops.reduce_max)


class UpSampling2D(Layer):
    """Repeat rows and columns ``size`` times (nearest neighbour)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        if interpolation != "nearest":
            raise ValueError(f"UpSampling2D: only interpolation='nearest' is supported, got {interpolation!r}.")
        self.size = _pair(size, "size")
        self.interpolation = interpolation
        self.built = True

    def call(self, inputs):
        n, h, w, c = inputs.shape
        sh, sw = self.size
        y = array_ops.reshape(inputs, [n, h, 1, w, 1, c])
        y = array_ops.broadcast_to(y, [n, h, sh, w, sw, c])
        return array_ops.reshape(y, [n, h * sh, w * sw, c])

    def get_config(self):
        config = super().get_config()
        config.update(size=list(self.size), data_format="channels_last", interpolation=self.interpolation)
        return config


class UpSampling1D(Layer):
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.built = True

    def call(self, inputs):
        n, t, c = inputs.shape
        y = array_ops.broadcast_to(array_ops.reshape(inputs, [n, t, 1, c]), [n, t, self.size, c])
        return array_ops.reshape(y, [n, t * self.size, c])


class ZeroPadding2D(Layer):
    """Pad rows and columns with zeros: ``padding=1``, ``(1, 2)`` or ``((top, bottom), (left, right))``."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        elif isinstance(padding[0], int):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        self.padding = tuple(tuple(int(v) for v in p) for p in padding)
        self.built = True

    def call(self, inputs):
        return array_ops.pad(inputs, [[0, 0], list(self.padding[0]), list(self.padding[1]), [0, 0]])

    def get_config(self):
        config = super().get_config()
        config.update(padding=[list(p) for p in self.padding], data_format="channels_last")
        return config


class ZeroPadding1D(Layer):
    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = (padding, padding) if isinstance(padding, int) else tuple(padding)
        self.built = True

    def call(self, inputs):
        return array_ops.pad(inputs, [[0, 0], list(self.padding), [0, 0]])


class Cropping2D(Layer):
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cropping, int):
            cropping = ((cropping, cropping), (cropping, cropping))
        elif isinstance(cropping[0], int):
            cropping = ((cropping[0], cropping[0]), (cropping[1], cropping[1]))
        self.cropping = tuple(tuple(int(v) for v in p) for p in cropping)
        self.built = True

    def call(self, inputs):
        (t, b), (l, r) = self.cropping
        h, w = inputs.shape[1], inputs.shape[2]
        return inputs[:, t : h - b, l : w - r, :]


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config

    def call(self, inputs):
        b, d = inputs.shape
        return array_ops.broadcast_to(array_ops.reshape(inputs, [b, 1, d]), [b, self.n, d])
