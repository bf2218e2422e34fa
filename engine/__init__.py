"""gradplay's engine, with TensorFlow 2's API: ``import gradplay.engine as tf``.

>>> import gradplay.engine as tf
>>> x = tf.Variable(2.0)
>>> with tf.GradientTape() as tape:
...     y = x ** 2 + 3 * x + 1
>>> float(tape.gradient(y, x))
7.0

Layout: ``core`` (primitive table, ``bind``), ``tensor`` (Tensor, Variable), ``tape``
(GradientTape), ``ops/`` (primitives with their gradient rules, and the public functions),
``backends/`` (forward kernels per backend). ``tf.math``, ``tf.nn``, ``tf.random`` are
namespaces over ``ops``.
"""

from gradplay import __version__

from . import backends, dtypes, errors, nest
from . import config as config
from . import data as data
from . import math as math
from . import nn as nn
from . import random as random
from .config import device
from .dtypes import (
    DType,
    as_dtype,
    bool,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from .function import Function, TensorSpec, function
from .ops.array_ops import (
    argsort,
    boolean_mask,
    broadcast_to,
    concat,
    constant,
    expand_dims,
    eye,
    fill,
    gather,
    identity,
    linspace,
    newaxis,
    one_hot,
    ones,
    ones_like,
    pad,
    rank,
    reshape,
    reverse,
    shape,
    size,
    sort,
    split,
    squeeze,
    stack,
    stop_gradient,
    tile,
    transpose,
    unstack,
    zeros,
    zeros_like,
)
from .ops.array_ops import range as range
from .ops.math_ops import (
    abs,
    add,
    add_n,
    argmax,
    argmin,
    cast,
    clip_by_value,
    cos,
    cumsum,
    divide,
    equal,
    exp,
    floordiv,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    norm,
    not_equal,
    pow,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tanh,
    tensordot,
    truediv,
    where,
)
from .ops.nn_ops import top_k
from .shape import TensorShape
from .tape import GradientTape, UnconnectedGradients, custom_gradient
from .tensor import Tensor, Variable, convert_to_tensor, is_tensor


def executing_eagerly() -> bool:
    """Always True: gradplay executes eagerly (``tf.function`` included)."""
    return True


def print(*inputs, sep=" ", end="\n", output_stream=None, summarize=3):  # noqa: A001
    """``tf.print``: values without the ``tf.Tensor(...)`` wrapper, like TensorFlow."""
    import builtins
    import sys

    import numpy as np

    parts = []
    for x in inputs:
        if isinstance(x, (Tensor, Variable)):
            parts.append(
                np.array2string(
                    np.asarray(x),
                    separator=" ",
                    threshold=2 * summarize + 1,
                    edgeitems=summarize,
                    formatter={"float_kind": lambda v: f"{v:g}"},
                )
            )
        else:
            parts.append(str(x))
    builtins.print(*parts, sep=sep, end=end, file=output_stream or sys.stderr)


def __getattr__(name):
    # tf.keras and tf.optimizers load on first use, so `import gradplay.engine` stays fast.
    if name == "keras":
        import importlib

        return importlib.import_module(".keras", __name__)
    if name == "summary":  # tf.summary: event files through tensorboardX, imported when first written
        import importlib

        return importlib.import_module(".summary", __name__)
    if name in ("optimizers", "losses", "metrics", "initializers"):
        import importlib

        return getattr(importlib.import_module(".keras", __name__), name)
    raise AttributeError(f"module 'gradplay.engine' has no attribute {name!r}")
