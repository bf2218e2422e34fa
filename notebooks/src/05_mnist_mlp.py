# Tutorial 05 - the first neural network, on MNIST. Source of notebooks/{en,zh-CN}/05_mnist_mlp.ipynb.
# %% [markdown:en]
# # 05 · Your first neural network: handwritten digits (MNIST)
#
# MNIST holds 70 000 grayscale images of handwritten digits, 28×28 pixels each: 60 000 for training and
# 10 000 for testing. We train a small **multi-layer perceptron** (MLP) that reads the 784 pixels and
# outputs ten probabilities, one per digit.
#
# The data comes from `tf.keras.datasets.mnist.load_data()`. If it is not cached yet, build the cache
# once with `python -m gradplay.engine.keras.datasets.fetch mnist`.
#
# *Fast mode.* When the environment variable `GRADPLAY_FAST=1` is set (the automated tests do this),
# the notebook trains on fewer images for fewer epochs; the results are a little lower but still real.
# %% [markdown:zh-CN]
# # 05 · 第一个神经网络:手写数字识别(MNIST)
#
# MNIST 包含 70 000 张 28×28 像素的手写数字灰度图:60 000 张用于训练,10 000 张用于测试。
# 我们训练一个小型**多层感知机**(MLP):读入 784 个像素,输出十个概率,每个数字一个。
#
# 数据来自 `tf.keras.datasets.mnist.load_data()`。如果还没有缓存,先运行一次
# `python -m gradplay.engine.keras.datasets.fetch mnist` 建立缓存。
#
# *快速模式*:设置环境变量 `GRADPLAY_FAST=1`(自动化测试会这样做)时,笔记本用更少的图片、
# 更少的 epoch 训练;结果略低,但仍是真实的训练结果。
# %%
import os

import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
from gradplay.engine.keras import layers, models

FAST = os.environ.get("GRADPLAY_FAST") == "1"
tf.keras.utils.set_random_seed(0)
# %% [markdown:en]
# ## Load and look at the data
#
# The images are `uint8` (0 to 255). We divide by 255 so the inputs lie in $[0, 1]$: networks train
# much better on small, similarly-scaled inputs.
# %% [markdown:zh-CN]
# ## 加载并查看数据
#
# 图像是 `uint8`(0 到 255)。除以 255 把输入缩放到 $[0, 1]$:输入小且尺度相近时,网络训练得好得多。
# %%
mnist = tf.keras.datasets.mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
print("train:", x_train.shape, x_train.dtype, " test:", x_test.shape, " first labels:", y_train[:10])
x_train, x_test = x_train / 255.0, x_test / 255.0

if FAST:  # a subset keeps the automated run short
    x_train, y_train = x_train[:10000], y_train[:10000]

fig, axes = plt.subplots(2, 8, figsize=(12, 3.4))
for ax, image, label in zip(axes.ravel(), x_train, y_train):
    ax.imshow(image, cmap="gray")
    ax.set_title(str(label))
    ax.axis("off")
plt.show()
print("label counts:", np.bincount(y_train))
# %% [markdown:en]
# ## The model
#
# - `Flatten` turns each 28×28 image into a vector of 784 numbers;
# - `Dense(128, activation="relu")` is a hidden layer of 128 neurons: $\text{relu}(xW + b)$;
# - `Dropout(0.2)` switches off a random 20 % of those neurons at each training step, which fights
#   overfitting (it does nothing at test time);
# - `Dense(10, activation="softmax")` gives the ten class probabilities.
#
# `summary()` lists the layers, their output shapes and parameter counts: $784 \cdot 128 + 128 = 100\,480$
# for the hidden layer.
# %% [markdown:zh-CN]
# ## 模型
#
# - `Flatten` 把每张 28×28 图像展平为 784 个数;
# - `Dense(128, activation="relu")` 是有 128 个神经元的隐藏层:$\text{relu}(xW + b)$;
# - `Dropout(0.2)` 在每个训练步随机关闭 20% 的神经元,用来对抗过拟合(测试时不起作用);
# - `Dense(10, activation="softmax")` 输出十个类别的概率。
#
# `summary()` 列出各层、输出形状和参数数量:隐藏层有 $784 \cdot 128 + 128 = 100\,480$ 个参数。
# %%
model = models.Sequential(
    [
        layers.Flatten(input_shape=(28, 28)),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ]
)
model.summary()
assert model.count_params() == 784 * 128 + 128 + 128 * 10 + 10
# %% [markdown:en]
# ## Compile and train
#
# - optimizer `adam`: gradient descent with a per-parameter adaptive step;
# - loss `sparse_categorical_crossentropy`: $-\log p_{\text{true class}}$, for integer labels 0–9;
# - metric `accuracy`: the fraction of images whose most probable class is right.
#
# Each **epoch** is one pass over the training set, in mini-batches of 32 images.
# %% [markdown:zh-CN]
# ## 编译与训练
#
# - 优化器 `adam`:为每个参数自适应步长的梯度下降;
# - 损失 `sparse_categorical_crossentropy`:$-\log p_{\text{真实类别}}$,适用于 0–9 的整数标签;
# - 指标 `accuracy`:最可能类别正确的图片所占比例。
#
# 每个 **epoch** 把训练集完整过一遍,每个小批量(mini-batch)32 张图。
# %%
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
epochs = 2 if FAST else 5
history = model.fit(x_train, y_train, epochs=epochs, validation_split=0.1)
# %% [markdown:en]
# ## How well does it do on images it has never seen?
# %% [markdown:zh-CN]
# ## 在从未见过的图片上表现如何?
# %%
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=2)
print(f"Test accuracy: {test_acc:.4f}")
assert test_acc > (0.9 if FAST else 0.97), test_acc

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].plot(history.history["loss"], "o-", label="training")
axes[0].plot(history.history["val_loss"], "o-", label="validation")
axes[0].set_title("loss")
axes[0].set_xlabel("epoch")
axes[0].legend()
axes[1].plot(history.history["accuracy"], "o-", label="training")
axes[1].plot(history.history["val_accuracy"], "o-", label="validation")
axes[1].set_title("accuracy")
axes[1].set_xlabel("epoch")
axes[1].legend()
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## Predictions and mistakes
#
# `predict` returns ten probabilities per image; `argmax` picks the digit. Looking at the mistakes is
# instructive: many of them are hard for humans too. The **confusion matrix** counts, for each true digit
# (row), how often each digit was predicted (column).
# %% [markdown:zh-CN]
# ## 预测与错误
#
# `predict` 为每张图返回十个概率,`argmax` 选出数字。看看模型犯的错很有启发:其中很多连人也难以分辨。
# **混淆矩阵**统计每个真实数字(行)被预测成各个数字(列)的次数。
# %%
probabilities = model.predict(x_test, batch_size=512, verbose=0)
predicted = probabilities.argmax(axis=1)
wrong = np.flatnonzero(predicted != y_test)
print(f"{len(wrong)} mistakes out of {len(y_test)}")

fig, axes = plt.subplots(1, 8, figsize=(12, 2))
for ax, i in zip(axes, wrong[:8]):
    ax.imshow(x_test[i], cmap="gray")
    ax.set_title(f"true {y_test[i]} / pred {predicted[i]}", fontsize=8)
    ax.axis("off")
plt.show()

confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predicted), 1)
plt.figure(figsize=(5, 4.5))
plt.imshow(np.log1p(confusion), cmap="Blues")
for i in range(10):
    for j in range(10):
        plt.text(j, i, confusion[i, j], ha="center", va="center", fontsize=6)
plt.xlabel("predicted")
plt.ylabel("true")
plt.xticks(range(10))
plt.yticks(range(10))
plt.title("confusion matrix (test set)")
plt.show()
# %% [markdown:en]
# ## Exercise
#
# 1. Remove the `Dropout` layer and train again. Compare training and validation accuracy: what changes?
# 2. Try 32 and 512 hidden neurons. How do the parameter count and the test accuracy change?
# 3. Add a second hidden layer `Dense(64, activation="relu")`. Is it worth it?
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 去掉 `Dropout` 层重新训练。比较训练准确率与验证准确率:有什么变化?
# 2. 试试 32 个和 512 个隐藏神经元。参数数量和测试准确率如何变化?
# 3. 再加一个隐藏层 `Dense(64, activation="relu")`。值得吗?
