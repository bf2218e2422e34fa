"""``Model(inputs, outputs)``: a graph of layer calls, run in topological order."""

from __future__ import annotations

from ... import nest
from ..layers.base import InputLayer, KerasTensor
from .model import Model


def _collect_nodes(outputs):
    """All nodes the outputs depend on, inputs first (depth-first, as Keras orders them)."""
    order, seen = [], set()

    def visit(kt):
        layer, node_index, _ = kt._history
        node = layer._inbound_nodes[node_index]
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        order.append(node)

    for kt in nest.flatten(outputs):
        if not isinstance(kt, KerasTensor) or kt._history is None:
            raise ValueError(f"All outputs of a functional Model must be KerasTensors produced by layers, got {kt!r}.")
        visit(kt)
    return order


class Functional(Model):
    """A model defined by its inputs and outputs (``keras.Model(inputs=..., outputs=...)``)."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        for x in self.inputs:
            if not isinstance(x, KerasTensor) or not isinstance(x._history[0], InputLayer):
                raise ValueError(
                    f"Model inputs must come from keras.Input (or an InputLayer), got {x!r}. "
                    "Create them with keras.Input(shape=...)."
                )
        self._nodes = _collect_nodes(outputs)
        used_inputs = {id(n.outputs) for n in self._nodes if isinstance(n.layer, InputLayer)}
        for x in self.inputs:
            if id(x) not in used_inputs:
                used_inputs.add(id(x))  # an input no output depends on is still an input
        missing = [
            n.layer.output_tensor
            for n in self._nodes
            if isinstance(n.layer, InputLayer) and not any(n.layer.output_tensor is x for x in self.inputs)
        ]
        if missing:
            raise ValueError(
                f"The outputs depend on inputs that were not given to the Model: {missing}. "
                "Pass every keras.Input the outputs use in `inputs`."
            )
        layers, seen = [], set()
        for x in self.inputs:
            layer = x._history[0]
            if id(layer) not in seen:
                seen.add(id(layer))
                layers.append(layer)
        for node in self._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
        object.__setattr__(self, "_graph_layers", layers)
        for layer in layers:
            if not isinstance(layer, InputLayer) and not any(layer is l for l in self._layers):
                self._layers.append(layer)
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._graph_layers)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [x.shape for x in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [x.shape for x in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def call(self, inputs, training=None, mask=None):
        flat = nest.flatten(inputs) if not isinstance(inputs, dict) else [inputs[x.name] for x in self.inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(
                f"Model {self.name!r} expects {len(self.inputs)} input(s) but received {len(flat)}. "
                f"Expected shapes: {[x.shape for x in self.inputs]}."
            )
        values = {id(kt): self._to_input(v) for kt, v in zip(self.inputs, flat)}
        for x, v in zip(self.inputs, values.values()):
            _check_input(self, x, v)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue

            def resolve(x):
                return values[id(x)] if isinstance(x, KerasTensor) else x

            args = [resolve(a) if not nest.is_nested(a) else nest.map_structure(resolve, a) for a in node.args]
            kwargs = {
                k: (nest.map_structure(resolve, v) if nest.is_nested(v) else resolve(v)) for k, v in node.kwargs.items()
            }
            if training is not None and node.layer._call_has_training and "training" not in node.kwargs:
                kwargs["training"] = training
            out = node.layer(*args, **kwargs)
            for kt, value in zip(nest.flatten(node.outputs), nest.flatten(out)):
                if isinstance(kt, KerasTensor):
                    values[id(kt)] = value
        results = [values[id(kt)] for kt in self.outputs]
        if isinstance(self._outputs_struct, KerasTensor):
            return results[0]
        return nest.pack_sequence_as(self._outputs_struct, results)

    def get_config(self):
        config = super().get_config()
        config.pop("batch_input_shape", None)
        return config


def _check_input(model, kt, value):
    shape = tuple(value.shape)
    if len(shape) != len(kt.shape) or any(e is not None and e != s for e, s in zip(kt.shape, shape)):
        raise ValueError(
            f'Input 0 of layer "{model.name}" is incompatible with the layer: expected shape={kt.shape}, '
            f"found shape={shape}. Reshape the data (e.g. x.reshape(-1, {', '.join(str(d) for d in kt.shape[1:])}))."
        )
