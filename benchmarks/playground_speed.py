"""Playground speed as a person sees it: headless Chromium on the served page (issue 6).

The served Playground (``python -m gradplay.app``, a subprocess) is opened in Debian's Chromium
driven by Playwright, with its default settings: circle data, 250 training points, batch 10,
the 2-4-2-1 tanh network, squared error, SGD at 0.03. Play is pressed and for ``--seconds``
(default 20) a script injected into the page records, on every animation frame
(``requestAnimationFrame``, i.e. once per frame the browser paints):

- whether the status line's text changed since the previous frame, and the epoch number in it
  ("Epoch N · Test loss ..."): epochs/s is the epoch shown at the end minus the epoch shown at
  the start, divided by the time between those two frames; "status redraws/s" counts the
  frames that painted a new status line;
- whether the decision-boundary image was drawn in that frame: the page's
  ``CanvasRenderingContext2D.drawImage`` is wrapped and a call whose source is 100x100 pixels
  (the boundary's image; the neuron thumbnails are 25x25) marks the frame; "boundary
  redraws/s" counts those frames. Several updates arriving between two frames count once,
  as they paint once;
- the frame rate itself and frames longer than 50 ms (the page stuttering).

References measured in the same run, without a browser:

- the same Playground's training in-process: ``TrainingSession.train_epoch()`` in a loop
  (each epoch also evaluates the train and test loss, as the page's status line needs);
- the same Playground page object's ``tick()`` in a loop without a server (training for its
  time budget, then one redraw of all views): what one session's loop can give at most;
- (the references run with one BLAS thread, as the server does);
- a floor: the TF Playground's per-epoch training written by hand in NumPy (the same net and
  initial weights, batches of 10 in order, the mean gradient of half squared error, SGD 0.03,
  then the train and test loss), checked to produce the same weights as the session first.

playground.tensorflow.org itself cannot be measured here (no internet on this machine). Its
loop (tensorflow/playground, src/playground.ts) runs one epoch per ``d3.timer`` callback, i.e.
per animation frame, and updates the whole UI after each, so on a machine fast enough it shows
at most the display's frame rate: 60 epochs/s and 60 redraws/s.

Run: ``python benchmarks/playground_speed.py [--seconds 20]``. Prints Markdown tables. Issue 6
asks for at least 20 redraws/s while training; this script reports, it does not fail on speed
(it exits non-zero only if the page cannot be driven).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

# One BLAS thread, set before NumPy loads, as the server (``python -m gradplay.app``) does: the
# in-process references then run the small products the way the served sessions do.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from playground_load import proc_cpu_s, start_server  # noqa: E402  (the same server start and CPU reading)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("GRADPLAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [  # as tests/browser/conftest.py
    "--headless=new",
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Injected into the page: per-frame bookkeeping (see the module docstring).
PAGE_PROBE = r"""
() => {
  if (window.__gp) return true;
  const st = window.__gp = {recording: false, frames: 0, long: 0, status: [], boundary: 0,
                            drawn: false, text: null, el: null, last: null, t0: null};
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (img, ...rest) {
    if (img && img.width === 100 && img.height === 100) st.drawn = true;
    return draw.call(this, img, ...rest);
  };
  const find = (root) => {  // the element holding the status line, through shadow roots
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; }
      if (el.tagName === 'P' && /Epoch\s*[\d,]+\s*·/.test(el.textContent)) return el.parentNode;
    }
    return null;
  };
  const frame = (t) => {
    if (!st.el || !st.el.isConnected) st.el = find(document);
    const text = st.el ? st.el.textContent : null;
    if (st.recording) {
      st.frames += 1;
      if (st.last !== null && t - st.last > 50) st.long += 1;
      if (text !== st.text && text) {
        const m = /Epoch\s*([\d,]+)/.exec(text);
        if (m) st.status.push([t, parseInt(m[1].replace(/,/g, ''), 10)]);
      }
      if (st.drawn) st.boundary += 1;
    }
    st.text = text; st.drawn = false; st.last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  return true;
}
"""


# ---------------------------------------------------------------------------------- server
def descendants_cpu_s(root: int, exclude: int) -> float:
    """CPU seconds of every live descendant of ``root`` except ``exclude`` (Chromium and the
    Playwright driver, here)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0.0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        if pid != exclude:
            try:
                total += proc_cpu_s(pid)
            except OSError:
                pass
    return total


def machine_busy_s() -> float:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / CLK_TCK


# ---------------------------------------------------------------------------------- browser
def measure_browser(seconds: float, warmup: float = 2.0) -> dict:
    from playwright.sync_api import sync_playwright

    server, url = start_server()
    external = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()

            def route(r):
                if r.request.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")):
                    r.continue_()
                else:
                    external.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            t0 = time.perf_counter()
            page.goto(url)
            page.evaluate(PAGE_PROBE)
            page.wait_for_function("() => window.__gp.el !== null", timeout=120_000)
            load_s = time.perf_counter() - t0
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_function(
                "() => /Epoch\\s*[1-9]/.test(window.__gp.text || '')", timeout=60_000
            )  # training has started
            time.sleep(warmup)
            page.evaluate("() => { const s = window.__gp; s.recording = true; s.t0 = performance.now(); }")
            wall0, cpu0, busy0 = time.perf_counter(), proc_cpu_s(server.pid), machine_busy_s()
            browser0 = descendants_cpu_s(os.getpid(), server.pid)
            time.sleep(seconds)
            data = page.evaluate(
                "() => { const s = window.__gp; s.recording = false;"
                " return {frames: s.frames, long: s.long, status: s.status, boundary: s.boundary,"
                " t0: s.t0, t1: performance.now()}; }"
            )
            wall1, cpu1, busy1 = time.perf_counter(), proc_cpu_s(server.pid), machine_busy_s()
            browser1 = descendants_cpu_s(os.getpid(), server.pid)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    window = (data["t1"] - data["t0"]) / 1000
    status = data["status"]
    if len(status) >= 2:
        (ta, ea), (tb, eb) = status[0], status[-1]
        epochs_per_s = (eb - ea) / ((tb - ta) / 1000)
    else:
        epochs_per_s = float("nan")
    gaps = [(b[0] - a[0]) / 1000 for a, b in zip(status, status[1:])]
    return {
        "load_s": load_s,
        "window_s": window,
        "epochs_per_s": epochs_per_s,
        "status_per_s": len(status) / window,
        "boundary_per_s": data["boundary"] / window,
        "fps": data["frames"] / window,
        "long_frames": data["long"],
        "gap_p50": float(np.percentile(gaps, 50)) if gaps else float("nan"),
        "gap_p95": float(np.percentile(gaps, 95)) if gaps else float("nan"),
        "server_cores": (cpu1 - cpu0) / (wall1 - wall0),
        "machine_cores": (busy1 - busy0) / (wall1 - wall0),
        "browser_cores": (browser1 - browser0) / (wall1 - wall0),
        "external": external,
        "errors": errors,
    }


# ---------------------------------------------------------------------------------- references
def rate(fn, seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after one warm-up call)."""
    fn()
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return n / elapsed


def default_session():
    from gradplay.app.session import DEFAULTS, TrainingSession

    return TrainingSession(SimpleNamespace(**DEFAULTS))


class NumpyPlayground:
    """The TF Playground's oneStep() by hand in NumPy: one epoch over the training points in
    batches of 10, in order, each batch one SGD step on the mean gradient of half squared
    error; then the train and test loss (the page shows both after every epoch)."""

    def __init__(self, session):
        from gradplay.app.features import transform

        self.params = [w.astype(np.float32).copy() for w in session.model.get_weights()]
        self.x_train = transform(session.x_train, session.features).astype(np.float32)
        self.t_train = session.y_train.astype(np.float32)[:, None]
        self.x_test = transform(session.x_test, session.features).astype(np.float32)
        self.t_test = session.y_test.astype(np.float32)[:, None]
        self.lr = np.float32(session._cfg["learningRate"])
        bs = int(session._cfg["batchSize"])
        n = len(self.x_train)
        self.batches = [(self.x_train[i : i + bs], self.t_train[i : i + bs]) for i in range(0, n, bs)]

    def forward(self, x):
        w1, b1, w2, b2, w3, b3 = self.params
        h1 = np.tanh(x @ w1 + b1)
        h2 = np.tanh(h1 @ w2 + b2)
        return h1, h2, np.tanh(h2 @ w3 + b3)

    def epoch(self):
        w1, b1, w2, b2, w3, b3 = self.params
        lr = self.lr
        for x, t in self.batches:
            h1, h2, out = self.forward(x)
            d3 = (out - t) * (1 - out * out) / np.float32(len(x))
            d2 = (d3 @ w3.T) * (1 - h2 * h2)
            d1 = (d2 @ w2.T) * (1 - h1 * h1)
            w3 -= lr * (h2.T @ d3)
            b3 -= lr * d3.sum(0)
            w2 -= lr * (h1.T @ d2)
            b2 -= lr * d2.sum(0)
            w1 -= lr * (x.T @ d1)
            b1 -= lr * d1.sum(0)
        train = float(np.mean(0.5 * (self.forward(self.x_train)[2] - self.t_train) ** 2))
        test = float(np.mean(0.5 * (self.forward(self.x_test)[2] - self.t_test) ** 2))
        return train, test


def check_floor_matches(epochs=3):
    """The hand-written epoch must take the same steps as the session, or the floor means nothing."""
    session = default_session()
    floor = NumpyPlayground(session)
    for _ in range(epochs):
        logs = session.train_epoch()
        train, test = floor.epoch()
    for got, want in zip(floor.params, session.model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose([train, test], [logs["loss"], logs["val_loss"]], rtol=1e-4)


def measure_references(seconds: float) -> dict:
    import panel  # noqa: F401

    from gradplay.app.playground import Playground

    check_floor_matches()
    session = default_session()
    floor = NumpyPlayground(default_session())
    out = {"session": rate(session.train_epoch, seconds), "floor": rate(floor.epoch, seconds)}
    page = Playground()
    redraw_s = 1 / rate(page.redraw, min(seconds, 2.0))
    page = Playground()  # fresh: epoch 0
    t0 = time.perf_counter()
    ticks = rate(page.tick, seconds)
    elapsed = time.perf_counter() - t0
    out.update(tick_per_s=ticks, tick_epochs_per_s=page.session.epoch / elapsed, redraw_ms=redraw_s * 1e3)
    out.update(update_cost())
    return out


def update_cost(rounds=30) -> dict:
    """What one tick costs the server, split: the training part, the redraw of a page rendered
    into a Bokeh document (so the change events are made), and serializing them into the
    PATCH-DOC message the page receives (medians, ms; the message size in KB)."""
    import panel as pn
    from bokeh.document import Document
    from bokeh.protocol import Protocol

    from gradplay.app.playground import Playground

    page = Playground()
    doc = Document()
    doc.add_root(pn.panel(page).get_root(doc))
    events = []
    doc.on_change(events.append)
    protocol = Protocol()
    train, redraw, patch, size = [], [], [], []
    budget = page._train_budget_s
    for _ in range(rounds):
        events.clear()
        t0 = time.perf_counter()
        while True:  # the training part of Playground.tick
            page.session.train_epoch()
            if time.perf_counter() - t0 >= budget:
                break
        t1 = time.perf_counter()
        page.redraw()
        t2 = time.perf_counter()
        msg = protocol.create("PATCH-DOC", list(events))
        t3 = time.perf_counter()
        train.append(t1 - t0)
        redraw.append(t2 - t1)
        patch.append(t3 - t2)
        size.append(len(msg.header_json) + len(msg.content_json) + sum(len(b.data) for b in msg.buffers))
    med = statistics.median
    return {
        "cost_train_ms": med(train) * 1e3,
        "cost_redraw_ms": med(redraw) * 1e3,
        "cost_patch_ms": med(patch) * 1e3,
        "cost_kb": med(size) / 1024,
        "cost_events": len(events),
        "budget_ms": budget * 1e3,
    }


# ---------------------------------------------------------------------------------- main
def fmt(v, digits=1):
    return "-" if v != v else f"{v:,.{digits}f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window in the browser")
    parser.add_argument("--ref-seconds", type=float, default=3.0, help="time for each in-process reference")
    args = parser.parse_args(argv)

    b = measure_browser(args.seconds)
    r = measure_references(args.ref_seconds)
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, {os.cpu_count()} cores; Chromium {CHROMIUM}")
    print(
        f"Default Playground (circle, 250 training points, batch 10, 2-4-2-1 tanh, SGD 0.03); page loaded and "
        f"showing its status in {b['load_s']:.1f} s; measured {b['window_s']:.1f} s after Play (+2 s warm-up)."
    )
    print()
    print("| in headless Chromium (what a person sees) | value |")
    print("|---|---:|")
    print(f"| epochs/s shown in the status line | {fmt(b['epochs_per_s'])} |")
    print(f"| status redraws painted per second | {fmt(b['status_per_s'])} |")
    print(f"| decision-boundary redraws painted per second | {fmt(b['boundary_per_s'])} |")
    gaps = f"{fmt(b['gap_p50'] * 1e3, 0)} / {fmt(b['gap_p95'] * 1e3, 0)}"
    print(f"| time between status redraws p50 / p95 (ms) | {gaps} |")
    print(f"| page frames per second (requestAnimationFrame) | {fmt(b['fps'])} |")
    print(f"| frames longer than 50 ms | {b['long_frames']} |")
    print(f"| server process CPU while training (cores) | {b['server_cores']:.2f} |")
    print(f"| Chromium (all its processes) and the Playwright driver CPU (cores) | {b['browser_cores']:.2f} |")
    print(
        f"| everything else on the machine (cores) | "
        f"{max(0.0, b['machine_cores'] - b['server_cores'] - b['browser_cores']):.2f} |"
    )
    print(f"| whole machine busy while training (cores of {os.cpu_count()}) | {b['machine_cores']:.2f} |")
    print()
    floor = r["floor"]
    print("| epochs/s of the same training | epochs/s | NumPy floor / this (time ratio) |")
    print("|---|---:|---:|")
    print(f"| hand-written NumPy epoch (the floor) | {fmt(floor)} | 1.00 |")
    print(f"| TrainingSession.train_epoch loop, in-process | {fmt(r['session'])} | {floor / r['session']:.2f} |")
    print(
        f"| Playground.tick loop, in-process, no server ({fmt(r['tick_per_s'])} redraws/s, "
        f"redraw {r['redraw_ms']:.1f} ms) | {fmt(r['tick_epochs_per_s'])} | {floor / r['tick_epochs_per_s']:.2f} |"
    )
    print(f"| served page in Chromium | {fmt(b['epochs_per_s'])} | {floor / b['epochs_per_s']:.2f} |")
    print(
        "| playground.tensorflow.org on this machine | not measured: no internet here "
        "(its loop: 1 epoch + 1 redraw per animation frame, at most 60/s) | - |"
    )
    print()
    print("| server cost of one tick (in-process, page rendered into a Bokeh document) | ms |")
    print("|---|---:|")
    print(f"| training (budget {r['budget_ms']:.0f} ms, whole epochs) | {r['cost_train_ms']:.1f} |")
    print(f"| redraw of all views | {r['cost_redraw_ms']:.1f} |")
    print(
        f"| serializing the PATCH-DOC message ({r['cost_events']} events, {r['cost_kb']:.0f} KB) | "
        f"{r['cost_patch_ms']:.1f} |"
    )
    print()
    target = "met" if b["boundary_per_s"] >= 20 and b["status_per_s"] >= 20 else "NOT met"
    print(
        f"Summary: in Chromium {fmt(b['epochs_per_s'])} epochs/s ({b['epochs_per_s'] / r['session']:.2f}x the "
        f"in-process session, {b['epochs_per_s'] / floor:.2f}x the NumPy floor), {fmt(b['status_per_s'])} status "
        f"and {fmt(b['boundary_per_s'])} boundary redraws/s painted; issue 6's 20 redraws/s: {target}."
    )
    problems = []
    if b["external"]:
        problems.append(f"requests left 127.0.0.1: {b['external']}")
    if b["errors"]:
        problems.append(f"JavaScript errors: {b['errors']}")
    if not b["epochs_per_s"] == b["epochs_per_s"]:
        problems.append("no epoch numbers were read from the page")
    for p in problems:
        print("ERROR", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
