"""ONNX export: ``export_onnx(model, "m.onnx")`` / ``onnx_to_bytes(model)`` (also ``model.export(path,
format="onnx")``) for inference in ONNX Runtime, in the browser (onnxruntime-web) or anywhere else.

The graph is built with the ``onnx`` package's helper API (opset 17, IR version 8, which every ONNX Runtime
since 1.13 reads) and checked with ``onnx.checker``. The exported model takes the same input as the
Keras model, channels last (NHWC), with a dynamic batch dimension named ``batch``: ONNX's Conv and
pooling work channels first, so each of them is wrapped in two Transpose nodes (ONNX Runtime's optimizer
cancels the pairs between consecutive convolutions). Weights are stored as initializers.

Sequential models and functional graphs of the supported layers (``LAYERS``) export; anything else is
refused with an error naming the layer. BatchNormalization exports its inference form (moving
statistics), Dropout and noise layers become Identity.

>>> from gradplay.engine import keras
>>> from gradplay.engine.keras.saving import onnx_export  # doctest: +SKIP
>>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="softmax")])
>>> data = onnx_export.onnx_to_bytes(model)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os

import numpy as np

from ...atomic import atomic_path

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; newer IRs are refused by older runtimes


def _onnx():
    try:
        import onnx
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            'ONNX export needs the onnx package. Install it with `pip install "gradplay[export]"` '
            "(or `pip install onnx`)."
        ) from e
    return onnx


class _Graph:
    """Collects nodes and initializers, handing out unique value names."""

    def __init__(self, onnx):
        self.onnx, self.helper = onnx, onnx.helper
        self.nodes, self.initializers, self._used = [], [], set()

    def name(self, base: str) -> str:
        name, i = base, 1
        while name in self._used:
            name, i = f"{base}_{i}", i + 1
        self._used.add(name)
        return name

    def const(self, base, value, dtype="float32"):
        name = self.name(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, base, **attrs):
        out = self.name(base)
        self.nodes.append(
            self.helper.make_node(op_type, list(inputs), [out], name=self.name(f"{base}/{op_type}"), **attrs)
        )
        return out


# -- activations ----------------------------------------------------------------------------------


def _act(g, x, name, base, **kw):
    """Apply the activation called ``name`` (gradplay's table names) to value ``x``."""
    simple = {
        "relu": "Relu",
        "sigmoid": "Sigmoid",
        "tanh": "Tanh",
        "softplus": "Softplus",
        "softsign": "Softsign",
        "exponential": "Exp",
        "selu": "Selu",  # ONNX's default alpha/gamma are Keras' constants
    }
    if name in (None, "linear"):
        return x
    if name in simple:
        return g.op(simple[name], [x], base)
    if name == "softmax":
        return g.op("Softmax", [x], base, axis=kw.get("axis", -1))
    if name == "log_softmax":
        return g.op("LogSoftmax", [x], base, axis=kw.get("axis", -1))
    if name == "elu":
        return g.op("Elu", [x], base, alpha=float(kw.get("alpha", 1.0)))
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], base, alpha=float(kw.get("alpha", 0.2)))
    if name == "relu6":
        return g.op("Clip", [x, g.const(f"{base}/zero", 0.0), g.const(f"{base}/six", 6.0)], base)
    if name == "hard_sigmoid":  # Keras 3: relu6(x + 3) / 6
        return g.op("HardSigmoid", [x], base, alpha=1.0 / 6.0, beta=0.5)
    if name in ("silu", "swish"):
        return g.op("Mul", [x, g.op("Sigmoid", [x], f"{base}/sigmoid")], base)
    if name == "gelu":  # exact form, 0.5 x (1 + erf(x / sqrt 2)); ONNX's Gelu op needs opset 20
        erf = g.op("Erf", [g.op("Mul", [x, g.const(f"{base}/rsqrt2", 1 / math.sqrt(2))], f"{base}/scaled")], base)
        one_plus = g.op("Add", [erf, g.const(f"{base}/one", 1.0)], f"{base}/one_plus")
        return g.op("Mul", [g.op("Mul", [x, one_plus], f"{base}/x_cdf"), g.const(f"{base}/half", 0.5)], base)
    return None


def _activation_name(layer, fn):
    from .. import activations

    name = activations.serialize(fn)
    if not isinstance(name, str):
        raise ValueError(f"Layer {layer.name!r}: its activation {fn!r} has no name; it cannot be exported to ONNX.")
    return name


def _apply_activation(g, layer, x, fn, base):
    name = _activation_name(layer, fn)
    out = _act(g, x, name, base)
    if out is None:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}): activation {name!r} has no ONNX export here. "
            f"Supported: {', '.join(sorted(ACTIVATIONS))}."
        )
    return out


ACTIVATIONS = (
    "linear relu sigmoid tanh softplus softsign exponential selu softmax log_softmax elu leaky_relu relu6 "
    "hard_sigmoid silu swish gelu"
).split()


# -- layers ---------------------------------------------------------------------------------------


def _np(var):
    return np.asarray(var.numpy(), dtype="float32")


def _to_nchw(g, x, base):
    return g.op("Transpose", [x], f"{base}/nchw", perm=[0, 3, 1, 2])


def _to_nhwc(g, x, base):
    return g.op("Transpose", [x], base, perm=[0, 2, 3, 1])


def _same_pads(size, kernel, stride, dilation=1):
    """TF's SAME padding for one spatial axis: ``(before, after)``, the extra pixel after."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def _pads(layer, in_shape, kernel, strides, dilations=(1, 1)):
    if layer.padding == "valid":
        return [0, 0, 0, 0]
    h, w = in_shape[1], in_shape[2]
    if h is None or w is None:
        raise ValueError(f"Layer {layer.name!r}: 'same' padding needs a known height and width, got {in_shape}.")
    (t, b), (l, r) = (
        _same_pads(h, kernel[0], strides[0], dilations[0]),
        _same_pads(w, kernel[1], strides[1], dilations[1]),
    )
    return [t, l, b, r]


def _dense(g, layer, xs, shapes, base):
    y = g.op("MatMul", [xs[0], g.const(f"{base}/kernel", _np(layer.kernel))], f"{base}/matmul")
    if layer.bias is not None:
        y = g.op("Add", [y, g.const(f"{base}/bias", _np(layer.bias))], f"{base}/bias_add")
    return _apply_activation(g, layer, y, layer.activation, base)


def _conv2d(g, layer, xs, shapes, base):
    if getattr(layer, "groups", 1) not in (1, None):
        raise ValueError(f"Layer {layer.name!r}: grouped convolutions are not exported.")
    kernel = _np(layer.kernel).transpose(3, 2, 0, 1)  # (kh, kw, in, out) -> (out, in, kh, kw)
    inputs = [_to_nchw(g, xs[0], base), g.const(f"{base}/kernel", kernel)]
    if layer.bias is not None:
        inputs.append(g.const(f"{base}/bias", _np(layer.bias)))
    y = g.op(
        "Conv",
        inputs,
        f"{base}/conv",
        kernel_shape=list(layer.kernel_size),
        strides=list(layer.strides),
        dilations=list(layer.dilation_rate),
        pads=_pads(layer, shapes[0], layer.kernel_size, layer.strides, layer.dilation_rate),
    )
    return _apply_activation(g, layer, _to_nhwc(g, y, f"{base}/nhwc"), layer.activation, base)


def _pool(op_type):
    def convert(g, layer, xs, shapes, base):
        attrs = dict(kernel_shape=list(layer.pool_size), strides=list(layer.strides))
        attrs["pads"] = _pads(layer, shapes[0], layer.pool_size, layer.strides)
        if op_type == "AveragePool":
            attrs["count_include_pad"] = 0  # TF averages over the real pixels only
        y = g.op(op_type, [_to_nchw(g, xs[0], base)], f"{base}/pool", **attrs)
        return _to_nhwc(g, y, base)

    return convert


def _global(op_type):
    def convert(g, layer, xs, shapes, base):
        axes = list(type(layer).axes)
        return g.op(op_type, [xs[0]], base, axes=axes, keepdims=int(bool(layer.keepdims)))

    return convert


def _batchnorm(g, layer, xs, shapes, base):
    rank = len(shapes[0])
    axis = layer.axis % rank
    bshape = [1] * rank
    bshape[axis] = -1
    scale = 1.0 / np.sqrt(_np(layer.moving_variance).astype("float64") + layer.epsilon)
    if layer.gamma is not None:
        scale = scale * _np(layer.gamma)
    shift = -_np(layer.moving_mean) * scale
    if layer.beta is not None:
        shift = shift + _np(layer.beta)
    if axis != rank - 1:
        scale, shift = scale.reshape(bshape[1:]), shift.reshape(bshape[1:])
    y = g.op("Mul", [xs[0], g.const(f"{base}/scale", scale)], f"{base}/scaled")
    return g.op("Add", [y, g.const(f"{base}/shift", shift)], base)


def _identity(g, layer, xs, shapes, base):
    return g.op("Identity", [xs[0]], base)


def _activation_layer(g, layer, xs, shapes, base):
    return _apply_activation(g, layer, xs[0], layer.activation, base)


def _relu_layer(g, layer, xs, shapes, base):
    if layer.threshold:
        raise ValueError(f"Layer {layer.name!r}: ReLU with a threshold is not exported.")
    y = g.op("LeakyRelu", [xs[0]], f"{base}/leaky", alpha=float(layer.negative_slope)) if layer.negative_slope else None
    y = y or g.op("Relu", [xs[0]], f"{base}/relu")
    if layer.max_value is not None:
        y = g.op("Min", [y, g.const(f"{base}/max_value", float(layer.max_value))], base)
    return y


def _flatten(g, layer, xs, shapes, base):
    return g.op("Reshape", [xs[0], g.const(f"{base}/shape", [0, -1], "int64")], base)


def _reshape(g, layer, xs, shapes, base):
    return g.op("Reshape", [xs[0], g.const(f"{base}/shape", [0, *layer.target_shape], "int64")], base)


def _permute(g, layer, xs, shapes, base):
    return g.op("Transpose", [xs[0]], base, perm=[0, *layer.dims])


def _zero_padding(g, layer, xs, shapes, base):
    (t, b), (l, r) = layer.padding
    return g.op("Pad", [xs[0], g.const(f"{base}/pads", [0, t, l, 0, 0, b, r, 0], "int64")], base)


def _merge(op_type):
    def convert(g, layer, xs, shapes, base):
        if op_type == "Concat":
            return g.op("Concat", xs, base, axis=int(layer.axis))
        if op_type == "Sub":
            return g.op("Sub", xs, base)
        return g.op(op_type, xs, base)  # Sum, Mul, Mean, Max, Min take any number of inputs

    return convert


def _mul_chain(g, layer, xs, shapes, base):
    y = xs[0]
    for i, x in enumerate(xs[1:]):
        y = g.op("Mul", [y, x], f"{base}/{i}" if i < len(xs) - 2 else base)
    return y


LAYERS = {
    "Dense": _dense,
    "Conv2D": _conv2d,
    "MaxPooling2D": _pool("MaxPool"),
    "AveragePooling2D": _pool("AveragePool"),
    "GlobalAveragePooling2D": _global("ReduceMean"),
    "GlobalMaxPooling2D": _global("ReduceMax"),
    "GlobalAveragePooling1D": _global("ReduceMean"),
    "GlobalMaxPooling1D": _global("ReduceMax"),
    "BatchNormalization": _batchnorm,
    "Dropout": _identity,
    "SpatialDropout1D": _identity,
    "SpatialDropout2D": _identity,
    "GaussianNoise": _identity,
    "Activation": _activation_layer,
    "ReLU": _relu_layer,
    "LeakyReLU": lambda g, layer, xs, shapes, base: g.op("LeakyRelu", [xs[0]], base, alpha=float(layer.negative_slope)),
    "ELU": lambda g, layer, xs, shapes, base: g.op("Elu", [xs[0]], base, alpha=float(layer.alpha)),
    "Softmax": lambda g, layer, xs, shapes, base: g.op("Softmax", [xs[0]], base, axis=int(layer.axis)),
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "ZeroPadding2D": _zero_padding,
    "Add": _merge("Sum"),
    "Subtract": _merge("Sub"),
    "Multiply": _mul_chain,
    "Average": _merge("Mean"),
    "Maximum": _merge("Max"),
    "Minimum": _merge("Min"),
    "Concatenate": _merge("Concat"),
}


# -- model ----------------------------------------------------------------------------------------


def _graph_of(model):
    from ..models.functional import Functional
    from ..models.sequential import Sequential

    if isinstance(model, Sequential):
        if model._graph is None:
            raise ValueError(
                f"Cannot export the Sequential model {model.name!r}: it has not been built. Start it with "
                "keras.Input(shape=...) or call it on data before exporting."
            )
        return model._graph
    if isinstance(model, Functional):
        return model
    raise NotImplementedError(
        f"Exporting {type(model).__name__} to ONNX is not supported: only Sequential and functional models "
        "(keras.Model(inputs, outputs)) have a graph to export."
    )


def _value_info(helper, onnx, name, shape):
    dims = [
        "batch" if i == 0 and d is None else (d if d is not None else f"{name}_dim{i}") for i, d in enumerate(shape)
    ]
    return helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, dims)


def to_model_proto(model):
    """The ``onnx.ModelProto`` for ``model`` (checked with ``onnx.checker``)."""
    import gradplay

    from ..layers.base import InputLayer, KerasTensor

    onnx = _onnx()
    graph = _graph_of(model)
    unsupported = sorted(
        {
            f"{n.layer.name!r} ({type(n.layer).__name__})"
            for n in graph._nodes
            if not isinstance(n.layer, InputLayer) and type(n.layer).__name__ not in LAYERS
        }
    )
    if unsupported:
        raise ValueError(
            f"Cannot export model {model.name!r} to ONNX: unsupported layer(s) {', '.join(unsupported)}. "
            f"Supported layers: {', '.join(sorted(LAYERS))}."
        )
    g = _Graph(onnx)
    values, inputs = {}, []
    for kt in graph.inputs:
        name = g.name(kt._history[0].name)
        values[id(kt)] = name
        inputs.append(_value_info(onnx.helper, onnx, name, kt.shape))
    for node in graph._nodes:
        layer = node.layer
        if isinstance(layer, InputLayer):
            continue
        if any(isinstance(v, KerasTensor) for v in node.kwargs.values()):
            raise ValueError(f"Layer {layer.name!r} is called with tensor keyword arguments; this is not exported.")
        ins = node.input_tensors
        outs = node.output_tensors
        if len(outs) != 1:
            raise ValueError(f"Layer {layer.name!r} has {len(outs)} outputs; only single-output layers are exported.")
        out = LAYERS[type(layer).__name__](g, layer, [values[id(x)] for x in ins], [x.shape for x in ins], layer.name)
        values[id(outs[0])] = out
    outputs = []
    for i, kt in enumerate(graph.outputs):  # named output_0, output_1, ...
        final = g.op("Identity", [values[id(kt)]], f"output_{i}")
        outputs.append(_value_info(onnx.helper, onnx, final, kt.shape))
    proto = onnx.helper.make_model(
        onnx.helper.make_graph(g.nodes, model.name, inputs, outputs, g.initializers),
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="gradplay",
        producer_version=gradplay.__version__,
    )
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto)
    return proto


def onnx_to_bytes(model) -> bytes:
    """The ``.onnx`` file for ``model`` as bytes (for ``onnxruntime.InferenceSession(data)`` or a download)."""
    return to_model_proto(model).SerializeToString()


def export_onnx(model, filepath, overwrite=True):
    """Write ``model`` to ``filepath`` (``*.onnx``) atomically."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    data = onnx_to_bytes(model)
    with atomic_path(filepath) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
