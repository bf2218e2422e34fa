# Tutorial 04 - a linear classifier, from scratch and with Keras. Source of notebooks/{en,zh-CN}/04_linear_classifier.ipynb.
# %% [markdown:en]
# # 04 · A linear classifier, from scratch and with Keras
#
# Two clouds of 2-D points, one per class. A **linear classifier** predicts
# $\text{prediction} = W \cdot \text{input} + b$ and says "class 1" when the prediction is above 0.5.
# The points where the prediction equals 0.5 form a straight line: the **decision boundary**.
#
# We first train it by hand (as in notebook 03), then write the same model in three lines of Keras and
# learn Keras' vocabulary: *compile* (optimizer, loss, metrics), *fit*, *validation data*, *evaluate*,
# *predict*.
# %% [markdown:zh-CN]
# # 04 · 线性分类器:从零实现与 Keras 实现
#
# 两团二维点,每团一个类别。**线性分类器**计算 $\text{prediction} = W \cdot \text{input} + b$,
# 当预测值大于 0.5 时判为“类别 1”。预测值恰好等于 0.5 的点构成一条直线:**决策边界**。
#
# 先像第 03 课那样手工训练,再用三行 Keras 写出同一个模型,并学习 Keras 的基本词汇:
# *compile*(优化器、损失、指标)、*fit*、*验证数据*、*evaluate*、*predict*。
# %%
import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
from gradplay.engine import keras

tf.keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
# %% [markdown:en]
# ## The data
#
# 1000 points per class, drawn from two Gaussians with the same covariance (an ellipse from lower left
# to upper right) and different means.
# %% [markdown:zh-CN]
# ## 数据
#
# 每类 1000 个点,来自协方差相同(从左下到右上的椭圆)、均值不同的两个高斯分布。
# %%
num_samples_per_class = 1000
cov = [[1, 0.5], [0.5, 1]]
negative_samples = rng.multivariate_normal(mean=[0, 3], cov=cov, size=num_samples_per_class)
positive_samples = rng.multivariate_normal(mean=[3, 0], cov=cov, size=num_samples_per_class)
inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)
targets = np.vstack(
    (np.zeros((num_samples_per_class, 1), dtype="float32"), np.ones((num_samples_per_class, 1), dtype="float32"))
)
print(inputs.shape, targets.shape)

plt.figure(figsize=(5, 5))
plt.scatter(inputs[:, 0], inputs[:, 1], c=targets[:, 0], cmap="coolwarm", s=6)
plt.title("two classes")
plt.axis("equal")
plt.show()
# %% [markdown:en]
# ## From scratch
#
# `W` has shape `(2, 1)` (two inputs, one output) and `b` shape `(1,)`. We minimise the squared error
# between prediction and target (0 or 1) with full-batch gradient descent.
# %% [markdown:zh-CN]
# ## 从零实现
#
# `W` 的形状是 `(2, 1)`(两个输入、一个输出),`b` 的形状是 `(1,)`。
# 用全批量梯度下降最小化预测值与目标(0 或 1)之间的平方误差。
# %%
input_dim, output_dim = 2, 1
W = tf.Variable(initial_value=tf.random.uniform(shape=(input_dim, output_dim)))
b = tf.Variable(initial_value=tf.zeros(shape=(output_dim,)))


def model(inputs):
    return tf.matmul(inputs, W) + b


def square_loss(targets, predictions):
    return tf.reduce_mean(tf.square(targets - predictions))


def training_step(inputs, targets, learning_rate=0.1):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    grad_loss_wrt_W, grad_loss_wrt_b = tape.gradient(loss, [W, b])
    W.assign_sub(grad_loss_wrt_W * learning_rate)
    b.assign_sub(grad_loss_wrt_b * learning_rate)
    return loss


for step in range(40):
    loss = training_step(inputs, targets)
    if step % 5 == 0 or step == 39:
        print(f"Loss at step {step}: {float(loss):.4f}")

predictions = model(inputs)
accuracy = float(np.mean((predictions.numpy() > 0.5) == (targets > 0.5)))
print(f"training accuracy: {accuracy:.3f}")
assert accuracy > 0.95
# %% [markdown:en]
# The boundary is where $w_0 x + w_1 y + b = 0.5$, i.e. $y = -\frac{w_0}{w_1} x + \frac{0.5 - b}{w_1}$.
# %% [markdown:zh-CN]
# 决策边界满足 $w_0 x + w_1 y + b = 0.5$,即 $y = -\frac{w_0}{w_1} x + \frac{0.5 - b}{w_1}$。
# %%
w0, w1 = W.numpy()[:, 0]
x = np.linspace(-1, 4, 100)
y = -w0 / w1 * x + (0.5 - b.numpy()[0]) / w1
plt.figure(figsize=(5, 5))
plt.plot(x, y, "-r", label="decision boundary")
plt.scatter(inputs[:, 0], inputs[:, 1], c=predictions.numpy()[:, 0] > 0.5, cmap="coolwarm", s=6)
plt.legend()
plt.title("predicted classes")
plt.show()
# %% [markdown:en]
# ## The same model in Keras
#
# A `Dense(1)` layer *is* $W \cdot x + b$. `compile` chooses how to learn (optimizer), what to minimise
# (loss) and what to report (metrics). We keep 30 % of the shuffled data aside as **validation data**:
# the model never trains on it, so its score tells us how well the model generalises.
# %% [markdown:zh-CN]
# ## 用 Keras 写同一个模型
#
# 一个 `Dense(1)` 层*就是* $W \cdot x + b$。`compile` 决定怎样学习(优化器)、最小化什么(损失)、
# 报告什么(指标)。我们把打乱后 30% 的数据留作**验证数据**:模型从不在上面训练,
# 所以它的分数反映模型的泛化能力。
# %%
keras_model = keras.Sequential([keras.layers.Dense(1)])
keras_model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
    loss=keras.losses.MeanSquaredError(),
    metrics=[keras.metrics.BinaryAccuracy()],
)

indices_permutation = rng.permutation(len(inputs))
shuffled_inputs = inputs[indices_permutation]
shuffled_targets = targets[indices_permutation]
num_validation_samples = int(0.3 * len(inputs))
val_inputs = shuffled_inputs[:num_validation_samples]
val_targets = shuffled_targets[:num_validation_samples]
training_inputs = shuffled_inputs[num_validation_samples:]
training_targets = shuffled_targets[num_validation_samples:]

history = keras_model.fit(
    training_inputs, training_targets, epochs=5, batch_size=16, validation_data=(val_inputs, val_targets)
)
# %% [markdown:en]
# `fit` returned a `History`: one list per metric, one value per epoch. `evaluate` gives the loss and
# the metrics on any data; `predict` runs the model in batches and returns a NumPy array.
#
# (A learning rate of 0.1 is large for RMSprop: the validation accuracy jumps around from epoch to
# epoch. Try 0.01 and compare the curves.)
# %% [markdown:zh-CN]
# `fit` 返回一个 `History`:每个指标一个列表,每个 epoch 一个值。`evaluate` 在任意数据上给出损失和指标;
# `predict` 分批运行模型并返回 NumPy 数组。
#
# (对 RMSprop 来说 0.1 的学习率偏大:验证准确率在各个 epoch 之间上下跳动。试试 0.01 并比较曲线。)
# %%
print(sorted(history.history))
loss_and_metrics = keras_model.evaluate(val_inputs, val_targets, batch_size=128)
print("validation loss and accuracy:", loss_and_metrics)
assert loss_and_metrics[1] > 0.95

new_inputs = np.array([[0.0, 3.0], [3.0, 0.0], [1.5, 1.5]], dtype=np.float32)
print("predictions for three new points:", keras_model.predict(new_inputs, batch_size=128).ravel())

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(history.history["loss"], "o-", label="training")
axes[0].plot(history.history["val_loss"], "o-", label="validation")
axes[0].set_title("loss")
axes[0].legend()
axes[1].plot(history.history["binary_accuracy"], "o-", label="training")
axes[1].plot(history.history["val_binary_accuracy"], "o-", label="validation")
axes[1].set_title("accuracy")
axes[1].legend()
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## The decision boundary as a picture
#
# Evaluating the model on a grid of points shows the whole boundary at once: the colour is the model's
# output, the black line the 0.5 level.
# %% [markdown:zh-CN]
# ## 把决策边界画成图
#
# 在网格上的每个点运行模型,就能一次看到整个决策边界:颜色是模型输出,黑线是 0.5 等高线。
# %%
gx, gy = np.meshgrid(np.linspace(-3, 6, 120), np.linspace(-3, 6, 120))
grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
out = keras_model.predict(grid, batch_size=4096, verbose=0).reshape(gx.shape)
plt.figure(figsize=(5.5, 5))
plt.contourf(gx, gy, out, levels=20, cmap="coolwarm", alpha=0.6)
plt.colorbar(label="model output")
plt.contour(gx, gy, out, levels=[0.5], colors="k")
plt.scatter(val_inputs[:, 0], val_inputs[:, 1], c=val_targets[:, 0], cmap="coolwarm", s=6, edgecolors="none")
plt.title("Keras linear classifier")
plt.show()
# %% [markdown:en]
# ## Exercise
#
# 1. Replace the squared error by `loss="binary_crossentropy"` and add `activation="sigmoid"` to the
#    `Dense` layer. Does the boundary move?
# 2. Move the class means closer (e.g. `[1, 2]` and `[2, 1]`). What happens to the validation accuracy?
# 3. Make the data *not* linearly separable (one class in a ring around the other). Why can no linear
#    classifier solve it? (Notebook 05 adds hidden layers.)
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 把平方误差换成 `loss="binary_crossentropy"`,并给 `Dense` 层加上 `activation="sigmoid"`。边界会移动吗?
# 2. 让两个类别的均值靠近(比如 `[1, 2]` 和 `[2, 1]`)。验证准确率会怎样?
# 3. 构造*线性不可分*的数据(一类在另一类外围成环)。为什么任何线性分类器都解决不了?(第 05 课会加入隐藏层。)
