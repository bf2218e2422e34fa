"""CIFAR-10 small colour images, loaded as ``keras.datasets.cifar10.load_data()`` loads them.

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship, 9 truck.

Keras reads the *python* version (pickles); gradplay never unpickles, so it reads the *binary* version
(``cifar-10-binary.tar.gz``, or its extracted ``cifar-10-batches-bin/``) instead: the same images and labels.

Example::

    from gradplay.engine.keras.datasets import cifar10

    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (50000, 32, 32, 3) and y_train.shape == (50000, 1)

No registry package ships CIFAR-10. Where the real files cannot be had, opt in to stand-in data of the
same shapes and dtypes, which is *synthetic* (coloured blobs, not photographs)::

    (x_train, y_train), (x_test, y_test) = cifar10.synthetic_data(n_train=5000, n_test=1000)
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import numpy as np

from . import _files

ORIGIN = "https://www.cs.toronto.edu/~kriz/"
ARCHIVE = "cifar-10-binary.tar.gz"
ARCHIVE_SHA256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"  # 170,052,171 bytes
BATCH_DIR = "cifar-10-batches-bin"
TRAIN_BATCHES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_BATCH = "test_batch.bin"
NPZ_NAME = "cifar10.npz"
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
RECORD_BYTES = 1 + 32 * 32 * 3  # label byte, then 1024 red, 1024 green, 1024 blue, row-major


def parse_batch(data, name: str = "<batch>"):
    """(images (N, 32, 32, 3), labels (N,)) from the bytes of one CIFAR-10 binary batch file."""
    if len(data) == 0 or len(data) % RECORD_BYTES:
        raise _files.DatasetFormatError(
            f"{name} is not a CIFAR-10 binary batch: {len(data)} bytes is not a multiple of {RECORD_BYTES} "
            f"(1 label byte + 3072 pixel bytes per image). Download or copy it again."
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # channels_last, as Keras
    return np.ascontiguousarray(images), records[:, 0].copy()


def _assemble(batches: dict, where: str):
    train = [parse_batch(batches[n], f"{where}/{n}") for n in TRAIN_BATCHES]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train]).reshape(-1, 1)
    x_test, y_test = parse_batch(batches[TEST_BATCH], f"{where}/{TEST_BATCH}")
    return (
        _files.check_split(x_train, y_train, f"{where} (train)", (32, 32, 3), (1,)),
        _files.check_split(x_test, y_test.reshape(-1, 1), f"{where} (test)", (32, 32, 3), (1,)),
    )


def _read_archive(path: Path):
    import tarfile  # lazy: only for the archive layout

    wanted, found = {*TRAIN_BATCHES, TEST_BATCH}, {}
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:  # read members in memory: nothing is extracted to disk
                parts = PurePosixPath(member.name).parts
                if member.name.startswith(("/", "\\")) or ".." in parts:
                    raise _files.DatasetFormatError(f"{path} has an unsafe member name {member.name!r}; refused.")
                if parts and parts[-1] in wanted and member.isfile():
                    if member.size > 2 * 10000 * RECORD_BYTES:
                        raise _files.DatasetFormatError(f"{path}: {member.name} is {member.size} bytes; refused.")
                    found[parts[-1]] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as e:
        raise _files.DatasetFormatError(f"{path} is a corrupt archive ({e}). Download or copy it again.") from e
    missing = sorted(wanted - set(found))
    if missing:
        raise _files.DatasetFormatError(f"{path} lacks {', '.join(missing)}; is it the CIFAR-10 *binary* version?")
    return _assemble(found, str(path))


def _read(directory: Path, notes: list):
    if (directory / NPZ_NAME).is_file():
        return _files.read_npz_dataset(directory / NPZ_NAME, (32, 32, 3), (1,))
    batch_dir = directory / BATCH_DIR
    if batch_dir.is_dir():
        names = (*TRAIN_BATCHES, TEST_BATCH)
        missing = [n for n in names if not (batch_dir / n).is_file()]
        if not missing:
            return _assemble({n: (batch_dir / n).read_bytes() for n in names}, str(batch_dir))
        notes.append(f"{batch_dir} lacks {', '.join(missing)}.")
    if (directory / ARCHIVE).is_file():
        return _read_archive(directory / ARCHIVE)
    if (directory / "cifar-10-batches-py").is_dir():
        notes.append(
            f"{directory / 'cifar-10-batches-py'} is Keras' pickled CIFAR-10, which gradplay does not read "
            f"(unpickling can run code); it needs the binary version, {ARCHIVE}."
        )
    return None


def load_data():
    """Load CIFAR-10: ``(x_train, y_train), (x_test, y_test)``.

    ``x_train`` is uint8 of shape (50000, 32, 32, 3) (channels last), ``y_train`` uint8 of shape
    (50000, 1); the test split has 10000 images. Looks in gradplay's cache, in Keras' cache and in
    ``$GRADPLAY_DATASETS`` (``cifar10.npz``, ``cifar-10-batches-bin/`` or ``cifar-10-binary.tar.gz``), then
    downloads the binary archive (162 MiB) and checks its sha256. Raises ``DatasetNotFoundError`` naming
    the files to provide when all of these fail; it never substitutes :func:`synthetic_data`.
    """
    return _files.find(
        "CIFAR-10",
        _read,
        downloads=[(ARCHIVE, ARCHIVE, ARCHIVE_SHA256)],
        base_url=ORIGIN,
        layouts=[
            f"{ARCHIVE}: the binary version, as downloaded (sha256 {ARCHIVE_SHA256})",
            f"{BATCH_DIR}/ holding {', '.join(TRAIN_BATCHES)}, {TEST_BATCH} (that archive, extracted)",
            f"{NPZ_NAME}: arrays {', '.join(_files.NPZ_KEYS)} as load_data returns them (np.savez)",
        ],
        hints=["for tests and demos without the real data, call cifar10.synthetic_data() instead (synthetic)"],
    )


# ---------------------------------------------------------------------------------------------------------
# Synthetic stand-in

_CHUNK = 1000  # samples per generator: a sample depends only on (seed, split, its index), not on n
# One colour and one blob position per class, so both a colour and a shape/position cue carry the label.
_COLOURS = np.array(
    [[230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48],
     [145, 30, 180], [70, 240, 240], [240, 50, 230], [250, 190, 190], [128, 128, 0]],
    dtype=np.float32,
)  # fmt: skip
_CENTRES = np.array(
    [[9, 9], [9, 16], [9, 23], [16, 9], [16, 16], [16, 23], [23, 9], [23, 16], [23, 23], [16, 12]],
    dtype=np.float32,
)  # fmt: skip


def _synthetic_chunk(rng: np.random.Generator):
    labels = rng.integers(0, 10, _CHUNK).astype(np.uint8)
    centres = _CENTRES[labels] + rng.uniform(-3, 3, (_CHUNK, 2)).astype(np.float32)
    radius = rng.uniform(4, 7, (_CHUNK, 1, 1)).astype(np.float32)
    colour = _COLOURS[labels][:, None, None, :] + rng.normal(0, 20, (_CHUNK, 1, 1, 3)).astype(np.float32)
    background = rng.uniform(40, 160, (_CHUNK, 1, 1, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    d2 = (yy - centres[:, 0, None, None]) ** 2 + (xx - centres[:, 1, None, None]) ** 2
    blob = np.exp(-d2 / (2 * radius**2))[..., None]  # (chunk, 32, 32, 1), 1 at the centre
    image = rng.integers(0, 256, (_CHUNK, 32, 32, 3), dtype=np.uint8).astype(np.float32)  # fast uniform noise
    image -= 127.5
    image *= 0.16  # uniform in +-20, std 12
    image += background + (colour - background) * blob
    np.rint(image, out=image)
    return np.clip(image, 0, 255, out=image).astype(np.uint8), labels


def _synthetic_split(n: int, seed: int, split: int):
    chunks = [_synthetic_chunk(np.random.default_rng([seed, split, i])) for i in range(-(-n // _CHUNK))]
    if not chunks:
        return np.zeros((0, 32, 32, 3), np.uint8), np.zeros((0, 1), np.uint8)
    x = np.concatenate([c[0] for c in chunks])[:n]
    y = np.concatenate([c[1] for c in chunks])[:n].reshape(-1, 1)
    return x, y


def synthetic_data(n_train: int = 50000, n_test: int = 10000, seed: int = 0):
    """SYNTHETIC stand-in for CIFAR-10 with ``load_data()``'s shapes and dtypes; not real images.

    Each image is a noisy flat background with one soft coloured blob; the class sets the blob's colour
    and position (both jittered), so a small model can learn it. Deterministic: the same ``seed`` gives
    the same arrays, and a larger ``n_train`` only appends samples. Returns
    ``(x_train, y_train), (x_test, y_test)`` with uint8 images (n, 32, 32, 3) and uint8 labels (n, 1).

    Example::

        (x, y), (x_test, y_test) = cifar10.synthetic_data(n_train=2000, n_test=500, seed=1)
        assert x.shape == (2000, 32, 32, 3) and y.shape == (2000, 1)
    """
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"{name} must be a non-negative integer. Received: {name}={n!r}")
    return _synthetic_split(int(n_train), seed, 0), _synthetic_split(int(n_test), seed, 1)
