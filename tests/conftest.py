"""Shared test setup: real Keras (when installed for comparisons) runs on JAX's CPU backend."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
