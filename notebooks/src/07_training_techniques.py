# Tutorial 07 - training techniques. Source of notebooks/{en,zh-CN}/07_training_techniques.ipynb.
# %% [markdown:en]
# # 07 · Training techniques: optimizers, learning-rate schedules, regularization, callbacks
#
# The same network can train fast or slow, generalise well or badly, depending on *how* we train it.
# This notebook is a tour of the knobs:
#
# 1. **optimizers** (SGD with momentum, Adam, AdamW, RMSprop, Adagrad) and **loss functions**;
# 2. **learning-rate schedules**;
# 3. **regularization** against overfitting: L1/L2 penalties, Dropout, Batch Normalization;
# 4. **callbacks**: early stopping, checkpoints, reducing the learning rate on a plateau, TensorBoard logs;
# 5. feeding data with **`tf.data`**.
#
# To see overfitting clearly and to keep things quick we use a *small* part of MNIST: 3000 training images.
# %% [markdown:zh-CN]
# # 07 · 训练技巧:优化器、学习率调度、正则化、回调
#
# 同一个网络,训练方式不同,可能训练得快或慢、泛化得好或差。本课逐一介绍这些“旋钮”:
#
# 1. **优化器**(带动量的 SGD、Adam、AdamW、RMSprop、Adagrad)和**损失函数**;
# 2. **学习率调度**;
# 3. 对抗过拟合的**正则化**:L1/L2 惩罚、Dropout、批归一化(Batch Normalization);
# 4. **回调**:早停、检查点、在平台期降低学习率、TensorBoard 日志;
# 5. 用 **`tf.data`** 输送数据。
#
# 为了清楚地看到过拟合并保持速度,我们只用 MNIST 的*一小部分*:3000 张训练图片。
# %%
import math
import os

import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
from gradplay.engine.keras import callbacks, layers, losses, models, optimizers, regularizers

FAST = os.environ.get("GRADPLAY_FAST") == "1"
EPOCHS = 4 if FAST else 20

(x_all, y_all), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
x_all = x_all.reshape(-1, 784).astype("float32") / 255.0
x_test = x_test.reshape(-1, 784).astype("float32") / 255.0
x_train, y_train = x_all[:3000], y_all[:3000]
x_val, y_val = x_all[50000:52000], y_all[50000:52000]
x_test, y_test = x_test[:2000], y_test[:2000]
print(x_train.shape, x_val.shape, x_test.shape)


def build_mlp(hidden=256, regularizer=None, dropout=0.0, batchnorm=False):
    """A two-hidden-layer MLP; the arguments switch the regularizers on."""
    model = models.Sequential([layers.Input(shape=(784,))])
    for units in (hidden, hidden // 2):
        model.add(layers.Dense(units, kernel_regularizer=regularizer))
        if batchnorm:
            model.add(layers.BatchNormalization())
        model.add(layers.Activation("relu"))
        if dropout:
            model.add(layers.Dropout(dropout))
    model.add(layers.Dense(10, activation="softmax"))
    return model
# %% [markdown:en]
# ## 1. Optimizers
#
# All optimizers follow the gradient, but they differ in *how big* a step each parameter takes:
#
# - **SGD** steps by `learning_rate * gradient`; **momentum** keeps a running average of past steps,
#   like a ball rolling downhill;
# - **Adagrad**, **RMSprop** and **Adam** divide each parameter's step by a running size of its gradients,
#   so every parameter gets its own step size; Adam also uses momentum;
# - **AdamW** is Adam plus *decoupled weight decay* (it shrinks the weights a little at every step).
#
# We train the same network (same initial weights, thanks to the seed) with each of them.
# %% [markdown:zh-CN]
# ## 1. 优化器
#
# 所有优化器都沿着梯度走,区别在于每个参数*走多大一步*:
#
# - **SGD** 每步走 `学习率 × 梯度`;**动量**(momentum)对过去的步长做滑动平均,像一个滚下山坡的球;
# - **Adagrad**、**RMSprop** 和 **Adam** 用各参数梯度大小的滑动统计去除它的步长,让每个参数有自己的步长;
#   Adam 还使用动量;
# - **AdamW** 是 Adam 加上*解耦的权重衰减*(每一步把权重稍微缩小一点)。
#
# 我们用每种优化器训练同一个网络(有随机种子,初始权重相同)。
# %%
optimizers_dict = {
    "SGD": optimizers.SGD(learning_rate=0.01, momentum=0.9),
    "Adam": optimizers.Adam(learning_rate=0.001),
    "AdamW": optimizers.AdamW(learning_rate=0.001, weight_decay=0.001),
    "RMSprop": optimizers.RMSprop(learning_rate=0.001),
    "Adagrad": optimizers.Adagrad(learning_rate=0.01),
}
opt_histories = {}
for name, optimizer in optimizers_dict.items():
    tf.keras.utils.set_random_seed(0)
    model = build_mlp(hidden=128)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x_train, y_train, epochs=EPOCHS // 2, batch_size=32, validation_data=(x_val, y_val), verbose=0)
    opt_histories[name] = h.history
    print(f"{name:8s} val accuracy after {EPOCHS // 2} epochs: {h.history['val_accuracy'][-1]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for name, hist in opt_histories.items():
    axes[0].plot(hist["loss"], label=name)
    axes[1].plot(hist["val_accuracy"], label=name)
axes[0].set_title("training loss")
axes[1].set_title("validation accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend()
plt.tight_layout()
plt.show()
assert opt_histories["Adam"]["val_accuracy"][-1] > 0.85
# %% [markdown:en]
# ## Loss functions
#
# The loss is what training minimises. Regression uses **MSE** (or the outlier-tolerant **Huber** and
# **LogCosh**); classification uses **cross-entropy**: `BinaryCrossentropy` for two classes,
# `CategoricalCrossentropy` for one-hot labels and `SparseCategoricalCrossentropy` for integer labels.
# Any function `loss(y_true, y_pred)` built from tensor operations works too.
# %% [markdown:zh-CN]
# ## 损失函数
#
# 损失是训练要最小化的量。回归用 **MSE**(或对离群点更宽容的 **Huber**、**LogCosh**);
# 分类用**交叉熵**:二分类用 `BinaryCrossentropy`,独热标签用 `CategoricalCrossentropy`,
# 整数标签用 `SparseCategoricalCrossentropy`。任何由张量运算构成的函数 `loss(y_true, y_pred)` 也都可以。
# %%
y_true = np.array([[0.0], [1.0], [2.0], [10.0]], dtype="float32")  # the last target is an outlier
y_pred = np.array([[0.1], [0.8], [2.5], [3.0]], dtype="float32")


def custom_loss(y_true, y_pred):
    """70 % MSE + 30 % MAE."""
    mse = tf.reduce_mean(tf.square(y_true - y_pred))
    mae = tf.reduce_mean(tf.abs(y_true - y_pred))
    return 0.7 * mse + 0.3 * mae


regression_losses = {
    "MSE": losses.MeanSquaredError(),
    "Huber": losses.Huber(),
    "LogCosh": losses.LogCosh(),
    "custom (0.7 MSE + 0.3 MAE)": custom_loss,
}
for name, fn in regression_losses.items():
    print(f"{name:28s} {float(fn(y_true, y_pred)):8.4f}")

labels = np.array([2, 0])
probs = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]], dtype="float32")
sparse = float(losses.SparseCategoricalCrossentropy()(labels, probs))
onehot = float(losses.CategoricalCrossentropy()(tf.keras.utils.to_categorical(labels, 3), probs))
print(f"sparse CE {sparse:.4f} = categorical CE {onehot:.4f} = mean(-log p_true) {-np.mean(np.log([0.7, 0.6])):.4f}")
assert abs(sparse - onehot) < 1e-6
# %% [markdown:en]
# ## 2. Learning-rate schedules
#
# A large learning rate makes fast progress early; a small one settles precisely into a minimum.
# Schedules get both by lowering the rate during training. Three classic shapes as plain functions of
# the epoch, and Keras' built-in schedules (functions of the *step*) beside them:
# %% [markdown:zh-CN]
# ## 2. 学习率调度
#
# 大学习率前期进展快,小学习率能精确地落入最低点。调度在训练中逐步降低学习率,两者兼得。
# 下面是三种经典形状(epoch 的普通函数),旁边是 Keras 内置的调度(*step* 的函数):
# %%
def exponential_decay(epoch):
    initial_lr, decay_rate = 0.01, 0.96
    return initial_lr * (decay_rate ** epoch)


def cosine_decay(epoch, total_epochs=100):
    initial_lr, min_lr = 0.01, 1e-6
    return min_lr + 0.5 * (initial_lr - min_lr) * (1 + math.cos(epoch / total_epochs * math.pi))


def step_decay(epoch):
    initial_lr, drop, epochs_drop = 0.01, 0.5, 10.0
    return initial_lr * (drop ** (epoch // epochs_drop))


schedules = optimizers.schedules
keras_schedules = {
    "ExponentialDecay": schedules.ExponentialDecay(0.01, decay_steps=10, decay_rate=0.9),
    "CosineDecay": schedules.CosineDecay(0.01, decay_steps=100),
    "PiecewiseConstantDecay": schedules.PiecewiseConstantDecay([30, 60], [0.01, 0.005, 0.001]),
    "InverseTimeDecay": schedules.InverseTimeDecay(0.01, decay_steps=10, decay_rate=0.5),
}
epochs = np.arange(100)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for fn in (exponential_decay, cosine_decay, step_decay):
    axes[0].plot(epochs, [fn(e) for e in epochs], label=fn.__name__)
axes[0].set_title("hand-written (per epoch)")
for name, sched in keras_schedules.items():
    axes[1].plot(epochs, [float(sched(s)) for s in epochs], label=name)
axes[1].set_title("keras.optimizers.schedules (per step)")
for ax in axes:
    ax.set_ylabel("learning rate")
    ax.legend()
plt.tight_layout()
plt.show()
# %% [markdown:en]
# There are three ways to use a schedule: pass a schedule object as the optimizer's `learning_rate`
# (it is then updated every step), use the `LearningRateScheduler` callback with an epoch function, or
# write your own callback, as the seed article does:
# %% [markdown:zh-CN]
# 使用调度有三种方式:把调度对象作为优化器的 `learning_rate`(每一步更新),用 `LearningRateScheduler`
# 回调配合 epoch 函数,或者像原文那样自己写回调:
# %%
class CustomLRScheduler(callbacks.Callback):
    def __init__(self, initial_lr=0.01, decay_rate=0.96):
        super().__init__()
        self.initial_lr = initial_lr
        self.decay_rate = decay_rate

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.initial_lr * (self.decay_rate**epoch)
        tf.keras.backend.set_value(self.model.optimizer.learning_rate, lr)
        print(f"Epoch {epoch + 1}: Learning rate is {lr:.6f}")


tf.keras.utils.set_random_seed(0)
model = build_mlp(hidden=128)
model.compile(optimizer=optimizers.Adam(learning_rate=keras_schedules["ExponentialDecay"]), loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=1, verbose=0)
print("schedule object: learning rate after one epoch:", float(model.optimizer.learning_rate))

model = build_mlp(hidden=128)
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
h = model.fit(x_train, y_train, epochs=2, verbose=0, callbacks=[callbacks.LearningRateScheduler(step_decay)])
print("LearningRateScheduler logged:", h.history["learning_rate"])

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=2, verbose=0, callbacks=[CustomLRScheduler()])
assert abs(float(model.optimizer.learning_rate) - 0.01 * 0.96) < 1e-7
# %% [markdown:en]
# ## 3. Regularization: fighting overfitting
#
# With only 3000 images a 256-neuron network can memorise the training set: training loss keeps going
# down while the validation loss turns back up. That gap is **overfitting**. Remedies:
#
# - an **L2 penalty** `kernel_regularizer=regularizers.l2(0.001)` adds $0.001\sum w^2$ to the loss
#   (L1 adds $\sum |w|$ and pushes weights to exactly zero);
# - **Dropout** randomly silences neurons during training, so no neuron can rely on another;
# - **BatchNormalization** normalises each layer's inputs per mini-batch; it mainly speeds training up
#   and regularises a little.
#
# (Note that Keras' `loss` and `val_loss` include the L2 penalty, so compare accuracies, not losses,
# across these variants.)
# %% [markdown:zh-CN]
# ## 3. 正则化:对抗过拟合
#
# 只有 3000 张图片时,256 个神经元的网络可以把训练集背下来:训练损失持续下降,验证损失却掉头向上。
# 这个差距就是**过拟合**。对策:
#
# - **L2 惩罚** `kernel_regularizer=regularizers.l2(0.001)` 在损失上加 $0.001\sum w^2$
#   (L1 加 $\sum |w|$,会把权重压到恰好为零);
# - **Dropout** 在训练时随机让神经元“沉默”,使任何神经元都不能依赖别的神经元;
# - **BatchNormalization** 对每层的输入按小批量做标准化;主要作用是加快训练,也有一点正则化效果。
#
# (注意 Keras 的 `loss` 和 `val_loss` 包含 L2 惩罚项,所以比较这些变体时请看准确率而不是损失。)
# %%
variants = {
    "plain": dict(),
    "L2 (0.001)": dict(regularizer=regularizers.l2(0.001)),
    "Dropout (0.3)": dict(dropout=0.3),
    "BatchNorm": dict(batchnorm=True),
}
reg_histories = {}
for name, kwargs in variants.items():
    tf.keras.utils.set_random_seed(0)
    model = build_mlp(hidden=256, **kwargs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=64, validation_data=(x_val, y_val), verbose=0)
    reg_histories[name] = h.history
    print(
        f"{name:14s} train acc {h.history['accuracy'][-1]:.3f}  val acc {h.history['val_accuracy'][-1]:.3f}"
        f"  (gap {h.history['accuracy'][-1] - h.history['val_accuracy'][-1]:+.3f})"
    )

fig, axes = plt.subplots(1, len(reg_histories), figsize=(14, 3.2), sharey=True)
for ax, (name, hist) in zip(axes, reg_histories.items()):
    ax.plot(hist["loss"], label="train loss")
    ax.plot(hist["val_loss"], label="val loss")
    ax.set_title(name)
    ax.set_xlabel("epoch")
axes[0].legend()
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## 4. Callbacks
#
# Callbacks are objects that `fit` calls at the start and end of every epoch and batch:
#
# - `EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)` stops when the validation
#   loss has not improved for 3 epochs and rolls back to the best weights;
# - `ModelCheckpoint("best.keras", save_best_only=True)` saves the best model so far;
# - `ReduceLROnPlateau` halves the learning rate when progress stalls;
# - `TensorBoard(log_dir)` writes event files that `tensorboard --logdir logs/fit` displays;
# - `CSVLogger` writes one line per epoch.
# %% [markdown:zh-CN]
# ## 4. 回调
#
# 回调是 `fit` 在每个 epoch 和每个批次开始、结束时调用的对象:
#
# - `EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)` 在验证损失连续 3 个 epoch
#   没有改善时停止训练,并恢复到最好的权重;
# - `ModelCheckpoint("best.keras", save_best_only=True)` 保存迄今最好的模型;
# - `ReduceLROnPlateau` 在进展停滞时把学习率减半;
# - `TensorBoard(log_dir)` 写出事件文件,用 `tensorboard --logdir logs/fit` 查看;
# - `CSVLogger` 每个 epoch 写一行。
# %%
import datetime

log_dir = "logs/fit/" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
callbacks_list = [
    callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True, verbose=1),
    callbacks.ModelCheckpoint(filepath="best_model.keras", monitor="val_loss", save_best_only=True, verbose=1),
    callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=1e-6, verbose=1),
    callbacks.TensorBoard(log_dir=log_dir, histogram_freq=1),
    callbacks.CSVLogger("training_log.csv"),
]
tf.keras.utils.set_random_seed(0)
model = build_mlp(hidden=256)
model.compile(optimizer=optimizers.Adam(0.002), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(
    x_train,
    y_train,
    epochs=EPOCHS + 6,
    batch_size=64,
    validation_data=(x_val, y_val),
    callbacks=callbacks_list,
    verbose=0,
)
print("epochs run:", len(history.history["loss"]))
print("learning rate per epoch:", [round(lr, 6) for lr in history.history["learning_rate"]])
best = tf.keras.models.load_model("best_model.keras")
best.compile(loss="sparse_categorical_crossentropy")  # gradplay loads models uncompiled
val_loss_now = model.evaluate(x_val, y_val, verbose=0)[0]
val_loss_best = best.evaluate(x_val, y_val, verbose=0)
print(f"val loss of the restored model {val_loss_now:.4f}, of the checkpoint {val_loss_best:.4f}")
if callbacks_list[0].stopped_epoch:  # stopped early: the best weights were restored
    assert abs(val_loss_now - min(history.history["val_loss"])) < 1e-4
print("TensorBoard files:", sorted(os.listdir(log_dir)))
print(open("training_log.csv").read().splitlines()[:3])
# %% [markdown:en]
# ## 5. Feeding data with `tf.data`
#
# `tf.data.Dataset` builds an input pipeline: slice arrays into examples, `shuffle`, `map` a function
# over them, `batch`, `prefetch`. `fit` accepts a dataset directly (the batch size then comes from the
# dataset). Here the pipeline also adds a little noise to each image, a simple form of data augmentation.
# %% [markdown:zh-CN]
# ## 5. 用 `tf.data` 输送数据
#
# `tf.data.Dataset` 构建输入流水线:把数组切成样本,`shuffle` 打乱,`map` 对每个样本做变换,`batch` 分批,
# `prefetch` 预取。`fit` 可以直接接收数据集(这时批大小由数据集决定)。这里的流水线还给每张图加一点噪声,
# 这是一种简单的数据增强。
# %%
def add_noise(image, label):
    return tf.clip_by_value(image + tf.random.normal(tf.shape(image), stddev=0.05), 0.0, 1.0), label


train_ds = (
    tf.data.Dataset.from_tensor_slices((x_train, y_train))
    .shuffle(3000)
    .map(add_noise)
    .batch(64)
    .prefetch(tf.data.AUTOTUNE)
)
val_ds = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(256)
for images, labels_batch in train_ds.take(1):
    print("one batch:", images.shape, labels_batch.shape)

tf.keras.utils.set_random_seed(0)
model = build_mlp(hidden=256, dropout=0.3)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(train_ds, epochs=EPOCHS, validation_data=val_ds, verbose=0)
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy with 3000 training images: {test_acc:.3f}")
assert test_acc > 0.85
# %% [markdown:en]
# ## Exercise
#
# 1. Train with `SGD(learning_rate=0.1)` with and without `momentum=0.9`. Which reaches 90 % first?
# 2. Combine L2, Dropout and early stopping. What is the best validation accuracy you can get from the
#    3000 images?
# 3. Use `CosineDecay` as Adam's learning rate with `decay_steps` equal to the total number of steps.
#    Plot `model.optimizer.learning_rate` after each epoch with a `LambdaCallback`.
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 用 `SGD(learning_rate=0.1)` 训练,分别带和不带 `momentum=0.9`。哪个先达到 90%?
# 2. 把 L2、Dropout 和早停组合起来。用这 3000 张图片,你能得到的最好验证准确率是多少?
# 3. 把 `CosineDecay` 作为 Adam 的学习率,`decay_steps` 设为总步数。用 `LambdaCallback`
#    在每个 epoch 之后记录 `model.optimizer.learning_rate` 并画出来。
