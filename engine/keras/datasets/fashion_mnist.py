"""Fashion-MNIST (Zalando's clothing images), loaded as ``keras.datasets.fashion_mnist.load_data()`` loads it.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag,
9 Ankle boot.

Example::

    from gradplay.engine.keras.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)

Offline: the Debian package ``dataset-fashion-mnist`` installs the files under
``/usr/share/datasets/fashion-mnist/``; ``GRADPLAY_DATASETS=/usr/share/datasets`` reads them in place, and
``python -m gradplay.engine.keras.datasets.fetch fashion_mnist`` copies them into the cache.
"""

from __future__ import annotations

from . import _files

ORIGIN = _files.KERAS_ORIGIN
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# sha256 of the four gzip files Keras downloads (keras/src/datasets/fashion_mnist.py).
GZ_SHA256 = {
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}
# sha256 of the same files uncompressed: Debian recompressed them, so fetch.py checks the contents.
IDX_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
NPZ_NAMES = ("fashion-mnist.npz",)
# Keras' and Debian's layout first, then torchvision's.
IDX_DIRS = ("fashion-mnist", "FashionMNIST/raw")


def load_data():
    """Load Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)``, uint8, as MNIST's shapes.

    Looks in gradplay's cache, in Keras' ``~/.keras/datasets/fashion-mnist/``, in ``$GRADPLAY_DATASETS``
    (``fashion-mnist.npz``, or ``fashion-mnist/`` with the four IDX files, raw or .gz), then downloads
    Keras' four files and checks their sha256. Raises ``DatasetNotFoundError`` naming the files to
    provide when all of these fail.
    """
    return _files.find(
        "Fashion-MNIST",
        _files.mnist_style_reader(NPZ_NAMES, IDX_DIRS),
        downloads=[(name, f"fashion-mnist/{name}", sha) for name, sha in GZ_SHA256.items()],
        base_url=ORIGIN,
        layouts=_files.mnist_style_layouts(NPZ_NAMES, IDX_DIRS),
        hints=[
            "apt-get install dataset-fashion-mnist, then set GRADPLAY_DATASETS=/usr/share/datasets "
            "(or copy into the cache: python -m gradplay.engine.keras.datasets.fetch fashion_mnist)"
        ],
    )
