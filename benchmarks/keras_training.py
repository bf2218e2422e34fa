"""Keras-style training speed, against hand-written NumPy in the same run (and PyTorch / real
Keras when they are importable).

W1  the TF Playground default network (2-4-2-1 tanh, MSE, SGD) trained with ``fit`` and with
    ``train_on_batch``, batch 10, 250 points: samples per second.
W2  the seed 000 MNIST MLP (Flatten, Dense 128 relu, Dropout 0.2, Dense 10 softmax, Adam,
    sparse categorical cross-entropy), one epoch of 60,000 samples, batch 32; plus peak memory.
W3  the seed 003 CNN (3 conv, 2 max-pool, 2 dense), batch 64: samples per second over a fixed
    number of steps.

Data is random with MNIST's shapes (speed does not depend on the values).
Run: ``python benchmarks/keras_training.py [--quick]``; prints a Markdown table.
Targets (issue 3): W1 faster than PyTorch eager; W2 within 1.3x hand-written NumPy's time;
W3 at least half of PyTorch CPU's throughput; W2 peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

try:
    import resource
except ImportError:  # Pyodide (gradplay in the browser) has no resource module
    resource = None

import numpy as np

import gradplay.engine as tf


def timed(fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


# ---------------------------------------------------------------------------------------------
# Hand-written NumPy references (forward, backward, optimizer: what a person would write)


class NumpyAdam:
    def __init__(self, params, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        alpha = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (1 - self.b1) * (g - m)
            v += (1 - self.b2) * (g * g - v)
            p -= alpha * m / (np.sqrt(v) + self.eps)


def glorot(rng, fan_in, fan_out, shape):
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def numpy_mlp_epoch(x, y, batch=32, seed=0):
    rng = np.random.default_rng(seed)
    W1, b1 = glorot(rng, 784, 128, (784, 128)), np.zeros(128, np.float32)
    W2, b2 = glorot(rng, 128, 10, (128, 10)), np.zeros(10, np.float32)
    opt = NumpyAdam([W1, b1, W2, b2])
    order = rng.permutation(len(x))
    correct, total_loss = 0, 0.0
    for start in range(0, len(x), batch):
        idx = order[start : start + batch]
        xb = x[idx].reshape(len(idx), -1)
        yb = y[idx]
        h = xb @ W1 + b1
        mask = (rng.random(h.shape) >= 0.2).astype(np.float32) / 0.8
        a = np.maximum(h, 0) * mask
        z = a @ W2 + b2
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        correct += int((p.argmax(1) == yb).sum())
        total_loss += float(-np.log(np.maximum(p[np.arange(len(yb)), yb], 1e-7)).sum())  # fit reports it
        dz = p.copy()
        dz[np.arange(len(yb)), yb] -= 1
        dz /= len(yb)
        gW2, gb2 = a.T @ dz, dz.sum(0)
        da = dz @ W2.T * mask * (h > 0)
        gW1, gb1 = xb.T @ da, da.sum(0)
        opt.step([gW1, gb1, gW2, gb2])
    return correct / len(x)


def numpy_playground_epoch(x, y, W, lr=0.03, batch=10):
    W1, b1, W2, b2, W3, b3 = W
    for start in range(0, len(x), batch):
        xb, yb = x[start : start + batch], y[start : start + batch]
        h1 = np.tanh(xb @ W1 + b1)
        h2 = np.tanh(h1 @ W2 + b2)
        out = np.tanh(h2 @ W3 + b3)
        d3 = (2.0 / out.size) * (out - yb) * (1 - out * out)
        d2 = (d3 @ W3.T) * (1 - h2 * h2)
        d1 = (d2 @ W2.T) * (1 - h1 * h1)
        for p, g in zip(W, (xb.T @ d1, d1.sum(0), h1.T @ d2, d2.sum(0), h2.T @ d3, d3.sum(0))):
            p -= lr * g


# ---------------------------------------------------------------------------------------------
# Models


def playground_model(k):
    return k.Sequential(
        [
            k.layers.Input(shape=(2,)),
            k.layers.Dense(4, activation="tanh"),
            k.layers.Dense(2, activation="tanh"),
            k.layers.Dense(1, activation="tanh"),
        ]
    )


def mlp_model(k):
    return k.Sequential(
        [
            k.layers.Input(shape=(28, 28)),
            k.layers.Flatten(),
            k.layers.Dense(128, activation="relu"),
            k.layers.Dropout(0.2),
            k.layers.Dense(10, activation="softmax"),
        ]
    )


def cnn_model(k):
    L = k.layers
    return k.Sequential(
        [
            L.Input(shape=(28, 28, 1)),
            L.Conv2D(32, (3, 3), activation="relu"),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(64, (3, 3), activation="relu"),
            L.Flatten(),
            L.Dense(64, activation="relu"),
            L.Dense(10, activation="softmax"),
        ]
    )


def torch_models():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    nn = torch.nn
    return {
        "playground": lambda: nn.Sequential(
            nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh(), nn.Linear(2, 1), nn.Tanh()
        ),
        "mlp": lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10)),
        "cnn": lambda: nn.Sequential(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(576, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        ),
        "torch": torch,
    }


def torch_train(tm, name, x, y, batch, steps, loss="ce", opt="adam", lr=0.001):
    torch = tm["torch"]
    model = tm[name]()
    optim = torch.optim.Adam(model.parameters(), lr=lr) if opt == "adam" else torch.optim.SGD(model.parameters(), lr=lr)
    lossf = torch.nn.CrossEntropyLoss() if loss == "ce" else torch.nn.MSELoss()
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y.astype(np.int64) if loss == "ce" else y)
    n = len(x)

    def run():
        for s in range(steps):
            i = (s * batch) % n
            xb, yb = xt[i : i + batch], yt[i : i + batch]
            optim.zero_grad()
            out = model(xb)
            lossf(out, yb).backward()
            optim.step()

    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer steps (for a smoke run)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    tm = torch_models()
    rows = []

    # W1 ------------------------------------------------------------------------------------
    xp = rng.uniform(-6, 6, (250, 2)).astype(np.float32)
    yp = np.sign(xp[:, :1] * xp[:, 1:]).astype(np.float32)
    epochs = 4 if args.quick else 20
    model = playground_model(tf.keras)
    model.compile(optimizer=tf.keras.optimizers.SGD(0.03), loss="mse")
    model.fit(xp, yp, batch_size=10, epochs=1, verbose=0, shuffle=False)

    def tob():
        for _ in range(epochs):
            for s in range(0, 250, 10):
                model.train_on_batch(xp[s : s + 10], yp[s : s + 10])

    W = [w.copy() for w in model.get_weights()]
    t_fit = t_tob = t_np = float("inf")
    for _ in range(1 if args.quick else 5):  # interleaved, best of each: drift hits all alike
        t_fit = min(t_fit, timed(lambda: model.fit(xp, yp, batch_size=10, epochs=epochs, verbose=0, shuffle=False)))
        t_tob = min(t_tob, timed(tob))
        t_np = min(t_np, timed(lambda: [numpy_playground_epoch(xp, yp, W) for _ in range(epochs)]))
    n = 250 * epochs
    rows.append(("W1 Playground net, fit", n / t_fit, n / t_np))
    rows.append(("W1 Playground net, train_on_batch", n / t_tob, n / t_np))
    w1_torch = None
    if tm:
        run = torch_train(tm, "playground", xp, yp, 10, 25 * epochs, loss="mse", opt="sgd", lr=0.03)
        run()
        w1_torch = n / timed(run, 3)

    # W2 ------------------------------------------------------------------------------------
    n2 = 6400 if args.quick else 60000
    x2 = rng.random((n2, 28, 28), np.float32)
    y2 = rng.integers(0, 10, n2)
    tf.keras.utils.set_random_seed(0)
    mlp = mlp_model(tf.keras)
    mlp.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    mlp.fit(x2[:320], y2[:320], epochs=1, verbose=0)
    t_w2, t_w2_np = float("inf"), float("inf")
    for _ in range(1 if args.quick else 3):  # interleaved, best of each: drift hits both alike
        t_w2 = min(t_w2, timed(lambda: mlp.fit(x2, y2, batch_size=32, epochs=1, verbose=0)))
        t_w2_np = min(t_w2_np, timed(lambda: numpy_mlp_epoch(x2, y2)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if resource else float("nan")
    rows.append(("W2 MNIST MLP, 1 epoch (batch 32)", n2 / t_w2, n2 / t_w2_np))
    w2_torch = None
    if tm:
        run = torch_train(tm, "mlp", x2, y2, 32, n2 // 32)
        w2_torch = n2 / timed(run, 1 if args.quick else 2)

    # W3 ------------------------------------------------------------------------------------
    steps = 10 if args.quick else 60
    x3 = rng.random((64 * steps, 28, 28, 1), np.float32)
    y3 = rng.integers(0, 10, 64 * steps)
    cnn = cnn_model(tf.keras)
    cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    cnn.fit(x3[:128], y3[:128], batch_size=64, epochs=1, verbose=0)
    t_w3 = timed(lambda: cnn.fit(x3, y3, batch_size=64, epochs=1, verbose=0, shuffle=False), 1 if args.quick else 3)
    rows.append(("W3 seed 003 CNN (batch 64)", 64 * steps / t_w3, None))
    w3_torch = None
    if tm:
        run = torch_train(tm, "cnn", np.transpose(x3, (0, 3, 1, 2)).copy(), y3, 64, steps)
        run()
        w3_torch = 64 * steps / timed(run, 1 if args.quick else 3)

    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}; PyTorch: {'yes' if tm else 'not installed'}")
    print()
    print(
        "| workload | gradplay samples/s | hand-written NumPy samples/s "
        "| gradplay time / NumPy time | PyTorch samples/s |"
    )
    print("|---|---:|---:|---:|---:|")
    torch_cols = {
        "W1 Playground net, fit": w1_torch,
        "W1 Playground net, train_on_batch": w1_torch,
        "W2 MNIST MLP, 1 epoch (batch 32)": w2_torch,
        "W3 seed 003 CNN (batch 64)": w3_torch,
    }
    for name, ours, ref in rows:
        ratio = f"{ref / ours:.2f}" if ref else "-"
        ref_s = f"{ref:,.0f}" if ref else "-"
        t = torch_cols.get(name)
        print(f"| {name} | {ours:,.0f} | {ref_s} | {ratio} | {f'{t:,.0f}' if t else '-'} |")
    print()
    print(f"Peak resident memory after W2: {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
