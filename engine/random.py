"""``tf.random``: random tensors, the global seed, and the explicit ``Generator``."""

from .ops.random_ops import (  # noqa: F401
    Generator,
    categorical,
    get_global_generator,
    normal,
    set_global_generator,
    set_seed,
    shuffle,
    truncated_normal,
    uniform,
)
