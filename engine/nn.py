"""``tf.nn``: activations, losses on logits, dropout, convolution and pooling."""

from .ops.math_ops import relu, sigmoid, softplus, tanh
from .ops.nn_ops import (
    avg_pool,
    avg_pool2d,
    bias_add,
    conv2d,
    dropout,
    elu,
    gelu,
    in_top_k,
    l2_loss,
    l2_normalize,
    leaky_relu,
    log_softmax,
    max_pool,
    max_pool2d,
    moments,
    relu6,
    selu,
    sigmoid_cross_entropy_with_logits,
    silu,
    softmax,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
    swish,
    top_k,
)
