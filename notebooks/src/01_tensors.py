# Tutorial 01 - tensors and operations. Source of notebooks/en/01_tensors.ipynb and notebooks/zh-CN/01_tensors.ipynb.
# %% [markdown:en]
# # 01 · Tensors and operations
#
# Everything a neural network computes is made of **tensors**: multi-dimensional arrays with a
# *shape* and a *data type* (dtype). In this course we use **gradplay**, a small teaching engine that
# speaks TensorFlow 2's language. The only difference from the TensorFlow tutorials you will find online
# is the first line:
#
# ```python
# import gradplay.engine as tf   # instead of: import tensorflow as tf
# ```
#
# In this notebook you will create tensors, look at their rank, shape and dtype, do arithmetic with
# them, and meet `tf.Variable`, the mutable tensor that holds a model's parameters.
# %% [markdown:zh-CN]
# # 01 · 张量与运算
#
# 神经网络计算的一切都由**张量**(Tensor)构成:带有*形状*(shape)和*数据类型*(dtype)的多维数组。
# 本课程使用 **gradplay**——一个采用 TensorFlow 2 接口的教学引擎。与网上的 TensorFlow 教程相比,
# 唯一的区别是第一行:
#
# ```python
# import gradplay.engine as tf   # 代替 import tensorflow as tf
# ```
#
# 在本笔记本中,你将创建张量,查看它们的阶(rank)、形状和数据类型,用它们做运算,
# 并认识 `tf.Variable`——保存模型参数的可变张量。
# %%
import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf

tf.keras.utils.set_random_seed(0)  # the same "random" numbers every time the notebook runs
# %% [markdown:en]
# ## Constants: rank, shape and dtype
#
# `tf.constant` turns Python numbers, lists or NumPy arrays into a tensor. The **rank** is the number of
# dimensions: a scalar has rank 0, a vector rank 1, a matrix rank 2. Python integers become `int32`
# and Python floats become `float32`, exactly as in TensorFlow.
# %% [markdown:zh-CN]
# ## 常量:阶、形状与数据类型
#
# `tf.constant` 把 Python 数字、列表或 NumPy 数组变成张量。**阶**就是维度的个数:标量是 0 阶,
# 向量是 1 阶,矩阵是 2 阶。与 TensorFlow 完全一样,Python 整数变成 `int32`,Python 浮点数变成 `float32`。
# %%
scalar = tf.constant(5)                                        # rank 0
vector = tf.constant([1, 2, 3])                                # rank 1
matrix = tf.constant([[1, 2], [3, 4]])                         # rank 2
tensor3d = tf.constant([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])   # rank 3

for name, t in [("scalar", scalar), ("vector", vector), ("matrix", matrix), ("tensor3d", tensor3d)]:
    print(f"{name:9s} rank={len(t.shape)} shape={t.shape} dtype={t.dtype.name}")
print(matrix)
assert tensor3d.shape == (2, 2, 2) and matrix.dtype == tf.int32
# %% [markdown:en]
# You can also give the dtype, the shape and a name explicitly:
# %% [markdown:zh-CN]
# 也可以显式指定数据类型、形状和名字:
# %%
tensor_constant = tf.constant([[1, 2], [3, 4]], dtype=tf.int32, shape=(2, 2), name="constant")
print("constant tensor:", tensor_constant)
print("as a NumPy array:", tensor_constant.numpy().tolist())
# %% [markdown:en]
# ## Arithmetic
#
# Operators work element by element (`+`, `*`, ...), `tf.matmul` is the matrix product, and the
# `reduce_*` functions summarise a tensor along some axes.
# %% [markdown:zh-CN]
# ## 运算
#
# 运算符逐元素计算(`+`、`*` 等),`tf.matmul` 是矩阵乘法,`reduce_*` 系列函数沿某些轴对张量做汇总。
# %%
a = tf.constant([[1, 2], [3, 4]])
b = tf.constant([[5, 6], [7, 8]])
c = tf.add(a, b)      # same as a + b
d = tf.matmul(a, b)   # matrix product (a @ b)
print("a + b =\n", c.numpy())
print("a @ b =\n", d.numpy())
print("a * b (element-wise) =\n", (a * b).numpy())
assert d.numpy().tolist() == [[19, 22], [43, 50]]

u, v = tf.constant([1, 2, 3]), tf.constant([4, 5, 6])
print("dot product:", tf.reduce_sum(u * v).numpy())
print("column sums:", tf.reduce_sum(matrix, axis=0).numpy(), " mean of all:", tf.reduce_mean(tf.cast(matrix, tf.float32)).numpy())
# %% [markdown:en]
# **Broadcasting**: when the shapes differ, the smaller tensor is repeated along the missing axes.
# Here a `(2, 2)` matrix plus a `(2,)` vector adds the vector to every row.
# %% [markdown:zh-CN]
# **广播**(broadcasting):形状不同时,较小的张量沿缺失的轴重复。下面 `(2, 2)` 矩阵加 `(2,)`
# 向量,相当于把向量加到每一行上。
# %%
b_variable = tf.Variable(initial_value=[1, 2], dtype=tf.int32, name="b")
print(b_variable)
print("a + b =\n", tf.add(a, b_variable, name="c").numpy())
# %% [markdown:en]
# ## Data types are strict
#
# TensorFlow never mixes integer and float tensors silently: adding an `int32` tensor to a `float32`
# tensor is an error. Convert explicitly with `tf.cast`. (A plain Python number is "weak" and adapts
# to the tensor it meets.)
# %% [markdown:zh-CN]
# ## 数据类型很严格
#
# TensorFlow 从不悄悄地混合整数张量和浮点张量:`int32` 张量加 `float32` 张量会报错。
# 请用 `tf.cast` 显式转换。(普通的 Python 数字是“弱类型”的,会适应它遇到的张量。)
# %%
int_tensor = tf.constant([[1, 2], [3, 4]])
float_tensor = tf.cast(int_tensor, dtype=tf.float32)
print(float_tensor)
try:
    int_tensor + float_tensor
except tf.errors.InvalidArgumentError as e:
    print("InvalidArgumentError:", str(e).splitlines()[0])
print("float tensor * 2.5 ->", (float_tensor * 2.5).numpy().tolist())
# %% [markdown:en]
# ## Changing the shape
#
# `tf.reshape` rearranges the same elements into a new shape (the element count must stay the same;
# `-1` means "whatever is left"). `tf.expand_dims` and `[..., tf.newaxis]` add an axis of size 1,
# which we will need to give images a channel axis.
# %% [markdown:zh-CN]
# ## 改变形状
#
# `tf.reshape` 把同样的元素排成新的形状(元素总数必须不变;`-1` 表示“剩下的都放这里”)。
# `tf.expand_dims` 和 `[..., tf.newaxis]` 增加一个长度为 1 的轴,后面给图像加通道轴时会用到。
# %%
tensor = tf.constant([[1, 2, 3], [4, 5, 6]])
print("(2, 3) -> (3, 2):\n", tf.reshape(tensor, [3, 2]).numpy())
print("flattened:", tf.reshape(tensor, [-1]).numpy())
print("expand_dims:", tf.expand_dims(tensor, -1).shape, " newaxis:", tensor[..., tf.newaxis].shape)
print("transpose:", tf.transpose(tensor).shape)
# %% [markdown:en]
# ## Creating tensors: ones, zeros, random
# %% [markdown:zh-CN]
# ## 创建张量:全 1、全 0、随机
# %%
print(tf.ones(shape=(2, 1)).numpy().ravel(), tf.zeros(shape=(2, 1)).numpy().ravel())
normal = tf.random.normal(shape=(10000,), mean=0.0, stddev=1.0)
uniform = tf.random.uniform(shape=(10000,), minval=0.0, maxval=1.0)
print(f"normal: mean={float(tf.reduce_mean(normal)):.3f} std={float(tf.math.reduce_std(normal)):.3f}")
print(f"uniform: min={float(tf.reduce_min(uniform)):.3f} max={float(tf.reduce_max(uniform)):.3f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].hist(normal.numpy(), bins=50, color="tab:blue")
axes[0].set_title("tf.random.normal")
axes[1].hist(uniform.numpy(), bins=50, color="tab:orange")
axes[1].set_title("tf.random.uniform")
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## Variables: tensors you can change
#
# A tensor is immutable (unlike a NumPy array, you cannot assign into it). Training needs state that
# changes, so model parameters live in `tf.Variable`s, updated with `assign`, `assign_add` (`+=`) and
# `assign_sub` (`-=`), also on a slice.
# %% [markdown:zh-CN]
# ## 变量:可以改变的张量
#
# 张量是不可变的(与 NumPy 数组不同,不能对它赋值)。训练需要不断变化的状态,所以模型参数保存在
# `tf.Variable` 中,用 `assign`、`assign_add`(`+=`)和 `assign_sub`(`-=`)更新,也可以只更新一部分。
# %%
x = tf.Variable(initial_value=tf.random.normal(shape=(3, 1)))
x.assign(tf.ones((3, 1)))
x[0, 0].assign(3.0)
x.assign_add(tf.ones((3, 1)))
print(x)
assert x.numpy().ravel().tolist() == [4.0, 2.0, 2.0]
# %% [markdown:en]
# ## Two functions you will meet everywhere: ReLU and softmax
#
# `tf.nn.relu(x) = max(0, x)` is the most common activation function: cheap, and its slope is 1 for
# positive inputs, which helps gradients flow. `tf.nn.softmax` turns a vector of scores ("logits") into
# probabilities that are positive and sum to 1; it is the usual last layer of a classifier.
# %% [markdown:zh-CN]
# ## 两个随处可见的函数:ReLU 与 softmax
#
# `tf.nn.relu(x) = max(0, x)` 是最常用的激活函数:计算简单,正输入处斜率恒为 1,有利于梯度传播。
# `tf.nn.softmax` 把一组分数(logits)变成概率:全部为正且和为 1,通常是分类器的最后一层。
# %%
xs = tf.linspace(-4.0, 4.0, 200)
scores = tf.stack([xs, tf.ones_like(xs), 0.2 * tf.ones_like(xs)], axis=1)  # three scores per point
probs = tf.nn.softmax(scores, axis=1)
np.testing.assert_allclose(tf.reduce_sum(probs, axis=1).numpy(), 1.0, rtol=1e-5)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(xs.numpy(), tf.nn.relu(xs).numpy(), label="ReLU(x) = max(0, x)")
axes[0].set_title("ReLU")
axes[0].legend()
axes[0].grid(True)
for i, label in enumerate(["x", "1", "0.2"]):
    axes[1].plot(xs.numpy(), probs.numpy()[:, i], label=f"score {label}")
axes[1].set_title("softmax of (x, 1, 0.2)")
axes[1].legend()
axes[1].grid(True)
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## Exercise
#
# 1. Create a `(3, 4)` tensor holding the numbers 0 to 11 (hint: `tf.range` and `tf.reshape`) and
#    compute the sum of each row and the mean of each column.
# 2. What happens with `tf.constant([1, 2]) + tf.constant([0.5, 0.5])`? Fix it with `tf.cast`.
# 3. Check numerically that `softmax(z + 100)` equals `softmax(z)`. Why is that useful?
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 创建一个装有 0 到 11 的 `(3, 4)` 张量(提示:`tf.range` 和 `tf.reshape`),计算每行之和与每列的均值。
# 2. `tf.constant([1, 2]) + tf.constant([0.5, 0.5])` 会发生什么?用 `tf.cast` 修正它。
# 3. 用数值验证 `softmax(z + 100)` 等于 `softmax(z)`。这个性质有什么用?
