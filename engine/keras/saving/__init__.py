"""Reading and writing model files: Keras' formats (``.keras``, legacy ``.h5``, ``.weights.h5``),
plain ``.npz`` weights, TensorFlow.js layers models and ONNX (each to a path or to bytes)."""

from .keras_zip import load_model, save_model
from .onnx_export import export_onnx, onnx_to_bytes
from .tfjs import load_tfjs, save_tfjs, tfjs_to_bytes
from .weights_h5 import load_weights, save_weights
from .weights_npz import load_weights_from_bytes, weights_to_bytes
