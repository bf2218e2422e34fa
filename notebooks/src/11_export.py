# Tutorial 11 - exporting to Keras, TensorFlow.js and ONNX. Source of notebooks/{en,zh-CN}/11_export.ipynb.
# %% [markdown:en]
# # 11 · Exporting a model: Keras (`.keras`), TensorFlow.js and ONNX
#
# A trained model is only useful if it can leave the notebook. gradplay writes the standard formats, so a
# model trained here runs elsewhere without gradplay:
#
# | format | written by | read by |
# |---|---|---|
# | `.keras` (zip: `config.json` + `model.weights.h5`) | `model.save("m.keras")` | Keras 3 (`keras.saving.load_model`), gradplay |
# | legacy `.h5` | `model.save("m.h5")` | Keras, gradplay |
# | `.weights.h5` (weights only) | `model.save_weights(...)` | Keras 3 `model.load_weights`, gradplay |
# | TensorFlow.js layers model (`model.json` + `.bin` shards) | `model.export("web_model", format="tfjs")` | `tf.loadLayersModel` in the browser or Node |
# | ONNX (`.onnx`) | `model.export("m.onnx", format="onnx")` | ONNX Runtime (Python, C++, C#, JavaScript, ...) |
#
# We train a small CNN on MNIST, export it in every format, load each file back and check that the
# predictions agree.
# %% [markdown:zh-CN]
# # 11 · 导出模型:Keras(`.keras`)、TensorFlow.js 和 ONNX
#
# 训练好的模型只有能离开笔记本才有用。gradplay 写出标准格式,所以在这里训练的模型可以在没有 gradplay 的地方运行:
#
# | 格式 | 写出方式 | 读取方 |
# |---|---|---|
# | `.keras`(zip:`config.json` + `model.weights.h5`) | `model.save("m.keras")` | Keras 3(`keras.saving.load_model`)、gradplay |
# | 传统 `.h5` | `model.save("m.h5")` | Keras、gradplay |
# | `.weights.h5`(仅权重) | `model.save_weights(...)` | Keras 3 的 `model.load_weights`、gradplay |
# | TensorFlow.js layers 模型(`model.json` + `.bin` 分片) | `model.export("web_model", format="tfjs")` | 浏览器或 Node 中的 `tf.loadLayersModel` |
# | ONNX(`.onnx`) | `model.export("m.onnx", format="onnx")` | ONNX Runtime(Python、C++、C#、JavaScript 等) |
#
# 我们在 MNIST 上训练一个小 CNN,把它导出成每一种格式,再逐个加载回来,检查预测结果是否一致。
# %%
import importlib.util
import json
import os
import zipfile

import numpy as np
import matplotlib.pyplot as plt

import gradplay.engine as tf
from gradplay.engine.keras import layers, models, saving

FAST = os.environ.get("GRADPLAY_FAST") == "1"
tf.keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
n_train = 5000 if FAST else 60000
x_train, y_train = x_train[:n_train, ..., np.newaxis] / 255.0, y_train[:n_train]
x_test = (x_test[..., np.newaxis] / 255.0).astype("float32")

model = models.Sequential(
    [
        layers.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=1 if FAST else 3, batch_size=32, verbose=2)
_, acc = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {acc:.4f}")
assert acc > (0.85 if FAST else 0.97)
sample = x_test[:16]
reference = model.predict(sample, verbose=0)
# %% [markdown:en]
# ## The Keras format: `.keras`
#
# A `.keras` file is a zip archive. `config.json` describes the architecture (every layer with its
# configuration), `model.weights.h5` holds the weights in HDF5, and `metadata.json` records who wrote it.
# %% [markdown:zh-CN]
# ## Keras 格式:`.keras`
#
# `.keras` 文件是一个 zip 压缩包。`config.json` 描述结构(每一层及其配置),`model.weights.h5` 以 HDF5
# 保存权重,`metadata.json` 记录由谁写出。
# %%
model.save("mnist_cnn.keras")
with zipfile.ZipFile("mnist_cnn.keras") as archive:
    print(archive.namelist())
    config = json.loads(archive.read("config.json"))
print("model class:", config["class_name"], "| layers:", [entry["class_name"] for entry in config["config"]["layers"]])

restored = tf.keras.models.load_model("mnist_cnn.keras")
np.testing.assert_allclose(restored.predict(sample, verbose=0), reference, rtol=1e-5, atol=1e-6)
print("gradplay reloads the .keras file: same predictions")

model.save("mnist_cnn.h5")  # the legacy format used by older tutorials
model.save_weights("mnist_cnn.weights.h5")  # weights only: load them into a model of the same architecture
twin = models.Sequential([layers.Input(shape=(28, 28, 1))] + [type(l).from_config(l.get_config()) for l in model.layers])
twin.load_weights("mnist_cnn.weights.h5")
np.testing.assert_allclose(twin.predict(sample, verbose=0), reference, rtol=1e-5, atol=1e-6)
for path in ("mnist_cnn.keras", "mnist_cnn.h5", "mnist_cnn.weights.h5"):
    print(f"{path:22s} {os.path.getsize(path) / 1024:8.1f} KiB")
# %% [markdown:en]
# ### Opening the file with the real Keras 3
#
# If Keras 3 is installed (`pip install keras jax`), it loads the file directly. (This cell is skipped
# otherwise.)
# %% [markdown:zh-CN]
# ### 用真正的 Keras 3 打开文件
#
# 如果安装了 Keras 3(`pip install keras jax`),它可以直接加载这个文件。(否则跳过本单元。)
# %%
if importlib.util.find_spec("keras") and importlib.util.find_spec("jax"):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    keras_model = keras.saving.load_model("mnist_cnn.keras")
    keras_pred = np.asarray(keras_model.predict(sample, verbose=0))
    np.testing.assert_allclose(keras_pred, reference, rtol=1e-4, atol=1e-5)
    print(f"Keras {keras.__version__} ({keras.backend.backend()} backend) predicts the same digits:", keras_pred.argmax(1))
else:
    print("Keras 3 is not installed; skipped.")
# %% [markdown:en]
# ## TensorFlow.js
#
# `format="tfjs"` writes a folder with `model.json` (architecture and a manifest of the weights) and
# binary weight shards. Serve the folder with any web server and load it in the browser:
#
# ```html
# <script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4.22.0/dist/tf.min.js"></script>
# <script>
#   tf.loadLayersModel("web_model/model.json").then(model => {
#     const x = tf.zeros([1, 28, 28, 1]);
#     model.predict(x).print();
#   });
# </script>
# ```
# %% [markdown:zh-CN]
# ## TensorFlow.js
#
# `format="tfjs"` 写出一个文件夹,里面有 `model.json`(结构和权重清单)以及二进制权重分片。
# 用任意 Web 服务器提供这个文件夹,就能在浏览器中加载:
#
# ```html
# <script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4.22.0/dist/tf.min.js"></script>
# <script>
#   tf.loadLayersModel("web_model/model.json").then(model => {
#     const x = tf.zeros([1, 28, 28, 1]);
#     model.predict(x).print();
#   });
# </script>
# ```
# %%
model.export("web_model", format="tfjs")
print(sorted(os.listdir("web_model")))
with open("web_model/model.json") as f:
    model_json = json.load(f)
print("format:", model_json["format"])
for group in model_json["weightsManifest"]:
    for w in group["weights"]:
        print(f"  {w['name']:22s} {w['shape']}")
web_again = saving.load_tfjs("web_model")  # gradplay reads the folder back too
np.testing.assert_allclose(web_again.predict(sample, verbose=0), reference, rtol=1e-5, atol=1e-6)
# %% [markdown:en]
# ## ONNX, run by ONNX Runtime
#
# ONNX is a graph format that many runtimes execute. The exported graph takes the same NHWC input as
# the Keras model. If `onnxruntime` is installed we run the file and compare.
# %% [markdown:zh-CN]
# ## ONNX,用 ONNX Runtime 运行
#
# ONNX 是一种被许多运行时支持的计算图格式。导出的计算图接收与 Keras 模型相同的 NHWC 输入。
# 如果安装了 `onnxruntime`,我们就运行这个文件并比较结果。
# %%
if importlib.util.find_spec("onnx"):
    model.export("mnist_cnn.onnx", format="onnx")
    print(f"mnist_cnn.onnx: {os.path.getsize('mnist_cnn.onnx') / 1024:.1f} KiB")
    if importlib.util.find_spec("onnxruntime"):
        import onnxruntime as ort

        session = ort.InferenceSession("mnist_cnn.onnx", providers=["CPUExecutionProvider"])
        input_name = session.get_inputs()[0].name
        print("input:", input_name, session.get_inputs()[0].shape, "-> output:", session.get_outputs()[0].shape)
        onnx_pred = session.run(None, {input_name: sample})[0]
        np.testing.assert_allclose(onnx_pred, reference, rtol=1e-4, atol=1e-5)
        print("ONNX Runtime predicts:", onnx_pred.argmax(1))
    else:
        print("onnxruntime is not installed (pip install onnxruntime); the file was written but not run.")
else:
    print("The onnx package is not installed (pip install onnx); skipped.")
# %% [markdown:en]
# ## Everyone agrees
# %% [markdown:zh-CN]
# ## 结果一致
# %%
fig, axes = plt.subplots(2, 8, figsize=(12, 3.4))
for ax, image, p in zip(axes.ravel(), sample, reference):
    ax.imshow(image[:, :, 0], cmap="gray")
    ax.set_title(f"{p.argmax()} ({p.max():.2f})", fontsize=9)
    ax.axis("off")
plt.suptitle("predictions (identical in gradplay, Keras, TensorFlow.js and ONNX Runtime)")
plt.show()
# %% [markdown:en]
# ## Exercise
#
# 1. Export the CNN of notebook 06 to ONNX and time `session.run` against `model.predict` on 1000 images.
# 2. Open `web_model/model.json` and find the layer list. Which Keras-2 field holds the input shape?
# 3. Write a tiny web page that loads `web_model` with TensorFlow.js and classifies a digit drawn on a
#    `<canvas>` (serve the folder with `python -m http.server`).
# %% [markdown:zh-CN]
# ## 练习
#
# 1. 把第 06 课的 CNN 导出为 ONNX,并在 1000 张图片上比较 `session.run` 与 `model.predict` 的耗时。
# 2. 打开 `web_model/model.json`,找到层列表。哪个 Keras 2 字段保存了输入形状?
# 3. 写一个小网页,用 TensorFlow.js 加载 `web_model`,并识别在 `<canvas>` 上画的数字
#    (用 `python -m http.server` 提供这个文件夹)。
