"""``keras.layers``: every layer class, the merge functions, and (de)serialization by class name."""

from .attention import MultiHeadAttention
from .base import Input, InputLayer, KerasTensor, Layer
from .conv import Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from .core import (
    ELU,
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GaussianNoise,
    Lambda,
    LeakyReLU,
    Permute,
    PReLU,
    ReLU,
    Reshape,
    Softmax,
    SpatialDropout1D,
    SpatialDropout2D,
)
from .merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    Cropping2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
    RepeatVector,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from .preprocessing import (
    Normalization,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
)
from .rnn import GRU, LSTM, Bidirectional, SimpleRNN, TimeDistributed

MaxPool2D, AvgPool2D, MaxPool1D, AvgPool1D = MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
Convolution2D, Convolution1D = Conv2D, Conv1D

LAYERS = {
    cls.__name__: cls
    for cls in (
        InputLayer,
        Dense,
        Activation,
        Flatten,
        Reshape,
        Permute,
        Dropout,
        SpatialDropout1D,
        SpatialDropout2D,
        GaussianNoise,
        Embedding,
        Lambda,
        ReLU,
        LeakyReLU,
        ELU,
        PReLU,
        Softmax,
        BatchNormalization,
        LayerNormalization,
        Conv1D,
        Conv2D,
        Conv2DTranspose,
        DepthwiseConv2D,
        SeparableConv2D,
        MaxPooling1D,
        MaxPooling2D,
        AveragePooling1D,
        AveragePooling2D,
        GlobalAveragePooling1D,
        GlobalAveragePooling2D,
        GlobalMaxPooling1D,
        GlobalMaxPooling2D,
        UpSampling1D,
        UpSampling2D,
        ZeroPadding1D,
        ZeroPadding2D,
        Cropping2D,
        RepeatVector,
        Rescaling,
        Normalization,
        RandomFlip,
        RandomRotation,
        RandomZoom,
        RandomTranslation,
        RandomContrast,
        SimpleRNN,
        LSTM,
        GRU,
        Bidirectional,
        TimeDistributed,
        Add,
        Subtract,
        Multiply,
        Average,
        Maximum,
        Minimum,
        Concatenate,
        MultiHeadAttention,
    )
}


def serialize(layer) -> dict:
    """``{"module", "class_name", "config", "registered_name"}`` as Keras 3 writes it."""
    return {
        "module": "keras.layers",
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or LAYERS.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown layer: '{name}'. gradplay supports: {', '.join(sorted(LAYERS))}. Pass custom layers with "
            "custom_objects={'Name': Class}."
        )
    return cls.from_config(config.get("config", {}))
