"""Core layers: Dense, Activation, Flatten, Reshape, Permute, Dropout, SpatialDropout2D, Embedding,
Lambda, and the activation layers (ReLU, LeakyReLU, ELU, PReLU, Softmax)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import nn
from ...ops import array_ops, math_ops, random_ops
from ...tensor import convert_to_tensor
from .. import activations
from .. import constraints as constraints_mod
from .. import initializers as initializers_mod
from .. import regularizers as regularizers_mod
from .base import Layer


def _cfg(obj):
    if obj is None:
        return None
    return {
        "module": type(obj).__module__.replace("gradplay.engine.", ""),
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": None,
    }


def _positive_int(value, name, layer):
    if not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a positive integer. Received: {name}={value!r} "
            f"(in {layer})."
        )
    return int(value)


class Dense(Layer):
    """``output = activation(inputs @ kernel + bias)`` on the last axis."""

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int(units, "units", "Dense")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers_mod.get(kernel_initializer)
        self.bias_initializer = initializers_mod.get(bias_initializer)
        self.kernel_regularizer = regularizers_mod.get(kernel_regularizer)
        self.bias_regularizer = regularizers_mod.get(bias_regularizer)
        self.kernel_constraint = constraints_mod.get(kernel_constraint)
        self.bias_constraint = constraints_mod.get(bias_constraint)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Dense {self.name!r}: the last dimension of the inputs must be known, got {input_shape}.")
        self.kernel = self.add_weight(
            name="kernel",
            shape=(in_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if self.use_bias
            else None
        )

    def call(self, inputs):
        in_dim = self.kernel._value.shape[0]
        shape = inputs._value.shape
        if shape[-1] != in_dim:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 of input shape '
                f"to have value {in_dim}, but received input with shape {tuple(shape)}"
            )
        if len(shape) == 2:
            y = math_ops.matmul(inputs, self.kernel)
        else:  # (..., in) -> (..., units) through one 2-D matmul
            flat = array_ops.reshape(inputs, [-1, in_dim])
            y = array_ops.reshape(math_ops.matmul(flat, self.kernel), list(shape[:-1]) + [self.units])
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y) if self.activation is not activations.linear else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
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


class Activation(Layer):
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format
        self.built = True

    def call(self, inputs):
        shape = inputs._value.shape
        return array_ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        self.built = True

    def call(self, inputs):
        return array_ops.reshape(inputs, [inputs.shape[0], *self.target_shape])

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be "
                f"consecutive and start from 1. Received dims={self.dims}"
            )
        self.built = True

    def call(self, inputs):
        return array_ops.transpose(inputs, [0, *self.dims])

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class _Random(Layer):
    """A layer that draws random numbers: its own Generator when seeded, else the global one."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = random_ops.Generator(int(seed)) if seed is not None else None

    @property
    def rng(self):
        return self._generator if self._generator is not None else random_ops.get_global_generator()


class Dropout(_Random):
    """Zero a fraction ``rate`` of inputs during training (scaled by 1/(1-rate)); identity otherwise."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}"
            )
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise_shape = self._noise_shape(inputs)
        return nn.dropout(inputs, self.rate, noise_shape=noise_shape, rng=self.rng)

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        return tuple(d if n is None else n for d, n in zip(inputs.shape, self.noise_shape))

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config


class SpatialDropout2D(Dropout):
    """Drop whole channels of NHWC feature maps."""

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = data_format

    def _noise_shape(self, inputs):
        s = inputs.shape
        return (s[0], 1, 1, s[3])


class SpatialDropout1D(Dropout):
    def _noise_shape(self, inputs):
        s = inputs.shape
        return (s[0], 1, s[2])


class GaussianNoise(_Random):
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = float(stddev)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config

    def call(self, inputs, training=False):
        if not training:
            return inputs
        return inputs + self.rng.normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype)


class Embedding(Layer):
    """Integer ids -> dense vectors: a lookup in an (input_dim, output_dim) table."""

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        **kwargs,
    ):
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim = _positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = _positive_int(output_dim, "output_dim", "Embedding")
        self.embeddings_initializer = initializers_mod.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers_mod.get(embeddings_regularizer)
        self.embeddings_constraint = constraints_mod.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self._initial_weights = weights

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs):
        ids = inputs
        if ids.dtype.is_floating:
            ids = math_ops.cast(ids, "int32")
        idx = np.asarray(ids)
        if idx.size and (idx.min() < 0 or idx.max() >= self.input_dim):
            bad = idx[(idx < 0) | (idx >= self.input_dim)].flat[0]
            raise ValueError(
                f"Embedding {self.name!r}: index {bad} is out of range [0, {self.input_dim}). "
                f"Make input_dim larger than the largest id (e.g. the vocabulary size)."
            )
        return array_ops.gather(self.embeddings, ids)

    def get_config(self):
        config = super().get_config()
        config.update(
            input_dim=self.input_dim,
            output_dim=self.output_dim,
            mask_zero=self.mask_zero,
            embeddings_initializer=_cfg(self.embeddings_initializer),
        )
        return config


class Lambda(Layer):
    """Wrap a function of tensors as a layer: ``Lambda(lambda x: x * 2)``."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self.built = True

    def call(self, inputs):
        return self.function(inputs, **self.arguments)


class ReLU(Layer):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope, threshold=self.threshold)
        return config


class LeakyReLU(Layer):
    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)
        self.built = True

    def call(self, inputs):
        return nn.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(Layer):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """Leaky ReLU with a learned slope per element (or shared over ``shared_axes``)."""

    def __init__(
        self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None, **kwargs
    ):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers_mod.get(alpha_initializer)
        self.alpha_regularizer = regularizers_mod.get(alpha_regularizer)
        self.alpha_constraint = constraints_mod.get(alpha_constraint)
        self.shared_axes = (
            None if shared_axes is None else ([shared_axes] if isinstance(shared_axes, int) else list(shared_axes))
        )

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        self.alpha = self.add_weight(
            name="alpha",
            shape=shape,
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )

    def call(self, inputs):
        pos = math_ops.relu(inputs)
        neg = -self.alpha * math_ops.relu(-inputs)
        return pos + neg


class Softmax(Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            inputs = inputs + (1.0 - math_ops.cast(convert_to_tensor(mask), inputs.dtype)) * -1e9
        return nn.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
