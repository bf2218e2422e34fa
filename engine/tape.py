"""``GradientTape``: record operations, then play them back to get gradients.

>>> import gradplay.engine as tf
>>> x = tf.Variable(3.0)
>>> with tf.GradientTape() as tape:
...     y = x * x
>>> float(tape.gradient(y, x))
6.0

How it works: while a tape is active, every primitive whose inputs it watches is appended to
the tape (primitive, inputs, output, params), and its output becomes watched too. ``gradient``
walks that list backwards, calling each input's rule. The rules are made of primitives, so an
outer tape that is still recording sees the backward pass as ordinary operations: nested tapes
give higher derivatives with no special code.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import inspect
import warnings

import numpy as np

from . import core, nest
from .core import context, wrap
from .tensor import OPERAND_TYPES, Variable, _Operand, convert_to_tensor


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _is_float(x) -> bool:
    return x._value.dtype.kind == "f"


def _flat_operands(sources) -> list:
    """nest.flatten, with a fast path for the usual flat list of variables."""
    if isinstance(sources, _Operand):
        return [sources]
    if type(sources) in (list, tuple):
        for s in sources:
            if not isinstance(s, _Operand):
                return nest.flatten(sources)
        return list(sources)
    return nest.flatten(sources)


class _CustomNode:
    """A recorded ``custom_gradient`` call: several outputs, one user-supplied rule."""

    __slots__ = ("grad_fn", "outputs", "n_inputs", "variables")

    def __init__(self, grad_fn, outputs, n_inputs, variables):
        self.grad_fn, self.outputs = grad_fn, outputs
        self.n_inputs, self.variables = n_inputs, variables


class GradientTape:
    """Records operations for automatic differentiation.

    Args:
      persistent: allow several ``gradient``/``jacobian`` calls (the record is kept).
      watch_accessed_variables: watch every trainable Variable read while recording.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._watched: dict[int, object] = {}
        self._variables: dict[int, Variable] = {}
        self._ops: list = []
        self._used = False
        self._recording = False

    # -- context ------------------------------------------------------------------------------

    def __enter__(self):
        if self._recording:
            raise ValueError("This GradientTape is already recording; tapes are not re-entrant.")
        self._push()
        return self

    def __exit__(self, *exc):
        self._pop()
        return False

    def _push(self):
        self._recording = True
        context.tapes = context.tapes + (self,)

    def _pop(self):
        self._recording = False
        context.tapes = tuple(t for t in context.tapes if t is not self)

    @contextlib.contextmanager
    def stop_recording(self):
        """Operations inside this block are not recorded on this tape."""
        if not self._recording:
            raise ValueError("stop_recording() is only valid while the tape is recording.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self):
        """Forget everything recorded so far (the tape keeps recording if it was)."""
        self._watched.clear()
        self._variables.clear()
        self._ops.clear()
        self._used = False

    # -- watching -----------------------------------------------------------------------------

    def watch(self, tensor):
        """Watch tensors (or variables) so gradients with respect to them can be taken."""
        for t in nest.flatten(tensor):
            if not isinstance(t, _Operand):
                raise ValueError(
                    f"GradientTape.watch takes tensors or variables, got {type(t).__name__}. "
                    "Convert it with tf.constant first and watch that tensor."
                )
            if not _is_float(t):
                warnings.warn(
                    f"The dtype of the watched tensor must be floating (e.g. tf.float32), "
                    f"got {t.dtype!r}; its gradient will be None.",
                    stacklevel=2,
                )
            self._watched[id(t)] = t
            if isinstance(t, Variable):
                self._variables[id(t)] = t

    def watched_variables(self) -> tuple:
        """The variables this tape watched, in the order first accessed."""
        return tuple(self._variables.values())

    def _record(self, prim, inputs, out, params):
        watched = self._watched
        hit = False
        for x in inputs:
            if id(x) in watched:
                hit = True
            elif type(x) is Variable and self._watch_accessed and x.trainable and x._value.dtype.kind == "f":
                watched[id(x)] = x
                self._variables[id(x)] = x
                hit = True
        if hit:
            # Integer outputs are recorded too (checking costs more than it saves); no
            # cotangent ever reaches them, since rules into integer inputs are skipped.
            watched[id(out)] = out
            self._ops.append((prim, inputs, out, params))

    def _record_custom(self, node, inputs):
        watched = self._watched
        if any(id(x) in watched for x in inputs) or any(id(v) in watched for v in node.variables):
            for o in node.outputs:
                watched[id(o)] = o
            self._ops.append((node, inputs, None, None))

    # -- differentiation ----------------------------------------------------------------------

    def _backward(self, targets, seeds, source_ids):
        """Propagate cotangents from targets; returns {id: gradient} for the sources."""
        grads: dict[int, object] = {}
        for t, s in zip(targets, seeds):
            k = id(t)
            grads[k] = s if k not in grads else grads[k] + s
        watched = self._watched
        pop, get = grads.pop, grads.get
        for prim, inputs, out, params in reversed(self._ops):
            if out is None:  # custom_gradient node
                self._backward_custom(prim, inputs, grads, source_ids)
                continue
            k = id(out)
            ct = get(k) if k in source_ids else pop(k, None)
            if ct is None:
                continue
            for x, rule in zip(inputs, prim.vjps):
                kx = id(x)
                # Only watched float inputs need a rule (unwatched ones are constants).
                if rule is None or kx not in watched or x._value.dtype.kind != "f":
                    continue
                g = rule(ct, out, *inputs, **params) if params else rule(ct, out, *inputs)
                if g is None:
                    continue
                prev = get(kx)
                grads[kx] = g if prev is None else prev + g
        return grads

    def _backward_custom(self, node, inputs, grads, source_ids):
        cts = [grads.get(id(o)) if id(o) in source_ids else grads.pop(id(o), None) for o in node.outputs]
        if all(c is None for c in cts):
            return
        cts = [c if c is not None else wrap(np.zeros_like(o._value)) for c, o in zip(cts, node.outputs)]
        upstream = cts[0] if len(cts) == 1 else cts
        if node.variables:
            result, var_grads = node.grad_fn(*([upstream] if len(cts) == 1 else cts), variables=list(node.variables))
        else:
            result, var_grads = node.grad_fn(*([upstream] if len(cts) == 1 else cts)), []
        in_grads = list(result) if isinstance(result, (list, tuple)) else [result]
        if len(in_grads) != node.n_inputs:
            raise ValueError(
                f"custom_gradient: the gradient function returned {len(in_grads)} gradients for "
                f"{node.n_inputs} inputs; return one per input (None where there is none)."
            )
        for x, g in zip(list(inputs) + list(node.variables), in_grads + list(var_grads)):
            if g is None or not _is_float(x):
                continue
            g = convert_to_tensor(g)
            prev = grads.get(id(x))
            grads[id(x)] = g if prev is None else prev + g

    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients "
                "(or jacobians). Create the tape with tf.GradientTape(persistent=True) to call "
                "gradient() several times."
            )

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """d(target)/d(sources). ``sources`` may be one tensor, a list, or a dict of them.

        A list of targets is summed. ``output_gradients`` weights each target (the vector in
        the vector-Jacobian product). Sources the target does not depend on give ``None``, or
        zeros with ``unconnected_gradients="zero"``.
        """
        self._check_usable()
        unconnected = unconnected_gradients
        if unconnected is not UnconnectedGradients.NONE:
            unconnected = UnconnectedGradients(getattr(unconnected, "value", unconnected))
        flat_targets = [
            t if isinstance(t, _Operand) else convert_to_tensor(t)
            for t in ((target,) if isinstance(target, _Operand) else nest.flatten(target))
        ]
        flat_sources = _flat_operands(sources)
        for s in flat_sources:
            if not isinstance(s, _Operand):
                raise ValueError(
                    f"GradientTape.gradient sources must be tensors or variables, got {type(s).__name__}: {s!r}."
                )
        for t in flat_targets:
            if t._value.dtype.kind != "f":
                warnings.warn(
                    f"The dtype of the target tensor must be floating (e.g. tf.float32) when "
                    f"calling GradientTape.gradient, got {t.dtype!r}.",
                    stacklevel=2,
                )
        if output_gradients is None:
            seeds = [wrap(np.ones(t._value.shape, t._value.dtype)) for t in flat_targets]
        else:
            og = nest.flatten(output_gradients)
            if len(og) != len(flat_targets):
                raise ValueError("output_gradients must have one entry per target.")
            seeds = [
                wrap(np.ones_like(t._value)) if g is None else convert_to_tensor(g, t.dtype)
                for t, g in zip(flat_targets, og)
            ]
        # The tape must not record its own backward pass (outer tapes still do).
        was_recording = self._recording
        if was_recording:
            self._pop()
        try:
            grads = self._backward(flat_targets, seeds, {id(s) for s in flat_sources})
        finally:
            if was_recording:
                self._push()
        if not self._persistent:
            self._used = True
            self._ops = []
        out = [grads.get(id(s)) if s._value.dtype.kind == "f" else None for s in flat_sources]
        if unconnected is UnconnectedGradients.ZERO:
            out = [wrap(np.zeros_like(s._value)) if g is None else g for g, s in zip(out, flat_sources)]
        if isinstance(sources, _Operand):
            return out[0]
        if type(sources) is list and len(out) == len(sources):
            return out
        return nest.pack_sequence_as(sources, out)

    def jacobian(
        self,
        target,
        sources,
        unconnected_gradients=UnconnectedGradients.NONE,
        parallel_iterations=None,
        experimental_use_pfor=True,
    ):
        """Full Jacobian: result[i..., j...] = d target[i...] / d source[j...]."""
        self._check_usable()
        target = convert_to_tensor(target) if not isinstance(target, _Operand) else target
        flat_sources = nest.flatten(sources)
        t_shape = target._value.shape
        n = int(np.prod(t_shape, dtype=np.int64))
        rows = [[] for _ in flat_sources]
        was_recording = self._recording
        if was_recording:
            self._pop()
        try:
            for i in range(n):
                seed = np.zeros(n, target._value.dtype)
                seed[i] = 1
                grads = self._backward([target], [wrap(seed.reshape(t_shape))], {id(s) for s in flat_sources})
                for j, s in enumerate(flat_sources):
                    g = grads.get(id(s))
                    rows[j].append(np.zeros_like(s._value) if g is None else np.asarray(g))
        finally:
            if was_recording:
                self._push()
        if not self._persistent:
            self._used = True
            self._ops = []
        out = []
        for j, s in enumerate(flat_sources):
            connected = any(np.any(r) for r in rows[j]) or n == 0
            if not connected and unconnected_gradients in ("none", UnconnectedGradients.NONE):
                out.append(None)
                continue
            stacked = np.stack(rows[j]) if rows[j] else np.zeros((0,) + s._value.shape, s._value.dtype)
            out.append(wrap(stacked.reshape(t_shape + s._value.shape)))
        return nest.pack_sequence_as(sources, out) if nest.is_nested(sources) else out[0]

    def batch_jacobian(
        self,
        target,
        source,
        unconnected_gradients=UnconnectedGradients.NONE,
        parallel_iterations=None,
        experimental_use_pfor=True,
    ):
        """Per-example Jacobian: result[b, i..., j...] = d target[b, i...] / d source[b, j...]."""
        t_shape, s_shape = target._value.shape, source._value.shape
        if not t_shape or not s_shape or t_shape[0] != s_shape[0]:
            raise ValueError(
                f"batch_jacobian needs target and source with the same first (batch) dimension, "
                f"got shapes {list(t_shape)} and {list(s_shape)}."
            )
        full = self.jacobian(target, source, unconnected_gradients)
        if full is None:
            return None
        j = np.asarray(full)
        b = t_shape[0]
        j = j.reshape((b, int(np.prod(t_shape[1:], dtype=np.int64)), b, -1))
        diag = np.stack([j[i, :, i, :] for i in range(b)])
        return wrap(np.ascontiguousarray(diag).reshape((b,) + t_shape[1:] + s_shape[1:]))


# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _no_recording():
    saved = context.tapes
    context.tapes = ()
    try:
        yield
    finally:
        context.tapes = saved


def custom_gradient(f=None):
    """Decorator: ``f(*x)`` returns ``(y, grad_fn)``; ``grad_fn(upstream)`` returns the
    gradient for each input (and, if it accepts ``variables=``, a list for the variables ``f``
    read), replacing the automatic rule.

    >>> import gradplay.engine as tf
    >>> @tf.custom_gradient
    ... def clip_grad(x):
    ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1.0, 1.0)
    >>> x = tf.constant(2.0)
    >>> with tf.GradientTape() as t:
    ...     t.watch(x)
    ...     y = clip_grad(x) * 10.0
    >>> float(t.gradient(y, x))
    1.0
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        tapes = context.tapes
        if not tapes:
            result, _ = f(*args, **kwargs)
            return result
        inputs = tuple(a if type(a) in OPERAND_TYPES else convert_to_tensor(a) for a in args)
        collector = GradientTape(persistent=True)
        with _no_recording():
            with collector:
                result, grad_fn = f(*inputs, **kwargs)
        accepts_vars = "variables" in inspect.signature(grad_fn).parameters
        variables = collector.watched_variables() if accepts_vars else ()
        flat = nest.flatten(result)
        outputs = tuple(core.wrap(r._value) if isinstance(r, _Operand) else convert_to_tensor(r) for r in flat)
        node = _CustomNode(grad_fn, outputs, len(inputs), variables)
        for tape in tapes:
            tape._record_custom(node, inputs)
        return nest.pack_sequence_as(result, list(outputs)) if nest.is_nested(result) else outputs[0]

    return wrapped
