"""Widget redraw speed, as a ratio against NumPy measured in the same run.

One Playground frame: a DecisionBoundary redraw at 100x100 plus a NeuronGrid update for the TF
Playground's default network (2 -> 4 -> 2 -> 1, tanh), from outputs precomputed by one forward
pass over the 10,000 grid points. Both widgets are rendered into one Bokeh document first, so the
change events a real page receives are emitted; a second row adds what a server then does with
them (serialize a PATCH-DOC message, binary buffers included).

References measured in the same run: the bare NumPy forward pass of the 10,000 points (what the
caller does once per frame anyway) and a bare colour mapping (LUT lookup) of all eight images.

Run: ``python benchmarks/widgets_redraw.py`` (prints a Markdown table for BENCHMARKS.md).
Target: the widget side of a frame (both widgets) takes < 50 ms.
"""

from __future__ import annotations

import platform
import statistics
import sys
import timeit

import bokeh
import numpy as np
import panel as pn
from bokeh.document import Document
from bokeh.protocol import Protocol

from gradplay.widgets import DecisionBoundary, NeuronGrid
from gradplay.widgets.colors import diverging_lut, map_values


def per_call_ms(fn, number=20, repeat=7) -> float:
    """Median over ``repeat`` runs of the time per call, in milliseconds."""
    fn()
    times = timeit.repeat(fn, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e3


def playground_params(seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in [(2, 4), (4, 2), (2, 1)]:
        limit = np.sqrt(6 / (fan_in + fan_out))
        params.append((rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32), np.zeros(fan_out, np.float32)))
    return params


def forward(params, points):
    """Every layer's output on ``points`` in one pass (what a caller hands to the widgets)."""
    outs, h = [], points
    for w, b in params:
        h = np.tanh(h @ w + b)
        outs.append(h)
    return outs


def setup(resolution=100):
    boundary = DecisionBoundary(resolution=resolution, output_range=(-1, 1))
    grid = NeuronGrid(resolution=resolution)
    doc = Document()  # attached to a document, updates emit the change events a page receives
    doc.add_root(pn.panel(boundary).get_root(doc))
    doc.add_root(pn.panel(grid).get_root(doc))
    events = []
    doc.on_change(events.append)
    points = boundary.grid_points()
    params = playground_params()
    return boundary, grid, points, params, events


def frame(boundary, grid, outs):
    boundary.update(values=outs[-1])
    grid.update(layers=outs, names=["h1", "h2", "out"])


def check(boundary, grid, points, params):
    """The widgets drew what the reference computes, or the timing means nothing."""
    outs = forward(params, points)
    frame(boundary, grid, outs)
    lut = diverging_lut()
    res = boundary.resolution
    np.testing.assert_array_equal(boundary.image, map_values(outs[-1][:, 0], -1, 1, lut).reshape(res, res))
    assert len(grid._source.data["image"]) == 4 + 2 + 1
    assert boundary.message is None and grid.message is None


def measure(rounds=5):
    """Alternate the measurements ``rounds`` times; medians in ms, ratios to the colour mapping."""
    boundary, grid, points, params, events = setup()
    check(boundary, grid, points, params)
    outs = forward(params, points)
    lut = diverging_lut()
    protocol = Protocol()

    def bare_colours():
        for a in outs:
            map_values(a.T, -1.0, 1.0, lut)

    def frame_and_patch():
        events.clear()
        frame(boundary, grid, outs)
        protocol.create("PATCH-DOC", list(events))

    times = {"forward": [], "colours": [], "widgets": [], "patch": []}
    for _ in range(rounds):
        times["forward"].append(per_call_ms(lambda: forward(params, points)))
        times["colours"].append(per_call_ms(bare_colours))
        times["widgets"].append(per_call_ms(lambda: frame(boundary, grid, outs)))
        times["patch"].append(per_call_ms(frame_and_patch))
        events.clear()
    ratios = {k: statistics.median(t / c for t, c in zip(v, times["colours"])) for k, v in times.items()}
    return {k: statistics.median(v) for k, v in times.items()}, ratios


def main():
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, Bokeh {bokeh.__version__}, "
        f"Panel {pn.__version__}, {platform.machine()}"
    )
    print()
    ms, ratio = measure()
    rows = {
        "forward": "NumPy forward pass of 10,000 points, all layers (reference)",
        "colours": "bare NumPy colour mapping of the 8 images (reference)",
        "widgets": "DecisionBoundary.update + NeuronGrid.update",
        "patch": "the same + serializing the server's PATCH-DOC message",
    }
    print("| 100x100 Playground frame (2-4-2-1 tanh) | ms | ratio to bare colour mapping |")
    print("|---|---:|---:|")
    for key, label in rows.items():
        print(f"| {label} | {ms[key]:.2f} | {ratio[key]:.2f} |")
    return 0 if ms["widgets"] < 50.0 else 1


if __name__ == "__main__":
    sys.exit(main())
