"""BatchNormalization and LayerNormalization (Keras 3 defaults: momentum 0.99, epsilon 1e-3)."""

from __future__ import annotations

from ...ops import array_ops, math_ops
from .. import initializers as initializers_mod
from .. import regularizers as regularizers_mod
from .base import Layer
from .core import _cfg


class BatchNormalization(Layer):
    """Normalize with batch statistics in training (updating moving averages), moving ones otherwise.

    A frozen layer (``trainable=False``) always uses the moving statistics, as in Keras 3.
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self.beta_initializer = initializers_mod.get(beta_initializer)
        self.gamma_initializer = initializers_mod.get(gamma_initializer)
        self.moving_mean_initializer = initializers_mod.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers_mod.get(moving_variance_initializer)
        self.beta_regularizer = regularizers_mod.get(beta_regularizer)
        self.gamma_regularizer = regularizers_mod.get(gamma_regularizer)

    def build(self, input_shape):
        ndim = len(input_shape)
        self._axis = self.axis % ndim
        dim = input_shape[self._axis]
        if dim is None:
            raise ValueError(
                f"BatchNormalization {self.name!r}: axis {self.axis} of input shape {input_shape} is unknown."
            )
        shape = (dim,)
        self.gamma = (
            self.add_weight(
                name="gamma", shape=shape, initializer=self.gamma_initializer, regularizer=self.gamma_regularizer
            )
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(
                name="beta", shape=shape, initializer=self.beta_initializer, regularizer=self.beta_regularizer
            )
            if self.center
            else None
        )
        self.moving_mean = self.add_weight(
            name="moving_mean", shape=shape, initializer=self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            name="moving_variance", shape=shape, initializer=self.moving_variance_initializer, trainable=False
        )
        self._reduce = [i for i in range(ndim) if i != self._axis]
        self._bshape = [1 if i != self._axis else dim for i in range(ndim)]

    def _b(self, v):
        return v if self._axis == len(self._bshape) - 1 else array_ops.reshape(v, self._bshape)

    def call(self, inputs, training=None):
        if training and self.trainable:
            mean = math_ops.reduce_mean(inputs, self._reduce, keepdims=True)
            variance = math_ops.reduce_mean(math_ops.square(inputs - mean), self._reduce, keepdims=True)
            m = self.momentum
            flat_mean = array_ops.reshape(mean, [-1])
            flat_var = array_ops.reshape(variance, [-1])
            self.moving_mean.assign(self.moving_mean._value * m + flat_mean._value * (1 - m))
            self.moving_variance.assign(self.moving_variance._value * m + flat_var._value * (1 - m))
        else:
            mean, variance = self._b(self.moving_mean), self._b(self.moving_variance)
        out = (inputs - mean) * math_ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            out = out * self._b(self.gamma)
        if self.beta is not None:
            out = out + self._b(self.beta)
        return out

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis,
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
            beta_initializer=_cfg(self.beta_initializer),
            gamma_initializer=_cfg(self.gamma_initializer),
            moving_mean_initializer=_cfg(self.moving_mean_initializer),
            moving_variance_initializer=_cfg(self.moving_variance_initializer),
        )
        return config


class LayerNormalization(Layer):
    """Normalize each example over ``axis`` (the features), then scale and shift."""

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        rms_scaling=False,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon, self.center, self.scale = float(epsilon), center, scale
        self.beta_initializer = initializers_mod.get(beta_initializer)
        self.gamma_initializer = initializers_mod.get(gamma_initializer)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        self._axes = sorted(a % ndim for a in axes)
        shape = tuple(input_shape[a] for a in self._axes)
        self.gamma = (
            self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer) if self.scale else None
        )
        self.beta = (
            self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer) if self.center else None
        )
        self._bshape = [input_shape[i] if i in self._axes else 1 for i in range(ndim)]

    def call(self, inputs):
        mean = math_ops.reduce_mean(inputs, self._axes, keepdims=True)
        variance = math_ops.reduce_mean(math_ops.square(inputs - mean), self._axes, keepdims=True)
        out = (inputs - mean) * math_ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            out = out * array_ops.reshape(self.gamma, self._bshape)
        if self.beta is not None:
            out = out + array_ops.reshape(self.beta, self._bshape)
        return out

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale)
        return config
