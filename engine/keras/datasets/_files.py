"""Dataset files: where they are looked for, how they are downloaded, how they are parsed.

Shared by ``mnist``, ``fashion_mnist`` and ``cifar10``. Lookup order (DESIGN.md, "Data"):

1. gradplay's cache, ``$GRADPLAY_CACHE/datasets`` (default ``~/.cache/gradplay/datasets``), then Keras'
   cache ``~/.keras/datasets`` (``$KERAS_HOME/datasets``), so files Keras already fetched are reused;
2. the directory named by ``$GRADPLAY_DATASETS``; in the browser (Pyodide, JupyterLite) also the site's
   ``data/`` folder, mounted at ``/drive/data`` (site/build.py ships a real MNIST subset there);
3. a download from the canonical URL into gradplay's cache, checked against a pinned sha256 and written
   atomically (temp file + ``os.replace``). ``$GRADPLAY_DATASETS_ORIGIN`` replaces the base URL (a mirror,
   or ``file:///dir/``) or, set to ``off``, disables downloads.

If all fail, :class:`DatasetNotFoundError` says exactly which files to put where. A file that is found but
broken raises :class:`DatasetFormatError` instead of being skipped: nothing falls back silently.

Nothing here unpickles. ``.npz`` members are read with ``allow_pickle=False`` after their ``.npy`` headers
are checked; IDX and CIFAR-10 binary files are parsed with NumPy.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ...atomic import atomic_path

CACHE_ENV = "GRADPLAY_CACHE"
DATASETS_ENV = "GRADPLAY_DATASETS"
ORIGIN_ENV = "GRADPLAY_DATASETS_ORIGIN"
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

MAX_ARRAY_BYTES = 1 << 30  # no real dataset here comes close; guards against lying headers
MAX_DOWNLOAD_BYTES = 512 << 20  # CIFAR-10's archive, the largest, is 162 MiB
TIMEOUT_SECONDS = 60


class DatasetNotFoundError(FileNotFoundError):
    """No source had the dataset. The message lists where gradplay looked and how to provide the files."""


class DatasetFormatError(ValueError):
    """A dataset file exists but is corrupt, truncated, pickled, oversized or fails its sha256 check."""


# ---------------------------------------------------------------------------------------------------------
# Where to look


def cache_dir() -> Path:
    """gradplay's dataset cache: ``$GRADPLAY_CACHE/datasets``, by default ``~/.cache/gradplay/datasets``."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "gradplay"
    return base / "datasets"


def keras_dir() -> Path:
    """Keras' dataset cache, read (never written) so that files Keras downloaded are reused."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser() / "datasets"


# In the browser (JupyterLite's Pyodide kernel) the site's files are mounted at /drive; the site
# built by site/build.py ships a subset of MNIST in its data/ folder.
BROWSER_DATA_DIR = Path("/drive/data")


def search_dirs() -> list[tuple[str, Path | None]]:
    """(label, directory) in lookup order; ``None`` marks an unset ``$GRADPLAY_DATASETS``."""
    env = os.environ.get(DATASETS_ENV)
    dirs = [
        ("gradplay cache", cache_dir()),
        ("Keras cache", keras_dir()),
        (f"${DATASETS_ENV}", Path(env).expanduser() if env else None),
    ]
    if sys.platform == "emscripten":
        dirs.append(("the site's data/ folder (JupyterLite)", BROWSER_DATA_DIR))
    return dirs


def origin(default: str) -> str | None:
    """Base URL for downloads: ``$GRADPLAY_DATASETS_ORIGIN`` if set, else ``default``; None if disabled."""
    value = os.environ.get(ORIGIN_ENV)
    if value is None:
        return default
    value = value.strip()
    if value.lower() in ("", "off", "none", "0", "false", "no"):
        return None
    return value if value.endswith("/") else value + "/"


def find(title, read, downloads, base_url, layouts, hints=()):
    """Return ``read(directory, notes)`` for the first directory that has the dataset, downloading if needed.

    ``read`` returns the arrays, or None when no supported layout is there (it may append a remark to
    ``notes``); it raises DatasetFormatError for a broken file. ``downloads`` lists
    ``(remote_name, local_relative_path, sha256)`` fetched from ``base_url`` into the cache, after which
    ``read(cache_dir(), notes)`` must succeed. ``layouts`` and ``hints`` go into the not-found message.
    """
    notes: list[str] = []
    looked: list[str] = []
    for label, directory in search_dirs():
        exists = directory is not None and directory.is_dir()
        shown = "not set" if directory is None else f"{directory}{'' if exists else ' (does not exist)'}"
        looked.append(f"  - {label}: {shown}")
        if exists:
            result = read(directory, notes)
            if result is not None:
                return result
    url = origin(base_url)
    if url is None:
        download_note = f"Downloading is disabled (${ORIGIN_ENV}={os.environ.get(ORIGIN_ENV)!r})."
    else:
        cache = cache_dir()
        try:
            for remote, local, sha256 in downloads:
                download(url + remote, cache / local, sha256)
        except OSError as e:  # URLError, timeouts, refused connections, an unwritable cache
            download_note = f"Download from {url + remote} failed: {e}"
        else:
            result = read(cache, notes)
            if result is not None:
                return result
            download_note = f"Downloaded into {cache}, yet the files could not be read."  # pragma: no cover
    remotes = ", ".join(remote for remote, _, _ in downloads)
    lines = [
        f"Could not find the {title} dataset. Looked in:",
        *looked,
        download_note,
        *[f"Note: {n}" for n in notes],
        "To provide it, do one of:",
        f"  - put the files, in a layout below, into gradplay's cache {cache_dir()}"
        f" (that is ${CACHE_ENV}/datasets, default ~/.cache/gradplay/datasets)",
        f"  - put them into any directory and set {DATASETS_ENV}=/that/directory",
        *[f"  - {h}" for h in hints],
        f"  - set {ORIGIN_ENV} to a mirror URL or a file:///directory/ holding {remotes}",
        "Layouts:",
        *[f"  - {layout}" for layout in layouts],
    ]
    raise DatasetNotFoundError("\n".join(lines))


# ---------------------------------------------------------------------------------------------------------
# Downloading and writing


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def download(url: str, dest: Path, sha256: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> Path:
    """Fetch ``url`` to ``dest`` unless ``dest`` already has the expected sha256; atomic, verified.

    Raises OSError when the URL cannot be fetched, DatasetFormatError on a sha256 mismatch (the bad
    download is discarded and the cache left as it was).
    """
    if dest.is_file() and sha256_file(dest) == sha256:
        return dest
    import urllib.request  # lazy: pulls in ssl and http.client

    dest.parent.mkdir(parents=True, exist_ok=True)
    print(f"Downloading data from {url}")
    with atomic_path(dest, ".part") as tmp:
        h, size = hashlib.sha256(), 0
        with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise DatasetFormatError(f"Download from {url} exceeds {max_bytes} bytes; refused.")
                h.update(chunk)
                out.write(chunk)
        if h.hexdigest() != sha256:
            raise DatasetFormatError(
                f"sha256 mismatch for {url}: expected {sha256}, got {h.hexdigest()} ({size} bytes). "
                f"The download was discarded; {dest} was not written. A proxy or mirror may serve another file."
            )
    return dest


def write_npz(path, arrays: dict[str, np.ndarray]) -> str:
    """Write ``arrays`` as a compressed ``.npz`` atomically and reproducibly; return its sha256.

    Like ``np.savez_compressed`` but with fixed zip timestamps, so the same arrays give the same bytes.
    """
    path = Path(path)
    with atomic_path(path, ".part") as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
    return sha256_file(path)


# ---------------------------------------------------------------------------------------------------------
# Parsing

# IDX type codes (third magic byte) -> big-endian dtype. http://yann.lecun.com/exdb/mnist/ "FILE FORMATS".
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"


def _read_exactly(stream, n: int) -> bytearray:
    # A bytearray keeps the resulting NumPy array writeable, as np.load's arrays are.
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            break
        got += k
    return buf[:got] if got < n else buf


def parse_idx(stream, name: str = "<stream>") -> np.ndarray:
    """Parse one IDX array from an uncompressed binary stream; validate magic, dims and size."""
    magic = stream.read(4)
    if len(magic) < 4 or magic[0] or magic[1] or magic[2] not in IDX_DTYPES or not 1 <= magic[3] <= 8:
        raise DatasetFormatError(
            f"{name} is not an IDX file: magic bytes {magic.hex() or '(empty)'}, expected 00 00 <type> <ndim> "
            f"(00000801 for labels, 00000803 for images). Replace it with the original file."
        )
    ndim, dtype = magic[3], np.dtype(IDX_DTYPES[magic[2]])
    raw_dims = stream.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise DatasetFormatError(f"{name} is truncated inside its IDX header ({ndim} dimensions expected).")
    dims = struct.unpack(f">{ndim}I", raw_dims)
    nbytes = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if nbytes > MAX_ARRAY_BYTES:
        raise DatasetFormatError(f"{name}: IDX header claims dims {dims} ({nbytes} bytes), over the size limit.")
    data = _read_exactly(stream, nbytes)
    if len(data) < nbytes:
        raise DatasetFormatError(
            f"{name} is truncated: its IDX header says dims {dims} ({nbytes} bytes of data), "
            f"but only {len(data)} bytes follow. Download or copy it again."
        )
    if stream.read(1):
        raise DatasetFormatError(f"{name} has bytes after the {nbytes} bytes its IDX header {dims} announces.")
    array = np.frombuffer(data, dtype=dtype).reshape(dims)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def read_idx(path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not (told apart by content, not by name)."""
    path = Path(path)
    with open(path, "rb") as f:
        compressed = f.read(2) == GZIP_MAGIC
    try:
        with gzip.open(path, "rb") if compressed else open(path, "rb") as f:
            return parse_idx(f, str(path))
    except (OSError, EOFError, zlib.error) as e:
        kind = "a corrupt gzip file" if compressed else "unreadable"
        raise DatasetFormatError(f"{path} is {kind} ({e}). Download or copy it again.") from e


def _npy_header(member, name):
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(member)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(member)
    raise DatasetFormatError(f"{name}: unsupported .npy format version {version}.")


def read_npz(path, keys) -> dict[str, np.ndarray]:
    """Read the arrays ``keys`` from an ``.npz`` without ever unpickling; reject anything else loudly."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            head = f.read(2)
        kind = "a pickle" if head[:1] == b"\x80" else "not a zip archive"
        raise DatasetFormatError(
            f"{path} is not an .npz file ({kind}; it starts with {head!r}). gradplay never unpickles data files: "
            f"replace it with an .npz of plain arrays {', '.join(keys)} (np.savez), or delete it."
        )
    arrays = {}
    try:
        with zipfile.ZipFile(path) as z:
            members = {info.filename: info for info in z.infolist()}
            missing = [k for k in keys if f"{k}.npy" not in members]
            if missing:
                raise DatasetFormatError(
                    f"{path} lacks the arrays {missing}; it holds {sorted(members)}. Expected {', '.join(keys)}."
                )
            for key in keys:
                info, where = members[f"{key}.npy"], f"{path}[{key}]"
                with z.open(info) as member:
                    shape, _, dtype = _npy_header(member, where)
                if dtype.hasobject:
                    raise DatasetFormatError(
                        f"{where} holds Python objects (dtype {dtype}), which only unpickling could read; gradplay "
                        f"never unpickles. Save plain uint8 arrays instead (np.savez)."
                    )
                nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                if nbytes > MAX_ARRAY_BYTES or info.file_size > MAX_ARRAY_BYTES + 4096:
                    raise DatasetFormatError(f"{where}: array of shape {shape} {dtype} is over the size limit.")
                with z.open(info) as member:
                    arrays[key] = np.lib.format.read_array(member, allow_pickle=False)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
        if isinstance(e, DatasetFormatError):
            raise
        raise DatasetFormatError(f"{path} is a corrupt .npz file ({e}). Download or copy it again.") from e
    return arrays


def check_split(x, y, where: str, image_shape: tuple, label_shape: tuple = (), classes: int = 10):
    """Validate one (images, labels) pair and return it as Keras returns it: uint8 arrays."""
    if x.dtype != np.uint8 or x.ndim != 1 + len(image_shape) or x.shape[1:] != image_shape:
        raise DatasetFormatError(
            f"{where}: images must be uint8 of shape (N, {', '.join(map(str, image_shape))}); got {x.dtype} {x.shape}."
        )
    if not np.issubdtype(y.dtype, np.integer) or y.shape != (len(x), *label_shape):
        raise DatasetFormatError(
            f"{where}: labels must be integers of shape {(len(x), *label_shape)} to match {len(x)} images; "
            f"got {y.dtype} {y.shape}."
        )
    if y.size and (y.min() < 0 or y.max() >= classes):
        raise DatasetFormatError(f"{where}: labels must lie in 0..{classes - 1}; got {y.min()}..{y.max()}.")
    return x, y.astype(np.uint8, copy=False)


# ---------------------------------------------------------------------------------------------------------
# The MNIST-style layouts, shared by mnist and fashion_mnist

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


def read_npz_dataset(path, image_shape, label_shape=()):
    """((x_train, y_train), (x_test, y_test)) from an ``.npz`` with Keras' keys, validated."""
    a = read_npz(path, NPZ_KEYS)
    train = check_split(a["x_train"], a["y_train"], f"{path} (train)", image_shape, label_shape)
    test = check_split(a["x_test"], a["y_test"], f"{path} (test)", image_shape, label_shape)
    return train, test


def find_idx_files(directory: Path, notes: list) -> list[Path] | None:
    """The four IDX files (raw preferred over ``.gz``) in ``directory``, or None if not all are there."""
    found, missing = [], []
    for name in IDX_FILES:
        path = next((p for p in (directory / name, directory / f"{name}.gz") if p.is_file()), None)
        (found if path else missing).append(path or f"{name}[.gz]")
    if missing and len(missing) < len(IDX_FILES):
        notes.append(f"{directory} has only some IDX files; missing {', '.join(missing)}.")
    return None if missing else found


def read_idx_dataset(paths, image_shape=(28, 28)):
    x_train, y_train, x_test, y_test = (read_idx(p) for p in paths)
    train = check_split(x_train, y_train, f"{paths[0].parent} (train)", image_shape)
    test = check_split(x_test, y_test, f"{paths[0].parent} (test)", image_shape)
    return train, test


def mnist_style_reader(npz_names, idx_dirs):
    """A ``read(directory, notes)`` for ``find``: the first of the ``.npz`` names, then the IDX dirs."""

    def read(directory: Path, notes: list):
        for name in npz_names:
            if (directory / name).is_file():
                return read_npz_dataset(directory / name, (28, 28))
        for sub in idx_dirs:
            if (directory / sub).is_dir() and (paths := find_idx_files(directory / sub, notes)):
                return read_idx_dataset(paths)
        return None

    return read


def mnist_style_layouts(npz_names, idx_dirs):
    return [
        *[f"{n}: Keras' .npz (arrays {', '.join(NPZ_KEYS)})" for n in npz_names],
        f"{'/ or '.join(idx_dirs)}/ holding {', '.join(IDX_FILES)}, each raw or .gz",
    ]
