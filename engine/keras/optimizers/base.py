"""``Optimizer``: Keras 3's ``BaseOptimizer`` — everything but the update rule itself.

>>> import gradplay.engine as tf
>>> from gradplay.engine.keras import optimizers
>>> w = tf.Variable([1.0, 2.0])
>>> opt = optimizers.SGD(learning_rate=0.1)
>>> with tf.GradientTape() as tape:
...     loss = tf.reduce_sum(w * w)
>>> _ = opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
>>> w.numpy(), int(opt.iterations)
(array([0.8, 1.6], dtype=float32), 1)

One step of ``apply(grads, variables)`` does what Keras' does, in the same order: drop ``None``
gradients (warning), unscale by ``loss_scale_factor``, accumulate (``gradient_accumulation_steps``),
clip (``clipnorm`` / ``clipvalue`` / ``global_clipnorm``), decay weights (``var -= var * wd * lr``),
run the algorithm's update, update the EMA weights, apply constraints, count the iteration.
(Keras 3.15's ``BaseOptimizer``; names default to the class name in snake case, ``rm_sprop``.)

Why the arithmetic is NumPy on the variables' buffers rather than engine ops: an optimizer is
never differentiated, and a step is a dozen elementwise operations per variable, so the engine's
per-op bookkeeping would dominate small models. Each result is a fresh array bound to
``variable._value`` (never written in place: tensors read earlier may share the old buffer).
Temporaries made in the step are ours, so the arithmetic on them is in place.

A subclass written for Keras (``build`` making slots with ``add_variable_from_reference``,
``update_step(gradient, variable, learning_rate)`` with ``assign``/``assign_sub``) works as is:
its ``update_step`` gets engine tensors and runs outside any ``GradientTape``.
"""

from __future__ import annotations

import math
import numbers
import re
import warnings

import numpy as np

from ... import core, dtypes
from ...tensor import Variable, _Operand
from . import schedules as schedules_mod

_ndarray = np.ndarray


def _check_learning_rate(value):
    """A number >= 0 as a Python float, or a ValueError saying what was received."""
    if isinstance(value, _Operand) and value.ndim == 0:
        value = value.numpy()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            "Argument `learning_rate` should be float, or an instance of LearningRateSchedule, or a callable "
            "(that takes in the current iteration value and returns the corresponding learning rate value). "
            f"Received instead: learning_rate={value!r}"
        )
    value = float(value)
    if not value >= 0:  # also refuses NaN
        raise ValueError(
            f"Argument `learning_rate` must be a number >= 0, e.g. learning_rate=0.001. Received: learning_rate={value}"
        )
    return value


def _snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: ``"MyOptimizer"`` -> ``"my_optimizer"``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Optimizer:
    """Base class of all optimizers (Keras 3's ``keras.optimizers.Optimizer``).

    Args:
        learning_rate: a float, a ``schedules.LearningRateSchedule`` (evaluated at ``iterations``
            each step), or a callable with no arguments returning the value.
        weight_decay: if set, every step first does ``var -= var * weight_decay * learning_rate``.
        clipnorm / clipvalue / global_clipnorm: clip each gradient's norm / each element /
            the norm of all gradients together (at most one of the three).
        use_ema, ema_momentum, ema_overwrite_frequency: keep an exponential moving average of
            the weights (``finalize_variable_values`` copies it into them).
        loss_scale_factor: gradients are divided by it (see ``scale_loss``).
        gradient_accumulation_steps: update every N steps with the mean of the N gradients.
        name: prefix of the optimizer's variables' paths.
    """

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if "lr" in kwargs:
            # tf.keras 2 accepted `lr`; Keras 3 rejects it. Older tutorials still pass it.
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.", stacklevel=3)
            learning_rate = kwargs.pop("lr")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if name is None:
            name = _snake_case(type(self).__name__)
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._iterations = self._new_variable(np.zeros((), np.int64), "iteration")
        self._learning_rate = None
        self._set_learning_rate(learning_rate)

    # -- variables -------------------------------------------------------------------------

    def _new_variable(self, value, name):
        var = Variable(value, trainable=False, name=name)
        var._path = f"{self.name}/{name}"
        self._variables.append(var)
        return var

    @property
    def variables(self) -> list:
        """The optimizer's own variables: ``iteration``, ``learning_rate``, then the slots."""
        return self._variables[:]

    @property
    def iterations(self):
        """How many update steps were applied (an int64 ``Variable``)."""
        if self.gradient_accumulation_steps:
            return core.wrap(np.asarray(self._iterations._value // self.gradient_accumulation_steps))
        return self._iterations

    def _update_count(self) -> int:
        """``iterations`` as a Python int (update steps, with gradient accumulation)."""
        steps = int(self._iterations._value)
        return steps // self.gradient_accumulation_steps if self.gradient_accumulation_steps else steps

    def build(self, var_list):
        """Create the slot variables for ``var_list`` (done by the first ``apply``)."""
        var_list = list(var_list)
        for i, var in enumerate(var_list):
            if not isinstance(var, Variable):
                raise TypeError(f"Optimizers update tf.Variable objects; item {i} is a {type(var).__name__}.")
            if not var.dtype.is_floating:
                raise TypeError(
                    f"Optimizers only update floating-point variables; variable '{var.name}' has dtype "
                    f"{var.dtype.name}. Create it with a float value (tf.Variable(1.0)) or dtype=tf.float32."
                )
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(var_list, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(var_list, "gradient_accumulator")
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(var_list)}
        self._trainable_variables = var_list[:]
        self._constrained = [v for v in var_list if getattr(v, "constraint", None) is not None]
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", name=None):
        """A new non-trainable optimizer variable filled with zeros, ones or a constant."""
        dtype = dtypes.as_dtype(dtype or "float32").as_numpy_dtype
        if initializer == "zeros":
            value = np.zeros(shape, dtype)
        elif initializer == "ones":
            value = np.ones(shape, dtype)
        elif isinstance(initializer, numbers.Real):
            value = np.full(shape, initializer, dtype)
        elif callable(initializer):
            value = np.asarray(initializer(shape, dtype=dtype), dtype)
        else:
            raise ValueError(
                f"Optimizer variables take initializer='zeros', 'ones', a number or a callable. "
                f"Received: initializer={initializer!r}"
            )
        return self._new_variable(value, name or "variable")

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like ``reference_variable``, named ``<its path with _>_<name>``."""
        name = reference_variable.path.replace("/", "_") + "_" + (name or "var")
        return self.add_variable(reference_variable._value.shape, initializer, reference_variable.dtype.name, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable (a list), or a tuple of lists for a list of names."""
        names = [name] if isinstance(name, str) else list(name)
        out = tuple([] for _ in names)
        for var in trainable_variables:  # interleaved, as Keras orders them
            for i, n in enumerate(names):
                out[i].append(self.add_variable_from_reference(var, n, initializer))
        return out[0] if isinstance(name, str) else out

    def set_weights(self, weights):
        """Set the optimizer's variables (in ``variables`` order) from arrays."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. Please call "
                "`optimizer.build(trainable_variables)` to create the optimizer weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            variable.assign(weight)

    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._variables):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has {len(self._variables)} "
                f"variables whereas the saved optimizer has {len(store.keys())} variables.",
                stacklevel=2,
            )
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    # -- learning rate ---------------------------------------------------------------------

    @property
    def learning_rate(self):
        """The learning rate: a ``Variable`` (``.assign`` changes it), or the schedule's value now.

        Set it to a number, a schedule or a callable (``opt.learning_rate = 0.01``).
        """
        lr = self._learning_rate
        if isinstance(lr, schedules_mod.LearningRateSchedule):
            return lr(self._iterations)
        if callable(lr):
            return lr()
        return lr

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(self._learning_rate, schedules_mod.LearningRateSchedule) and not callable(learning_rate):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                "constructor argument, hence its learning rate is not settable. If you need the learning rate "
                "to be settable, you should instantiate the optimizer with a float `learning_rate` argument."
            )
        self._set_learning_rate(learning_rate)

    # tf.keras 2's name, still used by tutorials (``tf.keras.backend.set_value(opt.lr, 0.01)``).
    lr = property(learning_rate.fget, learning_rate.fset, doc="Deprecated alias of ``learning_rate``.")

    def _set_learning_rate(self, learning_rate):
        old = self._learning_rate
        if callable(learning_rate):  # schedules are callables too
            self._learning_rate = learning_rate
            if isinstance(old, Variable):
                self._variables.remove(old)
        elif isinstance(old, Variable):
            old._value = np.asarray(_check_learning_rate(learning_rate), np.float32)
        else:
            value = np.asarray(_check_learning_rate(learning_rate), np.float32)
            var = Variable(value, trainable=False, name="learning_rate")
            var._path = f"{self.name}/learning_rate"
            self._variables.insert(1, var)  # right after `iteration`, as Keras orders them
            self._learning_rate = var

    def _current_learning_rate(self) -> float:
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return float(lr._value)
        if isinstance(lr, schedules_mod.LearningRateSchedule):
            return float(lr(self._iterations))
        return float(lr())

    # -- applying gradients ----------------------------------------------------------------

    def apply_gradients(self, grads_and_vars):
        """Update variables from ``zip(grads, vars)``; returns ``iterations``."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` (or the variables the optimizer was built with) one step.

        ``grads`` match the variables one to one; ``None`` gradients are skipped with a warning.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first."
                )
            if len(grads) != len(self._trainable_variables):
                raise ValueError(
                    f"When passing `grads` as a list of gradient tensors, the gradients must match "
                    f"`optimizer.variables` one-to-one. Received a list of {len(grads)} gradients, but the "
                    f"optimizer is tracking {len(self._trainable_variables)} trainable variables."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if len(trainable_variables) != len(grads):
                raise ValueError(
                    f"Received {len(grads)} gradients for {len(trainable_variables)} variables; "
                    "pass one gradient per variable (None for no gradient)."
                )
            if not self.built:
                self.build(trainable_variables)
            known = self._trainable_variables_indices
            for v in trainable_variables:
                if id(v) not in known:
                    raise ValueError(
                        f"Unknown variable: {v}. This optimizer can only be called for the variables it was "
                        "originally built with. When working with a new set of variables, you should recreate "
                        "a new optimizer instance."
                    )
        arrays, variables, missing = [], [], []
        for g, v in zip(grads, trainable_variables):
            if g is None:
                missing.append(v.path)
                continue
            # No local reference to the variable's buffer may outlive this loop: the update step
            # writes in place when the variable is the buffer's only owner.
            dtype, shape = v._value.dtype, v._value.shape
            a = g._value if isinstance(g, _Operand) else np.asarray(g)
            if a.dtype != dtype:
                a = a.astype(dtype)
            if a.shape != shape:
                raise ValueError(
                    f"Gradient shape {a.shape} does not match the shape {shape} of variable '{v.name}'. "
                    "Pass the gradients in the same order as the variables."
                )
            arrays.append(a)
            variables.append(v)
        if not arrays:
            raise ValueError(
                f"No gradients provided for any variable: {missing}. Every gradient is None: compute the loss "
                "from these variables inside the `tf.GradientTape` block, and pass the same variables to "
                "`tape.gradient`."
            )
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=2,
            )
        if self.loss_scale_factor is not None:
            scale = self.loss_scale_factor
            arrays = [a / scale for a in arrays]
        self._apply_arrays(arrays, variables)
        for v in self._constrained:
            v.assign(v.constraint(v))
        self._iterations._value = np.asarray(int(self._iterations._value) + 1, np.int64)

    def _apply_arrays(self, grads, variables):
        """Keras' ``_backend_apply_gradients`` on NumPy gradients."""
        lr = self._current_learning_rate()
        steps = self.gradient_accumulation_steps
        if steps:
            index = self._trainable_variables_indices
            accumulators = [self._accumulated_gradients[index[id(v)]] for v in variables]
            if (int(self._iterations._value) + 1) % steps == 0:
                grads = [(g + a._value) / steps for g, a in zip(grads, accumulators)]
                self._update(grads, variables, lr)
                for a in self._accumulated_gradients:
                    a._value = np.zeros_like(a._value)
            else:
                for g, a in zip(grads, accumulators):
                    a._value = g + a._value
        else:
            self._update(grads, variables, lr)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            freq = self.ema_overwrite_frequency
            if freq and (self._update_count() + 1) % freq == 0:
                self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _update(self, grads, variables, lr):
        grads = self._clip_gradients(grads)
        if self.weight_decay is not None:
            self._apply_weight_decay(variables, lr)
        self._backend_update_step(grads, variables, lr)

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            c = self.clipnorm
            out = []
            for g in grads:
                norm = math.sqrt(float(np.vdot(g, g)))
                out.append(g * c / max(norm, c))
            return out
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = self.global_clipnorm
            norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
            if not math.isfinite(norm):
                scale = math.nan  # Keras: an inf/NaN norm makes every gradient NaN
            else:
                scale = c * min(1.0 / norm, 1.0 / c) if norm > 0 else 1.0
            return [g * scale for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            c = self.clipvalue
            return [np.clip(g, -c, c) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables (or those whose name contains one of ``var_names``) from weight decay."""
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable) -> bool:
        cache = self.__dict__.setdefault("_exclude_from_weight_decay_cache", {})
        key = id(variable)
        if key not in cache:
            pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
            cache[key] = not (
                key in getattr(self, "_exclude_from_weight_decay", ())
                or (pattern is not None and pattern.search(variable.name) is not None)
            )
        return cache[key]

    def _apply_weight_decay(self, variables, lr):
        wd = self.weight_decay
        for v in variables:
            if self._use_weight_decay(v):
                x = v._value
                v._value = x - x * wd * lr

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """Run ``update_step`` per variable. Built-in optimizers replace this with NumPy loops."""
        saved = core.context.tapes
        core.context.tapes = ()  # the update is never differentiated
        try:
            lr = core.wrap(np.asarray(learning_rate, np.float32))
            for g, v in zip(grads, trainable_variables):
                self.update_step(core.wrap(g), v, lr)
        finally:
            core.context.tapes = saved

    def update_step(self, gradient, variable, learning_rate):
        """The update rule for one variable (override in subclasses)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_step(self, gradient, variable, learning_rate)`."
        )

    def _get_variable_index(self, variable) -> int:
        return self._trainable_variables_indices[id(variable)]

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    def minimize(self, loss, var_list, tape=None):
        """``tf.keras``' one-call step: gradients of ``loss`` (a callable, or a tensor with ``tape``)."""
        from ...tape import GradientTape

        if not callable(loss) and tape is None:
            raise ValueError(
                "`tape` is required when a `Tensor` loss is passed. Pass a zero-argument callable as `loss`, "
                "or the `tf.GradientTape` that recorded it as `tape=`."
            )
        if callable(loss):
            with GradientTape() as tape:
                loss = loss()
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def scale_loss(self, loss):
        """Multiply ``loss`` by ``loss_scale_factor`` (gradients are divided back in ``apply``)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- exponential moving average ------------------------------------------------------

    def _update_model_variables_moving_average(self, trainable_variables):
        first = self._update_count() == 0
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            f = var._value.dtype.type  # Keras: cast(not_first_step, dtype) * ema_momentum, then 1 - that
            momentum = f(0) if first else f(self.ema_momentum)
            average._value = momentum * average._value + (f(1) - momentum) * var._value

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        if len(trainable_variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does not match the "
                f"length of model variables stored in the optimizer ({len(self._model_variables_moving_average)}). "
                "Please check if the optimizer was called on your model."
            )
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            var._value = average._value.copy()

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, copy the moving averages into the variables (``fit`` does this at the end)."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # -- config ------------------------------------------------------------------------------

    def get_config(self) -> dict:
        lr = self._learning_rate
        if isinstance(lr, schedules_mod.LearningRateSchedule):
            learning_rate = schedules_mod.serialize(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(lr._value)
        else:
            learning_rate = lr  # a plain callable: kept as is (not JSON-serializable)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules_mod.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._learning_rate_text()}>"

    def _learning_rate_text(self) -> str:
        lr = self._learning_rate
        return f"{float(lr._value):g}" if isinstance(lr, Variable) else type(lr).__name__
