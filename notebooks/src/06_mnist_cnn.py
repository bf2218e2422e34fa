# Tutorial 06 - a CNN on MNIST and what each layer sees. Source of notebooks/{en,zh-CN}/06_mnist_cnn.ipynb.
# %% [markdown:en]
# # 06 · A convolutional network on MNIST, and what each layer sees
#
# The MLP of notebook 05 flattens the image first, so it has no idea which pixels are neighbours.
# A **convolutional neural network** (CNN) keeps the 2-D layout:
#
# 1. **Conv2D** slides small learned filters (here 3×3) over the image; each filter produces a *feature
#    map* that lights up where its pattern (an edge, a curve, ...) occurs. ReLU keeps the positive responses.
# 2. **MaxPooling2D** keeps the largest value of each 2×2 block: the maps get smaller and a little
#    insensitive to small shifts.
# 3. **Flatten** + **Dense** layers turn the final maps into the ten class probabilities.
#
# At the end we open the network up and look at the feature maps of every layer for one digit.
# (`GRADPLAY_FAST=1` trains on a subset, as in notebook 05.)
# %% [markdown:zh-CN]
# # 06 · MNIST 上的卷积网络,以及每一层“看到”了什么
#
# 第 05 课的 MLP 一开始就把图像展平,因此并不知道哪些像素是相邻的。**卷积神经网络**(CNN)保留了二维结构:
#
# 1. **Conv2D** 用学习得到的小滤波器(这里是 3×3)在图像上滑动;每个滤波器产生一张*特征图*,
#    在它的模式(边缘、曲线等)出现的地方亮起来。ReLU 只保留正的响应。
# 2. **MaxPooling2D** 取每个 2×2 块中的最大值:特征图变小,并对小的平移不那么敏感。
# 3. **Flatten** 和 **Dense** 层把最后的特征图变成十个类别的概率。
#
# 最后我们“打开”网络,看看一个数字在每一层的特征图。(`GRADPLAY_FAST=1` 时和第 05 课一样只用部分数据训练。)
# %%
import os

import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
from gradplay.engine.keras import layers, models

FAST = os.environ.get("GRADPLAY_FAST") == "1"
tf.keras.utils.set_random_seed(0)
# %% [markdown:en]
# ## Data with a channel axis
#
# Conv2D expects images of shape `(height, width, channels)`; MNIST is grayscale, so we add a channel
# axis of size 1 with `[..., tf.newaxis]`.
# %% [markdown:zh-CN]
# ## 带通道轴的数据
#
# Conv2D 需要形状为 `(高, 宽, 通道)` 的图像;MNIST 是灰度图,所以用 `[..., tf.newaxis]` 加一个长度为 1 的通道轴。
# %%
mnist = tf.keras.datasets.mnist
(train_images, train_labels), (test_images, test_labels) = mnist.load_data()
train_images, test_images = train_images / 255.0, test_images / 255.0
train_images = train_images[..., tf.newaxis]
test_images = test_images[..., tf.newaxis]
if FAST:
    train_images, train_labels = train_images[:6000], train_labels[:6000]
    test_images, test_labels = test_images[:2000], test_labels[:2000]
print(train_images.shape, test_images.shape)
# %% [markdown:en]
# ## The model
#
# Follow the shapes in the summary: 28×28 → conv 3×3 (no padding) → 26×26×32 → pool → 13×13×32 →
# conv → 11×11×64 → pool → 5×5×64 → conv → 3×3×64 → flatten 576 → 64 → 10.
# A 3×3 conv layer with 32 input and 64 output channels has $3 \cdot 3 \cdot 32 \cdot 64 + 64 = 18\,496$
# parameters, whatever the image size: filters are shared across positions.
# %% [markdown:zh-CN]
# ## 模型
#
# 对照 summary 跟踪形状:28×28 → 3×3 卷积(不补零)→ 26×26×32 → 池化 → 13×13×32 → 卷积 → 11×11×64 →
# 池化 → 5×5×64 → 卷积 → 3×3×64 → 展平 576 → 64 → 10。输入 32 通道、输出 64 通道的 3×3 卷积层有
# $3 \cdot 3 \cdot 32 \cdot 64 + 64 = 18\,496$ 个参数,与图像大小无关:滤波器在各个位置共享。
# %%
model = models.Sequential(
    [
        layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.summary()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
# %%
history = model.fit(train_images, train_labels, epochs=1 if FAST else 5, batch_size=32)
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=2)
print("Test accuracy:", test_acc)
assert test_acc > (0.85 if FAST else 0.985), test_acc
# %% [markdown:en]
# ## Save, load, predict
#
# `model.save("mnist_model.h5")` writes the architecture and the weights in Keras' legacy HDF5 format
# (`.keras` is the modern one, see notebook 11). Loading it back gives a model that predicts exactly the same.
# %% [markdown:zh-CN]
# ## 保存、加载、预测
#
# `model.save("mnist_model.h5")` 以 Keras 传统的 HDF5 格式保存结构和权重(新格式是 `.keras`,见第 11 课)。
# 加载回来的模型预测结果完全相同。
# %%
model.save("mnist_model.h5")
loaded_model = tf.keras.models.load_model("mnist_model.h5")
print("Model loaded successfully.")

rng = np.random.default_rng(1)
indices = rng.integers(0, len(test_images), size=5)
sample = test_images[indices]
predictions = loaded_model.predict(sample)
np.testing.assert_allclose(predictions, model.predict(sample, verbose=0), rtol=1e-5, atol=1e-6)
predicted_labels = np.argmax(predictions, axis=1)

plt.figure(figsize=(12, 3))
for i in range(5):
    plt.subplot(1, 5, i + 1)
    plt.imshow(sample[i, :, :, 0], cmap="gray")
    plt.title(f"True: {test_labels[indices[i]]}, Predicted: {predicted_labels[i]}", fontsize=9)
    plt.axis("off")
plt.show()
# %% [markdown:en]
# ## What the first layer learned: the filters
#
# The 32 kernels of the first Conv2D are tiny 3×3 images. Many look like edge or stroke detectors
# (bright on one side, dark on the other).
# %% [markdown:zh-CN]
# ## 第一层学到了什么:滤波器
#
# 第一层 Conv2D 的 32 个卷积核就是 32 张 3×3 的小图。很多看起来像边缘或笔画检测器(一侧亮、一侧暗)。
# %%
kernels = model.layers[0].get_weights()[0]  # shape (3, 3, 1, 32)
print("kernel shape:", kernels.shape)
fig, axes = plt.subplots(4, 8, figsize=(8, 4))
for k, ax in enumerate(axes.ravel()):
    ax.imshow(kernels[:, :, 0, k], cmap="bwr", vmin=-np.abs(kernels).max(), vmax=np.abs(kernels).max())
    ax.axis("off")
plt.suptitle("first-layer filters (red positive, blue negative)")
plt.show()
# %% [markdown:en]
# ## What each layer sees: activation maps
#
# Every Keras layer remembers its symbolic output (`layer.output`). A new `Model` from the same input to
# *all* those outputs returns every intermediate result for an image in one call; this is the classic
# "activation model". Early maps still look like the digit; deeper ones are smaller and more abstract.
# %% [markdown:zh-CN]
# ## 每一层看到了什么:激活图
#
# 每个 Keras 层都记得它的符号输出(`layer.output`)。从同一输入到*所有*这些输出建立一个新的 `Model`,
# 一次调用就能得到一张图在每一层的中间结果——这就是经典的“激活模型”。
# 前几层的特征图还能看出数字的样子,越深越小、越抽象。
# %%
layer_outputs = [layer.output for layer in model.layers]
activation_model = models.Model(inputs=model.input, outputs=layer_outputs)
img = test_images[0][np.newaxis, ...]
activations = activation_model.predict(img, verbose=0)
layer_names = [layer.name for layer in model.layers]
for name, act in zip(layer_names, activations):
    print(f"{name:16s} {act.shape}")
assert activations[-1].shape == (1, 10)
# %%
plt.figure(figsize=(2, 2))
plt.imshow(img[0, :, :, 0], cmap="gray")
plt.title(f"input (label {test_labels[0]})")
plt.axis("off")
plt.show()

for layer_name, layer_activation in zip(layer_names, activations):
    if layer_activation.ndim == 4:  # conv / pooling output: (1, h, w, channels)
        n_show = 16
        fig, axes = plt.subplots(2, 8, figsize=(12, 3.2))
        for c, ax in enumerate(axes.ravel()[:n_show]):
            ax.imshow(layer_activation[0, :, :, c], cmap="viridis")
            ax.axis("off")
        fig.suptitle(f"{layer_name}: first {n_show} of {layer_activation.shape[-1]} maps, {layer_activation.shape[1]}×{layer_activation.shape[2]}")
        plt.show()
    else:  # flatten / dense output: a vector
        plt.figure(figsize=(12, 1.8))
        plt.bar(np.arange(layer_activation.shape[-1]), layer_activation[0], width=1.0)
        plt.title(f"{layer_name}: {layer_activation.shape[-1]} values")
        plt.show()
# %% [markdown:en]
# ## Exercise
#
# 1. Add `padding="same"` to the convolutions. How do the shapes and the parameter count of the first
#    Dense layer change?
# 2. Show the activation maps of a digit the model gets *wrong*. Do you see where it goes astray?
# 3. Replace `Flatten` by `layers.GlobalAveragePooling2D()`. Fewer parameters: is the accuracy worse?
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 给卷积层加上 `padding="same"`。各层形状和第一个 Dense 层的参数数量如何变化?
# 2. 画出模型*判断错误*的某个数字的激活图。你能看出它在哪里“走偏”了吗?
# 3. 用 `layers.GlobalAveragePooling2D()` 代替 `Flatten`。参数更少了,准确率会变差吗?
