# Tutorial 02 - automatic differentiation. Source of notebooks/{en,zh-CN}/02_autodiff.ipynb.
# %% [markdown:en]
# # 02 · Automatic differentiation with `GradientTape`
#
# Training a network means nudging its parameters in the direction that lowers the loss, and that
# direction is given by the **gradient**. Computing gradients by hand is tedious and error-prone;
# `tf.GradientTape` does it for you. While the tape is open it *records* every operation; afterwards
# `tape.gradient(target, sources)` plays the recording backwards (back-propagation) and returns
# d target / d source for each source.
# %% [markdown:zh-CN]
# # 02 · 用 `GradientTape` 自动求导
#
# 训练网络就是沿着让损失下降的方向微调参数,而这个方向由**梯度**给出。手工求梯度既繁琐又容易出错,
# `tf.GradientTape`(梯度带)替你完成。梯度带打开期间会*记录*每一个运算;之后
# `tape.gradient(target, sources)` 倒着“回放”这段记录(反向传播),返回 target 对每个 source 的导数。
# %%
import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
# %% [markdown:en]
# ## A first derivative
#
# For $y = x^2 + 3x + 1$ the derivative is $dy/dx = 2x + 3$, so at $x = 2$ we expect $y = 11$ and a
# gradient of $7$. Variables are watched automatically.
# %% [markdown:zh-CN]
# ## 第一个导数
#
# 对 $y = x^2 + 3x + 1$,导数是 $dy/dx = 2x + 3$,所以在 $x = 2$ 处应得到 $y = 11$、梯度 $7$。
# 变量会被自动“监视”。
# %%
x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = x ** 2 + 3 * x + 1
gradient = tape.gradient(y, x)
print("y =", y.numpy(), " dy/dx =", gradient.numpy())
assert float(y) == 11.0 and float(gradient) == 7.0
# %% [markdown:en]
# ## Several variables, and `tf.function`
#
# Pass a list of sources to get a list of gradients. For $z = x^2 + y^3 + xy$:
# $\partial z/\partial x = 2x + y$ and $\partial z/\partial y = 3y^2 + x$.
# `@tf.function` marks a Python function as a graph function in TensorFlow (faster, exportable);
# in gradplay it runs the same Python code, so results are identical.
# %% [markdown:zh-CN]
# ## 多个变量,以及 `tf.function`
#
# 传入一个 source 列表,就得到一个梯度列表。对 $z = x^2 + y^3 + xy$:
# $\partial z/\partial x = 2x + y$,$\partial z/\partial y = 3y^2 + x$。
# `@tf.function` 在 TensorFlow 中把 Python 函数变成计算图函数(更快、可导出);
# 在 gradplay 中它运行同样的 Python 代码,结果完全相同。
# %%
@tf.function
def multi_var_gradient(x, y):
    with tf.GradientTape() as tape:
        z = x ** 2 + y ** 3 + x * y
    gradients = tape.gradient(z, [x, y])
    return z, gradients


x = tf.Variable(1.0)
y = tf.Variable(2.0)
z, grads = multi_var_gradient(x, y)
print(f"z = {z.numpy()}, dz/dx = {grads[0].numpy()}, dz/dy = {grads[1].numpy()}")
assert [float(g) for g in grads] == [4.0, 13.0]
# %% [markdown:en]
# ## Watching constants
#
# By default the tape only tracks trainable `Variable`s. To differentiate with respect to a constant
# tensor (an input image, for example), call `tape.watch` on it first.
# %% [markdown:zh-CN]
# ## 监视常量
#
# 默认情况下梯度带只跟踪可训练的 `Variable`。若要对常量张量(比如输入图像)求导,先对它调用 `tape.watch`。
# %%
c = tf.constant(3.0)
with tf.GradientTape() as tape:
    out = c ** 2
print("without watch:", tape.gradient(out, c))
with tf.GradientTape() as tape:
    tape.watch(c)
    out = c ** 2
print("with watch:   ", tape.gradient(out, c).numpy())
# %% [markdown:en]
# ## A whole curve of derivatives
#
# The tape works on whole tensors at once: the gradient of `sum(f(x))` with respect to a vector `x`
# is the vector of derivatives $f'(x_i)$. Let us check $\frac{d}{dx}\sin x = \cos x$ and look at the
# derivative of the sigmoid, which is at most 1/4: this is why deep sigmoid networks suffer from
# *vanishing gradients*.
# %% [markdown:zh-CN]
# ## 一整条导数曲线
#
# 梯度带一次处理整个张量:`sum(f(x))` 对向量 `x` 的梯度就是每个点的导数 $f'(x_i)$。
# 我们来验证 $\frac{d}{dx}\sin x = \cos x$,并看看 sigmoid 的导数——它最大只有 1/4,
# 这就是深层 sigmoid 网络会出现*梯度消失*的原因。
# %%
xs = tf.Variable(tf.linspace(-6.0, 6.0, 241))
with tf.GradientTape(persistent=True) as tape:  # persistent: we ask for two gradients
    sin_sum = tf.reduce_sum(tf.sin(xs))
    sig_sum = tf.reduce_sum(tf.sigmoid(xs))
d_sin = tape.gradient(sin_sum, xs)
d_sig = tape.gradient(sig_sum, xs)
del tape
np.testing.assert_allclose(d_sin.numpy(), np.cos(xs.numpy()), atol=1e-5)
print("max of sigmoid'(x):", float(tf.reduce_max(d_sig)))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(xs.numpy(), np.sin(xs.numpy()), label="sin x")
axes[0].plot(xs.numpy(), d_sin.numpy(), "--", label="tape gradient")
axes[0].legend()
axes[0].set_title("d/dx sin x = cos x")
axes[1].plot(xs.numpy(), tf.sigmoid(xs).numpy(), label="sigmoid(x)")
axes[1].plot(xs.numpy(), d_sig.numpy(), "--", label="its gradient")
axes[1].legend()
axes[1].set_title("the sigmoid's slope is at most 0.25")
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## Higher-order derivatives: position, speed, acceleration
#
# Tapes can be nested: the gradient computed inside an outer tape is itself recorded, so the outer
# tape can differentiate it again. A falling object's position is $p(t) = 4.9\,t^2$; its speed is
# $p'(t) = 9.8\,t$ and its acceleration $p''(t) = 9.8$.
# %% [markdown:zh-CN]
# ## 高阶导数:位置、速度、加速度
#
# 梯度带可以嵌套:在外层梯度带内计算的梯度本身也被记录,所以外层梯度带可以再求一次导。
# 自由落体的位置是 $p(t) = 4.9\,t^2$;速度是 $p'(t) = 9.8\,t$,加速度是 $p''(t) = 9.8$。
# %%
time = tf.Variable(2.0)
with tf.GradientTape() as outer_tape:
    with tf.GradientTape() as inner_tape:
        position = 4.9 * time ** 2
    speed = inner_tape.gradient(position, time)
acceleration = outer_tape.gradient(speed, time)
print(f"position {position.numpy():.1f} m, speed {speed.numpy():.1f} m/s, acceleration {acceleration.numpy():.1f} m/s²")
np.testing.assert_allclose([float(speed), float(acceleration)], [19.6, 9.8], rtol=1e-6)
# %% [markdown:en]
# The same trick gives the third derivative and beyond. For $f(x) = x^4$: $f' = 4x^3$, $f'' = 12x^2$,
# $f''' = 24x$.
# %% [markdown:zh-CN]
# 同样的方法可以求三阶甚至更高阶导数。对 $f(x) = x^4$:$f' = 4x^3$,$f'' = 12x^2$,$f''' = 24x$。
# %%
x = tf.Variable(1.5)
with tf.GradientTape() as t3:
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            f = x ** 4
        d1 = t1.gradient(f, x)
    d2 = t2.gradient(d1, x)
d3 = t3.gradient(d2, x)
print("f' =", d1.numpy(), " f'' =", d2.numpy(), " f''' =", d3.numpy())
np.testing.assert_allclose([float(d1), float(d2), float(d3)], [4 * 1.5**3, 12 * 1.5**2, 24 * 1.5], rtol=1e-6)
# %% [markdown:en]
# ## Checking a gradient numerically
#
# A good habit when you write your own model: compare the tape's gradient with a *finite difference*
# $\frac{f(x+h) - f(x-h)}{2h}$.
# %% [markdown:zh-CN]
# ## 数值检验梯度
#
# 编写自己的模型时有个好习惯:把梯度带给出的梯度与*有限差分* $\frac{f(x+h) - f(x-h)}{2h}$ 做比较。
# %%
def f(w):
    return tf.reduce_sum(tf.tanh(w) * w ** 2)


w = tf.Variable([0.3, -1.2, 2.0])
with tf.GradientTape() as tape:
    value = f(w)
analytic = tape.gradient(value, w).numpy()
h = 1e-2
numeric = [(float(f(w + h * e)) - float(f(w - h * e))) / (2 * h) for e in np.eye(3, dtype=np.float32)]
print("tape:   ", analytic)
print("numeric:", np.array(numeric))
np.testing.assert_allclose(analytic, numeric, rtol=1e-2, atol=1e-3)
# %% [markdown:en]
# ## Exercise
#
# 1. Use a tape to find the slope of $f(x) = e^{-x^2}$ at $x = 0.5$ and compare it with $-2x e^{-x^2}$.
# 2. With two nested tapes, compute the second derivative of $\tanh$ on `tf.linspace(-3., 3., 100)`
#    and plot it. Where is it zero?
# 3. What does `tape.gradient` return for a variable that the target does not depend on?
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 用梯度带求 $f(x) = e^{-x^2}$ 在 $x = 0.5$ 处的斜率,并与 $-2x e^{-x^2}$ 比较。
# 2. 用两层嵌套的梯度带,在 `tf.linspace(-3., 3., 100)` 上计算 $\tanh$ 的二阶导数并画出来。它在哪里为零?
# 3. 如果 target 不依赖某个变量,`tape.gradient` 对这个变量返回什么?
