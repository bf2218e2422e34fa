"""Recurrent layers: SimpleRNN, LSTM, GRU (Keras 3 weight layouts), Bidirectional, TimeDistributed.

The input projection of all time steps is one matmul; only the recurrent part loops.
"""

from __future__ import annotations

import copy

import numpy as np

from ...core import wrap
from ...ops import array_ops, math_ops, random_ops
from ...tensor import to_buffer
from .. import activations
from .. import initializers as initializers_mod
from .. import regularizers as regularizers_mod
from .base import Layer


class _RNN(Layer):
    gates = 1

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a positive integer, got {units}."
            )
        if stateful:
            raise ValueError(f"{type(self).__name__}: stateful=True is not supported.")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers_mod.get(kernel_initializer)
        self.recurrent_initializer = initializers_mod.get(recurrent_initializer)
        self.bias_initializer = initializers_mod.get(bias_initializer)
        self.kernel_regularizer = regularizers_mod.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers_mod.get(recurrent_regularizer)
        self.bias_regularizer = regularizers_mod.get(bias_regularizer)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards
        self.seed = seed
        self._rng = random_ops.Generator(seed) if seed is not None else None

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim=3 (batch, timesteps, "
                f"features), found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}"
            )
        n = self.gates * self.units
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], n),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, n),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=self._bias_shape(), initializer=self._bias_init(), regularizer=self.bias_regularizer
            )
        else:
            self.bias = None

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def _mask(self, shape, rate, training, dtype):
        if not training or rate == 0:
            return None
        gen = self._rng or random_ops.get_global_generator()
        keep = np.asarray(gen.uniform(shape)) >= rate
        return wrap(to_buffer((keep / (1 - rate)).astype(dtype)))

    def call(self, inputs, training=None, mask=None, initial_state=None):
        x = inputs
        b, t, d = x.shape
        if self.go_backwards:
            x = x[:, ::-1, :]
        in_mask = self._mask((b, d), self.dropout, training, x.dtype.as_numpy_dtype)
        if in_mask is not None:
            x = x * array_ops.reshape(in_mask, [b, 1, d])
        projected = array_ops.reshape(
            math_ops.matmul(array_ops.reshape(x, [b * t, d]), self.kernel), [b, t, self.gates * self.units]
        )
        if self.bias is not None and self.gates != 3:
            projected = projected + self.bias
        states = self._initial_states(b, x.dtype, initial_state)
        rec_mask = self._mask((b, self.units), self.recurrent_dropout, training, x.dtype.as_numpy_dtype)
        outputs = []
        for step in range(t):
            h_in = states[0] if rec_mask is None else states[0] * rec_mask
            states = self._step(projected[:, step, :], h_in, states)
            outputs.append(states[0])
        if self.return_sequences:
            out = array_ops.stack(outputs, axis=1) if outputs else array_ops.zeros((b, 0, self.units))
        else:
            out = outputs[-1] if outputs else states[0]
        if self.return_state:
            return [out, *states]
        return out

    def _initial_states(self, batch, dtype, initial_state):
        if initial_state is not None:
            return list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        zero = array_ops.zeros((batch, self.units), dtype)
        return [zero] * self.n_states

    n_states = 1

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            recurrent_activation=activations.serialize(self.recurrent_activation),
            use_bias=self.use_bias,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            return_sequences=self.return_sequences,
            return_state=self.return_state,
            go_backwards=self.go_backwards,
            stateful=False,
            unroll=False,
            seed=self.seed,
        )
        return config


class SimpleRNN(_RNN):
    """``h_t = tanh(x_t W + h_{t-1} U + b)``."""

    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(units, activation=activation, **kwargs)

    def _step(self, xw, h_in, states):
        h = self.activation(xw + math_ops.matmul(h_in, self.recurrent_kernel))
        return [h]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation", None)
        return config


class LSTM(_RNN):
    """Long short-term memory; gates (i, f, c, o) in Keras' kernel layout, forget bias 1."""

    gates = 4
    n_states = 2

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        self.unit_forget_bias = unit_forget_bias
        super().__init__(units, **kwargs)

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape, dtype=None):
            parts = [np.asarray(base((u,), dtype)), np.ones(u), np.asarray(base((2 * u,), dtype))]
            return wrap(to_buffer(np.concatenate(parts).astype(np.float32)))

        return init

    def _step(self, xw, h_in, states):
        _, c = states
        z = xw + math_ops.matmul(h_in, self.recurrent_kernel)
        u = self.units
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u : 2 * u])
        g = self.activation(z[:, 2 * u : 3 * u])
        o = self.recurrent_activation(z[:, 3 * u :])
        c = f * c + i * g
        h = o * self.activation(c)
        return [h, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRU(_RNN):
    """Gated recurrent unit, Keras 3 default ``reset_after=True`` (bias of shape (2, 3*units))."""

    gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        if not reset_after:
            raise ValueError("GRU: only reset_after=True (the Keras 3 default) is supported.")
        self.reset_after = True
        super().__init__(units, **kwargs)

    def _bias_shape(self):
        return (2, 3 * self.units)

    def _step(self, xw, h_in, states):
        (h,) = states
        u = self.units
        if self.bias is not None:
            xw = xw + self.bias[0]
        rec = math_ops.matmul(h_in, self.recurrent_kernel)
        if self.bias is not None:
            rec = rec + self.bias[1]
        z = self.recurrent_activation(xw[:, :u] + rec[:, :u])
        r = self.recurrent_activation(xw[:, u : 2 * u] + rec[:, u : 2 * u])
        hh = self.activation(xw[:, 2 * u :] + r * rec[:, 2 * u :])
        return [z * h + (1.0 - z) * hh]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = True
        return config


class Bidirectional(Layer):
    """Run a recurrent layer forwards and backwards and merge (``concat``, ``sum``, ``mul``, ``ave``)."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, _RNN):
            raise ValueError(f"Bidirectional needs a recurrent layer (LSTM, GRU, SimpleRNN), got {layer!r}.")
        super().__init__(**kwargs)
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                "{'sum', 'mul', 'ave', 'concat', None}"
            )
        self.merge_mode = merge_mode
        self.forward_layer = layer
        layer.name = "forward_" + layer.name
        if backward_layer is None:
            backward_layer = copy.copy(layer)
            object.__setattr__(backward_layer, "_layers", [])
            backward_layer._trainable_variables, backward_layer._non_trainable_variables = [], []
            backward_layer._inbound_nodes = []
            backward_layer.built = False
            backward_layer.go_backwards = not layer.go_backwards
            backward_layer.name = "backward_" + layer.name[len("forward_") :]
        self.backward_layer = backward_layer
        self.return_sequences = layer.return_sequences

    def call(self, inputs, training=None):
        fwd = self.forward_layer(inputs, training=training)
        bwd = self.backward_layer(inputs, training=training)
        if self.return_sequences:
            bwd = bwd[:, ::-1, :]
        if self.merge_mode == "concat":
            return array_ops.concat([fwd, bwd], axis=-1)
        if self.merge_mode == "sum":
            return fwd + bwd
        if self.merge_mode == "mul":
            return fwd * bwd
        if self.merge_mode == "ave":
            return (fwd + bwd) * 0.5
        return [fwd, bwd]

    def get_config(self):
        from . import serialize

        config = super().get_config()
        forward = serialize(self.forward_layer)
        forward["config"] = dict(forward["config"], name=self.forward_layer.name[len("forward_") :])
        config.update(merge_mode=self.merge_mode, layer=forward)
        return config

    @classmethod
    def from_config(cls, config):
        from . import deserialize

        config = dict(config)
        for key in ("layer", "backward_layer"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize(config[key])
        return cls(**config)


class TimeDistributed(Layer):
    """Apply a layer to every time step (axis 1) independently."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer

    def call(self, inputs, training=None):
        shape = inputs.shape
        b, t = shape[0], shape[1]
        flat = array_ops.reshape(inputs, [b * t, *shape[2:]])
        out = self.layer(flat, training=training) if self.layer._call_has_training else self.layer(flat)
        return array_ops.reshape(out, [b, t, *out.shape[1:]])

    def get_config(self):
        from . import serialize

        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        from . import deserialize

        config = dict(config)
        if isinstance(config.get("layer"), dict):
            config["layer"] = deserialize(config["layer"])
        return cls(**config)
