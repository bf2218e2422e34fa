"""Engine core speed, as ratios against NumPy measured in the same run.

1. Per-op overhead on small tensors: each engine op without a tape, with a recording tape,
   and the raw NumPy call it wraps.
2. One full training step of the TensorFlow Playground's default network (2 -> 4 -> 2 -> 1,
   tanh, squared error, batch 10, plain SGD) written with GradientTape, against the same
   step written by hand in NumPy (forward and backward).

Run: ``python benchmarks/engine_core.py`` (prints a Markdown table for BENCHMARKS.md).
Target (issue 2): the tape step takes at most 3x the hand-written NumPy step.
"""

from __future__ import annotations

import platform
import statistics
import sys
import timeit

import numpy as np

import gradplay.engine as tf


def per_call_us(fn, number=2000, repeat=7) -> float:
    """Median over ``repeat`` runs of the time per call, in microseconds."""
    fn()
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e6


def op_overhead():
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((4, 4)).astype(np.float32)
    b_np = rng.standard_normal((4, 4)).astype(np.float32)
    a, b = tf.constant(a_np), tf.constant(b_np)
    v = tf.Variable(a_np)
    cases = {
        "add": (lambda: a + b, lambda: a_np + b_np),
        "multiply (scalar)": (lambda: a * 2.0, lambda: a_np * np.float32(2.0)),
        "matmul": (lambda: tf.matmul(a, b), lambda: a_np @ b_np),
        "tanh": (lambda: tf.tanh(a), lambda: np.tanh(a_np)),
        "reduce_sum": (lambda: tf.reduce_sum(a), lambda: a_np.sum()),
        "reduce_mean(axis=0)": (lambda: tf.reduce_mean(a, 0), lambda: a_np.mean(0)),
        "variable * tensor": (lambda: v * b, lambda: a_np * b_np),
        "slice t[1:, ::2]": (lambda: a[1:, ::2], lambda: a_np[1:, ::2]),
    }
    rows = []
    for name, (engine_fn, numpy_fn) in cases.items():
        raw = per_call_us(numpy_fn)
        eager = per_call_us(engine_fn)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(a)
            taped = per_call_us(engine_fn, number=500)
        rows.append((name, raw, eager, taped))
        del tape
    return rows


class PlaygroundNet:
    """The TF Playground default network, as plain arrays."""

    def __init__(self, seed=0):
        rng = np.random.default_rng(seed)
        sizes = [2, 4, 2, 1]
        self.params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            limit = np.sqrt(6 / (fan_in + fan_out))
            self.params.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))
            self.params.append(np.zeros(fan_out, np.float32))


LR = np.float32(0.03)


def numpy_step(params, x, y, lr=LR):
    """Hand-written forward and backward of the 2-4-2-1 tanh net with mean squared error."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = np.tanh(x @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    out = np.tanh(h2 @ W3 + b3)
    diff = out - y
    loss = np.mean(diff * diff)
    d3 = (2.0 / diff.size) * diff * (1 - out * out)
    gW3, gb3 = h2.T @ d3, d3.sum(0)
    d2 = (d3 @ W3.T) * (1 - h2 * h2)
    gW2, gb2 = h1.T @ d2, d2.sum(0)
    d1 = (d2 @ W2.T) * (1 - h1 * h1)
    gW1, gb1 = x.T @ d1, d1.sum(0)
    for p, g in zip(params, (gW1, gb1, gW2, gb2, gW3, gb3)):
        p -= lr * g
    return loss


def make_tape_step(variables, lr=0.03):
    W1, b1, W2, b2, W3, b3 = variables

    def step(x, y):
        with tf.GradientTape() as tape:
            h1 = tf.tanh(tf.matmul(x, W1) + b1)
            h2 = tf.tanh(tf.matmul(h1, W2) + b2)
            out = tf.tanh(tf.matmul(h2, W3) + b3)
            loss = tf.reduce_mean(tf.square(out - y))
        grads = tape.gradient(loss, variables)
        for v, g in zip(variables, grads):
            v.assign_sub(lr * g)
        return loss

    return step


def playground_setup():
    """The data, a NumPy parameter set, and a tape step on identical copies of it."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-6, 6, (10, 2)).astype(np.float32)
    y = np.sign(x[:, :1] * x[:, 1:]).astype(np.float32)
    np_params = PlaygroundNet().params
    variables = [tf.Variable(p.copy()) for p in PlaygroundNet().params]
    return x, y, np_params, variables, make_tape_step(variables)


def check_equivalence(steps=5):
    """The two implementations must take identical steps, or the timing means nothing."""
    x, y, np_params, variables, step = playground_setup()
    xt, yt = tf.constant(x), tf.constant(y)
    for _ in range(steps):
        numpy_step(np_params, x, y)
        step(xt, yt)
    for p, v in zip(np_params, variables):
        np.testing.assert_allclose(v.numpy(), p, rtol=1e-5, atol=1e-6)


def training_step(rounds=7):
    """Alternate the two implementations ``rounds`` times (so drift hits both) and report the
    median time of each and the median of the per-round ratios."""
    check_equivalence()
    x, y, np_params, variables, step = playground_setup()
    xt, yt = tf.constant(x), tf.constant(y)
    hands, tapes = [], []
    for _ in range(rounds):
        hands.append(per_call_us(lambda: numpy_step(np_params, x, y), number=1000, repeat=3))
        tapes.append(per_call_us(lambda: step(xt, yt), number=1000, repeat=3))
    ratio = statistics.median(t / h for t, h in zip(tapes, hands))
    return statistics.median(hands), statistics.median(tapes), ratio


def main():
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}")
    print()
    print("| op (4x4 float32) | NumPy µs | engine µs | engine + tape µs | engine / NumPy | taped / NumPy |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, raw, eager, taped in op_overhead():
        print(f"| {name} | {raw:.2f} | {eager:.2f} | {taped:.2f} | {eager / raw:.1f}x | {taped / raw:.1f}x |")
    hand, tape, ratio = training_step()
    print()
    print("| Playground default net, one SGD step (batch 10) | µs/step | ratio |")
    print("|---|---:|---:|")
    print(f"| hand-written NumPy forward+backward | {hand:.1f} | 1.00 |")
    print(f"| gradplay GradientTape | {tape:.1f} | {ratio:.2f} |")
    return 0 if ratio <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
