"""``python -m gradplay.app.demo``: train the TF Playground default network in the terminal (no browser)."""

from __future__ import annotations

import argparse
import sys

import numpy as np

import gradplay.engine as tf


def xor_dataset(n: int, noise: float, rng: np.random.Generator):
    """The TF Playground's exclusive-or dataset: points in [-5, 5]^2, label = sign(x*y)."""
    pts = rng.uniform(-5, 5, (n, 2))
    pts += np.where(pts > 0, 0.3, -0.3)  # the Playground's padding away from the axes
    noisy = pts + rng.uniform(-5, 5, (n, 2)) * noise
    labels = np.where(noisy[:, 0] * noisy[:, 1] >= 0, 1.0, -1.0)
    return pts.astype(np.float32), labels[:, None].astype(np.float32)


def init_params(sizes, rng):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))  # Glorot uniform, Keras' default
        params.append(tf.Variable(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)))
        params.append(tf.Variable(np.zeros(fan_out, np.float32)))
    return params


def forward(params, x):
    h = x
    for i in range(0, len(params), 2):
        h = tf.tanh(tf.matmul(h, params[i]) + params[i + 1])
    return h


def boundary_map(params, width=40, height=16) -> str:
    xs = np.linspace(-6, 6, width, dtype=np.float32)
    ys = np.linspace(6, -6, height, dtype=np.float32)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    out = forward(params, tf.constant(grid)).numpy().reshape(height, width)
    shades = " .:-=+*#"
    rows = []
    for row in out:
        idx = np.clip(((row + 1) / 2 * (len(shades) - 1)).round().astype(int), 0, len(shades) - 1)
        rows.append("".join(shades[i] for i in idx))
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--learning-rate", type=float, default=0.03)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.learning_rate <= 0:
        parser.error("epochs and batch size must be >= 1 and the learning rate > 0")

    rng = np.random.default_rng(args.seed)
    x, y = xor_dataset(500, 0.0, rng)
    x_train, y_train, x_test, y_test = x[:250], y[:250], x[250:], y[250:]
    params = init_params([2, 4, 2, 1], rng)
    print("gradplay engine demo: TF Playground default network (2-4-2-1, tanh) on exclusive-or")
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), args.batch_size):
            idx = order[start : start + args.batch_size]
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(forward(params, x_train[idx]) - y_train[idx]))
            for v, g in zip(params, tape.gradient(loss, params)):
                v.assign_sub(args.learning_rate * g)
        if epoch == 1 or epoch % 50 == 0 or epoch == args.epochs:
            train = float(tf.reduce_mean(tf.square(forward(params, x_train) - y_train)))
            test_out = forward(params, x_test).numpy()
            acc = float(np.mean(np.sign(test_out) == y_test))
            print(
                f"epoch {epoch:4d}  train loss {train:.4f}  test loss "
                f"{float(np.mean((test_out - y_test) ** 2)):.4f}  test accuracy {acc:.3f}"
            )
    print("\ndecision boundary (# = class +1, blank = class -1):")
    print(boundary_map(params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
