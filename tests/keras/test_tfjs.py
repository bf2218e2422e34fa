"""TensorFlow.js export: the folder gradplay writes is loaded by the real TF.js 4.22 (in Node, pure JS CPU
backend, ``tests/js``) and its predictions are compared with gradplay's; loading back and the error cases
run in Python only."""

import io
import json
import os
import shutil
import subprocess
import zipfile

import numpy as np
import pytest

from gradplay.engine import keras
from gradplay.engine.keras import layers
from gradplay.engine.keras.saving import tfjs

JS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "js")


@pytest.fixture(scope="module")
def node():
    """The ``node`` binary, with ``tests/js/node_modules`` installed from the lock file when missing."""
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not on PATH (CI installs Node.js 20 and runs these tests)")
    if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "@tensorflow", "tfjs")):
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not; install npm to run the TF.js tests"
        subprocess.run([npm, "ci", "--prefix", JS_DIR, "--no-audit", "--no-fund"], check=True, timeout=600)
    return exe


def tfjs_predict(node, folder, x, resave=None):
    inp = os.path.join(os.path.dirname(folder), "input.json")
    with open(inp, "w") as fh:
        json.dump({"shape": list(x.shape), "data": x.ravel().tolist()}, fh)
    proc = subprocess.run(
        [node, os.path.join(JS_DIR, "tfjs_predict.js"), folder, inp] + ([resave] if resave else []),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=JS_DIR,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return np.asarray(out["data"], dtype=np.float32).reshape(out["shape"]), out


def _json(path):
    with open(path) as fh:
        return json.load(fh)


def _seed_mlp():
    # The first tutorial's MNIST model (seed 000).
    return keras.Sequential(
        [
            layers.Flatten(input_shape=(28, 28)),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _cnn():
    return keras.Sequential(
        [
            keras.Input(shape=(12, 12, 2)),
            layers.Conv2D(6, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(4, 3, strides=2, padding="same", activation="tanh"),
            layers.AveragePooling2D(pool_size=2, padding="same"),
            layers.Flatten(),
            layers.Dense(5),
        ]
    )


def _batchnorm():
    model = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            layers.Dense(8),
            layers.BatchNormalization(),
            layers.Activation("elu"),
            layers.Reshape((4, 2)),
            layers.Flatten(),
            layers.Dense(3, activation="sigmoid"),
        ]
    )
    # Moving statistics away from their initial 0/1, so inference-mode BatchNorm matters.
    bn = model.layers[1]
    rng = np.random.default_rng(1)
    for var in (bn.gamma, bn.beta, bn.moving_mean):
        var.assign(rng.normal(size=8).astype("float32"))
    bn.moving_variance.assign(rng.uniform(0.5, 2.0, size=8).astype("float32"))
    return model


def _functional():
    i = keras.Input(shape=(8, 8, 1))
    a = layers.Conv2D(3, 3, activation="relu", padding="same")(i)
    a = layers.GlobalAveragePooling2D()(a)
    b = layers.Flatten()(i)
    b = layers.Dense(3, activation="swish")(b)
    c = layers.Add()([a, b])
    d = layers.Concatenate()([c, a])
    d = layers.LeakyReLU(negative_slope=0.1)(d)
    return keras.Model(i, layers.Dense(2, activation="softmax")(d))


MODELS = {
    "seed_mlp": (_seed_mlp, (5, 28, 28)),
    "cnn": (_cnn, (3, 12, 12, 2)),
    "batchnorm": (_batchnorm, (4, 6)),
    "functional": (_functional, (2, 8, 8, 1)),
}


@pytest.mark.node
@pytest.mark.parametrize("name", sorted(MODELS))
def test_tfjs_predictions_match(node, tmp_path, name):
    keras.utils.set_random_seed(0)
    build, shape = MODELS[name]
    model = build()
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    folder, resaved = str(tmp_path / "web_model"), str(tmp_path / "saved_by_tfjs")
    model.export(folder, format="tfjs")
    got, info = tfjs_predict(node, folder, x, resave=resaved)
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
    assert info["className"] == ("Sequential" if isinstance(model, keras.Sequential) else "Model")
    # gradplay reads its own folder back to the same function, and the folder TF.js itself saved.
    np.testing.assert_allclose(tfjs.load_tfjs(folder).predict(x, verbose=0), want, atol=1e-6)
    assert "tfjs-layers" in _json(os.path.join(resaved, "model.json"))["modelTopology"]["keras_version"]
    np.testing.assert_allclose(tfjs.load_tfjs(resaved).predict(x, verbose=0), want, atol=1e-6)


@pytest.mark.node
def test_tfjs_reads_several_shards(node, tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(1100,)), layers.Dense(1000, activation="relu"), layers.Dense(2)])
    folder = str(tmp_path / "big")
    tfjs.save_tfjs(model, folder)
    manifest = _json(os.path.join(folder, "model.json"))["weightsManifest"]
    assert manifest[0]["paths"] == ["group1-shard1of2.bin", "group1-shard2of2.bin"]
    assert os.path.getsize(os.path.join(folder, "group1-shard1of2.bin")) == 4 * 1024 * 1024
    x = np.random.default_rng(0).normal(size=(2, 1100)).astype("float32")
    got, _ = tfjs_predict(node, folder, x)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-4, rtol=1e-5)


def test_model_json_layout(tmp_path):
    model = _seed_mlp()
    tfjs.save_tfjs(model, tmp_path)
    doc = _json(tmp_path / "model.json")
    assert doc["format"] == "layers-model" and doc["generatedBy"].startswith("gradplay")
    assert "convertedBy" in doc
    topo = doc["modelTopology"]
    assert topo["class_name"] == "Sequential" and topo["keras_version"] and topo["backend"]
    first = topo["config"]["layers"][0]
    assert first["class_name"] == "Flatten" and first["config"]["batch_input_shape"] == [None, 28, 28]
    assert all(entry["class_name"] != "InputLayer" for entry in topo["config"]["layers"])
    assert "batch_shape" not in json.dumps(topo)
    weights = doc["weightsManifest"][0]["weights"]
    d1, d2 = model.layers[1].name, model.layers[3].name
    assert [w["name"] for w in weights] == [f"{d1}/kernel", f"{d1}/bias", f"{d2}/kernel", f"{d2}/bias"]
    assert weights[0] == {"name": f"{d1}/kernel", "shape": [784, 128], "dtype": "float32"}
    data = (tmp_path / "group1-shard1of1.bin").read_bytes()
    assert len(data) == 4 * model.count_params()
    kernel = np.frombuffer(data[: 784 * 128 * 4], dtype="<f4").reshape(784, 128)
    np.testing.assert_array_equal(kernel, model.layers[1].kernel.numpy())


def test_bytes_is_the_folder_zipped(tmp_path):
    model = _cnn()
    data = tfjs.tfjs_to_bytes(model)
    tfjs.save_tfjs(model, tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == sorted(os.listdir(tmp_path))
        for name in zf.namelist():
            assert zf.read(name) == (tmp_path / name).read_bytes()
    x = np.random.default_rng(0).normal(size=(2, 12, 12, 2)).astype("float32")
    again = tfjs.load_tfjs(data)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    zpath = tmp_path / "m.zip"
    zpath.write_bytes(data)
    assert tfjs.load_tfjs(zpath).count_params() == model.count_params()
    assert tfjs.load_tfjs(tmp_path / "model.json").count_params() == model.count_params()


def test_resave_removes_stale_shards(tmp_path):
    big = keras.Sequential([keras.Input(shape=(1100,)), layers.Dense(1000)])
    tfjs.save_tfjs(big, tmp_path)
    tfjs.save_tfjs(_batchnorm(), tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["group1-shard1of1.bin", "model.json"]


def test_unsupported_layer_and_activation_are_named(tmp_path):
    rnn = keras.Sequential([keras.Input(shape=(5, 3)), layers.SimpleRNN(4), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"simple_rnn.*SimpleRNN.*TensorFlow.js"):
        tfjs.save_tfjs(rnn, tmp_path / "a")
    hard = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="hard_sigmoid")])
    with pytest.raises(ValueError, match="hard_sigmoid"):
        tfjs.tfjs_to_bytes(hard)
    assert not os.path.exists(tmp_path / "a" / "model.json")


def _saved(tmp_path):
    model = _batchnorm()
    tfjs.save_tfjs(model, tmp_path)
    return tmp_path / "model.json"


def test_corrupt_model_json(tmp_path):
    path = _saved(tmp_path)
    path.write_text(path.read_text()[:100])
    with pytest.raises(ValueError, match="model.json is not valid JSON"):
        tfjs.load_tfjs(tmp_path)
    path.write_text('{"format": "graph-model", "modelTopology": {}}')
    with pytest.raises(ValueError, match="not a layers model"):
        tfjs.load_tfjs(tmp_path)


def test_missing_and_truncated_shard(tmp_path):
    _saved(tmp_path)
    shard = tmp_path / "group1-shard1of1.bin"
    data = shard.read_bytes()
    shard.write_bytes(data[:-8])
    with pytest.raises(ValueError, match="truncated"):
        tfjs.load_tfjs(tmp_path)
    shard.unlink()
    with pytest.raises(ValueError, match="group1-shard1of1.bin is missing"):
        tfjs.load_tfjs(tmp_path)


def test_shape_mismatch_and_unknown_weight(tmp_path):
    path = _saved(tmp_path)
    doc = json.loads(path.read_text())
    doc["weightsManifest"][0]["weights"][0]["shape"] = [8, 6]  # dense/kernel is (6, 8)
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"shape mismatch for weight 'dense(_\d+)?/kernel'.*\(6, 8\).*\(8, 6\)"):
        tfjs.load_tfjs(tmp_path)
    doc["weightsManifest"][0]["weights"][0].update(shape=[6, 8], name="nope/kernel")
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="nope/kernel"):
        tfjs.load_tfjs(tmp_path)


def test_hostile_archives_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not a readable zip"):
        tfjs.load_tfjs(b"not a zip at all")
    doc = json.loads(_saved(tmp_path).read_text())
    doc["weightsManifest"][0]["paths"] = ["../../etc/passwd"]
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="refusing shard path"):
        tfjs.load_tfjs(tmp_path)
    with pytest.raises(FileNotFoundError):
        tfjs.load_tfjs(tmp_path / "nothing_here")
    doc["weightsManifest"][0]["paths"] = ["group1-shard1of1.bin"]
    doc["weightsManifest"][0]["weights"][0]["shape"] = [-1, 8]
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="invalid shape"):
        tfjs.load_tfjs(tmp_path)


def test_bytes_are_deterministic():
    model = _batchnorm()
    assert tfjs.tfjs_to_bytes(model) == tfjs.tfjs_to_bytes(model)
