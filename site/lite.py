"""Build a JupyterLite site (JupyterLab in the browser, Pyodide kernel) that works fully offline.

    python site/lite.py --out build/lite     # runtime (site/runtime.py) + JupyterLite, ~1 minute
    python -m http.server -d build/lite      # then open http://localhost:8000/lab/lab/index.html

The output folder::

    <out>/pyodide/     the self-hosted Pyodide 0.27.7 runtime (site/runtime.py), with the packages
                       the kernel loads at start (ipython, jedi, ssl, sqlite3, ...) and matplotlib
    <out>/wheels/      gradplay-0.1.0-py3-none-any.whl (site/runtime.py)
    <out>/lab/         the JupyterLite site (``jupyter lite build`` output): apps (lab/, notebooks/,
                       tree/, ...), the tutorial notebooks under files/en/ and files/zh-CN/, the
                       kernel's own wheels (extensions/.../static/pypi/), comm in pypi/, and
                       gradplay-pyodide-lock.json (see below)

How gradplay is preinstalled: the kernel boots Pyodide with ``lockFileURL`` pointing at
``lab/gradplay-pyodide-lock.json``: the official 0.27.7 lock, unchanged, plus one entry for the
gradplay wheel (its sha256 checked by Pyodide). The Pyodide kernel loads lock packages on import,
so ``import gradplay.engine as tf`` works in the first cell, like ``import numpy``.

Nothing is fetched at run time from anywhere but the site itself: ``pyodideUrl`` is the local
``pyodide.js``, ``disablePyPIFallback`` is on, the only JupyterLab extension is the Pyodide kernel
(``--ignore-sys-prefix``), and every package the kernel asks for is in the runtime folder or in
the site's piplite index (``comm``, the one the kernel needs that Pyodide does not ship).
The build itself is offline after the first run (downloads are cached like site/runtime.py's).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# jupyterlite-pyodide-kernel 0.6.1 is the newest release whose default Pyodide is 0.27.x
# (0.27.6: same Python 3.12.7 and ABI as the 0.27.7 we self-host); 0.7.x moved to Pyodide 0.29,
# whose packages are built for another ABI. It needs jupyterlite-core >=0.6,<0.7: 0.6.4 is the last.
JUPYTERLITE_CORE = "0.6.4"
PYODIDE_KERNEL = "0.6.1"
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
# Lock packages the kernel loads at start (its initKernel: ssl, sqlite3, jedi, ipython and their
# dependencies) or that the tutorials import (matplotlib), on top of site/runtime.py's defaults.
RUNTIME_PACKAGES = ("numpy", "micropip", "ssl", "sqlite3", "jedi", "ipython", "matplotlib")
# The kernel also installs ``comm`` at start, which Pyodide 0.27.7 does not ship: from PyPI, pinned.
PIPLITE_WHEELS = {"comm-0.2.2-py3-none-any.whl": "e6fb86cb70ff661ee8c9c14e7d36d6de3b4066f1441be4063df9c5009f0a64d3"}
LANGUAGES = ("en", "zh-CN")
SITE_LOCK = "gradplay-pyodide-lock.json"
ROOT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>gradplay notebooks</title>
<meta http-equiv="refresh" content="0; url=lab/lab/index.html?path=en/01_tensors.ipynb"></head>
<body><a href="lab/lab/index.html?path=en/01_tensors.ipynb">gradplay tutorials in JupyterLab (JupyterLite)</a>
</body></html>
"""


def _runtime_module():
    """site/runtime.py as a module (``site`` is not a package: it would shadow the stdlib's)."""
    spec = importlib.util.spec_from_file_location("gradplay_site_runtime", HERE / "runtime.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runtime = _runtime_module()
BuildError = runtime.BuildError
log = runtime.log


def check_versions() -> None:
    """The pinned jupyterlite-core and jupyterlite-pyodide-kernel must be the ones installed."""
    wanted = {"jupyterlite-core": JUPYTERLITE_CORE, "jupyterlite-pyodide-kernel": PYODIDE_KERNEL}
    problems = []
    for dist, version in wanted.items():
        try:
            found = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found = None
        if found != version:
            problems.append(f"{dist}=={version} (found: {found or 'not installed'})")
    if problems:
        install = f'{sys.executable} -m pip install -e ".[site]"'
        raise BuildError(f"site/lite.py needs {', '.join(problems)}. Install them with: {install}")


def kernel_extension_dir() -> Path:
    """The installed Pyodide kernel labextension (its JS and its own wheels under static/pypi/)."""
    from jupyter_core.paths import jupyter_path

    for root in [Path(sys.prefix) / "share" / "jupyter", *map(Path, jupyter_path())]:
        path = root / "labextensions" / KERNEL_EXTENSION
        if (path / "package.json").exists():
            version = json.loads((path / "package.json").read_text(encoding="utf-8"))["version"]
            if version != PYODIDE_KERNEL:
                raise BuildError(f"{path} is version {version}, expected {PYODIDE_KERNEL}")
            return path
    raise BuildError(f"the {KERNEL_EXTENSION} labextension is not installed (pip install -e '.[site]')")


def fetch_piplite_wheels() -> list[Path]:
    """The extra wheels of the site's piplite index, from PyPI with pinned sha256 (cached)."""
    folder = runtime.cache_dir() / "pypi"
    missing = [name for name in PIPLITE_WHEELS if not (folder / name).exists()]
    if missing:
        log(f"fetching from PyPI (pip download, pinned hashes): {', '.join(missing)}")
        reqs = []
        for name in missing:
            dist, version = name.split("-")[:2]
            reqs.append(f"{dist}=={version} --hash=sha256:{PIPLITE_WHEELS[name]}")
        runtime.pip_download(reqs, folder)
    out = []
    for name, expected in PIPLITE_WHEELS.items():
        digest = runtime.sha256_file(folder / name)
        if digest != expected:
            raise BuildError(f"{folder / name} has sha256 {digest}, expected {expected}. Delete it and rerun.")
        out.append(folder / name)
    return out


def build_runtime(out_dir: Path) -> None:
    """``site/runtime.py --out OUT --package ...`` with the packages the kernel and tutorials need."""
    cmd = [sys.executable, str(HERE / "runtime.py"), "--out", str(out_dir)]
    for name in RUNTIME_PACKAGES:
        cmd += ["--package", name]
    proc = subprocess.run(cmd, text=True, capture_output=True)
    if proc.returncode != 0:
        raise BuildError(f"site/runtime.py failed:\n{proc.stdout}\n{proc.stderr}")
    for line in proc.stdout.splitlines():
        log(f"  runtime: {line}")


def _runtime_manifest(runtime_dir: Path) -> dict:
    path = runtime_dir / "runtime.json"
    if not path.exists():
        raise BuildError(f"{runtime_dir} is not a runtime folder (no runtime.json): run site/runtime.py first")
    return json.loads(path.read_text(encoding="utf-8"))


def _copy_runtime(runtime_dir: Path, out_dir: Path) -> None:
    """Mirror ``pyodide/``, ``wheels/`` and ``runtime.json`` of another runtime folder into out_dir."""
    for sub in ("pyodide", "wheels"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
        shutil.copytree(runtime_dir / sub, out_dir / sub)
    shutil.copy2(runtime_dir / "runtime.json", out_dir / "runtime.json")


def site_lock(runtime_dir: Path, wheel: Path) -> dict:
    """The official lock (refused unless byte-identical to 0.27.7's) plus an entry for gradplay's
    wheel: its ``file_name`` is relative to Pyodide's indexURL (``pyodide/``), its sha256 is checked
    by Pyodide when it loads it; it depends on numpy only (the engine needs nothing else)."""
    lock = runtime.load_official_lock(runtime_dir / "pyodide" / "pyodide-lock.json")
    name, version = wheel.name.split("-")[:2]
    lock["packages"][name] = {
        "name": name,
        "version": version,
        "file_name": f"../wheels/{wheel.name}",
        "install_dir": "site",
        "sha256": runtime.sha256_file(wheel),
        "package_type": "package",
        "imports": [name],
        "depends": ["numpy"],
        "unvendored_tests": False,
    }
    return lock


def lite_config(pyodide_url: str) -> dict:
    """The site's jupyter-lite.json (merged by ``jupyter lite build`` into the output's)."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "gradplay",
            # window.jupyterapp: lets tests (and a curious user's console) drive JupyterLab
            "exposeAppInBrowser": "true",
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    "pyodideUrl": pyodide_url,
                    "disablePyPIFallback": True,
                    # keys ending in URL are resolved against the site's base URL by the kernel
                    # GRADPLAY_FAST: the notebooks' short mode (a data subset, fewer epochs), as the
                    # site ships 10,000 MNIST training images and WebAssembly trains ~10x slower
                    "loadPyodideOptions": {
                        "lockFileURL": f"./{SITE_LOCK}",
                        "env": {"HOME": "/home/pyodide", "GRADPLAY_FAST": "1"},
                    },
                }
            },
        },
    }


def build_lite(
    out_dir: Path,
    runtime_dir: Path | None = None,
    languages: tuple[str, ...] = LANGUAGES,
    notebooks_dir: Path = REPO / "notebooks",
    extra_files: dict[str, Path] | None = None,
) -> dict:
    """Build the JupyterLite site into ``out_dir/lab/`` next to a runtime in ``out_dir/pyodide/`` and
    ``out_dir/wheels/``. ``runtime_dir``: a runtime folder made by site/runtime.py with at least
    RUNTIME_PACKAGES (copied into out_dir unless it is out_dir); None builds it into out_dir.
    ``extra_files``: {path in the site's file browser: file}. Returns a summary (also written to
    ``out_dir/lab/gradplay-lite.json``)."""
    started = time.perf_counter()
    check_versions()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if runtime_dir is None:
        log(f"building the runtime into {out_dir} (site/runtime.py) ...")
        build_runtime(out_dir)
        runtime_dir = out_dir
    runtime_dir = Path(runtime_dir).resolve()
    manifest = _runtime_manifest(runtime_dir)
    lock = runtime.load_official_lock(runtime_dir / "pyodide" / "pyodide-lock.json")
    needed = runtime.resolve(lock, list(RUNTIME_PACKAGES))
    missing = sorted(set(needed) - set(manifest.get("lock_packages", [])))
    if missing:
        raise BuildError(
            f"the runtime in {runtime_dir} lacks {', '.join(missing)}: build it with "
            + " ".join(f"--package {p}" for p in RUNTIME_PACKAGES)
        )
    if runtime_dir != out_dir:
        _copy_runtime(runtime_dir, out_dir)
    (wheel,) = (out_dir / "wheels").glob("gradplay-*.whl")
    comm = fetch_piplite_wheels()
    ext = kernel_extension_dir()

    site = out_dir / "lab"
    with tempfile.TemporaryDirectory(prefix="gradplay-lite-") as tmp:
        lite_dir = Path(tmp) / "lite"
        files = lite_dir / "files"
        count = 0
        for lang in languages:
            src = notebooks_dir / lang
            notebooks = sorted(src.glob("*.ipynb"))
            if not notebooks:
                raise BuildError(f"no notebooks in {src}")
            (files / lang).mkdir(parents=True)
            for nb in notebooks:
                shutil.copy2(nb, files / lang / nb.name)
                count += 1
        for name, path in (extra_files or {}).items():  # e.g. data/mnist.npz, next to the notebooks
            (files / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, files / name)
        # All JupyterLite apps live one folder below the site root (lab/, notebooks/, tree/, ...),
        # and the runtime is next to the site: <out>/pyodide/ is ../../pyodide/ from any app page.
        config = lite_config("../../pyodide/pyodide.js")
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        cmd = [
            sys.executable,
            "-m",
            "jupyterlite_core",
            "build",
            "--lite-dir",
            str(lite_dir),
            "--output-dir",
            str(site),
            "--ignore-sys-prefix",  # no other labextension of this environment (e.g. panel's)
            "--no-sourcemaps",
            "--no-unused-shared-packages",
            f"--LiteBuildConfig.federated_extensions={ext}",
            f"--LiteBuildConfig.cache_dir={Path(tmp) / 'cache'}",
            "--piplite-wheels",
            str(comm[0]),
        ]
        log(f"jupyter lite build (jupyterlite-core {JUPYTERLITE_CORE}, pyodide-kernel {PYODIDE_KERNEL}) ...")
        proc = subprocess.run(cmd, cwd=lite_dir, text=True, capture_output=True)
        if proc.returncode != 0:
            output = f"{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
            raise BuildError(f"jupyter lite build failed ({proc.returncode}):\n{output}")

    # <out>/ itself: a page that opens the site, and the icon a browser asks the server root for
    (out_dir / "index.html").write_text(ROOT_PAGE, encoding="utf-8")
    shutil.copy2(site / "lab" / "favicon.ico", out_dir / "favicon.ico")
    (site / SITE_LOCK).write_text(json.dumps(site_lock(runtime_dir, out_dir / "wheels" / wheel.name)) + "\n")
    settings = check_site(out_dir)
    size = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
    lite_size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    summary = {
        "jupyterlite_core": JUPYTERLITE_CORE,
        "jupyterlite_pyodide_kernel": PYODIDE_KERNEL,
        "pyodide": runtime.PYODIDE_VERSION,
        "notebooks": count,
        "kernel_settings": settings,
        "runtime_packages": manifest["lock_packages"],
        "gradplay_wheel": wheel.name,
        "size_bytes": {"total": size, "lab": lite_size},
        "seconds": round(time.perf_counter() - started, 1),
    }
    (site / "gradplay-lite.json").write_text(json.dumps(summary, indent=1) + "\n")
    log(
        f"wrote {site}: {count} notebooks; site {runtime._mb(lite_size)}, with the runtime {runtime._mb(size)}; "
        f"in {summary['seconds']} s"
    )
    return summary


def check_site(out_dir: Path) -> dict:
    """Sanity checks of a built site; returns the kernel's settings from lab/jupyter-lite.json."""
    site = out_dir / "lab"
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    data = config["jupyter-config-data"]
    settings = data["litePluginSettings"][KERNEL_PLUGIN]
    problems = []
    pyodide_js = (site / "lab" / settings["pyodideUrl"]).resolve()
    if pyodide_js != out_dir / "pyodide" / "pyodide.js" or not pyodide_js.exists():
        problems.append(f"pyodideUrl {settings['pyodideUrl']} is not the local pyodide.js")
    if not settings.get("disablePyPIFallback"):
        problems.append("disablePyPIFallback is off")
    for url in settings.get("pipliteUrls", []):
        if not url.startswith("./") or not (site / url.split("?")[0]).exists():
            problems.append(f"piplite index {url} is not in the site")
    names = sorted(e["name"] for e in data.get("federated_extensions", []))
    if names != [KERNEL_EXTENSION]:
        problems.append(f"labextensions {names}, expected only {KERNEL_EXTENSION}")
    if problems:
        raise BuildError("the built site is wrong:\n  " + "\n  ".join(problems))
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / "build" / "lite", help="output folder (default build/lite)")
    parser.add_argument(
        "--runtime",
        type=Path,
        default=None,
        metavar="DIR",
        help="use (copy) this runtime folder instead of building one into --out with site/runtime.py",
    )
    parser.add_argument(
        "--language", action="append", choices=LANGUAGES, help="notebook languages (default: all)", default=None
    )
    args = parser.parse_args(argv)
    build_lite(args.out, args.runtime, tuple(args.language or LANGUAGES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
