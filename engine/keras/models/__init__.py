"""``keras.models``: Model, Sequential, load_model."""

from .functional import Functional
from .model import Model
from .sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.keras`` archive (Keras 3 zip format) saved here or by Keras 3."""
    from ..saving.keras_zip import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


__all__ = ["Functional", "Model", "Sequential", "load_model"]
