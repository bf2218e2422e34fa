"""The update rules: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam (Keras 3's formulas).

>>> import gradplay.engine as tf
>>> from gradplay.engine.keras import optimizers
>>> w = tf.Variable([1.0, -1.0])
>>> opt = optimizers.Adam(learning_rate=0.1)
>>> _ = opt.apply_gradients([(tf.constant([0.5, -2.0]), w)])
>>> w.numpy().round(5)  # Adam's first step moves every weight by about learning_rate
array([ 0.9, -0.9], dtype=float32)

Each class overrides ``_backend_update_step(grads, variables, lr)``: ``grads`` are NumPy arrays
already clipped and cast to the variables' dtype, ``lr`` is a Python float. The arithmetic follows
Keras' expressions operation by operation (``m += (g - m) * (1 - beta_1)``, ``sqrt(v) + epsilon``,
...), with per-step scalars computed once per step, not per variable. ``x op= y`` below only ever
touches a temporary made in the same step.

Scalars in the variables' dtype, as Keras computes them. Where Keras writes a Python number into
an expression (``1 - self.beta_1``), we do too: NumPy treats it as a weak scalar, as Keras does.
Where Keras first casts a hyperparameter to the variable's dtype (``ops.power(ops.cast(beta_2,
float32), t)``), so do we, keeping one set of constants per dtype (``by_dtype``). The difference is
not cosmetic: ``1 - float32(0.999)**t`` is off from ``1 - 0.999**t`` by ~1e-5 relative, and Keras'
Adam steps carry that.
"""

from __future__ import annotations

import sys

import numpy as np

from .base import Optimizer

_getrefcount = sys.getrefcount


def _owned(variable) -> bool:
    """True when nothing but ``variable`` holds its buffer (no tensor read from it, no view):
    then updating it in place is invisible, as TensorFlow's copy-on-write assignment is.
    (getrefcount counts its own argument: 2 means the variable's slot is the only owner.)"""
    return _getrefcount(variable._value) <= 2


_sqrt = np.sqrt
_maximum = np.maximum
_abs = np.abs

_COMMON_DOC = """
    Common arguments (all optimizers): ``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``,
    ``loss_scale_factor``, ``gradient_accumulation_steps``, ``name`` (see ``Optimizer``).
"""


_BASE_ARGS = (
    "learning_rate",
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
    "name",
)


def _base_args(args: dict) -> dict:
    """``Optimizer.__init__``'s arguments picked from a subclass ``__init__``'s ``locals()``.

    The subclasses spell out every argument (so ``help()`` and ``inspect.signature`` show them,
    as in Keras) and pass the shared ones on with this instead of repeating eleven names.
    """
    return {**{k: args[k] for k in _BASE_ARGS}, **args["kwargs"]}


class _BuiltinOptimizer(Optimizer):
    """Shared by the built-in algorithms: ``update_step`` runs the NumPy rule on one variable."""

    def update_step(self, gradient, variable, learning_rate):
        grad = np.asarray(gradient, dtype=variable._value.dtype)
        self._backend_update_step([grad], [variable], float(learning_rate))


class SGD(_BuiltinOptimizer):
    """Gradient descent, with momentum and Nesterov momentum (Keras 3's form).

    ``momentum == 0``: ``w -= learning_rate * g``. Otherwise, with ``velocity`` starting at 0::

        velocity = momentum * velocity - learning_rate * g
        w += velocity                                     # nesterov=False
        w += momentum * velocity - learning_rate * g      # nesterov=True

    Args:
        learning_rate: defaults to 0.01.
        momentum: float in [0, 1], defaults to 0.
        nesterov: use Nesterov momentum.
    """

    __doc__ += _COMMON_DOC

    def __init__(
        self,
        learning_rate=0.01,
        momentum=0.0,
        nesterov=False,
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
        super().__init__(**_base_args(locals()))
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _backend_update_step(self, grads, variables, lr):
        if self.momentum == 0:
            for g, var in zip(grads, variables):
                if _owned(var) and var._value.dtype == g.dtype:
                    var._value -= g * lr
                else:
                    var._value = var._value - g * lr
            return
        momentum, nesterov = float(self.momentum), self.nesterov
        index, slots = self._trainable_variables_indices, self.momentums
        for g, var in zip(grads, variables):
            m = slots[index[id(var)]]
            step = g * lr
            new_m = m._value * momentum
            new_m -= step
            m._value = new_m
            if nesterov:
                delta = new_m * momentum
                delta -= step
                var._value = var._value + delta
            else:
                var._value = var._value + new_m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config


class Adam(_BuiltinOptimizer):
    """Adam, with Keras' bias-correction form and epsilon outside the square root::

        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        v_hat = max(v_hat, v); v = v_hat                  # amsgrad=True only
        alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w -= m * alpha / (sqrt(v) + epsilon)

    Args:
        learning_rate: defaults to 0.001.
        beta_1, beta_2: decay rates of the moment estimates (0.9, 0.999).
        epsilon: 1e-7 (Keras' default; PyTorch uses 1e-8).
        amsgrad: use the AMSGrad variant.
    """

    __doc__ += _COMMON_DOC

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        super().__init__(**_base_args(locals()))
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _backend_update_step(self, grads, variables, lr):
        t = self._update_count() + 1
        b1, b2, eps = float(self.beta_1), float(self.beta_2), float(self.epsilon)
        c1, c2 = 1 - b1, 1 - b2

        def step_size(f):
            step = f(t)
            return f(lr) * _sqrt(f(1) - f(b2) ** step) / (f(1) - f(b1) ** step)

        alphas = {}  # by dtype
        index, ms, vs = self._trainable_variables_indices, self._momentums, self._velocities
        v_hats = self._velocity_hats if self.amsgrad else None
        for g, var in zip(grads, variables):
            x = var._value
            alpha = alphas.get(x.dtype)
            if alpha is None:
                alpha = alphas[x.dtype] = step_size(x.dtype.type)
            i = index[id(var)]
            m_var, v_var = ms[i], vs[i]
            in_place = _owned(m_var) and _owned(v_var)  # slots nobody else reads: update them in place
            m = m_var._value
            new_m = g - m
            new_m *= c1
            if in_place:
                m += new_m
                new_m = m
            else:
                new_m += m
                m_var._value = new_m
            v = v_var._value
            new_v = g * g
            new_v -= v
            new_v *= c2
            if in_place:
                v += new_v
                new_v = v
            else:
                new_v += v
                v_var._value = new_v
            del m, v
            if v_hats is not None:
                new_v = _maximum(v_hats[i]._value, new_v)
                v_hats[i]._value = new_v
            denom = _sqrt(new_v)
            denom += eps
            delta = new_m * alpha
            delta /= denom
            del x
            if _owned(var) and var._value.dtype == delta.dtype:
                var._value -= delta
            else:
                var._value = var._value - delta

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay: each step first ``w -= w * weight_decay * learning_rate``.

    Args:
        weight_decay: defaults to 0.004 (must be a number). Other arguments as ``Adam``.
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay=0.004,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
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
        args = _base_args(locals())
        super().__init__(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad, **args)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class RMSprop(_BuiltinOptimizer):
    """RMSprop, optionally centered and with (plain) momentum::

        velocity = rho * velocity + (1 - rho) * g * g
        average_grad = rho * average_grad + (1 - rho) * g              # centered only
        denominator = velocity - average_grad**2 + epsilon             # centered
                    = velocity + epsilon                               # otherwise
        increment = learning_rate * g / sqrt(denominator)
        momentum_slot = momentum * momentum_slot + increment; w -= momentum_slot   # momentum > 0
        w -= increment                                                             # otherwise

    Args:
        learning_rate: defaults to 0.001.
        rho: discount factor of the squared-gradient average (0.9).
        momentum: defaults to 0.
        epsilon: 1e-7, added inside the square root.
        centered: normalize by the estimated variance instead of the second moment.
    """

    __doc__ += _COMMON_DOC

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
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
        super().__init__(**_base_args(locals()))
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = self.add_optimizer_variables(var_list, "momentum") if self.momentum > 0 else []
        self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient") if self.centered else []

    def _backend_update_step(self, grads, variables, lr):
        rho = float(self.rho)
        c, eps, momentum = 1 - rho, float(self.epsilon), float(self.momentum)
        index = self._trainable_variables_indices
        for g, var in zip(grads, variables):
            i = index[id(var)]
            vel = self._velocities[i]
            new_vel = rho * vel._value
            new_vel += c * (g * g)
            vel._value = new_vel
            if self.centered:
                avg = self._average_gradients[i]
                new_avg = rho * avg._value
                new_avg += c * g
                avg._value = new_avg
                denom = new_vel - new_avg * new_avg
                denom += eps
            else:
                denom = new_vel + eps
            increment = lr * g
            increment /= _sqrt(denom)
            if momentum > 0:
                mom = self._momentums[i]
                new_mom = momentum * mom._value
                new_mom += increment
                mom._value = new_mom
                increment = new_mom
            var._value = var._value - increment

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered})
        return config


class Adagrad(_BuiltinOptimizer):
    """Adagrad: ``accumulator += g * g; w -= learning_rate * g / sqrt(accumulator + epsilon)``.

    Args:
        learning_rate: defaults to 0.001.
        initial_accumulator_value: the accumulators' starting value (0.1).
        epsilon: 1e-7.
    """

    __doc__ += _COMMON_DOC

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value=0.1,
        epsilon=1e-7,
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
        super().__init__(**_base_args(locals()))
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value)
        )

    def _backend_update_step(self, grads, variables, lr):
        eps = float(self.epsilon)
        index, accumulators = self._trainable_variables_indices, self._accumulators
        for g, var in zip(grads, variables):
            acc = accumulators[index[id(var)]]
            new_acc = g * g
            new_acc += acc._value
            acc._value = new_acc
            denom = new_acc + eps
            delta = lr * g
            delta /= _sqrt(denom)
            var._value = var._value - delta

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config


class Adadelta(_BuiltinOptimizer):
    """Adadelta (Zeiler 2012), scaled by ``learning_rate`` as in Keras::

        accumulated_grad = rho * accumulated_grad + (1 - rho) * g * g
        delta = -sqrt(accumulated_delta + epsilon) * g / sqrt(accumulated_grad + epsilon)
        accumulated_delta = rho * accumulated_delta + (1 - rho) * delta * delta
        w += learning_rate * delta

    Args:
        learning_rate: defaults to 0.001 (1.0 is the paper's form).
        rho: decay rate (0.95).
        epsilon: 1e-7.
    """

    __doc__ += _COMMON_DOC

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.95,
        epsilon=1e-7,
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
        super().__init__(**_base_args(locals()))
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads = self.add_optimizer_variables(var_list, "accumulated_grad")
        self._accumulated_delta_vars = self.add_optimizer_variables(var_list, "accumulated_delta_var")

    def _backend_update_step(self, grads, variables, lr):
        rho = float(self.rho)
        c, eps = 1 - rho, float(self.epsilon)
        index = self._trainable_variables_indices
        for g, var in zip(grads, variables):
            i = index[id(var)]
            acc_g, acc_d = self._accumulated_grads[i], self._accumulated_delta_vars[i]
            new_acc_g = rho * acc_g._value
            new_acc_g += c * (g * g)
            acc_g._value = new_acc_g
            delta = _sqrt(acc_d._value + eps)
            delta *= g
            delta /= _sqrt(new_acc_g + eps)
            delta = -delta
            new_acc_d = rho * acc_d._value
            new_acc_d += c * (delta * delta)
            acc_d._value = new_acc_d
            var._value = var._value + lr * delta

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config


class Adamax(_BuiltinOptimizer):
    """Adamax, Adam with the infinity norm::

        m += (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        w -= learning_rate * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: defaults to 0.001.
        beta_1, beta_2: 0.9, 0.999.
        epsilon: 1e-7.
    """

    __doc__ += _COMMON_DOC

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
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
        super().__init__(**_base_args(locals()))
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def _backend_update_step(self, grads, variables, lr):
        t = self._update_count() + 1
        b1, b2, eps = float(self.beta_1), float(self.beta_2), float(self.epsilon)
        c1 = 1 - b1
        corrections = {}  # 1 - beta_1**t, by dtype
        index = self._trainable_variables_indices
        for g, var in zip(grads, variables):
            x = var._value
            correction = corrections.get(x.dtype)
            if correction is None:
                f = x.dtype.type
                correction = corrections[x.dtype] = f(1) - f(b1) ** f(t)
            i = index[id(var)]
            m_var, u_var = self._m[i], self._u[i]
            m = m_var._value
            new_m = g - m
            new_m *= c1
            new_m += m
            m_var._value = new_m
            new_u = _maximum(b2 * u_var._value, _abs(g))
            u_var._value = new_u
            denom = new_u + eps
            denom *= correction
            delta = lr * new_m
            delta /= denom
            var._value = x - delta

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Nadam(_BuiltinOptimizer):
    """Nadam (Dozat 2015): Adam with Nesterov momentum and Keras' momentum schedule::

        u_t = beta_1 * (1 - 0.5 * 0.96**t)          u_t1 = beta_1 * (1 - 0.5 * 0.96**(t + 1))
        u_product *= u_t                            (kept in a float32 variable, as Keras does)
        m += (g - m) * (1 - beta_1);  v += (g * g - v) * (1 - beta_2)
        m_hat = u_t1 * m / (1 - u_product * u_t1) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w -= m_hat * learning_rate / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: defaults to 0.001.
        beta_1, beta_2: 0.9, 0.999.
        epsilon: 1e-7.
    """

    __doc__ += _COMMON_DOC

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
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
        super().__init__(**_base_args(locals()))
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        dtype = var_list[0].dtype.name if var_list else "float32"
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype, name="u_product")

    def _backend_update_step(self, grads, variables, lr):
        t = self._update_count() + 1
        b1, b2, eps = float(self.beta_1), float(self.beta_2), float(self.epsilon)
        up = self._u_product
        fu = up._value.dtype.type
        up._value = np.asarray(up._value * b1 * (fu(1) - fu(0.5) * fu(0.96) ** fu(t)))

        def constants(f):
            step, beta_1, beta_2 = f(t), f(b1), f(b2)
            u_t = beta_1 * (f(1) - f(0.5) * f(0.96) ** step)
            u_t1 = beta_1 * (f(1) - f(0.5) * f(0.96) ** (step + f(1)))
            u_product = f(up._value)
            c_m = u_t1 / (f(1) - u_product * u_t1)
            c_g = (f(1) - u_t) / (f(1) - u_product)
            return f(1) - beta_1, f(1) - beta_2, c_m, c_g, f(1) / (f(1) - beta_2**step)

        by_dtype = {}
        index, ms, vs = self._trainable_variables_indices, self._momentums, self._velocities
        for g, var in zip(grads, variables):
            x = var._value
            k = by_dtype.get(x.dtype)
            if k is None:
                k = by_dtype[x.dtype] = constants(x.dtype.type)
            c1, c2, c_m, c_g, v_scale = k
            i = index[id(var)]
            m_var, v_var = ms[i], vs[i]
            m = m_var._value
            new_m = g - m
            new_m *= c1
            new_m += m
            m_var._value = new_m
            v = v_var._value
            new_v = g * g
            new_v -= v
            new_v *= c2
            new_v += v
            v_var._value = new_v
            m_hat = new_m * c_m
            m_hat += g * c_g
            denom = _sqrt(new_v * v_scale)
            denom += eps
            m_hat *= lr
            m_hat /= denom
            var._value = x - m_hat

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
