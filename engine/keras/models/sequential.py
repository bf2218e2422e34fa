"""``Sequential``: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from ..layers.base import InputLayer, KerasTensor, Layer
from .functional import Functional
from .model import Model


class Sequential(Model):
    """``keras.Sequential([layers.Dense(64, activation="relu", input_shape=(784,)), layers.Dense(10)])``.

    With an ``Input`` (or ``input_shape=`` on the first layer) the model is built at once, so
    ``model.input``, ``layer.output`` and ``summary()`` work before training; otherwise it is
    built from the first data it sees.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        # Internal structure is set with object.__setattr__ so it is not tracked as sublayers.
        object.__setattr__(self, "_stack", [])
        object.__setattr__(self, "_input_layer", None)
        object.__setattr__(self, "_graph", None)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_build_graph()

    def add(self, layer, rebuild=True):
        if isinstance(layer, KerasTensor):
            origin = layer._history[0] if layer._history else None
            if not isinstance(origin, InputLayer):
                raise ValueError(
                    "Only input tensors (keras.Input) may be added to a Sequential model; got the output of "
                    f"layer {origin.name if origin else '?'}. Add layers, not tensors."
                )
            layer = origin
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of keras.Layer can be added to a Sequential model. Received: {layer!r}")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            object.__setattr__(self, "_input_layer", layer)
        else:
            if any(layer is l for l in self._stack):
                raise ValueError(f"Layer {layer.name!r} is already in this model; a layer can be added once.")
            self._stack.append(layer)
            self._layers.append(layer)
        object.__setattr__(self, "_graph", None)
        self.built = False
        if rebuild:
            self._maybe_build_graph()

    def pop(self):
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._layers.remove(layer)
        object.__setattr__(self, "_graph", None)
        self.built = False
        self._maybe_build_graph()
        return layer

    def _maybe_build_graph(self):
        if self._input_layer is None and self._stack and self._stack[0]._batch_input_shape is not None:
            object.__setattr__(self, "_input_layer", InputLayer(batch_shape=self._stack[0]._batch_input_shape))
        if self._input_layer is not None and self._stack:
            self._build_graph(self._input_layer)

    def _build_graph(self, input_layer):
        x = input_layer.output_tensor
        for layer in self._stack:
            x = layer(x)
        object.__setattr__(self, "_graph", Functional(input_layer.output_tensor, x, name=self.name + "_graph"))
        self.built = True

    def build(self, input_shape=None):
        if self._graph is None and input_shape is not None:
            shape = tuple(input_shape)
            object.__setattr__(self, "_input_layer", InputLayer(batch_shape=(None,) + shape[1:]))
            self._build_graph(self._input_layer)
        self.built = True

    @property
    def layers(self):
        return list(self._stack)

    @property
    def input(self):
        self._require_graph("input")
        return self._graph.input

    @property
    def output(self):
        self._require_graph("output")
        return self._graph.output

    @property
    def inputs(self):
        self._require_graph("inputs")
        return self._graph.inputs

    @property
    def outputs(self):
        self._require_graph("outputs")
        return self._graph.outputs

    @property
    def input_shape(self):
        self._require_graph("input_shape")
        return self._graph.input_shape

    @property
    def output_shape(self):
        self._require_graph("output_shape")
        return self._graph.output_shape

    def _require_graph(self, what):
        if self._graph is None:
            raise AttributeError(
                f"The Sequential model {self.name!r} has not been built yet, so it has no {what}. Start it with "
                "keras.Input(shape=...) (or pass input_shape= to the first layer), or call it on data first."
            )

    def call(self, inputs, training=None, mask=None):
        if self._graph is None and not isinstance(inputs, KerasTensor):
            self.build((None,) + tuple(inputs.shape[1:]))
        x = inputs
        for layer in self._stack:
            x = layer(x, training=training) if layer._call_has_training else layer(x)
        return x

    def get_config(self):
        from ..layers import serialize

        layers = []
        if self._input_layer is not None:
            layers.append(serialize(self._input_layer))
        layers.extend(serialize(layer) for layer in self._stack)
        return {"name": self.name, "trainable": self.trainable, "layers": layers}
