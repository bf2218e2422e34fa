"""Keras 3-style models on the gradplay engine: ``from gradplay.engine import keras`` or ``tf.keras``.

>>> import numpy as np
>>> from gradplay.engine.keras import layers, models
>>> model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
>>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
>>> model.predict(np.zeros((2, 4)), verbose=0).shape
(2, 3)
"""

from . import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)
from .layers import Input, Layer
from .models import Model, Sequential

__version__ = "3.0.0-gradplay"
