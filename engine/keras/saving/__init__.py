"""Reading and writing model files in Keras' formats (``.weights.h5``)."""

from .weights_h5 import load_weights, save_weights
