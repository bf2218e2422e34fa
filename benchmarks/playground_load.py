"""Playground load test: many concurrent sessions training on one server (issue 6).

One server is started as a subprocess (``python -m gradplay.app``). ``--sessions`` browser-less
clients (Bokeh websocket clients, the protocol a browser tab speaks) run as threads of
``--procs`` separate client processes. Each session:

1. pulls its document, reports ``DocumentReady`` (Panel starts a page's callbacks only then),
2. sets its own dataset, seed and learning rate through the page's controls and waits until the
   server has applied them (the link in the page's ``Location`` model shows them),
3. when every session is ready, all press Play at the same moment and train for ``--seconds``,
4. every ``--action-period`` seconds changes its learning-rate menu (alternating between two
   values) and times the server's answer.

What is measured, per session:

- epochs/s: the epoch number in the status line the server sends ("Epoch N · Test loss ...")
  at the end, divided by the time since Play was pressed;
- update interval p50/p95: time between consecutive status-line updates the client receives
  while training; the page redraws every view once per training tick and the status line
  changes with every redraw, so this is the interval between redraws the user sees;
- action latency p50/p95: from the client sending a new learning-rate value (a PATCH-DOC
  message) to the client receiving the page link (``Location.hash``) that the server rewrites
  after applying it; the server handles it between two training ticks, so this is how long a
  click waits behind other sessions' work;
- isolation: at the end each session's link, dataset menu and learning-rate menu must show
  its own values (its unique seed, its dataset, the learning rate it set last), and its epoch
  numbers must never go backwards (a reset from another session would).

Also measured: the server's resident memory (VmRSS from /proc) before any session, with all
sessions connected, at the end of training; the CPU seconds used during the training window by
the server, by the client processes (they share the machine's cores with the server) and by
everything else on the machine (/proc/stat).

Run: ``python benchmarks/playground_load.py [--sessions 30 --seconds 60]``. Prints a Markdown
table and a one-line summary; exits non-zero only on errors (a session that fails to connect,
gets no updates or sees another session's values), never because something is slow.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ["circle", "xor", "gauss", "spiral"]
# pairs of learning rates a session alternates between (its first is the one it starts with)
LR_PAIRS = [("0.03", "0.01"), ("0.01", "0.03"), ("0.003", "0.1"), ("0.1", "0.003"), ("0.3", "0.001")]
EPOCH_RE = re.compile(r"Epoch(?:\*\*|&lt;/strong&gt;|</strong>)?\s*([\d,]+)")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------- helpers
def start_server(timeout=90):
    """``python -m gradplay.app --port 0`` as a subprocess; returns (process, url) once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gradplay.app", "--port", "0"],
        cwd=ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output.append(line)
        match = re.search(r"http://(?:localhost|127\.0\.0\.1):(\d+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # drain
            return proc, f"http://127.0.0.1:{match.group(1)}/"
    proc.kill()
    proc.wait()
    raise RuntimeError("server did not start:\n" + "".join(output))


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def machine_cpu_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLK_TCK, sum(values) / CLK_TCK


def pct(values, q):
    """The q-th percentile (0-100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def parse_hash(text: str) -> dict:
    return dict(parse_qsl((text or "").lstrip("#"), keep_blank_values=True))


def option_values(select) -> list[str]:
    return [o[0] if isinstance(o, (list, tuple)) else o for o in select.options]


# ---------------------------------------------------------------------------------- one client
class Client:
    """One browser-less session: its Bokeh document, its settings, what it measured."""

    def __init__(self, index: int, url: str):
        self.index = index
        self.url = url
        self.dataset = DATASETS[index % len(DATASETS)]
        self.seed = f"0.{10000 + index:05d}"
        self.lr_pair = LR_PAIRS[index % len(LR_PAIRS)]
        self.lr = self.lr_pair[0]
        self.error = ""
        self.status_times: list[float] = []
        self.epochs: list[int] = []
        self.latencies: list[float] = []
        self.actions_sent = 0
        self.pending: tuple[float, str] | None = None
        self.hash = {}
        self.connect_s = float("nan")
        self.remote = {}
        self.messages = 0
        self.bytes = 0

    # -- setup ------------------------------------------------------------------------
    def connect(self):
        from bokeh.client import pull_session
        from bokeh.events import DocumentReady
        from bokeh.models import Toggle

        t0 = time.perf_counter()
        self.session = pull_session(url=self.url)
        self.connect_s = time.perf_counter() - t0
        doc = self.session.document
        models = list(doc.models)
        self.play = next(m for m in models if isinstance(m, Toggle) and m.label == "Play")
        self.status = next(m for m in models if "Epoch" in str(getattr(m, "text", "") or ""))
        self.location = next(m for m in models if type(m).__name__ == "Location")
        selects = {getattr(m, "title", None): m for m in models if type(m).__name__ in ("Select", "CustomSelect")}
        self.lr_select, self.dataset_select = selects["Learning rate"], selects["Dataset"]
        self.seed_input = next(m for m in models if type(m).__name__ == "TextInput" and m.title == "Seed")
        self.watched = {self.lr_select.id: "lr", self.dataset_select.id: "dataset", self.seed_input.id: "seed"}
        for value in self.lr_pair:
            if value not in option_values(self.lr_select):
                raise RuntimeError(f"learning rate {value} not in {option_values(self.lr_select)}")
        self.session._handle_patch = self._handle_patch  # see _handle_patch
        doc.callbacks.send_event(DocumentReady())
        self.dataset_select.value = self.dataset
        self.seed_input.value = self.seed
        self.lr_select.value = self.lr
        deadline = time.monotonic() + 120
        self.session._connection._loop_until(lambda: self._applied() or time.monotonic() > deadline)
        if not self._applied():
            raise RuntimeError(f"settings not applied after 120 s; link: {self.hash}")

    def _applied(self) -> bool:
        h = self.hash
        return (
            h.get("dataset") == self.dataset
            and h.get("seed") == self.seed
            and _same_float(h.get("learningRate"), self.lr)
        )

    def _handle_patch(self, message):
        """Read the few events this client needs from a PATCH-DOC message instead of applying all
        of it to the document: applying every image and data source costs the client process
        ~50 ms of CPU per update, which would compete with the server for the machine's cores.
        Values the server sends for the watched controls are kept in ``self.remote``."""
        now = time.perf_counter()
        self.messages += 1
        self.bytes += sum(len(getattr(b, "data", b"")) for b in getattr(message, "buffers", ()))
        for ev in message.content.get("events", ()):
            if ev.get("kind") != "ModelChanged":
                continue
            mid, attr, new = ev["model"]["id"], ev.get("attr"), ev.get("new")
            if mid == self.status.id and attr == "text":
                match = EPOCH_RE.search(new or "")
                if match:
                    self.status_times.append(now)
                    self.epochs.append(int(match.group(1).replace(",", "")))
            elif mid == self.location.id and attr == "hash":
                self.hash = parse_hash(new)
                if self.pending and _same_float(self.hash.get("learningRate"), self.pending[1]):
                    self.latencies.append(now - self.pending[0])
                    self.pending = None
            elif mid in self.watched and attr == "value":
                self.remote[self.watched[mid]] = new

    # -- training -----------------------------------------------------------------------
    def train(self, start_wall: float, seconds: float, action_period: float):
        loop = self.session._connection._loop.asyncio_loop
        delay = max(0.0, start_wall - time.time())
        self.t_play = None

        def press_play():
            self.status_times.clear()
            self.epochs.clear()
            self.messages = self.bytes = 0
            self.t_play = time.perf_counter()
            self.play.active = True

        def act():
            if self.pending is None:  # one change in flight at a time
                self.lr = self.lr_pair[1] if self.lr == self.lr_pair[0] else self.lr_pair[0]
                self.pending = (time.perf_counter(), self.lr)
                self.actions_sent += 1
                self.lr_select.value = self.lr

        loop.call_later(delay, press_play)
        t = action_period + 0.1 * (self.index % 10) * action_period  # spread the sessions' clicks
        while t < seconds - 1.0:
            loop.call_later(delay + t, act)
            t += action_period
        end = time.perf_counter() + delay + seconds
        self.session._connection._loop_until(lambda: time.perf_counter() > end)
        self.t_end = time.perf_counter()

    def isolation_problems(self) -> list[str]:
        problems = []
        h = self.hash
        if h.get("seed") != self.seed or h.get("dataset") != self.dataset:
            problems.append(f"link shows seed={h.get('seed')} dataset={h.get('dataset')}")
        if self.pending is None and not _same_float(h.get("learningRate"), self.lr):
            problems.append(f"link shows learningRate={h.get('learningRate')}, set {self.lr}")
        for key, own in (("dataset", self.dataset), ("seed", self.seed)):
            if key in self.remote and self.remote[key] != own:
                problems.append(f"{key} control shows {self.remote[key]}, set {own}")
        if self.pending is None and "lr" in self.remote and not _same_float(self.remote["lr"], self.lr):
            problems.append(f"learning-rate menu shows {self.remote['lr']}, set {self.lr}")
        if any(b < a for a, b in zip(self.epochs, self.epochs[1:])):
            problems.append("epoch went backwards")
        return problems

    def result(self) -> dict:
        intervals = [b - a for a, b in zip(self.status_times, self.status_times[1:])]
        elapsed = (self.t_end - self.t_play) if self.t_play else float("nan")
        return {
            "index": self.index,
            "dataset": self.dataset,
            "seed": self.seed,
            "connect_s": self.connect_s,
            "epoch": self.epochs[-1] if self.epochs else 0,
            "epochs_per_s": (self.epochs[-1] / elapsed) if self.epochs else 0.0,
            "updates": len(self.status_times),
            "updates_per_s": len(self.status_times) / elapsed if elapsed == elapsed else 0.0,
            "messages_per_s": self.messages / elapsed if elapsed == elapsed else 0.0,
            "kb_per_s": self.bytes / 1024 / elapsed if elapsed == elapsed else 0.0,
            "interval_p50": pct(intervals, 50),
            "interval_p95": pct(intervals, 95),
            "interval_max": max(intervals, default=float("nan")),
            "actions": self.actions_sent,
            "answered": len(self.latencies),
            "latency_p50": pct(self.latencies, 50),
            "latency_p95": pct(self.latencies, 95),
            "latencies": self.latencies,
            "isolation": self.isolation_problems(),
            "error": self.error,
        }


def _same_float(a, b) -> bool:
    try:
        return abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b)))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------- client process
def client_process(indices, url, seconds, action_period, ready_q, start_q, result_q):
    """Runs the sessions ``indices`` as threads; reports readiness, waits for the start time,
    reports results and this process's CPU time during the training window."""
    import panel  # noqa: F401 - registers Panel's Bokeh models so documents deserialize

    clients = [Client(i, url) for i in indices]

    def setup(c):
        try:
            c.connect()
        except Exception as err:  # reported, not raised: the other sessions go on
            c.error = f"connect: {err!r}\n{traceback.format_exc(limit=3)}"

    threads = [threading.Thread(target=setup, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ready_q.put(len(indices))
    start_wall = start_q.get()
    cpu0 = os.times()

    def run(c):
        if c.error:
            return
        try:
            c.train(start_wall, seconds, action_period)
        except Exception as err:
            c.error = f"train: {err!r}\n{traceback.format_exc(limit=3)}"

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + max(0.0, start_wall - time.time()) + 60)
    cpu1 = os.times()
    results = []
    for c, t in zip(clients, threads):
        if t.is_alive():
            c.error = c.error or "training loop did not return (no messages from the server?)"
            c.t_end = time.perf_counter()
        if not hasattr(c, "t_end"):
            c.t_end = time.perf_counter()
        if not hasattr(c, "t_play"):
            c.t_play = None
        results.append(c.result())
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    result_q.put((results, cpu))
    result_q.close()
    result_q.join_thread()  # flush before os._exit
    for c in clients:
        try:
            c.session.close()
        except Exception:
            pass
    os._exit(0)  # threads stuck in a loop must not keep the process alive


# ---------------------------------------------------------------------------------- main
def fmt(v, digits=2):
    return "-" if v != v else f"{v:.{digits}f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--procs", type=int, default=1, help="client processes (the sessions are their threads)")
    parser.add_argument("--action-period", type=float, default=3.0, help="seconds between learning-rate changes")
    args = parser.parse_args(argv)

    server, url = start_server()
    try:
        return run(args, server, url)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def run(args, server, url) -> int:
    time.sleep(1.0)
    rss_start = rss_mb(server.pid)
    ctx = mp.get_context("spawn")
    ready_q, result_q = ctx.Queue(), ctx.Queue()
    groups = [list(range(args.sessions))[k :: args.procs] for k in range(args.procs)]
    groups = [g for g in groups if g]
    procs, start_qs = [], []
    t_connect, server_cpu_connect0 = time.perf_counter(), proc_cpu_s(server.pid)
    for g in groups:
        start_q = ctx.Queue()
        p = ctx.Process(
            target=client_process, args=(g, url, args.seconds, args.action_period, ready_q, start_q, result_q)
        )
        p.start()
        procs.append(p)
        start_qs.append(start_q)
    for _ in groups:
        ready_q.get(timeout=600)
    connect_all_s = time.perf_counter() - t_connect
    connect_cpu = proc_cpu_s(server.pid) - server_cpu_connect0
    time.sleep(2.0)  # let the last sessions' first redraws settle
    rss_connected = rss_mb(server.pid)
    start_wall = time.time() + 1.0
    for q in start_qs:
        q.put(start_wall)
    time.sleep(max(0.0, start_wall - time.time()))
    server_cpu0, (busy0, total0) = proc_cpu_s(server.pid), machine_cpu_s()
    time.sleep(args.seconds)
    server_cpu1, (busy1, total1) = proc_cpu_s(server.pid), machine_cpu_s()
    rss_end = rss_mb(server.pid)
    results, client_cpu = [], 0.0
    for _ in groups:
        res, cpu = result_q.get(timeout=args.seconds + 180)
        results.extend(res)
        client_cpu += cpu
    for p in procs:
        p.join(30)
        if p.is_alive():
            p.kill()
    results.sort(key=lambda r: r["index"])
    window = args.seconds
    server_cpu = server_cpu1 - server_cpu0
    machine_busy = busy1 - busy0
    cores = os.cpu_count()
    report(args, results, locals())
    errors = [r for r in results if r["error"] or r["isolation"] or r["updates"] < 2]
    for r in errors:
        print(f"ERROR session {r['index']}: {r['error'] or ''} {'; '.join(r['isolation'])}", file=sys.stderr)
        if r["updates"] < 2 and not r["error"]:
            print(f"ERROR session {r['index']}: only {r['updates']} status updates", file=sys.stderr)
    return 1 if errors else 0


def report(args, results, m):
    ok = [r for r in results if not r["error"]]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; server {m['url']}")
    print(
        f"{args.sessions} sessions in {len(m['groups'])} client process(es), {args.seconds:.0f} s of training, "
        f"a learning-rate change every {args.action_period:g} s per session; all connected in "
        f"{m['connect_all_s']:.1f} s"
    )
    print()
    print(
        "| session | dataset | epoch reached | epochs/s | updates/s | update interval p50 / p95 / max (s) "
        "| lr changes answered | action latency p50 / p95 (s) | isolation |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        iso = "ok" if not r["isolation"] and not r["error"] else ("ERROR" if r["error"] else "; ".join(r["isolation"]))
        print(
            f"| {r['index']} | {r['dataset']} | {r['epoch']:,} | {fmt(r['epochs_per_s'])} | {fmt(r['updates_per_s'])} "
            f"| {fmt(r['interval_p50'])} / {fmt(r['interval_p95'])} / {fmt(r['interval_max'])} "
            f"| {r['answered']}/{r['actions']} | {fmt(r['latency_p50'])} / {fmt(r['latency_p95'])} | {iso} |"
        )
    eps = [r["epochs_per_s"] for r in ok]
    ups = [r["updates_per_s"] for r in ok]
    p50s = [r["interval_p50"] for r in ok if r["interval_p50"] == r["interval_p50"]]
    p95s = [r["interval_p95"] for r in ok if r["interval_p95"] == r["interval_p95"]]
    lats = [x for r in ok for x in r["latencies"]]
    actions = sum(r["actions"] for r in ok)
    print()
    print("| over all sessions | min | median | max |")
    print("|---|---:|---:|---:|")
    if ok:
        print(f"| epochs/s per session | {fmt(min(eps))} | {fmt(statistics.median(eps))} | {fmt(max(eps))} |")
        print(f"| updates/s per session | {fmt(min(ups))} | {fmt(statistics.median(ups))} | {fmt(max(ups))} |")
        if p50s:
            print(f"| update interval p50 (s) | {fmt(min(p50s))} | {fmt(statistics.median(p50s))} | {fmt(max(p50s))} |")
            print(f"| update interval p95 (s) | {fmt(min(p95s))} | {fmt(statistics.median(p95s))} | {fmt(max(p95s))} |")
    print()
    window = m["window"]
    cores = m["cores"]
    others = m["machine_busy"] - m["server_cpu"] - m["client_cpu"]
    print("| whole run | value |")
    print("|---|---:|")
    print(f"| epochs/s, all sessions together | {sum(eps):.1f} |")
    print(f"| status updates/s, all sessions together | {sum(ups):.1f} |")
    msgs = sum(r["messages_per_s"] for r in ok)
    print(
        f"| PATCH-DOC messages/s received, all sessions (binary buffers KB/s) | {msgs:.1f} "
        f"({sum(r['kb_per_s'] for r in ok):.0f}) |"
    )
    print(
        f"| action latency p50 / p95 / max over all changes (s) | {fmt(pct(lats, 50))} / {fmt(pct(lats, 95))} / "
        f"{fmt(max(lats, default=float('nan')))} |"
    )
    print(f"| learning-rate changes answered before the end | {len(lats)}/{actions} |")
    print(
        f"| server RSS: start / all connected / end of training (MB) | {m['rss_start']:.0f} / "
        f"{m['rss_connected']:.0f} / {m['rss_end']:.0f} |"
    )
    print(f"| server CPU during training (cores of {cores}) | {m['server_cpu'] / window:.2f} |")
    if sum(ups):
        print(
            f"| server CPU per status update, i.e. per tick of one session (ms) | "
            f"{m['server_cpu'] / (sum(ups) * window) * 1e3:.0f} |"
        )
        print(f"| epochs per second of server CPU | {sum(eps) / (m['server_cpu'] / window):.0f} |")
    print(f"| client processes' CPU during training (cores) | {m['client_cpu'] / window:.2f} |")
    print(f"| everything else on the machine (cores) | {max(0.0, others) / window:.2f} |")
    print(
        f"| server CPU to create one session (page, views, first document), mean (s) | "
        f"{m['connect_cpu'] / max(1, args.sessions):.2f} |"
    )
    print(f"| first connect of a session, median (s) | {fmt(statistics.median([r['connect_s'] for r in ok]))} |")
    iso_ok = sum(1 for r in results if not r["isolation"] and not r["error"])
    print()
    print(
        f"Summary: {len(ok)}/{args.sessions} sessions trained {args.seconds:.0f} s: median "
        f"{fmt(statistics.median(eps))} epochs/s per session ({sum(eps):.1f} in total), status update every "
        f"{fmt(statistics.median(p50s))} s "
        f"(p50; median over sessions of p95 {fmt(statistics.median(p95s))} s), action latency p50 "
        f"{fmt(pct(lats, 50))} s / p95 {fmt(pct(lats, 95))} s, server RSS {m['rss_start']:.0f} -> "
        f"{m['rss_end']:.0f} MB, server CPU {m['server_cpu'] / window:.2f} cores, clients "
        f"{m['client_cpu'] / window:.2f} cores; isolation {iso_ok}/{args.sessions} ok."
        if ok and p50s
        else f"Summary: {len(ok)}/{args.sessions} sessions ran; no usable measurements."
    )


if __name__ == "__main__":
    sys.exit(main())
