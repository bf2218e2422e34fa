# Tutorial 10 - residual and Transformer blocks. Source of notebooks/{en,zh-CN}/10_residual_transformer.ipynb.
# %% [markdown:en]
# # 10 · Residual blocks and Transformer blocks
#
# Two ideas behind most modern networks:
#
# - the **residual connection** $y = x + F(x)$ (ResNet, 2015): a block only has to learn a *correction*
#   $F$ to its input, and gradients can flow straight through the `+`, so very deep networks still train;
# - **attention** (Transformer, 2017): every position of a sequence looks at every other position and
#   takes a weighted average of what it finds, with weights computed from the data.
#
# We build both with Keras' **functional API** (layers called on tensors, which allows branches and
# merges) and with **custom layers** (subclasses of `layers.Layer`).
# %% [markdown:zh-CN]
# # 10 · 残差块与 Transformer 块
#
# 大多数现代网络背后有两个思想:
#
# - **残差连接** $y = x + F(x)$(ResNet,2015):每个块只需学习对输入的*修正* $F$,梯度可以直接穿过 `+`,
#   所以很深的网络也能训练;
# - **注意力**(Transformer,2017):序列中的每个位置都“看”所有其他位置,并对看到的内容做加权平均,
#   权重由数据计算得出。
#
# 我们用 Keras 的**函数式 API**(在张量上调用层,可以分支与合并)和**自定义层**(`layers.Layer` 的子类)来构建它们。
# %%
import os

import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
from gradplay.engine.keras import layers, models

FAST = os.environ.get("GRADPLAY_FAST") == "1"
tf.keras.utils.set_random_seed(0)
# %% [markdown:en]
# ## Why residual connections help: gradients in a deep network
#
# Take a stack of 30 `Dense(64, activation="tanh")` layers, once plain and once with a skip connection
# around each layer, and measure the size of the loss gradient at each layer's kernel before any training.
# In the plain stack the gradient shrinks layer after layer (it *vanishes*); with skips it stays large
# all the way down to the first layer.
# %% [markdown:zh-CN]
# ## 残差连接为什么有用:深层网络中的梯度
#
# 取 30 层 `Dense(64, activation="tanh")` 堆叠,一次是普通堆叠,一次在每层外加跳跃连接,
# 在训练前测量损失对每层权重的梯度大小。普通堆叠中梯度一层层缩小(*消失*);有跳跃连接时,
# 梯度一直到第一层都保持很大。
# %%
def deep_stack(depth=30, width=64, residual=False):
    inputs = layers.Input(shape=(width,))
    x = inputs
    for _ in range(depth):
        fx = layers.Dense(width, activation="tanh")(x)
        x = layers.add([x, fx]) if residual else fx
    outputs = layers.Dense(1)(x)
    return models.Model(inputs, outputs)


x_demo = np.random.default_rng(0).normal(size=(256, 64)).astype("float32")
y_demo = np.random.default_rng(1).normal(size=(256, 1)).astype("float32")
grad_norms = {}
for residual in (False, True):
    net = deep_stack(residual=residual)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(net(x_demo) - y_demo))
    kernels = [v for v in net.trainable_variables if "kernel" in v.name][:-1]
    grads = tape.gradient(loss, kernels)
    grad_norms["residual" if residual else "plain"] = [float(tf.norm(g)) for g in grads]

plt.figure(figsize=(7, 3.5))
for name, norms in grad_norms.items():
    plt.semilogy(range(1, len(norms) + 1), norms, "o-", label=name)
plt.xlabel("layer (1 = closest to the input)")
plt.ylabel("gradient norm")
plt.title("gradient reaching each layer of a 30-layer tanh network")
plt.legend()
plt.show()
print("first-layer gradient: plain %.2e, residual %.2e" % (grad_norms["plain"][0], grad_norms["residual"][0]))
assert grad_norms["residual"][0] > 10 * grad_norms["plain"][0]
# %% [markdown:en]
# ## A residual block for images
#
# The article's block: two 3×3 convolutions with batch normalization on the main path; the shortcut is
# the input itself, or a 1×1 convolution when the number of channels or the resolution changes
# (the two paths must have the same shape to be added).
# %% [markdown:zh-CN]
# ## 用于图像的残差块
#
# 原文的残差块:主路径上是两个带批归一化的 3×3 卷积;捷径就是输入本身,或者在通道数、分辨率改变时用
# 1×1 卷积(两条路径形状必须相同才能相加)。
# %%
def residual_block(x, filters, kernel_size=3, stride=1, conv_shortcut=True, momentum=0.99):
    # main path
    y = layers.Conv2D(filters, kernel_size, strides=stride, padding="same")(x)
    y = layers.BatchNormalization(momentum=momentum)(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, kernel_size, padding="same")(y)
    y = layers.BatchNormalization(momentum=momentum)(y)
    # shortcut
    if conv_shortcut:
        shortcut = layers.Conv2D(filters, 1, strides=stride, padding="same")(x)
        shortcut = layers.BatchNormalization(momentum=momentum)(shortcut)
    else:
        shortcut = x
    y = layers.add([y, shortcut])
    return layers.Activation("relu")(y)


def build_resnet(
    input_shape=(32, 32, 3), num_classes=10, widths=(64, 128, 256), blocks=3, dense=512, stem_stride=1, momentum=0.99
):
    inputs = layers.Input(shape=input_shape)
    x = layers.Conv2D(widths[0], (3, 3), strides=stem_stride, padding="same")(inputs)
    x = layers.BatchNormalization(momentum=momentum)(x)
    x = layers.Activation("relu")(x)
    for stage, filters in enumerate(widths):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            shortcut = not (stage == 0 and block == 0)
            x = residual_block(x, filters, stride=stride, conv_shortcut=shortcut, momentum=momentum)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(dense, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return models.Model(inputs=inputs, outputs=outputs)


big = build_resnet()  # the article's network: 9 residual blocks
print(f"the article's ResNet: {len(big.layers)} layers, {big.count_params():,} parameters")
# %% [markdown:en]
# That network is meant for a GPU. A narrow version with one block per stage, whose first convolution
# halves the image (`stem_stride=2`), trains on MNIST in a minute on a CPU. As in notebook 08 we set the
# batch-normalization `momentum` to 0.9 so that its running statistics settle within a short run.
# %% [markdown:zh-CN]
# 那个网络是为 GPU 准备的。每个阶段只有一个残差块、且第一个卷积把图像缩小一半(`stem_stride=2`)的窄版本,
# 在 CPU 上一分钟就能在 MNIST 上训练好。和第 08 课一样,我们把批归一化的 `momentum` 设为 0.9,
# 让它的滑动统计量在短时间训练中就能稳定下来。
# %%
(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
n_train = 3000 if FAST else 20000
x_train, y_train = x_train[:n_train, ..., np.newaxis] / 255.0, y_train[:n_train]
x_test, y_test = x_test[:2000, ..., np.newaxis] / 255.0, y_test[:2000]

tf.keras.utils.set_random_seed(0)
resnet = build_resnet(input_shape=(28, 28, 1), widths=(16, 32), blocks=1, dense=64, stem_stride=2, momentum=0.9)
resnet.summary()
resnet.compile(optimizer=tf.keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
resnet.fit(x_train, y_train, epochs=3, batch_size=32, verbose=2)
_, resnet_acc = resnet.evaluate(x_test, y_test, verbose=0)
print(f"small ResNet test accuracy: {resnet_acc:.4f}")
assert resnet_acc > (0.8 if FAST else 0.95)
# %% [markdown:en]
# ## Attention from scratch
#
# Scaled dot-product attention: each *query* is compared with every *key* by a dot product; a softmax
# turns the scores into weights; the output is the weighted average of the *values*:
#
# $$\text{Attention}(Q, K, V) = \text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right) V$$
#
# In **self-attention** queries, keys and values all come from the same sequence (through three
# different Dense layers). **Multi-head** attention runs several of these in parallel on slices of the
# features, then mixes the results. This is the article's custom layer:
# %% [markdown:zh-CN]
# ## 从零实现注意力
#
# 缩放点积注意力:每个 *query* 与每个 *key* 做点积比较;softmax 把分数变成权重;输出是 *value* 的加权平均:
#
# $$\text{Attention}(Q, K, V) = \text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right) V$$
#
# 在**自注意力**中,query、key 和 value 都来自同一个序列(经过三个不同的 Dense 层)。**多头**注意力把特征
# 切成几份,并行地做几次注意力,再把结果混合。下面是原文的自定义层:
# %%
class MultiHeadAttention(layers.Layer):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.d_model = d_model
        assert d_model % num_heads == 0
        self.depth = d_model // num_heads
        self.wq = layers.Dense(d_model)
        self.wk = layers.Dense(d_model)
        self.wv = layers.Dense(d_model)
        self.dense = layers.Dense(d_model)

    def split_heads(self, x, batch_size):
        """(batch, seq, d_model) -> (batch, heads, seq, depth)"""
        x = tf.reshape(x, [batch_size, -1, self.num_heads, self.depth])
        return tf.transpose(x, perm=[0, 2, 1, 3])

    def call(self, v, k, q, mask=None):
        batch_size = tf.shape(q)[0]
        q = self.split_heads(self.wq(q), batch_size)
        k = self.split_heads(self.wk(k), batch_size)
        v = self.split_heads(self.wv(v), batch_size)
        matmul_qk = tf.matmul(q, k, transpose_b=True)  # (..., seq_len_q, seq_len_k)
        dk = tf.cast(tf.shape(k)[-1], tf.float32)
        scaled_attention_logits = matmul_qk / tf.math.sqrt(dk)
        if mask is not None:
            scaled_attention_logits += mask * -1e9
        attention_weights = tf.nn.softmax(scaled_attention_logits, axis=-1)
        output = tf.matmul(attention_weights, v)  # (..., seq_len_q, depth)
        output = tf.transpose(output, perm=[0, 2, 1, 3])
        output = tf.reshape(output, [batch_size, -1, self.d_model])
        return self.dense(output), attention_weights


mha = MultiHeadAttention(d_model=16, num_heads=4)
seq = tf.random.normal([2, 6, 16])
out, weights = mha(seq, seq, seq)
print("output", out.shape, " attention weights", weights.shape)
np.testing.assert_allclose(tf.reduce_sum(weights, axis=-1).numpy(), 1.0, rtol=1e-5)

builtin = layers.MultiHeadAttention(num_heads=4, key_dim=4)
out2, weights2 = builtin(seq, seq, return_attention_scores=True)
print("Keras' built-in layer gives the same shapes:", out2.shape, weights2.shape)
# %% [markdown:en]
# ## A Transformer encoder block
#
# Attention, then a small feed-forward network applied at every position, each wrapped in a residual
# connection followed by `LayerNormalization` (which normalises each position's feature vector).
#
# Two changes to the article's code: `call` takes `training=None` and passes it on, so Keras switches
# dropout off at test time (the article hard-codes `training=True`, which keeps dropout on during
# prediction); and the block keeps the last attention weights so that we can look at them.
# %% [markdown:zh-CN]
# ## Transformer 编码器块
#
# 先是注意力,然后是在每个位置上独立作用的小前馈网络,二者都包在残差连接里,后接 `LayerNormalization`
# (对每个位置的特征向量做标准化)。
#
# 对原文代码做了两处修改:`call` 接收 `training=None` 并向下传递,这样 Keras 会在测试时关闭 dropout
# (原文写死了 `training=True`,预测时 dropout 仍在起作用);另外块会保存最近一次的注意力权重,方便我们查看。
# %%
class TransformerBlock(layers.Layer):
    def __init__(self, d_model, num_heads, dff, rate=0.1):
        super().__init__()
        self.mha = MultiHeadAttention(d_model, num_heads)
        self.ffn = tf.keras.Sequential([layers.Dense(dff, activation="relu"), layers.Dense(d_model)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)
        self.last_attention = None

    def call(self, x, training=None, mask=None):
        attn_output, self.last_attention = self.mha(x, x, x, mask)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(x + attn_output)
        ffn_output = self.dropout2(self.ffn(out1), training=training)
        return self.layernorm2(out1 + ffn_output)


class PositionEmbedding(layers.Layer):
    """Adds a learned vector per position (the article adds a fixed random one, see the exercise)."""

    def __init__(self, max_length, d_model):
        super().__init__()
        self.pos = layers.Embedding(max_length, d_model)

    def call(self, x):
        return x + self.pos(tf.range(tf.shape(x)[1]))


def build_transformer_model(vocab_size=10000, d_model=128, num_heads=8, dff=512, max_length=200, num_classes=2):
    inputs = layers.Input(shape=(max_length,))
    x = layers.Embedding(vocab_size, d_model)(inputs)
    x = PositionEmbedding(max_length, d_model)(x)
    x = TransformerBlock(d_model, num_heads, dff)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return models.Model(inputs=inputs, outputs=outputs)
# %% [markdown:en]
# ## Training it: which word comes first?
#
# A task that needs positions: sequences of 12 word ids contain exactly one "A" (id 1) and one "B"
# (id 2) among neutral words; the label says whether A comes before B. Averaging word vectors cannot
# solve it (it ignores order); attention with position embeddings can.
# %% [markdown:zh-CN]
# ## 训练:哪个词在前面?
#
# 一个需要位置信息的任务:长度为 12 的词编号序列中,在中性词之间恰好有一个“A”(编号 1)和一个“B”(编号 2);
# 标签表示 A 是否出现在 B 之前。对词向量取平均无法解决(它忽略了顺序);带位置嵌入的注意力可以。
# %%
vocab_size, max_length = 20, 12
rng = np.random.default_rng(0)


def make_order_task(n):
    X = rng.integers(3, vocab_size, size=(n, max_length))
    pos = np.array([rng.choice(max_length, 2, replace=False) for _ in range(n)])
    X[np.arange(n), pos[:, 0]] = 1
    X[np.arange(n), pos[:, 1]] = 2
    return X, (pos[:, 0] < pos[:, 1]).astype("int32")


X_train, y_train = make_order_task(3000 if FAST else 10000)
X_test, y_test = make_order_task(1000)
print(X_train[0], "A before B:", y_train[0])

tf.keras.utils.set_random_seed(0)
transformer = build_transformer_model(vocab_size=vocab_size, d_model=32, num_heads=4, dff=64, max_length=max_length)
transformer.summary()
transformer.compile(optimizer=tf.keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = transformer.fit(X_train, y_train, epochs=10 if FAST else 20, batch_size=64, validation_split=0.1, verbose=0)
_, order_acc = transformer.evaluate(X_test, y_test, verbose=0)
print(f"Transformer test accuracy on 'A before B': {order_acc:.4f}")
assert order_acc > 0.8

plt.figure(figsize=(6, 3.5))
plt.plot(history.history["accuracy"], label="training")
plt.plot(history.history["val_accuracy"], label="validation")
plt.axhline(0.5, color="gray", linestyle=":", label="chance")
plt.xlabel("epoch")
plt.legend()
plt.title("Transformer on the order task")
plt.show()
# %% [markdown:en]
# ## Looking at the attention
#
# For one test sequence, each row shows where a position looks (averaged over the heads). After
# training, the columns of A and B usually stand out: the other positions have learned to look at the
# two words that decide the answer.
# %% [markdown:zh-CN]
# ## 查看注意力
#
# 对一条测试序列,每一行显示一个位置把注意力放在哪里(对各头取平均)。训练之后,A 和 B 所在的列通常很突出:
# 其他位置学会了去看决定答案的那两个词。
# %%
block = next(layer for layer in transformer.layers if isinstance(layer, TransformerBlock))
sample = X_test[:1]
prob = transformer.predict(sample, verbose=0)[0, 1]
attention = block.last_attention.numpy()[0].mean(axis=0)  # (seq, seq), averaged over heads
labels = ["A" if t == 1 else "B" if t == 2 else str(t) for t in sample[0]]
plt.figure(figsize=(5.5, 5))
plt.imshow(attention, cmap="viridis")
plt.xticks(range(max_length), labels)
plt.yticks(range(max_length), labels)
plt.xlabel("looks at (key)")
plt.ylabel("position (query)")
plt.title(f"attention; P(A before B) = {prob:.2f}, truth = {bool(y_test[0])}")
plt.colorbar()
plt.show()
# %% [markdown:en]
# ## Exercise
#
# 1. Remove `PositionEmbedding` from the model. What accuracy does the order task reach now, and why?
# 2. The article adds `layers.Embedding(max_length, d_model)(positions)` computed from a constant
#    `tf.range`: that embedding is evaluated once while the model is built, so it becomes a fixed random
#    tensor, not a trained weight. Check this with `transformer.count_params()`.
# 3. In `deep_stack`, replace `tanh` by `relu` and compare the plain and residual gradients again.
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 从模型中去掉 `PositionEmbedding`。顺序任务现在能达到多少准确率?为什么?
# 2. 原文用常量 `tf.range` 计算 `layers.Embedding(max_length, d_model)(positions)`:这个嵌入在构建模型时
#    只计算一次,于是变成一个固定的随机张量,而不是被训练的权重。用 `transformer.count_params()` 验证这一点。
# 3. 在 `deep_stack` 中把 `tanh` 换成 `relu`,再次比较普通堆叠与残差堆叠的梯度。
