"""The Playground's data sets: TF Playground's generators (``src/dataset.ts``), vectorized.

Every generator takes ``(num_samples, noise, rng[, num_classes])`` where ``noise`` is a fraction
(the Playground's 0..50 % slider divided by 100, as TF does) and ``rng`` a
``np.random.Generator``; it returns float32 points ``(N, 2)`` in about [-6, 6]² and labels
``(N,)``: ±1 (float32) for TF's two-class sets, 0..k-1 (int64) for the multi-class sets, a float32
value in about [-1, 1] for regression.

>>> import numpy as np
>>> from gradplay.app import datasets
>>> points, labels = datasets.get("xor").fn(500, 0.0, np.random.default_rng(0))
>>> points.shape, points.dtype, sorted(set(labels.tolist()))
((500, 2), dtype('float32'), [-1.0, 1.0])
>>> int(datasets.generate("multigauss", 300, 0.1, np.random.default_rng(0), num_classes=4)[1].max())
3
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

NUM_SAMPLES_CLASSIFY = 500  # TF Playground's constants (playground.ts)
NUM_SAMPLES_REGRESS = 1200


def _pair(x, y, labels, dtype=np.float32):
    return np.stack([x, y], axis=1).astype(np.float32), np.asarray(labels).astype(dtype)


def circle(num_samples: int, noise: float, rng: np.random.Generator):
    """Blue (+1) points inside radius 2.5, orange (-1) ones in the ring 3.5..5; noise moves the
    point used for the label, so noisy points near the border get the other label (as in TF)."""
    radius = 5.0
    half = num_samples // 2
    parts = []
    for lo, hi, n in ((0.0, radius * 0.5, half), (radius * 0.7, radius, num_samples - half)):
        r = rng.uniform(lo, hi, n)
        angle = rng.uniform(0, 2 * np.pi, n)
        x, y = r * np.sin(angle), r * np.cos(angle)
        nx, ny = rng.uniform(-radius, radius, (2, n)) * noise
        inside = np.hypot(x + nx, y + ny) < radius * 0.5
        parts.append(_pair(x, y, np.where(inside, 1.0, -1.0)))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def xor(num_samples: int, noise: float, rng: np.random.Generator):
    """Four quadrants: +1 where x*y >= 0; points are pushed 0.3 away from the axes."""
    x, y = rng.uniform(-5, 5, (2, num_samples))
    x = x + np.where(x > 0, 0.3, -0.3)
    y = y + np.where(y > 0, 0.3, -0.3)
    nx, ny = rng.uniform(-5, 5, (2, num_samples)) * noise
    return _pair(x, y, np.where((x + nx) * (y + ny) >= 0, 1.0, -1.0))


def gauss(num_samples: int, noise: float, rng: np.random.Generator):
    """Two gaussian blobs at (2, 2) (+1) and (-2, -2) (-1); noise 0..0.5 maps to variance 0.5..4."""
    variance = 0.5 + noise / 0.5 * 3.5  # d3.scale.linear().domain([0, .5]).range([0.5, 4])
    half = num_samples // 2
    pts = rng.normal(0.0, np.sqrt(variance), (num_samples, 2))
    pts[:half] += 2.0
    pts[half:] -= 2.0
    labels = np.where(np.arange(num_samples) < half, 1.0, -1.0)
    return _pair(pts[:, 0], pts[:, 1], labels)


def _spiral_arm(n: int, delta_t: float, noise: float, rng: np.random.Generator):
    i = np.arange(n)
    r = i / n * 5
    t = 1.75 * i / n * 2 * np.pi + delta_t
    x = r * np.sin(t) + rng.uniform(-1, 1, n) * noise
    y = r * np.cos(t) + rng.uniform(-1, 1, n) * noise
    return x, y


def spiral(num_samples: int, noise: float, rng: np.random.Generator):
    """Two interleaved spirals, +1 and -1 (the hard one: try sin features and a bigger net)."""
    n = num_samples // 2
    x1, y1 = _spiral_arm(n, 0.0, noise, rng)
    x2, y2 = _spiral_arm(num_samples - n, np.pi, noise, rng)
    labels = np.where(np.arange(num_samples) < n, 1.0, -1.0)
    return _pair(np.concatenate([x1, x2]), np.concatenate([y1, y2]), labels)


def reg_plane(num_samples: int, noise: float, rng: np.random.Generator):
    """Regression: label = (x + y) / 10, a tilted plane (noise shifts the point labelled)."""
    radius = 6
    x, y = rng.uniform(-radius, radius, (2, num_samples))
    nx, ny = rng.uniform(-radius, radius, (2, num_samples)) * noise
    return _pair(x, y, (x + nx + y + ny) / 10.0)


_REG_GAUSSIANS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], np.float64
)


def reg_gauss(num_samples: int, noise: float, rng: np.random.Generator):
    """Regression: six bumps of height ±1 (the one largest in absolute value wins, as in TF)."""
    radius = 6
    x, y = rng.uniform(-radius, radius, (2, num_samples))
    nx, ny = rng.uniform(-radius, radius, (2, num_samples)) * noise
    px, py = x + nx, y + ny
    cx, cy, sign = _REG_GAUSSIANS.T
    d = np.hypot(px[:, None] - cx, py[:, None] - cy)
    vals = sign * np.clip(1 - d / 2, 0, 1)  # d3 linear [0, 2] -> [1, 0], clamped
    best = np.argmax(np.abs(vals), axis=1)  # first maximum, as TF's strict '>' keeps the first
    labels = vals[np.arange(num_samples), best]
    return _pair(x, y, labels)


def multigauss(num_samples: int, noise: float, rng: np.random.Generator, num_classes: int = 3):
    """``num_classes`` gaussian blobs on a circle of radius 3.5, labels 0..k-1 (beyond TF)."""
    k = _check_classes(num_classes)
    labels = np.arange(num_samples) % k
    angle = 2 * np.pi * labels / k + np.pi / 2
    variance = 0.25 + noise / 0.5 * 2.0
    pts = rng.normal(0.0, np.sqrt(variance), (num_samples, 2))
    return _pair(pts[:, 0] + 3.5 * np.cos(angle), pts[:, 1] + 3.5 * np.sin(angle), labels, np.int64)


def multispiral(num_samples: int, noise: float, rng: np.random.Generator, num_classes: int = 3):
    """``num_classes`` interleaved spiral arms (TF's spiral, arms 2π/k apart), labels 0..k-1."""
    k = _check_classes(num_classes)
    counts = [num_samples // k + (c < num_samples % k) for c in range(k)]
    xs, ys, labels = [], [], []
    for c, n in enumerate(counts):
        x, y = _spiral_arm(n, 2 * np.pi * c / k, noise, rng)
        xs.append(x)
        ys.append(y)
        labels.append(np.full(n, c))
    return _pair(np.concatenate(xs), np.concatenate(ys), np.concatenate(labels), np.int64)


def _check_classes(k) -> int:
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= 10:
        raise ValueError(f"num_classes must be an integer in 2..10. Received: num_classes={k!r}")
    return int(k)


@dataclass(frozen=True)
class Dataset:
    """A named generator. ``kind`` is "binary" (labels ±1), "multiclass" (0..k-1) or "regression"."""

    name: str
    fn: Callable
    kind: str
    num_samples: int
    description: str


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("circle", circle, "binary", NUM_SAMPLES_CLASSIFY, "a disc inside a ring"),
        Dataset("xor", xor, "binary", NUM_SAMPLES_CLASSIFY, "exclusive or: four quadrants"),
        Dataset("gauss", gauss, "binary", NUM_SAMPLES_CLASSIFY, "two gaussian blobs"),
        Dataset("spiral", spiral, "binary", NUM_SAMPLES_CLASSIFY, "two interleaved spirals"),
        Dataset("multigauss", multigauss, "multiclass", NUM_SAMPLES_CLASSIFY, "k gaussian blobs"),
        Dataset("multispiral", multispiral, "multiclass", NUM_SAMPLES_CLASSIFY, "k spiral arms"),
        Dataset("reg-plane", reg_plane, "regression", NUM_SAMPLES_REGRESS, "a tilted plane"),
        Dataset("reg-gauss", reg_gauss, "regression", NUM_SAMPLES_REGRESS, "six gaussian bumps"),
    )
}
CLASSIFICATION = tuple(n for n, d in DATASETS.items() if d.kind != "regression")
REGRESSION = tuple(n for n, d in DATASETS.items() if d.kind == "regression")


def get(name: str) -> Dataset:
    """The data set called ``name`` (a key of ``DATASETS``)."""
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown dataset {name!r}; expected one of {', '.join(DATASETS)}.") from None


def generate(name: str, num_samples: int, noise: float, rng: np.random.Generator, num_classes: int = 2):
    """Generate ``name`` and shuffle it (TF shuffles before splitting train/test)."""
    d = get(name)
    if not isinstance(num_samples, (int, np.integer)) or num_samples < 2:
        raise ValueError(f"num_samples must be an integer >= 2. Received: num_samples={num_samples!r}")
    if not 0 <= noise <= 1:
        raise ValueError(f"noise is a fraction in [0, 1] (the 0..50 % slider / 100). Received: noise={noise!r}")
    if d.kind == "multiclass":
        points, labels = d.fn(int(num_samples), float(noise), rng, num_classes)
    else:
        points, labels = d.fn(int(num_samples), float(noise), rng)
    order = rng.permutation(len(points))
    return points[order], labels[order]


def split(points, labels, perc_train: float):
    """TF's split: the first ``floor(N * perc_train / 100)`` points train, the rest test."""
    k = int(np.floor(len(points) * perc_train / 100))
    return points[:k], labels[:k], points[k:], labels[k:]
