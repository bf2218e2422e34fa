# Tutorial 03 - linear regression from scratch. Source of notebooks/{en,zh-CN}/03_linear_regression.ipynb.
# %% [markdown:en]
# # 03 · Linear regression from scratch
#
# Our first model: a straight line $\hat y = W x + b$. "Learning" means choosing $W$ and $b$ so that the
# line passes as close as possible to the data points. We measure "close" with the **mean squared error**
# $L = \frac{1}{n}\sum_i (y_i - \hat y_i)^2$ and minimise it by **gradient descent**: repeat
# $W \leftarrow W - \eta\,\partial L/\partial W$ (and the same for $b$), where $\eta$ is the learning rate.
#
# We build everything by hand with `tf.Variable` and `tf.GradientTape`; no Keras yet.
# %% [markdown:zh-CN]
# # 03 · 从零实现线性回归
#
# 我们的第一个模型是一条直线 $\hat y = W x + b$。“学习”就是选出 $W$ 和 $b$,让直线尽量靠近数据点。
# “靠近”用**均方误差** $L = \frac{1}{n}\sum_i (y_i - \hat y_i)^2$ 来衡量,并用**梯度下降**把它降到最小:
# 反复执行 $W \leftarrow W - \eta\,\partial L/\partial W$($b$ 也一样),其中 $\eta$ 是学习率。
#
# 这里全部用 `tf.Variable` 和 `tf.GradientTape` 手写,暂时不用 Keras。
# %%
import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf

tf.keras.utils.set_random_seed(0)
# %% [markdown:en]
# ## Five points and an optimizer
#
# The points lie almost on $y = 2x$. We let a built-in optimizer, `SGD`, apply the update rule for us:
# `optimizer.apply_gradients(zip(gradients, variables))`.
# %% [markdown:zh-CN]
# ## 五个点和一个优化器
#
# 这些点几乎落在 $y = 2x$ 上。我们让内置优化器 `SGD` 替我们执行更新规则:
# `optimizer.apply_gradients(zip(gradients, variables))`。
# %%
x_train = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype=np.float32)
y_train = np.array([2.0, 4.1, 6.1, 8.0, 10.1], dtype=np.float32)

W = tf.Variable(0.0)
b = tf.Variable(0.0)


def linear_model(x):
    return W * x + b


def loss_fn(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_true - y_pred))


optimizer = tf.optimizers.SGD(learning_rate=0.01)


def train_step(x, y):
    with tf.GradientTape() as tape:
        predictions = linear_model(x)
        loss = loss_fn(y, predictions)
    gradients = tape.gradient(loss, [W, b])
    optimizer.apply_gradients(zip(gradients, [W, b]))
    return loss


for epoch in range(100):
    loss = train_step(x_train, y_train)
    if (epoch + 1) % 10 == 0:
        print(f"Epoch {epoch + 1}, Loss: {loss.numpy():.6f}")
print(f"W: {W.numpy():.4f}, b: {b.numpy():.4f}")
assert abs(float(W) - 2.0) < 0.1 and float(loss) < 0.05
# %% [markdown:en]
# ## A noisy cloud, with the update written by hand
#
# Now 100 points from $y = 2x + 1$ plus noise. This time we write the update ourselves with
# `assign_sub`, which is exactly what `SGD` does, and we keep the loss of every step to plot it.
# %% [markdown:zh-CN]
# ## 带噪声的点云,手写更新步骤
#
# 现在取 100 个来自 $y = 2x + 1$ 加噪声的点。这次用 `assign_sub` 亲手写更新——`SGD` 做的正是这件事——
# 并记录每一步的损失,方便作图。
# %%
class LinearRegression:
    def __init__(self):
        self.w = tf.Variable(tf.random.normal([1]))
        self.b = tf.Variable(tf.zeros([1]))

    def predict(self, x):
        return self.w * x + self.b

    def compute_loss(self, x, y_true):
        return tf.reduce_mean(tf.square(self.predict(x) - y_true))

    def train_step(self, x, y_true, learning_rate=0.1):
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x, y_true)
        grad_w, grad_b = tape.gradient(loss, [self.w, self.b])
        self.w.assign_sub(learning_rate * grad_w)
        self.b.assign_sub(learning_rate * grad_b)
        return loss


rng = np.random.default_rng(42)
X = rng.normal(size=(100, 1)).astype(np.float32)
y_true = (2 * X + 1 + rng.normal(size=(100, 1)) * 0.1).astype(np.float32)

model = LinearRegression()
losses = []
for epoch in range(100):
    loss = model.train_step(X, y_true)
    losses.append(float(loss))
    if epoch % 20 == 0:
        print(f"Epoch {epoch}, Loss: {float(loss):.4f}, w: {model.w.numpy()[0]:.4f}, b: {model.b.numpy()[0]:.4f}")
print(f"final: w = {model.w.numpy()[0]:.3f}, b = {model.b.numpy()[0]:.3f}")
assert abs(model.w.numpy()[0] - 2) < 0.05 and abs(model.b.numpy()[0] - 1) < 0.05
# %%
order = np.argsort(X[:, 0])
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
axes[0].plot(losses)
axes[0].set_yscale("log")
axes[0].set_title("Training loss")
axes[0].set_xlabel("step")
axes[1].scatter(X, y_true, alpha=0.5, label="data")
axes[1].plot(X[order], model.predict(X).numpy()[order], color="red", label="learned line")
axes[1].set_title("Linear regression")
axes[1].legend()
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## The learning rate matters
#
# Too small and training crawls; too large and every step overshoots the minimum, so the loss grows.
# Let us train the same model with four learning rates.
# %% [markdown:zh-CN]
# ## 学习率很重要
#
# 太小,训练像爬行;太大,每一步都越过最低点,损失反而变大。下面用四种学习率训练同一个模型。
# %%
plt.figure(figsize=(6, 4))
final = {}
for lr in [0.01, 0.1, 0.5, 1.05]:
    m = LinearRegression()
    m.w.assign([0.0])
    curve = [float(m.train_step(X, y_true, learning_rate=lr)) for _ in range(30)]
    final[lr] = curve[-1]
    plt.plot(curve, label=f"learning rate {lr}")
plt.yscale("log")
plt.xlabel("step")
plt.ylabel("loss")
plt.legend()
plt.title("Same model, different learning rates")
plt.show()
print({lr: round(v, 4) for lr, v in final.items()})
assert final[0.5] < final[0.01] and final[1.05] > final[0.1]
# %% [markdown:en]
# ## Exercise
#
# 1. Fit a parabola $\hat y = a x^2 + b x + c$ to `y = 0.5 * X**2 - X + 2 + noise` with three variables.
# 2. Replace the hand-written update by `tf.keras.optimizers.Adam(0.1)`. Which one converges faster?
# 3. Find (roughly) the largest learning rate that still converges for the noisy data. Can you explain it
#    from the data's variance?
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 用三个变量拟合抛物线 $\hat y = a x^2 + b x + c$,数据为 `y = 0.5 * X**2 - X + 2 + 噪声`。
# 2. 把手写的更新换成 `tf.keras.optimizers.Adam(0.1)`。哪个收敛得更快?
# 3. 大致找出在噪声数据上仍能收敛的最大学习率。你能用数据的方差解释它吗?
