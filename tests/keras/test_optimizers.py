"""Optimizers and learning-rate schedules: update rules checked against Keras 3's formulas.

Each case in ``CASES`` runs a few steps on two small variables and compares the result with a
float64 NumPy reference written here from Keras 3's source (``keras/src/optimizers/*.py``), and
with real Keras when it is importable (``test_matches_real_keras``).
"""

from __future__ import annotations

import doctest
import json
import math
import warnings

import numpy as np
import pytest

import gradplay.engine as tf
from gradplay.engine.keras import optimizers
from gradplay.engine.keras.optimizers import algorithms, base, schedules

# ---------------------------------------------------------------------------------------------
# Float64 references, one function per algorithm: (hyperparameters, per-variable state, gradient,
# value, step t (1-based), learning rate, per-step shared state) -> new value. The elementwise
# math is float64; the per-step scalars Keras computes after casting a hyperparameter to the
# variable's dtype (``ops.power(ops.cast(beta_2, float32), t)``) are computed the same way here,
# in ``shared["f"]`` (float32 unless the variables are float64): in float32, ``1 - 0.999**t``
# differs from ``1 - float32(0.999)**t`` by ~1e-5 relative, and Keras' steps carry that.

DEFAULTS = {
    "SGD": dict(momentum=0.0, nesterov=False),
    "Adam": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "AdamW": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=0.004),
    "RMSprop": dict(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "Adagrad": dict(initial_accumulator_value=0.1, epsilon=1e-7),
    "Adadelta": dict(rho=0.95, epsilon=1e-7),
    "Adamax": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "Nadam": dict(beta_1=0.9, beta_2=0.999, epsilon=1e-7),
}


def ref_sgd(hp, s, g, x, t, lr, shared):
    mu = hp["momentum"]
    if mu == 0:
        return x - g * lr
    s["m"] = s.get("m", 0.0) * mu - g * lr
    if hp["nesterov"]:
        return x + (s["m"] * mu - g * lr)
    return x + s["m"]


def ref_adam(hp, s, g, x, t, lr, shared):
    b1, b2, f = hp["beta_1"], hp["beta_2"], shared["f"]
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
    s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - b2)
    v = s["v"]
    if hp["amsgrad"]:
        s["v_hat"] = v = np.maximum(s.get("v_hat", 0.0), v)
    alpha = float(f(lr) * np.sqrt(f(1) - f(b2) ** f(t)) / (f(1) - f(b1) ** f(t)))
    return x - s["m"] * alpha / (np.sqrt(v) + hp["epsilon"])


def ref_rmsprop(hp, s, g, x, t, lr, shared):
    rho = hp["rho"]
    s["vel"] = rho * s.get("vel", 0.0) + (1 - rho) * g * g
    if hp["centered"]:
        s["avg"] = rho * s.get("avg", 0.0) + (1 - rho) * g
        denominator = s["vel"] - s["avg"] ** 2 + hp["epsilon"]
    else:
        denominator = s["vel"] + hp["epsilon"]
    increment = lr * g / np.sqrt(denominator)
    if hp["momentum"] > 0:
        s["mom"] = hp["momentum"] * s.get("mom", 0.0) + increment
        return x - s["mom"]
    return x - increment


def ref_adagrad(hp, s, g, x, t, lr, shared):
    s["acc"] = s.get("acc", hp["initial_accumulator_value"]) + g * g
    return x - lr * g / np.sqrt(s["acc"] + hp["epsilon"])


def ref_adadelta(hp, s, g, x, t, lr, shared):
    rho, eps = hp["rho"], hp["epsilon"]
    s["acc_g"] = rho * s.get("acc_g", 0.0) + (1 - rho) * g * g
    delta = -np.sqrt(s.get("acc_d", 0.0) + eps) * g / np.sqrt(s["acc_g"] + eps)
    s["acc_d"] = rho * s.get("acc_d", 0.0) + (1 - rho) * delta * delta
    return x + lr * delta


def ref_adamax(hp, s, g, x, t, lr, shared):
    b1, b2, f = hp["beta_1"], hp["beta_2"], shared["f"]
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
    s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
    correction = float(f(1) - f(b1) ** f(t))
    return x - lr * s["m"] / (correction * (s["u"] + hp["epsilon"]))


def ref_nadam(hp, s, g, x, t, lr, shared):
    f = shared["f"]
    b1, b2 = f(hp["beta_1"]), f(hp["beta_2"])  # Nadam casts both betas, also in 1 - beta
    u_t = float(b1 * (f(1) - f(0.5) * f(0.96) ** f(t)))
    u_t1 = float(b1 * (f(1) - f(0.5) * f(0.96) ** f(t + 1)))
    u_product = float(shared["u_product"])  # a float32 variable, already multiplied by u_t
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * float(f(1) - b1)
    s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * float(f(1) - b2)
    m_hat = u_t1 * s["m"] / (1 - u_product * u_t1) + (1 - u_t) * g / (1 - u_product)
    v_hat = s["v"] / float(f(1) - b2 ** f(t))
    return x - m_hat * lr / (np.sqrt(v_hat) + hp["epsilon"])


RULES = {
    "SGD": ref_sgd,
    "Adam": ref_adam,
    "AdamW": ref_adam,
    "RMSprop": ref_rmsprop,
    "Adagrad": ref_adagrad,
    "Adadelta": ref_adadelta,
    "Adamax": ref_adamax,
    "Nadam": ref_nadam,
}


def reference(name, kwargs, x0s, grad_steps, lr_at=None, dtype=np.float32):
    """Keras' BaseOptimizer step in float64: clip, weight decay, update, for each step."""
    hp = {**DEFAULTS[name], **kwargs}
    # The learning rate lives in a float32 variable (Keras: floatx), so 0.1 is float32(0.1).
    lr0 = float(np.float32(kwargs.get("learning_rate", 0.01 if name == "SGD" else 0.001)))
    xs = [np.asarray(x, np.float64) for x in x0s]
    states = [{} for _ in xs]
    f = dtype
    shared = {"u_product": f(1), "f": f}
    for k, grads in enumerate(grad_steps):
        t = k + 1
        lr = lr_at(k) if lr_at else lr0
        grads = [np.asarray(g, np.float64) for g in grads]
        if hp.get("clipnorm"):
            c = hp["clipnorm"]
            grads = [g * c / max(np.sqrt(np.sum(g * g)), c) for g in grads]
        elif hp.get("global_clipnorm"):
            c = hp["global_clipnorm"]
            norm = np.sqrt(sum(np.sum(g * g) for g in grads))
            grads = [g * min(1.0, c / norm) for g in grads]
        elif hp.get("clipvalue"):
            grads = [np.clip(g, -hp["clipvalue"], hp["clipvalue"]) for g in grads]
        if hp.get("weight_decay") is not None:
            xs = [x - x * hp["weight_decay"] * lr for x in xs]
        if name == "Nadam":
            shared["u_product"] = shared["u_product"] * f(hp["beta_1"]) * (f(1) - f(0.5) * f(0.96) ** f(t))
        xs = [RULES[name](hp, s, g, x, t, lr, shared) for s, g, x in zip(states, grads, xs)]
    return xs


# ---------------------------------------------------------------------------------------------
# The cases: every optimizer, every option. lr 0.1 makes updates large enough to see, and a
# large epsilon in some cases makes its placement visible at 1e-6.

CASES = [
    ("SGD", dict(learning_rate=0.1)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(learning_rate=0.1, weight_decay=0.05)),
    ("SGD", dict(learning_rate=0.1, clipnorm=0.5)),
    ("SGD", dict(learning_rate=0.1, clipvalue=0.3)),
    ("SGD", dict(learning_rate=0.1, global_clipnorm=0.5)),
    ("Adam", dict()),
    ("Adam", dict(learning_rate=0.1)),
    ("Adam", dict(learning_rate=0.1, beta_1=0.8, beta_2=0.95, epsilon=0.05)),
    ("Adam", dict(learning_rate=0.1, amsgrad=True)),
    ("Adam", dict(learning_rate=0.1, amsgrad=True, epsilon=0.05, beta_2=0.9)),
    ("Adam", dict(learning_rate=0.1, weight_decay=0.1)),
    ("Adam", dict(learning_rate=0.1, clipnorm=0.5)),
    ("Adam", dict(learning_rate=0.1, clipvalue=0.3)),
    ("Adam", dict(learning_rate=0.1, global_clipnorm=0.5)),
    ("AdamW", dict(learning_rate=0.1)),
    ("AdamW", dict(learning_rate=0.1, weight_decay=0.2, amsgrad=True)),
    ("RMSprop", dict(learning_rate=0.1)),
    ("RMSprop", dict(learning_rate=0.1, rho=0.8, epsilon=0.05)),
    ("RMSprop", dict(learning_rate=0.1, momentum=0.9)),
    ("RMSprop", dict(learning_rate=0.1, centered=True)),
    ("RMSprop", dict(learning_rate=0.1, centered=True, momentum=0.5, epsilon=0.05)),
    ("RMSprop", dict(learning_rate=0.1, clipnorm=0.5)),
    ("Adagrad", dict(learning_rate=0.1)),
    ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=0.05)),
    ("Adagrad", dict(learning_rate=0.1, global_clipnorm=0.5)),
    ("Adadelta", dict(learning_rate=1.0)),
    ("Adadelta", dict(learning_rate=1.0, rho=0.8, epsilon=1e-3)),
    ("Adadelta", dict(learning_rate=0.5, clipvalue=0.3)),
    ("Adamax", dict(learning_rate=0.1)),
    ("Adamax", dict(learning_rate=0.1, beta_1=0.8, beta_2=0.9, epsilon=0.05)),
    ("Adamax", dict(learning_rate=0.1, weight_decay=0.1)),
    ("Nadam", dict()),
    ("Nadam", dict(learning_rate=0.1)),
    ("Nadam", dict(learning_rate=0.1, beta_1=0.8, beta_2=0.95, epsilon=0.05)),
    ("Nadam", dict(learning_rate=0.1, clipnorm=0.5)),
]
STEPS = 5


def case_id(case):
    name, kwargs = case
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def make_data(seed=0, shapes=((3, 4), (4,)), steps=STEPS):
    rng = np.random.default_rng(seed)
    # Values away from 0 so that a relative tolerance is meaningful.
    x0s = [(rng.uniform(0.5, 1.5, s) * rng.choice([-1, 1], s)).astype(np.float32) for s in shapes]
    grads = [[rng.normal(0.0, 0.5, s).astype(np.float32) for s in shapes] for _ in range(steps)]
    return x0s, grads


def run_gradplay(name, kwargs, x0s, grad_steps):
    opt = getattr(optimizers, name)(**kwargs)
    variables = [tf.Variable(x) for x in x0s]
    for grads in grad_steps:
        opt.apply_gradients(zip([tf.constant(g) for g in grads], variables))
    return opt, variables


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_update_rule_matches_keras_formula(case):
    name, kwargs = case
    x0s, grad_steps = make_data()
    opt, variables = run_gradplay(name, kwargs, x0s, grad_steps)
    expected = reference(name, kwargs, x0s, grad_steps)
    for v, e in zip(variables, expected):
        assert v.dtype == tf.float32
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-6, atol=1e-7)
    assert int(opt.iterations) == STEPS


def test_every_optimizer_and_option_is_covered():
    assert (
        {name for name, _ in CASES} == set(DEFAULTS) == {cls.__name__ for cls in optimizers.ALL_OBJECTS_DICT.values()}
    )
    options = {k for _, kwargs in CASES for k in kwargs}
    assert {"momentum", "nesterov", "amsgrad", "centered", "weight_decay"} <= options
    assert {"clipnorm", "clipvalue", "global_clipnorm"} <= options


def test_learning_rate_schedule_drives_steps():
    sched = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    x0s, grad_steps = make_data(1)
    for name in ("SGD", "Adam"):
        kwargs = dict(momentum=0.9) if name == "SGD" else {}
        _, variables = run_gradplay(name, dict(kwargs, learning_rate=sched), x0s, grad_steps)
        expected = reference(name, kwargs, x0s, grad_steps, lr_at=lambda k: float(np.float32(0.1 * 0.5 ** (k / 2))))
        for v, e in zip(variables, expected):
            np.testing.assert_allclose(v.numpy(), e, rtol=1e-6, atol=1e-7)


def test_callable_learning_rate():
    x0s, grad_steps = make_data(2)
    _, variables = run_gradplay("Adam", dict(learning_rate=lambda: 0.05), x0s, grad_steps)
    for v, e in zip(variables, reference("Adam", dict(learning_rate=0.05), x0s, grad_steps)):
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-6, atol=1e-7)


def test_scalar_variable_like_the_linear_regression_tutorial():
    # tf.Variable(0.0) weights: 0-d buffers must stay usable after updates.
    for name in ("SGD", "Adam", "RMSprop", "Nadam"):
        w, b = tf.Variable(0.5), tf.Variable(-0.5)
        opt = getattr(optimizers, name)(learning_rate=0.1)
        grads = [[np.float32(0.3 * k - 0.4), np.float32(0.2)] for k in range(4)]
        for g in grads:
            opt.apply_gradients(zip([tf.constant(x) for x in g], [w, b]))
        expected = reference(name, dict(learning_rate=0.1), [np.float32(0.5), np.float32(-0.5)], grads)
        np.testing.assert_allclose([float(w), float(b)], [float(e) for e in expected], rtol=1e-6)
        assert w.shape == () and "numpy=" in repr(w) and float(w * 2.0) == pytest.approx(2 * float(w))


def test_float64_variables_update_in_float64():
    x0s, grad_steps = make_data(3)
    opt = optimizers.Adam(learning_rate=0.1)
    variables = [tf.Variable(x.astype(np.float64)) for x in x0s]
    for grads in grad_steps:
        opt.apply_gradients(zip([tf.constant(g.astype(np.float64)) for g in grads], variables))
    for v, e in zip(variables, reference("Adam", dict(learning_rate=0.1), x0s, grad_steps, dtype=np.float64)):
        assert v.dtype == tf.float64
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-12)
    assert all(s.dtype == tf.float64 for s in opt.variables[2:])


def test_gradient_accumulation_updates_every_n_steps():
    x0s, grad_steps = make_data(4, steps=6)
    opt, variables = run_gradplay("Adam", dict(learning_rate=0.1, gradient_accumulation_steps=3), x0s, grad_steps)
    means = [[(a + b + c) / 3 for a, b, c in zip(*grad_steps[i : i + 3])] for i in (0, 3)]
    for v, e in zip(variables, reference("Adam", dict(learning_rate=0.1), x0s, means)):
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-6, atol=1e-7)
    assert int(opt.iterations) == 2 and int(opt._iterations) == 6
    # Between updates the variables do not move.
    opt2, variables2 = run_gradplay("SGD", dict(learning_rate=0.1, gradient_accumulation_steps=2), x0s, grad_steps[:1])
    np.testing.assert_array_equal(variables2[0].numpy(), x0s[0])


def test_ema_keeps_a_moving_average_and_finalize_copies_it():
    x0s, grad_steps = make_data(5, steps=4)
    opt, variables = run_gradplay("SGD", dict(learning_rate=0.1, use_ema=True, ema_momentum=0.5), x0s, grad_steps)
    average = None
    for k in range(1, 5):
        x = reference("SGD", dict(learning_rate=0.1), x0s, grad_steps[:k])[0]
        average = x if average is None else 0.5 * average + 0.5 * x
    np.testing.assert_allclose(opt._model_variables_moving_average[0].numpy(), average, rtol=1e-6)
    opt.finalize_variable_values(variables)
    np.testing.assert_allclose(variables[0].numpy(), average, rtol=1e-6)
    # ema_overwrite_frequency=2: the weights take the average every second step.
    kwargs = dict(learning_rate=0.1, use_ema=True, ema_overwrite_frequency=2)
    opt, variables = run_gradplay("SGD", kwargs, x0s, grad_steps[:2])
    np.testing.assert_array_equal(variables[0].numpy(), opt._model_variables_moving_average[0].numpy())


def test_loss_scale_factor_divides_gradients():
    x0s, grad_steps = make_data(6)
    scaled = [[g * 8 for g in grads] for grads in grad_steps]
    opt, variables = run_gradplay("SGD", dict(learning_rate=0.1, loss_scale_factor=8.0), x0s, scaled)
    for v, e in zip(variables, reference("SGD", dict(learning_rate=0.1), x0s, grad_steps)):
        np.testing.assert_allclose(v.numpy(), e, rtol=1e-6, atol=1e-7)
    assert float(opt.scale_loss(tf.constant(2.0))) == 16.0


def test_exclude_from_weight_decay():
    x0s, grad_steps = make_data(7)
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    kernel, bias = tf.Variable(x0s[0], name="kernel"), tf.Variable(x0s[1], name="bias")
    opt.exclude_from_weight_decay(var_names=["bias"])
    for grads in grad_steps:
        opt.apply_gradients(zip([tf.constant(g) for g in grads], [kernel, bias]))
    decayed = reference("AdamW", dict(learning_rate=0.1, weight_decay=0.5), x0s, grad_steps)
    plain = reference("Adam", dict(learning_rate=0.1), x0s, grad_steps)
    np.testing.assert_allclose(kernel.numpy(), decayed[0], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), plain[1], rtol=1e-6)
    opt = optimizers.SGD(weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[kernel])
    before = kernel.numpy()
    opt.apply_gradients([(tf.zeros_like(kernel), kernel), (tf.zeros_like(bias), bias)])
    np.testing.assert_array_equal(kernel.numpy(), before)


def test_none_gradients_are_skipped_and_all_none_is_an_error():
    w, b = tf.Variable([1.0, 2.0], name="w"), tf.Variable(3.0, name="b")
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b'\]"):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), w), (None, b)])
    assert w.numpy().tolist() == [0.5, 1.5] and float(b) == 3.0
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, w), (None, b)])


def test_apply_without_variables_uses_the_built_list():
    w = tf.Variable([1.0, 2.0])
    opt = optimizers.SGD(learning_rate=0.5)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([tf.constant([1.0, 1.0])])
    opt.build([w])
    opt.apply([tf.constant([1.0, 1.0])])
    assert w.numpy().tolist() == [0.5, 1.5]
    with pytest.raises(ValueError, match="one-to-one"):
        opt.apply([tf.constant([1.0, 1.0]), tf.constant(1.0)])


def test_errors_name_the_problem():
    w = tf.Variable([1.0, 2.0])
    opt = optimizers.Adam()
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(tf.constant(1.0), tf.Variable(1.0))])
    with pytest.raises(ValueError, match=r"Gradient shape \(3,\) does not match the shape \(2,\)"):
        opt.apply_gradients([(tf.constant([1.0, 1.0, 1.0]), w)])
    with pytest.raises(TypeError, match="floating-point"):
        optimizers.SGD().apply_gradients([(tf.constant(1), tf.Variable(1))])
    with pytest.raises(ValueError, match="Only one of `clipnorm`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match=r"momentum=1.5"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay=None"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match=r"not recognized: \{'betas'"):
        optimizers.Adam(betas=(0.9, 0.99))
    with pytest.raises(ValueError, match="gradient_accumulation_steps=1"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="ema_momentum=2"):
        optimizers.Adam(use_ema=True, ema_momentum=2)


@pytest.mark.parametrize("bad", [-0.1, -1, float("nan")])
def test_negative_learning_rate_is_refused_with_the_value(bad):
    with pytest.raises(ValueError, match=f"learning_rate={bad}"):
        optimizers.Adam(learning_rate=bad)
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match=f"learning_rate={bad}"):
        opt.learning_rate = bad
    assert float(opt.learning_rate) == pytest.approx(0.01)


def test_learning_rate_must_be_a_number_or_schedule():
    with pytest.raises(ValueError, match="Received instead: learning_rate='fast'"):
        optimizers.SGD(learning_rate="fast")
    assert float(optimizers.SGD(learning_rate=1).learning_rate) == 1.0
    assert float(optimizers.SGD(learning_rate=np.float32(0.5)).learning_rate) == 0.5


def test_learning_rate_setter_and_lr_alias():
    w = tf.Variable([1.0])
    opt = optimizers.SGD(learning_rate=0.1)
    lr_var = opt.learning_rate
    assert isinstance(lr_var, tf.Variable) and not lr_var.trainable and lr_var.dtype == tf.float32
    assert opt.lr is lr_var
    opt.learning_rate = 0.5
    assert opt.learning_rate is lr_var and float(lr_var) == 0.5
    opt.lr = 0.25
    assert float(opt.learning_rate) == 0.25
    opt.lr.assign(0.125)  # what tf.keras.backend.set_value(model.optimizer.lr, x) does
    opt.apply_gradients([(tf.constant([1.0]), w)])
    assert w.numpy().tolist() == [0.875]
    # A schedule replaces the variable (which leaves `variables`), and is then not settable.
    sched = schedules.InverseTimeDecay(1.0, decay_steps=1, decay_rate=1.0)
    opt.learning_rate = sched
    assert lr_var not in opt.variables
    assert float(opt.learning_rate) == pytest.approx(1 / 2)  # evaluated at iterations == 1
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    with pytest.warns(UserWarning, match="`lr` argument is deprecated"):
        old = optimizers.Adam(lr=0.02)
    assert float(old.learning_rate) == pytest.approx(0.02)


def test_variables_iterations_and_slot_names():
    kernel = tf.Variable(np.ones((2, 3), np.float32), name="kernel")
    kernel._path = "dense/kernel"
    bias = tf.Variable(np.zeros(3, np.float32), name="bias")
    bias._path = "dense/bias"
    opt = optimizers.Adam()
    assert opt.iterations.dtype == tf.int64 and not opt.iterations.trainable and int(opt.iterations) == 0
    opt.apply_gradients([(tf.ones_like(kernel), kernel), (tf.ones_like(bias), bias)])
    assert [v.path for v in opt.variables] == [
        "adam/iteration",
        "adam/learning_rate",
        "adam/dense_kernel_momentum",
        "adam/dense_bias_momentum",
        "adam/dense_kernel_velocity",
        "adam/dense_bias_velocity",
    ]
    assert all(not v.trainable for v in opt.variables)
    assert opt.variables[2].shape == (2, 3)
    assert len(optimizers.SGD(momentum=0.5).variables) == 2  # slots come with the first apply (build)
    nadam = optimizers.Nadam()
    nadam.apply_gradients([(tf.ones_like(bias), bias)])
    assert [v.path for v in nadam.variables][-1] == "nadam/u_product"
    # Keras 3.15's default names (its to_snake_case of the class name).
    names = [cls().name for cls in optimizers.ALL_OBJECTS_DICT.values()]
    assert names == "sgd adam adam_w rm_sprop adagrad adadelta adamax nadam".split()


def test_updates_rebind_buffers_and_record_nothing():
    w = tf.Variable([1.0, 2.0])
    read_before = w.read_value()
    buffer_before = w._value
    opt = optimizers.Adam(learning_rate=0.1)
    with tf.GradientTape(persistent=True) as tape:
        opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    assert tape.watched_variables() == () and tape._ops == []
    assert buffer_before.tolist() == [1.0, 2.0] and read_before.numpy().tolist() == [1.0, 2.0]
    assert w._value is not buffer_before and w.numpy()[0] < 1.0


def test_minimize_and_update_step():
    w = tf.Variable(3.0)
    opt = optimizers.SGD(learning_rate=0.25)
    opt.minimize(lambda: w * w, [w])  # d/dw = 6
    assert float(w) == pytest.approx(1.5)
    with tf.GradientTape() as tape:
        loss = w * w
    opt.minimize(loss, [w], tape=tape)
    assert float(w) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(w * w, [w])
    opt.update_step(tf.constant(1.0), w, 0.5)
    assert float(w) == pytest.approx(0.25)


def test_keras_style_subclass_with_update_step():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self.counts = self.add_optimizer_variables(var_list, "count")

        def update_step(self, gradient, variable, learning_rate):
            count = self.counts[self._get_variable_index(variable)]
            self.assign_add(count, tf.ones_like(count))
            self.assign_sub(variable, tf.sign(gradient) * learning_rate)

    w = tf.Variable([1.0, -1.0])
    opt = SignSGD()
    assert opt.name == "sign_sgd"
    with tf.GradientTape() as tape:
        opt.apply_gradients([(tf.constant([0.3, -2.0]), w)])
    assert tape._ops == []
    np.testing.assert_allclose(w.numpy(), [0.9, -0.9], rtol=1e-6)
    assert opt.counts[0].numpy().tolist() == [1.0, 1.0]
    config = optimizers.serialize(opt)
    assert config["registered_name"] == "SignSGD"
    assert isinstance(optimizers.deserialize(config, custom_objects={"SignSGD": SignSGD}), SignSGD)


# ---------------------------------------------------------------------------------------------
# get / serialize / deserialize


@pytest.mark.parametrize("name", list(optimizers.ALL_OBJECTS_DICT))
def test_get_by_name_and_config_round_trip(name):
    cls = optimizers.ALL_OBJECTS_DICT[name]
    for spelled in (name, name.upper(), cls.__name__):
        assert type(optimizers.get(spelled)) is cls
    opt = cls(learning_rate=0.05, clipnorm=1.5)
    config = optimizers.serialize(opt)
    assert config["module"] == "keras.optimizers" and config["class_name"] == cls.__name__
    assert config["registered_name"] is None
    assert config["config"]["learning_rate"] == float(np.float32(0.05))  # as Keras writes it
    again = optimizers.deserialize(json.loads(json.dumps(config)))
    assert type(again) is cls and again.get_config() == opt.get_config()
    assert optimizers.get(config).get_config() == opt.get_config()
    assert type(cls.from_config(opt.get_config())) is cls


def test_get_passes_instances_and_refuses_unknown_ids():
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt and optimizers.get(None) is None
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'.*'sgd', 'adam', 'adamw', 'rmsprop'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 42"):
        optimizers.get(42)
    with pytest.raises(ValueError, match="Unknown optimizer: 'Ftrl'"):
        optimizers.deserialize({"class_name": "Ftrl", "config": {}})


def test_config_keys_and_keras_written_config():
    config = optimizers.Adam().get_config()
    assert list(config) == [
        "name",
        "learning_rate",
        "weight_decay",
        "clipnorm",
        "global_clipnorm",
        "clipvalue",
        "use_ema",
        "ema_momentum",
        "ema_overwrite_frequency",
        "loss_scale_factor",
        "gradient_accumulation_steps",
        "beta_1",
        "beta_2",
        "epsilon",
        "amsgrad",
    ]
    # As Keras 3 writes it into a .keras file's compile_config.
    keras_written = {
        "module": "keras.optimizers",
        "class_name": "Adam",
        "config": {**config, "learning_rate": 0.0010000000474974513, "amsgrad": True},
        "registered_name": None,
    }
    opt = optimizers.deserialize(keras_written)
    assert opt.amsgrad and float(opt.learning_rate) == pytest.approx(0.001)


def test_schedule_in_optimizer_config_round_trips():
    sched = schedules.CosineDecay(0.0, 100, alpha=0.1, warmup_target=0.1, warmup_steps=10)
    opt = optimizers.SGD(learning_rate=sched, momentum=0.9)
    config = json.loads(json.dumps(optimizers.serialize(opt)))
    assert config["config"]["learning_rate"]["class_name"] == "CosineDecay"
    again = optimizers.deserialize(config)
    assert isinstance(again._learning_rate, schedules.CosineDecay)
    assert again._learning_rate.get_config() == sched.get_config()


# ---------------------------------------------------------------------------------------------
# Schedules against closed forms

STEP_POINTS = [0, 1, 4, 5, 9, 10, 11, 15, 20, 21, 37, 100]


def cosine_restarts(step, initial, first, t_mul, m_mul, alpha):
    fraction = step / first
    if t_mul == 1:
        i = math.floor(fraction)
        fraction -= i
    else:
        i = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
        fraction = (fraction - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i
    return initial * ((1 - alpha) * 0.5 * m_mul**i * (1 + math.cos(math.pi * fraction)) + alpha)


def warmup_cosine(s, initial, decay_steps, alpha, target, warmup):
    s = min(s, decay_steps + warmup)
    if s < warmup:
        return (target - initial) * s / warmup + initial
    return target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * (s - warmup) / decay_steps)) + alpha)


SCHEDULES = [
    (schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 10)),
    (
        schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
        lambda s: 1.0 if s <= 10 else 0.5 if s <= 20 else 0.1,
    ),
    (schedules.PolynomialDecay(0.1, 10), lambda s: (0.1 - 0.0001) * (1 - min(s, 10) / 10) + 0.0001),
    (
        schedules.PolynomialDecay(0.1, 10, 0.01, power=2.0),
        lambda s: (0.1 - 0.01) * (1 - min(s, 10) / 10) ** 2 + 0.01,
    ),
    (
        schedules.PolynomialDecay(0.1, 10, 0.01, power=0.5, cycle=True),
        lambda s: (0.1 - 0.01) * (1 - s / (10 * max(1, math.ceil(s / 10)))) ** 0.5 + 0.01,
    ),
    (schedules.InverseTimeDecay(0.1, 10, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 10)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 / (1 + 0.5 * (s // 10))),
    (schedules.CosineDecay(0.1, 20), lambda s: 0.1 * 0.5 * (1 + math.cos(math.pi * min(s, 20) / 20))),
    (
        schedules.CosineDecay(0.1, 20, alpha=0.2),
        lambda s: 0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(s, 20) / 20)) + 0.2),
    ),
    (
        schedules.CosineDecay(0.0, 20, warmup_target=0.1, warmup_steps=5),
        lambda s: warmup_cosine(s, 0.0, 20, 0.0, 0.1, 5),
    ),
    (
        schedules.CosineDecay(0.01, 20, alpha=0.1, warmup_target=0.1, warmup_steps=10),
        lambda s: warmup_cosine(s, 0.01, 20, 0.1, 0.1, 10),
    ),
    (schedules.CosineDecayRestarts(0.1, 10), lambda s: cosine_restarts(s, 0.1, 10, 2.0, 1.0, 0.0)),
    (
        schedules.CosineDecayRestarts(0.1, 10, t_mul=1.0, m_mul=0.5, alpha=0.1),
        lambda s: cosine_restarts(s, 0.1, 10, 1.0, 0.5, 0.1),
    ),
]


@pytest.mark.parametrize("sched, closed_form", SCHEDULES, ids=lambda x: type(x).__name__ if not callable(x) else "")
def test_schedule_values_match_closed_forms(sched, closed_form):
    for step in STEP_POINTS:
        value = sched(step)
        assert isinstance(value, tf.Tensor) and value.dtype == tf.float32 and value.shape == ()
        np.testing.assert_allclose(float(value), closed_form(step), rtol=1e-6, atol=1e-9, err_msg=f"step={step}")
    # Steps given as the optimizer's int64 variable or a tensor give the same values.
    assert float(sched(tf.Variable(np.int64(11)))) == float(sched(11)) == float(sched(tf.constant(11)))


@pytest.mark.parametrize("sched", [s for s, _ in SCHEDULES], ids=lambda s: type(s).__name__)
def test_schedule_serialize_round_trip(sched):
    config = schedules.serialize(sched)
    assert config["module"] == "keras.optimizers.schedules" and config["class_name"] == type(sched).__name__
    again = schedules.deserialize(json.loads(json.dumps(config)))
    assert type(again) is type(sched) and again.get_config() == sched.get_config()
    assert float(again(7)) == float(sched(7))


def test_schedule_errors():
    with pytest.raises(ValueError, match="decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="boundaries should be 1 less"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'Warp'"):
        schedules.deserialize({"class_name": "Warp", "config": {}})
    with pytest.raises(NotImplementedError, match="must override"):
        schedules.LearningRateSchedule()(0)


def test_docstring_examples_run():
    for module in (optimizers, base, algorithms, schedules):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__


# ---------------------------------------------------------------------------------------------
# Real Keras, when installed: the same steps from the same initial values.


def _keras():
    keras = pytest.importorskip("keras")
    return keras


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matches_real_keras(case):
    keras = _keras()
    name, kwargs = case
    x0s, grad_steps = make_data()
    _, variables = run_gradplay(name, kwargs, x0s, grad_steps)
    opt = getattr(keras.optimizers, name)(**kwargs)
    kvars = [keras.Variable(x) for x in x0s]
    for grads in grad_steps:
        opt.apply_gradients(zip([np.asarray(g) for g in grads], kvars))
    for v, k in zip(variables, kvars):
        np.testing.assert_allclose(v.numpy(), np.asarray(k.numpy()), rtol=1e-6, atol=1e-7)


def test_matches_real_keras_schedules_ema_and_accumulation():
    keras = _keras()
    for sched, _ in SCHEDULES:
        ksched = keras.optimizers.schedules.deserialize(schedules.serialize(sched))
        for step in STEP_POINTS:
            np.testing.assert_allclose(float(sched(step)), float(ksched(step)), rtol=1e-6, atol=1e-9)
    x0s, grad_steps = make_data(8, steps=6)
    for name, kwargs in [
        ("Adam", dict(learning_rate=0.1, gradient_accumulation_steps=2)),
        ("SGD", dict(learning_rate=0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3)),
        ("Nadam", dict(learning_rate=schedules.ExponentialDecay(0.1, 2, 0.5))),
    ]:
        _, variables = run_gradplay(name, kwargs, x0s, grad_steps)
        kkwargs = dict(kwargs)
        if isinstance(kwargs["learning_rate"], schedules.LearningRateSchedule):
            kkwargs["learning_rate"] = keras.optimizers.schedules.deserialize(
                schedules.serialize(kwargs["learning_rate"])
            )
        opt = getattr(keras.optimizers, name)(**kkwargs)
        kvars = [keras.Variable(x) for x in x0s]
        for grads in grad_steps:
            opt.apply_gradients(zip([np.asarray(g) for g in grads], kvars))
        for v, k in zip(variables, kvars):
            np.testing.assert_allclose(v.numpy(), np.asarray(k.numpy()), rtol=1e-6, atol=1e-7, err_msg=name)
    # Configs are interchangeable both ways.
    for name in optimizers.ALL_OBJECTS_DICT:
        ours = optimizers.get(name)
        theirs = keras.optimizers.get(name)
        ours_config, theirs_config = optimizers.serialize(ours)["config"], keras.optimizers.serialize(theirs)["config"]
        assert theirs_config.pop("name").startswith(ours_config.pop("name"))  # Keras adds _1, _2, ...
        assert ours_config == theirs_config
        assert type(keras.optimizers.deserialize(optimizers.serialize(ours))).__name__ == type(ours).__name__


def test_no_warnings_in_a_plain_step():
    w = tf.Variable([1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam().apply_gradients([(tf.constant([1.0]), w)])
