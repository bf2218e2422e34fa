"""MultiHeadAttention with Keras 3's weight layout (per-head projections as (dim, heads, key_dim)
kernels), so parameter counts and saved weights match Keras."""

from __future__ import annotations

import math

from ... import nn
from ...ops import array_ops, math_ops
from .. import initializers as initializers_mod
from .base import Layer
from .core import Dropout


class _Projection(Layer):
    """``x[..., d] @ kernel[d, *out] + bias[*out]`` (Keras' EinsumDense for attention)."""

    def __init__(self, out_shape, use_bias, kernel_initializer, bias_initializer, in_axes=1, **kwargs):
        super().__init__(**kwargs)
        self.out_shape = tuple(out_shape)
        self.use_bias = use_bias
        self.in_axes = in_axes
        self.kernel_initializer = initializers_mod.get(kernel_initializer)
        self.bias_initializer = initializers_mod.get(bias_initializer)

    def build(self, input_shape):
        in_shape = tuple(input_shape[-self.in_axes :])
        self.kernel = self.add_weight(
            name="kernel", shape=in_shape + self.out_shape, initializer=self.kernel_initializer
        )
        self.bias = (
            self.add_weight(name="bias", shape=self.out_shape, initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def call(self, x):
        shape = x.shape
        lead = list(shape[: len(shape) - self.in_axes])
        k_in = math.prod(self.kernel.shape[: self.in_axes])
        k_out = math.prod(self.out_shape)
        flat = array_ops.reshape(x, [-1, k_in])
        y = math_ops.matmul(flat, array_ops.reshape(self.kernel, [k_in, k_out]))
        y = array_ops.reshape(y, lead + list(self.out_shape))
        return y + self.bias if self.bias is not None else y


class MultiHeadAttention(Layer):
    """Scaled dot-product attention over ``num_heads`` heads: ``mha(query, value, key=None)``."""

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if attention_axes is not None:
            raise ValueError("MultiHeadAttention: attention_axes is not supported; attention runs over axis 1.")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self._output_shape = float(dropout), use_bias, output_shape
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self._dropout_layer = Dropout(self.dropout, seed=seed)

    def build(self, query_shape, value_shape=None, key_shape=None):
        pass  # built on first call, when all three shapes are known

    def _build_all(self, q_shape, v_shape, k_shape):
        h = self.num_heads
        kw = dict(
            use_bias=self.use_bias, kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer
        )
        self.query_dense = _Projection((h, self.key_dim), name="query", **kw)
        self.key_dense = _Projection((h, self.key_dim), name="key", **kw)
        self.value_dense = _Projection((h, self.value_dim), name="value", **kw)
        out_dim = self._output_shape if self._output_shape else q_shape[-1]
        out_dim = (out_dim,) if isinstance(out_dim, int) else tuple(out_dim)
        self.output_dense = _Projection(out_dim, in_axes=2, name="attention_output", **kw)
        self.query_dense._maybe_build(q_shape)
        self.key_dense._maybe_build(k_shape)
        self.value_dense._maybe_build(v_shape)
        self.output_dense._maybe_build(tuple(q_shape[:-1]) + (h, self.value_dim))
        self._built_all = True

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        key = value if key is None else key
        if not getattr(self, "_built_all", False):
            self._build_all(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        q = self.query_dense(query)  # (B, Tq, H, kd)
        k = self.key_dense(key)
        v = self.value_dense(value)
        q = q * (1.0 / math.sqrt(self.key_dim))
        scores = math_ops.matmul(array_ops.transpose(q, [0, 2, 1, 3]), array_ops.transpose(k, [0, 2, 3, 1]))
        if use_causal_mask:
            tq, tk = scores.shape[-2], scores.shape[-1]
            import numpy as np

            causal = np.tril(np.ones((tq, tk), bool))
            attention_mask = causal if attention_mask is None else np.logical_and(np.asarray(attention_mask), causal)
        if attention_mask is not None:
            mask = array_ops.expand_dims(math_ops.cast(attention_mask, scores.dtype), -3)
            scores = scores + (1.0 - mask) * -1e9
        weights = nn.softmax(scores, axis=-1)
        dropped = self._dropout_layer(weights, training=training)
        ctx = math_ops.matmul(dropped, array_ops.transpose(v, [0, 2, 1, 3]))  # (B, H, Tq, vd)
        out = self.output_dense(array_ops.transpose(ctx, [0, 2, 1, 3]))
        return (out, weights) if return_attention_scores else out

    def get_config(self):
        config = super().get_config()
        config.update(
            num_heads=self.num_heads,
            key_dim=self.key_dim,
            value_dim=self.value_dim,
            dropout=self.dropout,
            use_bias=self.use_bias,
            output_shape=self._output_shape,
        )
        return config
