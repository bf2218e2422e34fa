"""ONNX export: every exported model runs in the real ONNX Runtime and matches gradplay's predictions."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from gradplay.engine import keras  # noqa: E402
from gradplay.engine.keras import layers  # noqa: E402
from gradplay.engine.keras.saving import onnx_export  # noqa: E402


def run(data, *xs):
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(session.get_inputs(), xs)}
    return session.run(None, feeds)


def _randomize_batchnorm(model, seed=1):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            for var in (layer.gamma, layer.beta, layer.moving_mean):
                var.assign(rng.normal(size=n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, size=n).astype("float32"))
    return model


def _seed_mlp():
    return keras.Sequential(
        [
            layers.Flatten(input_shape=(28, 28)),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _cnn_valid():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(6, 5, strides=2, activation="tanh"),
            layers.AveragePooling2D(),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )


def _cnn_same():
    return keras.Sequential(
        [
            keras.Input(shape=(11, 13, 3)),
            layers.Conv2D(5, 3, strides=2, padding="same", activation="elu"),
            layers.MaxPooling2D(pool_size=3, strides=2, padding="same"),
            layers.Conv2D(4, (2, 4), padding="same", use_bias=False),
            layers.AveragePooling2D(pool_size=2, strides=1, padding="same"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3),
        ]
    )


def _batchnorm():
    return _randomize_batchnorm(
        keras.Sequential(
            [
                keras.Input(shape=(8, 8, 2)),
                layers.Conv2D(4, 3, padding="same"),
                layers.BatchNormalization(),
                layers.Activation("relu"),
                layers.Flatten(),
                layers.Dense(6),
                layers.BatchNormalization(),
                layers.Dense(2, activation="softmax"),
            ]
        )
    )


def _functional():
    x1 = keras.Input(shape=(6, 6, 1), name="image")
    x2 = keras.Input(shape=(4,), name="extra")
    a = layers.Conv2D(3, 3, activation="relu")(x1)
    a = layers.GlobalMaxPooling2D()(a)
    b = layers.Dense(3, activation="sigmoid")(x2)
    c = layers.Add()([a, b])
    d = layers.Concatenate()([c, layers.Multiply()([a, b])])
    d = layers.LeakyReLU(negative_slope=0.1)(d)
    d = layers.Reshape((2, 3))(d)
    d = layers.Permute((2, 1))(d)
    d = layers.Flatten()(d)
    return keras.Model([x1, x2], [layers.Dense(2, activation="softmax")(d), layers.Dense(1)(c)])


MODELS = {
    "seed_mlp": (_seed_mlp, [(5, 28, 28)]),
    "cnn_valid_strides": (_cnn_valid, [(4, 28, 28, 1)]),
    "cnn_same_strides": (_cnn_same, [(3, 11, 13, 3)]),
    "batchnorm": (_batchnorm, [(5, 8, 8, 2)]),
    "functional_two_in_two_out": (_functional, [(3, 6, 6, 1), (3, 4)]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnxruntime_matches_gradplay(name):
    keras.utils.set_random_seed(0)
    build, shapes = MODELS[name]
    model = build()
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=s).astype("float32") for s in shapes]
    want = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    want = want if isinstance(want, list) else [want]
    got = run(onnx_export.onnx_to_bytes(model), *xs)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("activation", onnx_export.ACTIVATIONS)
def test_every_activation(activation):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(7, activation=activation)])
    x = np.random.default_rng(0).normal(size=(6, 5)).astype("float32") * 3
    (got,) = run(onnx_export.onnx_to_bytes(model), x)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_activation_layers():
    model = keras.Sequential(
        [
            keras.Input(shape=(3, 4)),
            layers.Dense(6),
            layers.ReLU(max_value=1.0),
            layers.Dense(6),
            layers.ELU(alpha=0.5),
            layers.Dense(6),
            layers.Softmax(axis=1),
            layers.Dropout(0.5),
        ]
    )
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype("float32")
    (got,) = run(onnx_export.onnx_to_bytes(model), x)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5)
    padded = keras.Sequential(
        [
            keras.Input(shape=(5, 5, 2)),
            layers.ZeroPadding2D(((1, 2), (0, 1))),
            layers.Conv2D(3, 3),
            layers.ReLU(negative_slope=0.1, max_value=0.5),
            layers.Flatten(),
        ]
    )
    x = np.random.default_rng(1).normal(size=(2, 5, 5, 2)).astype("float32")
    (got,) = run(onnx_export.onnx_to_bytes(padded), x)
    np.testing.assert_allclose(got, padded.predict(x, verbose=0), atol=1e-5)


def test_sequence_model_with_global_pooling():
    model = keras.Sequential(
        [
            keras.Input(shape=(7, 3)),
            layers.Dense(4, activation="selu"),
            layers.GlobalAveragePooling1D(),
            layers.Dense(2),
        ]
    )
    x = np.random.default_rng(0).normal(size=(3, 7, 3)).astype("float32")
    (got,) = run(onnx_export.onnx_to_bytes(model), x)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5)


def test_dynamic_batch_and_graph_shape():
    model = _cnn_same()
    proto = onnx.load_from_string(onnx_export.onnx_to_bytes(model))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == onnx_export.OPSET and 13 <= onnx_export.OPSET <= 17
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [11, 13, 3]  # NHWC, like Keras
    data = onnx_export.onnx_to_bytes(model)
    for n in (1, 7):
        x = np.random.default_rng(n).normal(size=(n, 11, 13, 3)).astype("float32")
        (got,) = run(data, x)
        np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=1e-5)


def test_bytes_api_equals_file_api(tmp_path):
    model = _batchnorm()
    data = onnx_export.onnx_to_bytes(model)
    onnx_export.export_onnx(model, tmp_path / "a.onnx")
    model.export(tmp_path / "b.onnx", format="onnx")
    model.export(tmp_path / "c.onnx")  # the suffix is enough
    for name in ("a.onnx", "b.onnx", "c.onnx"):
        assert (tmp_path / name).read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.onnx", "b.onnx", "c.onnx"]  # no temporary files left


def test_unsupported_layer_is_named(tmp_path):
    model = keras.Sequential([keras.Input(shape=(5, 3)), layers.SimpleRNN(4), layers.Dense(1)])
    with pytest.raises(ValueError, match=r"unsupported layer\(s\) 'simple_rnn\w*' \(SimpleRNN\)"):
        model.export(tmp_path / "m.onnx", format="onnx")
    assert not (tmp_path / "m.onnx").exists()
    odd = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, activation="log_softmax")])
    run(onnx_export.onnx_to_bytes(odd), np.ones((1, 3), "float32"))


def test_unknown_export_format(tmp_path):
    model = _batchnorm()
    with pytest.raises(ValueError, match="format='onnx' or format='tfjs'"):
        model.export(tmp_path / "m", format="tf_saved_model")
    with pytest.raises(ValueError, match="Unsupported export format None"):
        model.export(tmp_path / "m")


def test_save_is_unchanged(tmp_path):
    pytest.importorskip("h5py")
    model = _batchnorm()
    with pytest.raises(ValueError, match="add `.keras`"):
        model.save(tmp_path / "m.onnx")
