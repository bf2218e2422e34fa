# Tutorial 09 - sequences with LSTM. Source of notebooks/{en,zh-CN}/09_lstm_sequences.ipynb.
# %% [markdown:en]
# # 09 · Sequences with LSTM
#
# Text, speech, prices and sensor readings are **sequences**: the order matters. A **recurrent** layer
# reads a sequence one step at a time and carries a *state* from step to step, a summary of what it has
# seen so far. The **LSTM** (long short-term memory) adds *gates* that decide what to keep, forget and
# output, so that information can survive many steps.
#
# Input shape for recurrent layers: `(batch, time steps, features)`.
#
# Two tasks: forecasting a time series, and classifying sequences of word ids.
# %% [markdown:zh-CN]
# # 09 · 用 LSTM 处理序列
#
# 文本、语音、价格和传感器读数都是**序列**:顺序很重要。**循环**层一次读入序列的一步,并把一个*状态*
# 从一步传到下一步——这是它对已读内容的总结。**LSTM**(长短期记忆网络)加入了*门*,决定保留、遗忘和
# 输出什么,使信息能跨越很多步保存下来。
#
# 循环层的输入形状是 `(批大小, 时间步, 特征数)`。
#
# 本课有两个任务:时间序列预测,以及对词编号序列进行分类。
# %%
import os

import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
from gradplay.engine.keras import layers, models

FAST = os.environ.get("GRADPLAY_FAST") == "1"
tf.keras.utils.set_random_seed(0)
# %% [markdown:en]
# ## Time series: the article's version
#
# The seed article feeds the sine wave to a two-layer LSTM as sequences of **length 1**
# (`reshape(-1, 1, 1)`): each sample is a single value, and the target is the next value.
# It runs, but look at the problem: the value $\sin t = 0.5$ occurs both on the way up and on the way
# down, and from one number the model cannot know which. The best it can do is average the two answers.
# %% [markdown:zh-CN]
# ## 时间序列:原文的写法
#
# 原文把正弦波以**长度为 1** 的序列(`reshape(-1, 1, 1)`)送入两层 LSTM:每个样本只有一个值,目标是下一个值。
# 代码能运行,但问题在于:$\sin t = 0.5$ 既出现在上升段也出现在下降段,只看一个数,模型无法知道是哪一种,
# 最多只能取两种答案的平均。
# %%
time = np.arange(0, 100, 0.1)
data = np.sin(time).astype("float32")

model = tf.keras.Sequential(
    [
        layers.LSTM(50, return_sequences=True, input_shape=(None, 1)),
        layers.LSTM(50),
        layers.Dense(1),
    ]
)
model.compile(optimizer="adam", loss="mse")
model.fit(data[:-10].reshape(-1, 1, 1), data[1:-9].reshape(-1, 1), epochs=10, verbose=0)
predictions = model.predict(data[-10:].reshape(-1, 1, 1), verbose=0)
one_step_error = float(np.mean((predictions[:-1, 0] - data[-9:]) ** 2))
print("length-1 sequences: mean squared error of the next value:", round(one_step_error, 4))
# %% [markdown:en]
# ## Time series with windows
#
# Give the LSTM a **window** of the last 30 values instead. Now it sees the direction of the curve, and
# the state has something to remember. We train on the first 80 % of the series and test on the rest.
# %% [markdown:zh-CN]
# ## 使用窗口的时间序列
#
# 改为给 LSTM 最近 30 个值组成的**窗口**。这样它能看出曲线的走向,状态也有东西可记。
# 用序列前 80% 训练,余下部分测试。
# %%
WINDOW = 30
noisy = data + np.random.default_rng(0).normal(0, 0.05, data.shape).astype("float32")
X = np.stack([noisy[i : i + WINDOW] for i in range(len(noisy) - WINDOW)])[..., np.newaxis]
y = data[WINDOW:]
split = int(0.8 * len(X))
X_train, y_train, X_test, y_test = X[:split], y[:split], X[split:], y[split:]
print("windows:", X_train.shape, "->", y_train.shape)

window_model = tf.keras.Sequential([layers.Input(shape=(WINDOW, 1)), layers.LSTM(32), layers.Dense(1)])
window_model.compile(optimizer="adam", loss="mse")
history = window_model.fit(X_train, y_train, epochs=8 if FAST else 20, batch_size=32, validation_split=0.1, verbose=0)
test_mse = window_model.evaluate(X_test, y_test, verbose=0)
print(f"windowed LSTM test MSE: {test_mse:.4f}   (length-1 version: {one_step_error:.4f})")
assert test_mse < 0.02
# %% [markdown:en]
# A harder test is a **multi-step forecast**: predict one step, append the prediction to the window,
# predict again, and so on. Errors accumulate, but a good model follows the wave for a while.
# %% [markdown:zh-CN]
# 更难的考验是**多步预测**:预测一步,把预测值接到窗口末尾,再预测,如此反复。误差会累积,
# 但好的模型能跟上正弦波一段时间。
# %%
window = list(noisy[split : split + WINDOW])
forecast = []
for _ in range(100):
    nxt = float(window_model.predict(np.array(window[-WINDOW:], "float32")[None, :, None], verbose=0)[0, 0])
    forecast.append(nxt)
    window.append(nxt)
t0 = split + WINDOW

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
axes[0].plot(history.history["loss"], label="training")
axes[0].plot(history.history["val_loss"], label="validation")
axes[0].set_yscale("log")
axes[0].set_title("loss (MSE)")
axes[0].legend()
axes[1].plot(time[split:], noisy[split:], color="lightgray", label="noisy data")
axes[1].plot(time[WINDOW + split :], window_model.predict(X_test, verbose=0)[:, 0], label="one step ahead")
axes[1].plot(time[t0 : t0 + 100], forecast, "--", label="100-step forecast")
axes[1].legend(loc="lower left")
axes[1].set_title("test part of the series")
plt.tight_layout()
plt.show()
# %% [markdown:en]
# ## Sequence classification: "sentiment" of word-id sequences
#
# Text reaches a network as sequences of word ids. An **Embedding** layer maps each id to a learned
# vector; the LSTM reads the vectors and its final state goes to a classifier.
#
# The article trains this on *random* ids with *random* labels. That is a useful sanity check (a model
# cannot beat 50 % on random labels) but teaches nothing else, so we build a toy language with a rule:
# words 1–5 are "positive", 6–10 "negative", the rest neutral, and a sequence is positive when it
# contains more positive than negative words. The LSTM has to learn which words matter and count them.
# %% [markdown:zh-CN]
# ## 序列分类:词编号序列的“情感”
#
# 文本以词编号序列的形式进入网络。**Embedding** 层把每个编号映射成一个可学习的向量;LSTM 读入这些向量,
# 最后的状态交给分类器。
#
# 原文用*随机*编号和*随机*标签训练。这是个有用的检查(随机标签下模型不可能超过 50%),但除此之外学不到什么。
# 所以我们造一个有规则的玩具语言:词 1–5 是“正面”的,6–10 是“负面”的,其余是中性的;
# 正面词多于负面词的序列为正面。LSTM 必须学会哪些词重要,并数出它们的个数。
# %%
vocab_size, max_length = 50, 20
rng = np.random.default_rng(1)


def make_sentences(n):
    X = rng.integers(1, vocab_size, size=(n, max_length))
    positive = ((X >= 1) & (X <= 5)).sum(axis=1)
    negative = ((X >= 6) & (X <= 10)).sum(axis=1)
    keep = positive != negative  # drop ties
    return X[keep], (positive > negative)[keep].astype("int32")


X_train, y_train = make_sentences(2000 if FAST else 8000)
X_test, y_test = make_sentences(1000)
print(X_train.shape, "positive share:", y_train.mean().round(2))
print("first sentence:", X_train[0], "label:", y_train[0])


def build_lstm_model(vocab_size=10000, embedding_dim=128, max_length=200, num_classes=2):
    return models.Sequential(
        [
            layers.Input(shape=(max_length,)),
            layers.Embedding(vocab_size, embedding_dim),
            layers.LSTM(32, return_sequences=False, dropout=0.1),
            layers.Dense(32, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )


model = build_lstm_model(vocab_size=vocab_size, embedding_dim=16, max_length=max_length)
model.summary()
model.compile(optimizer=tf.keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(X_train, y_train, batch_size=64, epochs=8 if FAST else 15, validation_split=0.2, verbose=0)
test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy: {test_acc:.4f}")
assert test_acc > 0.75

plt.figure(figsize=(6, 3.5))
plt.plot(history.history["accuracy"], label="training")
plt.plot(history.history["val_accuracy"], label="validation")
plt.axhline(0.5, color="gray", linestyle=":", label="chance")
plt.xlabel("epoch")
plt.title("LSTM on the toy sentiment task")
plt.legend()
plt.show()
# %% [markdown:en]
# What did the embedding learn? Project the 16-dimensional word vectors onto their two main directions
# (a PCA done with NumPy's SVD): positive and negative words should end up apart from the neutral ones.
# %% [markdown:zh-CN]
# 嵌入层学到了什么?把 16 维的词向量投影到它们的两个主方向上(用 NumPy 的 SVD 做 PCA):
# 正面词和负面词应当与中性词分开。
# %%
vectors = model.layers[0].get_weights()[0]  # (vocab_size, 16)
centered = vectors - vectors.mean(axis=0)
_, _, vt = np.linalg.svd(centered, full_matrices=False)
xy = centered @ vt[:2].T
kind = np.array(["neutral"] * vocab_size, dtype=object)
kind[1:6], kind[6:11], kind[0] = "positive", "negative", "unused (0)"
plt.figure(figsize=(5, 4.5))
for k, color in [("neutral", "lightgray"), ("positive", "tab:green"), ("negative", "tab:red"), ("unused (0)", "black")]:
    sel = kind == k
    plt.scatter(xy[sel, 0], xy[sel, 1], c=color, label=k)
for i in range(1, 11):
    plt.annotate(str(i), xy[i])
plt.legend()
plt.title("word embeddings, first two principal components")
plt.show()
# %% [markdown:en]
# ## Exercise
#
# 1. Replace `LSTM` by `SimpleRNN` or `GRU` in the sentiment model. Which learns fastest?
# 2. Make the sentences longer (`max_length = 100`). Does the LSTM still learn to count?
# 3. Train the article's model on random labels (`y = rng.integers(0, 2, n)`) and confirm that the test
#    accuracy stays near 50 % while the training accuracy can rise: that is pure memorisation.
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 在情感模型中把 `LSTM` 换成 `SimpleRNN` 或 `GRU`。哪个学得最快?
# 2. 把句子加长(`max_length = 100`)。LSTM 还能学会计数吗?
# 3. 用随机标签(`y = rng.integers(0, 2, n)`)训练原文的模型,确认测试准确率停留在 50% 附近,
#    而训练准确率却可能上升:这纯粹是死记硬背。
