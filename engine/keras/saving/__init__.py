"""Reading and writing model files in Keras' formats (``.keras``, legacy ``.h5``, ``.weights.h5``)."""

from .keras_zip import load_model, save_model
from .weights_h5 import load_weights, save_weights
