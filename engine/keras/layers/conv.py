"""Convolutions (channels-last): Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D, DepthwiseConv2D."""

from __future__ import annotations

from ... import nn
from ...ops import array_ops, math_ops
from .. import activations
from .. import constraints as constraints_mod
from .. import initializers as initializers_mod
from .. import regularizers as regularizers_mod
from .base import Layer
from .core import _cfg


def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value}")
    return value


class _Conv(Layer):
    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}."
            )
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Only data_format='channels_last' is supported, got {data_format!r}.")
        if groups != 1:
            raise ValueError(
                f"{type(self).__name__}: groups={groups} is not supported; use groups=1 (or DepthwiseConv2D)."
            )
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(strides, self.rank, "strides")
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same", "causal"):
            raise ValueError(
                f"The `padding` argument must be one of 'valid', 'same' (or 'causal' for Conv1D). Received: {padding}"
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers_mod.get(kernel_initializer)
        self.bias_initializer = initializers_mod.get(bias_initializer)
        self.kernel_regularizer = regularizers_mod.get(kernel_regularizer)
        self.bias_regularizer = regularizers_mod.get(bias_regularizer)
        self.kernel_constraint = constraints_mod.get(kernel_constraint)
        self.bias_constraint = constraints_mod.get(bias_constraint)

    def _kernel_shape(self, in_channels):
        return (*self.kernel_size, in_channels, self.filters)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim={self.rank + 2}, found "
                f"ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=self._kernel_shape(input_shape[-1]),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )

    def _finish(self, y):
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y) if self.activation is not activations.linear else y

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=list(self.kernel_size),
            strides=list(self.strides),
            padding=self.padding,
            data_format="channels_last",
            dilation_rate=list(self.dilation_rate),
            groups=1,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=_cfg(self.kernel_initializer),
            bias_initializer=_cfg(self.bias_initializer),
            kernel_regularizer=_cfg(self.kernel_regularizer),
            bias_regularizer=_cfg(self.bias_regularizer),
            kernel_constraint=_cfg(self.kernel_constraint),
            bias_constraint=_cfg(self.bias_constraint),
        )
        return config


class Conv2D(_Conv):
    """2-D convolution over (batch, height, width, channels)."""

    def call(self, inputs):
        y = nn.conv2d(
            inputs, self.kernel, strides=self.strides, padding=self.padding.upper(), dilations=self.dilation_rate
        )
        return self._finish(y)


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); ``padding="causal"`` looks only back in time."""

    rank = 1

    def call(self, inputs):
        x = inputs
        padding = self.padding.upper()
        if padding == "CAUSAL":
            x = array_ops.pad(x, [[0, 0], [(self.kernel_size[0] - 1) * self.dilation_rate[0], 0], [0, 0]])
            padding = "VALID"
        x4 = array_ops.expand_dims(x, 1)
        k4 = array_ops.expand_dims(self.kernel, 0)
        y = nn.conv2d(x4, k4, strides=(1, self.strides[0]), padding=padding, dilations=(1, self.dilation_rate[0]))
        return self._finish(array_ops.squeeze(y, [1]))


def _dilate(x, sh, sw):
    """Insert (s-1) zeros between rows/columns: the input of a transposed convolution."""
    if sh == 1 and sw == 1:
        return x
    n, h, w, c = x.shape
    y = array_ops.reshape(x, [n, h, 1, w, 1, c])
    y = array_ops.pad(y, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]])
    y = array_ops.reshape(y, [n, h * sh, w * sw, c])
    return y[:, : (h - 1) * sh + 1, : (w - 1) * sw + 1, :]


class Conv2DTranspose(_Conv):
    """The transpose (gradient) of a Conv2D: upsamples by ``strides``. Kernel (kh, kw, filters, in)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        if output_padding is not None:
            raise ValueError("Conv2DTranspose: output_padding is not supported; leave it None.")
        if self.dilation_rate != (1, 1):
            raise ValueError("Conv2DTranspose: dilation_rate must be 1.")

    def _kernel_shape(self, in_channels):
        return (*self.kernel_size, self.filters, in_channels)

    def call(self, inputs):
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        x = _dilate(inputs, sh, sw)
        if self.padding == "same":
            ch, cw = max(kh - sh, 0), max(kw - sw, 0)
            pads = [(kh - 1 - ch // 2, kh - 1 - (ch - ch // 2)), (kw - 1 - cw // 2, kw - 1 - (cw - cw // 2))]
            extra_h = max(sh - kh, 0)
            extra_w = max(sw - kw, 0)
            pads = [(pads[0][0], pads[0][1] + extra_h), (pads[1][0], pads[1][1] + extra_w)]
        else:
            pads = [(kh - 1, kh - 1 + max(sh - kh, 0)), (kw - 1, kw - 1 + max(sw - kw, 0))]
        x = array_ops.pad(x, [[0, 0], list(pads[0]), list(pads[1]), [0, 0]])
        flipped = array_ops.transpose(self.kernel[::-1, ::-1, :, :], [0, 1, 3, 2])
        return self._finish(nn.conv2d(x, flipped, strides=1, padding="VALID"))

    def get_config(self):
        config = super().get_config()
        config.pop("groups", None)  # Keras' Conv2DTranspose takes no `groups`
        config["output_padding"] = None
        return config


def _depthwise(x, kernel, strides, padding, dilations):
    """Per-channel convolution: kernel (kh, kw, C, multiplier) -> (N, OH, OW, C * multiplier)."""
    from ...ops import nn_ops

    kh, kw, c, mult = kernel.shape
    p = nn_ops._paddings(padding.upper(), x.shape, (kh, kw), strides, dilations, "DepthwiseConv2dNative")
    cols = nn_ops._patches(x, (kh, kw), strides, dilations, p, 0, "DepthwiseConv2dNative")
    n, oh, ow, _ = cols.shape
    patches = array_ops.reshape(cols, [n, oh, ow, kh * kw, c, 1])
    k = array_ops.reshape(kernel, [kh * kw, c, mult])
    out = math_ops.reduce_sum(patches * k, axis=3)
    return array_ops.reshape(out, [n, oh, ow, c * mult])


class DepthwiseConv2D(_Conv):
    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        **kwargs,
    ):
        self.depth_multiplier = int(depth_multiplier)
        super().__init__(
            1,
            kernel_size,
            strides=strides,
            padding=padding,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=depthwise_regularizer,
            **kwargs,
        )

    def build(self, input_shape):
        c = input_shape[-1]
        self.filters = c * self.depth_multiplier
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, c, self.depth_multiplier),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def call(self, inputs):
        return self._finish(_depthwise(inputs, self.kernel, self.strides, self.padding, self.dilation_rate))


class SeparableConv2D(_Conv):
    """Depthwise convolution followed by a 1x1 pointwise one."""

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            bias_initializer=bias_initializer,
            **kwargs,
        )
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers_mod.get(depthwise_initializer)
        self.pointwise_initializer = initializers_mod.get(pointwise_initializer)

    def build(self, input_shape):
        c = input_shape[-1]
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=(*self.kernel_size, c, self.depth_multiplier),
            initializer=self.depthwise_initializer,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1, 1, c * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def call(self, inputs):
        y = _depthwise(inputs, self.depthwise_kernel, self.strides, self.padding, self.dilation_rate)
        y = nn.conv2d(y, self.pointwise_kernel, strides=1, padding="VALID")
        return self._finish(y)
