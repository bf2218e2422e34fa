"""``Layer``, ``KerasTensor`` and the graph ``Node``s the functional API is made of.

A layer called on real tensors computes. Called on ``KerasTensor``s (symbolic placeholders
from ``Input``), it records a ``Node`` and returns new KerasTensors whose shapes it finds by
running ``call`` once on small zero-filled stand-ins (batch 1, and two sizes for any other
unknown dimension, which shows which output dimensions follow it). That makes every layer,
including users' subclasses, usable in functional models without a shape function.

>>> from gradplay.engine.keras import layers
>>> x = layers.Input(shape=(3,))
>>> y = layers.Dense(2)(x)
>>> y.shape
(None, 2)
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np

from ... import dtypes, nest
from ...core import context, wrap
from ...shape import TensorShape
from ...tensor import Tensor, Variable, _Operand, convert_to_tensor, to_buffer
from .. import constraints as constraints_mod
from .. import initializers as initializers_mod
from .. import regularizers as regularizers_mod
from ..naming import to_snake_case, unique_name


class KerasTensor:
    """A symbolic tensor: a shape (``None`` for unknown sizes), a dtype, and where it came from."""

    __array_priority__ = 200  # NumPy defers to our operators

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtypes.as_dtype(dtype).name
        self.name = name
        self._history = history  # (layer, node_index, tensor_index)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError("A KerasTensor is symbolic: it has no length. Use its .shape, or call the model on data.")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "A KerasTensor is a symbolic placeholder for a shape and dtype; it has no value. "
            "Build a model with keras.Model(inputs, outputs) and call it on data."
        )

    def __iter__(self):
        raise TypeError("A KerasTensor is symbolic and cannot be iterated; slice it with [] instead.")

    __hash__ = object.__hash__


def _op(fn, name):
    def method(self, *others):
        return _OpLayer(fn, name)(self, *others)

    return method


for _name, _fn in {
    "__add__": lambda a, b: a + b,
    "__radd__": lambda a, b: b + a,
    "__sub__": lambda a, b: a - b,
    "__rsub__": lambda a, b: b - a,
    "__mul__": lambda a, b: a * b,
    "__rmul__": lambda a, b: b * a,
    "__truediv__": lambda a, b: a / b,
    "__rtruediv__": lambda a, b: b / a,
    "__pow__": lambda a, b: a**b,
    "__matmul__": lambda a, b: a @ b,
    "__rmatmul__": lambda a, b: b @ a,
    "__neg__": lambda a: -a,
    "__abs__": lambda a: abs(a),
    "__getitem__": lambda a, key: a[key],
}.items():
    setattr(KerasTensor, _name, _op(_fn, _name.strip("_")))


def is_symbolic(*structures) -> bool:
    return any(isinstance(x, KerasTensor) for s in structures for x in nest.flatten(s))


class Node:
    """One call of a layer in a functional graph: its (symbolic) arguments and outputs."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs

    @property
    def input_tensors(self) -> list:
        return [x for x in nest.flatten([self.args, self.kwargs]) if isinstance(x, KerasTensor)]

    @property
    def output_tensors(self) -> list:
        return [x for x in nest.flatten(self.outputs) if isinstance(x, KerasTensor)]


@contextlib.contextmanager
def _no_tapes():
    saved = context.tapes
    context.tapes = ()
    try:
        yield
    finally:
        context.tapes = saved


def _stand_in(kt: KerasTensor, size_for_unknown: int):
    dims = tuple(
        1 if (d is None and i == 0) else (size_for_unknown if d is None else d) for i, d in enumerate(kt.shape)
    )
    dtype = dtypes.as_dtype(kt.dtype)
    return wrap(to_buffer(np.zeros(dims, dtype.as_numpy_dtype)))


class Layer:
    """Base class of all layers. Subclasses define ``build(input_shape)`` (create weights with
    ``add_weight``) and ``call(inputs, training=None)``.

    >>> import gradplay.engine as tf
    >>> from gradplay.engine.keras import layers
    >>> class Scale(layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(tf.ones((2, 3))).shape
    TensorShape([2, 3])
    """

    def __init__(
        self,
        trainable=True,
        name=None,
        dtype=None,
        input_shape=None,
        batch_input_shape=None,
        input_dim=None,
        batch_size=None,
        autocast=True,
        **kwargs,
    ):
        allowed = {"weights", "activity_regularizer", "dynamic"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unrecognized keyword arguments {sorted(unknown)}. "
                f"Check the spelling against the layer's documented arguments."
            )
        object.__setattr__(self, "_layers", [])
        self._trainable_variables: list[Variable] = []
        self._non_trainable_variables: list[Variable] = []
        self._trainable = bool(trainable)
        self.name = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        self.dtype = dtypes.as_dtype(dtype or "float32").name
        self.built = False
        self._inbound_nodes: list[Node] = []
        self._losses: list = []
        self.activity_regularizer = regularizers_mod.get(kwargs.get("activity_regularizer"))
        self._initial_weights = kwargs.get("weights")
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            self._batch_input_shape = None
        self._call_has_training = "training" in inspect.signature(self.call).parameters
        self._call_has_mask = "mask" in inspect.signature(self.call).parameters

    # -- tracking -----------------------------------------------------------------------------

    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_self_ref" and "_layers" in self.__dict__:
            if not any(value is l for l in self._layers):
                self._layers.append(value)
        elif isinstance(value, (list, tuple)) and "_layers" in self.__dict__:
            for v in value:
                if isinstance(v, Layer) and not any(v is l for l in self._layers):
                    self._layers.append(v)
        object.__setattr__(self, name, value)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        regularizer=None,
        constraint=None,
        name=None,
        **kwargs,
    ):
        """Create a variable owned by this layer (``name`` becomes ``layer_name/name``)."""
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = dtypes.as_dtype(dtype or self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating else "zeros"
        init = initializers_mod.get(initializer)
        value = init(shape, dtype=dtype)
        var = Variable(value, trainable=trainable, name=name or "variable", dtype=dtype)
        var._path = f"{self.name}/{name or 'variable'}"
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        reg = regularizers_mod.get(regularizer)
        if reg is not None:
            self._weight_regularizers.append((var, reg))
        con = constraints_mod.get(constraint)
        if con is not None:
            self._constraints.append((var, con))
        return var

    @property
    def _weight_regularizers(self) -> list:
        if "_regs" not in self.__dict__:
            object.__setattr__(self, "_regs", [])
        return self.__dict__["_regs"]

    @property
    def _constraints(self) -> list:
        if "_cons" not in self.__dict__:
            object.__setattr__(self, "_cons", [])
        return self.__dict__["_cons"]

    def _all_layers(self):
        seen, out = set(), []
        for layer in self._layers:
            if id(layer) not in seen:
                seen.add(id(layer))
                out.append(layer)
        return out

    @property
    def weights(self) -> list:
        out, seen = [], set()
        for v in self._trainable_variables + self._non_trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._all_layers():
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        out, seen = [], set()
        for v in self._trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._all_layers():
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(
                f"Layer {self.name!r} expected {len(params)} weights, but received {len(weights)} "
                f"input weights. Expected shapes: {[tuple(v.shape) for v in params]}."
            )
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ValueError(
                    f"Layer {self.name!r} weight shape mismatch for {v.path!r}: expected {tuple(v.shape)}, "
                    f"received {tuple(w.shape)}."
                )
        for v, w in zip(params, weights):
            v.assign(np.asarray(w, dtype=v.dtype.as_numpy_dtype))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                "You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    @property
    def losses(self) -> list:
        """Regularization and ``add_loss`` terms of this layer and its sublayers (fresh each call)."""
        out = list(self._losses) + list(self.__dict__.get("_activity_losses", ()))
        for var, reg in self._weight_regularizers:
            out.append(reg(var))
        for layer in self._all_layers():
            out.extend(layer.losses)
        return out

    def add_loss(self, loss):
        self._losses.append(loss)

    # -- building and calling -----------------------------------------------------------------

    def build(self, input_shape):
        self.built = True

    def _maybe_build(self, input_shapes):
        if not self.built:
            shape = input_shapes
            self.build(shape)
            self.built = True
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)

    def call(self, inputs, *args, **kwargs):
        return inputs

    def compute_output_shape(self, input_shape):
        return None

    def __call__(self, *args, **kwargs):
        first = args[0] if args else None
        if type(first) is not Tensor or len(args) > 1 or any(type(v) is KerasTensor for v in kwargs.values()):
            if is_symbolic(args, kwargs):
                return self._symbolic_call(args, kwargs)
            if args:
                args = (self._to_input(first),) + args[1:]
                first = args[0]
        if not self.built:
            self._maybe_build(_shape_of(first))
        if not self._call_has_training:
            kwargs.pop("training", None)
        if not self._call_has_mask:
            kwargs.pop("mask", None)
        outputs = self.call(*args, **kwargs)
        if self.activity_regularizer is not None:
            # The penalty of this call only (Keras keeps the latest forward pass's losses).
            self._activity_losses = [
                self.activity_regularizer(o) / float(max(o.shape[0] or 1, 1)) for o in nest.flatten(outputs)
            ]
        return outputs

    def _to_input(self, x):
        """Real inputs become tensors; floating ones take the layer's dtype (Keras' autocast)."""
        if isinstance(x, (list, tuple)):
            return type(x)(self._to_input(v) for v in x)
        if isinstance(x, dict):
            return {k: self._to_input(v) for k, v in x.items()}
        if not isinstance(x, _Operand):
            arr = np.asarray(x)
            if arr.dtype.kind == "f" and arr.dtype != np.dtype(self.dtype):
                arr = arr.astype(self.dtype)
            return convert_to_tensor(arr)
        return x

    def _symbolic_call(self, args, kwargs):
        flat = nest.flatten([args, kwargs])
        kts = [x for x in flat if isinstance(x, KerasTensor)]
        if not self.built:
            first = args[0] if args else kts[0]
            self._maybe_build(_shape_of(first))
        unknown = any(d is None for kt in kts for d in kt.shape[1:])
        out_a = self._run_stand_in(args, kwargs, 7)
        out_b = self._run_stand_in(args, kwargs, 9) if unknown else out_a
        node_index = len(self._inbound_nodes)
        leaves_a, leaves_b = nest.flatten(out_a), nest.flatten(out_b)
        outs = []
        for i, (a, b) in enumerate(zip(leaves_a, leaves_b)):
            if not isinstance(a, _Operand):
                outs.append(a)
                continue
            shape = list(a.shape)
            if shape and kts and kts[0].shape and kts[0].shape[0] is None:
                shape[0] = None
            shape = [None if (sa is not None and sa != sb) else sa for sa, sb in zip(shape, b.shape)]
            outs.append(
                KerasTensor(shape, a.dtype, name=f"keras_tensor_{self.name}_{i}", history=(self, node_index, i))
            )
        outputs = nest.pack_sequence_as(out_a, outs) if nest.is_nested(out_a) else outs[0]
        self._inbound_nodes.append(Node(self, args, kwargs, outputs))
        return outputs

    def _run_stand_in(self, args, kwargs, size):
        def sub(x):
            return _stand_in(x, size) if isinstance(x, KerasTensor) else x

        call_args = nest.map_structure(sub, list(args))
        call_kwargs = {k: nest.map_structure(sub, v) for k, v in kwargs.items()}
        call_kwargs.setdefault("training", False) if self._call_has_training else None
        if not self._call_has_training:
            call_kwargs.pop("training", None)
        if not self._call_has_mask:
            call_kwargs.pop("mask", None)
        saved = len(self._losses)
        try:
            with _no_tapes():
                return self.call(*call_args, **call_kwargs)
        except Exception as exc:
            shapes = [x.shape for x in nest.flatten([args, kwargs]) if isinstance(x, KerasTensor)]
            raise type(exc)(
                f"Layer {self.name!r} ({type(self).__name__}) cannot be called on inputs of shape "
                f"{', '.join(str(s) for s in shapes)}: {exc}"
            ) from exc
        finally:
            del self._losses[saved:]

    # -- functional-graph views ---------------------------------------------------------------

    def _node_tensor(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer {self.name!r} has never been called and thus has no defined {attr}. "
                "Call it on a keras.Input (or build the model with an Input) first."
            )
        node = self._inbound_nodes[0]
        value = node.outputs if attr == "output" else (node.args[0] if node.args else node.input_tensors[0])
        return value

    @property
    def output(self):
        return self._node_tensor("output")

    @property
    def input(self):
        return self._node_tensor("input")

    @property
    def output_shape(self):
        out = self.output
        return out.shape if isinstance(out, KerasTensor) else [o.shape for o in nest.flatten(out)]

    @property
    def input_shape(self):
        inp = self.input
        return inp.shape if isinstance(inp, KerasTensor) else [i.shape for i in nest.flatten(inp)]

    # -- config ---------------------------------------------------------------------------------

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _shape_of(x):
    if isinstance(x, (KerasTensor, Tensor, Variable)) or isinstance(x, _Operand):
        return TensorShape(x.shape) if not isinstance(x, KerasTensor) else x.shape
    if isinstance(x, np.ndarray):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    return tuple(np.shape(x))


class _OpLayer(Layer):
    """A layer wrapping an operator applied to KerasTensors (``x + y``, ``x[:, 0]``)."""

    def __init__(self, fn, op_name):
        super().__init__(name=unique_name(op_name))
        self.fn = fn
        self.built = True

    def call(self, *args):
        return self.fn(*args)


class InputLayer(Layer):
    """The graph's entry: holds the symbolic input tensor of a model."""

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        batch_shape=None,
        name=None,
        input_tensor=None,
        input_shape=None,
        batch_input_shape=None,
        **kwargs,
    ):
        super().__init__(name=name, dtype=dtype)
        if batch_shape is None:
            batch_shape = batch_input_shape
        if batch_shape is None:
            shape = shape if shape is not None else input_shape
            if shape is None:
                raise ValueError("You must pass a `shape` argument to Input, e.g. keras.Input(shape=(784,)).")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._batch_input_shape = self.batch_shape
        self.built = True
        self.output_tensor = KerasTensor(self.batch_shape, self.dtype, name=self.name, history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, self.output_tensor))

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": False, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None):
    """A symbolic input of ``shape`` (without the batch axis): ``keras.Input(shape=(784,))``."""
    if shape is None and batch_shape is None:
        raise ValueError("Input needs `shape` (e.g. Input(shape=(28, 28, 1))) or `batch_shape`.")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name)
    return layer.output_tensor
