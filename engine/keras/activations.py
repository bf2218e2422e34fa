"""Activation functions by name: ``activations.get("relu")``.

>>> from gradplay.engine.keras import activations
>>> activations.get("relu").__name__
'relu'
"""

from __future__ import annotations

from .. import nn
from ..ops import math_ops
from ..tensor import convert_to_tensor


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    x = convert_to_tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return math_ops.relu(x)
    pos = math_ops.where(x > threshold, x, 0.0 if threshold == 0 else 0.0)
    if max_value is not None:
        pos = math_ops.minimum(pos, float(max_value))
    if negative_slope:
        return math_ops.where(x > threshold, pos, (x - threshold) * negative_slope)
    return pos


def _remember_logits(out, x):
    """Keras' TensorFlow backend keeps the input of a final softmax/sigmoid on the output, and
    its cross-entropies use those logits (stabler, and fewer ops) instead of the probabilities."""
    try:
        out._keras_logits = x
    except AttributeError:  # not a plain Tensor (e.g. a Variable): nothing to remember
        pass
    return out


def sigmoid(x):
    x = convert_to_tensor(x)
    return _remember_logits(math_ops.sigmoid(x), x)


def tanh(x):
    return math_ops.tanh(x)


def softmax(x, axis=-1):
    x = convert_to_tensor(x)
    out = nn.softmax(x, axis=axis)
    return _remember_logits(out, x) if axis in (-1, len(x.shape) - 1) else out


def log_softmax(x, axis=-1):
    return nn.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    x = convert_to_tensor(x)
    return math_ops.where(x > 0, x, (math_ops.exp(math_ops.minimum(x, 0.0)) - 1.0) * alpha)


def selu(x):
    return nn.selu(x)


def gelu(x, approximate=False):
    return nn.gelu(x, approximate=approximate)


def softplus(x):
    return math_ops.softplus(x)


def softsign(x):
    x = convert_to_tensor(x)
    return x / (math_ops.abs(x) + 1.0)


def silu(x):
    return nn.silu(x)


swish = silu


def relu6(x):
    return nn.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return nn.leaky_relu(x, negative_slope)


def hard_sigmoid(x):
    # Keras 3: relu6(x + 3) / 6
    return nn.relu6(convert_to_tensor(x) + 3.0) / 6.0


def exponential(x):
    return math_ops.exp(x)


TABLE = {
    f.__name__: f
    for f in (
        linear,
        relu,
        sigmoid,
        tanh,
        softmax,
        log_softmax,
        elu,
        selu,
        gelu,
        softplus,
        softsign,
        silu,
        relu6,
        leaky_relu,
        hard_sigmoid,
        exponential,
    )
}
TABLE["swish"] = silu


def get(identifier):
    """An activation function from a name, a function, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return TABLE[identifier]
        except KeyError:
            raise ValueError(
                f"Could not interpret activation function identifier: {identifier!r}. "
                f"Valid names: {', '.join(sorted(TABLE))}."
            ) from None
    if isinstance(identifier, dict) and "class_name" in identifier:
        return get(identifier["config"] if isinstance(identifier.get("config"), str) else identifier["class_name"])
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}.")


def serialize(activation) -> str:
    name = getattr(activation, "__name__", None)
    if name in TABLE:
        return name
    raise ValueError(
        f"Activation {activation!r} is a custom function; it cannot be named in a config. "
        "Register it by name or use a Layer subclass."
    )
