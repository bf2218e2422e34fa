# Tutorial 12 - the Playground inside a notebook. Source of notebooks/{en,zh-CN}/12_playground.ipynb.
# %% [markdown:en]
# # 12 · The Playground inside a notebook
#
# The gradplay Playground (a successor of playground.tensorflow.org) also lives in notebooks:
# `%load_ext gradplay` adds the `%playground` magic, which shows the live Playground in a cell,
# training on this kernel's engine. Press **Play** in the output to watch it learn; everything you
# change there (dataset, features, layers, learning rate, ...) is also reachable from code, and
# the trained network comes back to Python as an ordinary Keras-style model.
# %% [markdown:zh-CN]
# # 12 · 笔记本里的 Playground
#
# gradplay 的 Playground(playground.tensorflow.org 的后继者)也能在笔记本里使用:
# `%load_ext gradplay` 会加入 `%playground` 魔法命令,在单元格中显示实时的 Playground,
# 用本内核的引擎训练。在输出里按 **Play** 就能看它学习;你在那里改的一切(数据集、特征、层数、学习率……)
# 也都能用代码访问,训练好的网络会作为普通的 Keras 风格模型回到 Python 中。
# %%
import os

import numpy as np
import panel as pn

import gradplay.engine as tf

pn.extension()
%load_ext gradplay
FAST = os.environ.get("GRADPLAY_FAST") == "1"
# %% [markdown:en]
# ## Open a Playground
#
# The options are the TF Playground's own link keys (`--dataset`, `--networkShape`,
# `--activation`, `--learningRate`, the features `--x --y --xSquared --sinX ...`); a whole TF
# Playground link works too. `-o pg` keeps the Playground in the variable `pg`.
# %% [markdown:zh-CN]
# ## 打开一个 Playground
#
# 选项就是 TF Playground 链接里的那些键(`--dataset`、`--networkShape`、`--activation`、
# `--learningRate`,以及特征 `--x --y --xSquared --sinX ...`);整条 TF Playground 链接也可以。
# `-o pg` 把这个 Playground 存进变量 `pg`。
# %%
%playground --dataset xor --networkShape 4,4 --activation tanh --learningRate 0.03 -o pg
# %% [markdown:en]
# ## Train from code
#
# `pg.session` is the headless training session behind the page. One call of `train_epoch()` is
# one pass over the training points, exactly what one tick of the Play button does;
# `pg.redraw()` refreshes the views above.
# %% [markdown:zh-CN]
# ## 用代码训练
#
# `pg.session` 是页面背后的无界面训练会话。调用一次 `train_epoch()` 就是把训练点过一遍,
# 和按下 Play 后的一次更新完全相同;`pg.redraw()` 刷新上面的视图。
# %%
session = pg.session
before = session.evaluate()
for _ in range(60 if FAST else 200):
    logs = session.train_epoch()
pg.redraw()
print(f"test loss {before['val_loss']:.3f} -> {logs['val_loss']:.3f}, test accuracy {logs['val_accuracy']:.1%}")
assert logs["val_loss"] < before["val_loss"]
# %% [markdown:en]
# ## The network is a Keras-style model
#
# `session.model` is a `gradplay.engine.keras` model: it predicts, saves to `.keras`, and its
# weights are the ones drawn on the edges of the network diagram.
# %% [markdown:zh-CN]
# ## 网络就是一个 Keras 风格的模型
#
# `session.model` 是 `gradplay.engine.keras` 模型:可以预测、保存为 `.keras`,
# 它的权重就是网络图里连线所画的那些。
# %%
model = session.model
model.summary()
corners = np.array([[3.0, 3.0], [-3.0, 3.0], [-3.0, -3.0], [3.0, -3.0]], dtype="float32")
outputs = model(tf.constant(corners))  # this Playground feeds x1 and x2 (the corners themselves)
print("predictions at the four corners:", np.round(outputs.numpy()[:, 0], 2))
# %% [markdown:en]
# ## The code behind it
#
# "Show as Python code" in the page prints the exact program that rebuilds and trains this
# network with `gradplay.engine`; the session runs that very code.
# %% [markdown:zh-CN]
# ## 背后的代码
#
# 页面上的 "Show as Python code" 会打印出用 `gradplay.engine` 重建并训练这个网络的完整程序;
# 会话运行的正是这段代码。
# %%
print("\n".join(session.to_code().splitlines()[:25]))
# %% [markdown:en]
# ## Exercise
#
# 1. Open `%playground --dataset spiral -o sp` and find features and a network shape that reach
#    a test accuracy above 90 % (hint: `--sinX --sinY`, two hidden layers of 8).
# 2. With `--noise 30`, compare the test loss of a network with L2 regularization
#    (`--regularization L2 --regularizationRate 0.01`) against one without. Which overfits?
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 打开 `%playground --dataset spiral -o sp`,找出能让测试准确率超过 90% 的特征和网络结构
#    (提示:`--sinX --sinY`,两个 8 个神经元的隐藏层)。
# 2. 在 `--noise 30` 下,比较加 L2 正则化(`--regularization L2 --regularizationRate 0.01`)
#    和不加时的测试损失。哪一个过拟合了?
