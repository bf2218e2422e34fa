"""TrainingSession: TF Playground's training semantics, data editing, sharing and export."""

import os
import subprocess
import sys

import numpy as np
import pytest

from gradplay.app import features
from gradplay.app.session import EXPORTERS, TrainingSession
from gradplay.app.state import PlaygroundState
from gradplay.engine.keras.models import load_model


def session(**kw):
    return TrainingSession(PlaygroundState(**kw))


def train(s, epochs):
    for _ in range(epochs):
        logs = s.train_epoch()
    return logs


def epochs_to_reach(s, accuracy, max_epochs):
    for _ in range(max_epochs):
        if s.train_epoch()["val_accuracy"] > accuracy:
            return s.epoch
    return None


def test_session_imports_only_numpy_and_the_engine():
    code = "import sys, gradplay.app.session; print(sorted(m for m in ('param', 'panel', 'bokeh') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


# -- determinism ------------------------------------------------------------------------------


def test_same_seed_same_data_and_weights():
    a, b, c = session(), session(), session(seed="0.11111")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.x_train, c.x_train)
    for (wa, ba), (wb, bb) in zip(a.weights(), b.weights()):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)
    assert not np.array_equal(a.weights()[0][0], c.weights()[0][0])


def test_tf_playground_initialization_and_split():
    s = session()
    assert len(s.x_train) == 250 and len(s.x_test) == 250  # 500 points, 50 % train
    (w0, b0), (w1, b1), (w2, b2) = s.weights()
    assert w0.shape == (2, 4) and w1.shape == (4, 2) and w2.shape == (2, 1)
    assert np.all(np.abs(w0) <= 0.5) and np.all(b0 == np.float32(0.1))  # uniform(-0.5, 0.5), bias 0.1
    z = session(initZero=True)
    assert all(np.all(w == 0) and np.all(b == 0) for w, b in z.weights())


def test_reset_replays_the_same_run():
    s = session(dataset="xor")
    first = [s.train_epoch()["loss"] for _ in range(3)]
    trained = s.weights()
    s.reset()
    assert s.epoch == 0 and s.history["loss"] == []
    assert [s.train_epoch()["loss"] for _ in range(3)] == first
    for (wa, _), (wb, _) in zip(trained, s.weights()):
        np.testing.assert_array_equal(wa, wb)


def test_one_step_is_tf_playgrounds_update_with_l2():
    # no hidden layer: out = tanh(X W + b); TF: w -= lr / n * (sum_i dE_i/dw + rate * w)
    s = session(networkShape=[], regularization="L2", regularizationRate=0.3, learningRate=0.1, batchSize=10)
    ((w, b),) = s.weights()
    x, t = s.x_train[:10], s.y_train[:10, None]
    out = np.tanh(x @ w + b)
    d = (out - t) * (1 - out**2)
    w_new = w - 0.1 / 10 * (x.T @ d + 0.3 * w)
    b_new = b - 0.1 / 10 * d.sum(0)
    logs = s.step()
    assert s.epoch == 0 and logs["batch"] == 1
    ((w2, b2),) = s.weights()
    np.testing.assert_allclose(w2, w_new, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b2, b_new, rtol=1e-5, atol=1e-6)


def test_loss_is_tf_get_loss():
    s = session()
    out = s.predict(s.x_train)
    logs = s.evaluate()
    assert logs["loss"] == pytest.approx(np.mean(0.5 * (out - s.y_train) ** 2), rel=1e-5)
    assert logs["accuracy"] == pytest.approx(np.mean(np.where(out >= 0, 1, -1) == s.y_train))


def test_steps_make_an_epoch():
    s = session(batchSize=100)  # 250 points: batches of 100, 100, 50
    assert s.step()["batch"] == 1 and s.step()["batch"] == 2
    logs = s.step()
    assert s.epoch == 1 and logs["epoch"] == 1 and len(s.history["loss"]) == 1
    assert set(logs) == {"epoch", "loss", "val_loss", "accuracy", "val_accuracy"}


# -- it learns ------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset,max_epochs", [("circle", 150), ("xor", 150)])
def test_default_net_learns_tf_datasets(dataset, max_epochs):
    s = session(dataset=dataset)
    assert epochs_to_reach(s, 0.9, max_epochs) is not None


def test_spiral_learns_with_sin_features_and_a_bigger_net():
    s = session(dataset="spiral", sinX=True, sinY=True, networkShape=[8, 8], optimizer="adam", learningRate=0.01)
    assert epochs_to_reach(s, 0.9, 80) is not None


@pytest.mark.parametrize("name", features.NAMES)
def test_each_feature_trains(name):
    flags = {n: n == name for n in features.NAMES}
    s = session(dataset="gauss", **flags)
    before = s.evaluate()["loss"]
    assert s.layer_outputs(s.x_test[:3])[0].shape == (3, 1)
    assert train(s, 5)["loss"] < before


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
@pytest.mark.parametrize("loss", ["squared", "crossentropy"])
def test_each_optimizer_and_loss_trains(optimizer, loss):
    lr = {"sgd": 0.1, "momentum": 0.03, "adam": 0.01, "rmsprop": 0.01}[optimizer]
    s = session(dataset="xor", optimizer=optimizer, loss=loss, learningRate=lr)
    before = s.evaluate()["loss"]
    logs = train(s, 15)
    assert logs["loss"] < 0.8 * before


def test_crossentropy_uses_sigmoid_output():
    s = session(loss="crossentropy")
    p = s.predict(s.x_test)
    assert np.all((p > 0) & (p < 1))


@pytest.mark.parametrize("dataset,k,shape", [("multigauss", 4, [8, 8]), ("multispiral", 3, [16, 16])])
def test_multiclass_trains(dataset, k, shape):
    kw = dict(sinX=True, sinY=True, networkShape=shape, optimizer="adam", learningRate=0.02)
    s = session(dataset=dataset, numClasses=k, **kw)
    probs = s.predict(s.x_test)
    assert probs.shape == (len(s.x_test), k)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    before = s.evaluate()["val_loss"]
    logs = train(s, 30)
    assert logs["val_loss"] < 0.3 * before and logs["val_accuracy"] > 0.9
    cm = s.confusion_matrix()
    assert cm.shape == (k, k) and cm.sum() == len(s.x_test)
    assert np.trace(cm) / cm.sum() == pytest.approx(logs["val_accuracy"])


def test_regression_trains():
    s = session(problem="regression", regDataset="reg-plane", learningRate=0.01)
    assert len(s.x_train) == 600  # TF's 1200 regression samples
    assert s.predict(s.x_test).shape == (600,)
    before = s.evaluate()["val_loss"]
    logs = train(s, 10)
    assert logs["val_loss"] < 0.05 * before and logs["accuracy"] is None
    with pytest.raises(ValueError, match="regression"):
        s.confusion_matrix()


def test_regularization_shrinks_weights():
    plain, l1 = session(dataset="xor"), session(dataset="xor", regularization="L1", regularizationRate=0.3)
    train(plain, 20)
    train(l1, 20)
    norm = [sum(np.abs(w).sum() for w, _ in s.weights()) for s in (plain, l1)]
    assert norm[1] < 0.7 * norm[0]


def test_dropout_and_batchnorm_build_and_train():
    s = session(dataset="xor", dropout=0.2, batchNorm=True, networkShape=[8, 4], optimizer="adam", learningRate=0.01)
    outs = s.layer_outputs(s.x_test)
    assert [o.shape[1] for o in outs] == [2, 8, 4, 1]
    before = s.evaluate()["loss"]
    assert train(s, 10)["loss"] < before


def test_layer_activations_override():
    s = session(networkShape=[3, 3], layerActivations=["relu"])
    hidden1, hidden2 = s.layer_outputs(s.x_test)[1:3]
    assert hidden1.min() >= 0  # relu
    assert hidden2.min() >= -1 and hidden2.max() <= 1  # falls back to tanh


# -- configure --------------------------------------------------------------------------------


def test_configure_kinds():
    st = PlaygroundState()
    s = TrainingSession(st)
    train(s, 2)
    w = s.weights()[0][0]
    st.learningRate = 0.3
    assert s.configure(st) == "retuned" and s.epoch == 2
    np.testing.assert_array_equal(s.weights()[0][0], w)
    assert float(s.optimizer.learning_rate) == pytest.approx(0.3)
    st.showTestData = True
    assert s.configure(st) == "unchanged"
    st.networkShape = [5]
    assert s.configure(st) == "rebuilt" and s.epoch == 0 and s.weights()[0][0].shape == (2, 5)
    labels = s.y_train.copy()
    st.noise = 30  # TF's circle keeps the points and flips labels by noise
    assert s.configure(st) == "regenerated"
    assert not np.array_equal(s.y_train, labels)
    st.x = st.y = False  # no input: a clear error, nothing changed
    with pytest.raises(ValueError, match="at least one input feature"):
        s.configure(st)
    assert s.features == ["x", "y"]


def test_regenerate_gives_new_data_and_keeps_weights():
    s = session()
    w, data = s.weights()[0][0], s.x_train.copy()
    seed = s.regenerate()
    assert seed != "0.80290" and s.seed == seed
    assert not np.array_equal(s.x_train, data)
    np.testing.assert_array_equal(s.weights()[0][0], w)
    assert s.configure(PlaygroundState(seed=seed)) == "unchanged"  # the app writes the seed back
    np.testing.assert_array_equal(session(seed=seed).x_train, s.x_train)


# -- looking inside and editing ---------------------------------------------------------------


def test_layer_outputs_match_predict_and_weights():
    s = session(xSquared=True)
    train(s, 3)
    g = np.random.default_rng(0).uniform(-6, 6, (10_000, 2)).astype(np.float32)
    outs = s.layer_outputs(g)
    assert [o.shape for o in outs] == [(10_000, 3), (10_000, 4), (10_000, 2), (10_000, 1)]
    np.testing.assert_allclose(outs[-1][:, 0], s.predict(g), rtol=1e-6)
    h = outs[0]
    for (w, b), out in zip(s.weights(), outs[1:]):
        h = np.tanh(h @ w + b)
        np.testing.assert_allclose(h, out, rtol=1e-4, atol=1e-5)


def test_set_weight_and_bias():
    s = session()
    s.set_weight(0, 1, 2, 1.5)
    s.set_bias(2, 0, -0.25)
    assert s.weights()[0][0][1, 2] == 1.5 and s.weights()[2][1][0] == -0.25
    with pytest.raises(IndexError, match="layer_index"):
        s.set_bias(3, 0, 0.0)


def test_add_and_remove_points():
    s = session()
    n = len(s.x_train)
    s.add_point(5.5, 5.5, 1)
    s.add_point(5.6, 5.4, -1, subset="test")
    assert len(s.x_train) == n + 1 and s.y_test[-1] == -1
    with pytest.raises(ValueError, match="-1 or 1"):
        s.add_point(0, 0, 3)
    assert s.remove_points_near(5.5, 5.5, 0.3) == 2
    assert len(s.x_train) == n
    train(s, 1)  # the batches follow the edited data


def test_confusion_matrix_binary():
    s = session()
    logs = train(s, 5)
    cm = s.confusion_matrix("test")
    assert cm.shape == (2, 2) and cm.sum() == 250
    assert np.trace(cm) / 250 == pytest.approx(logs["val_accuracy"])
    assert cm[1].sum() == np.sum(s.y_test == 1)  # row = true class, order (-1, +1)


def test_should_stop():
    s = session(stopEpochs=3)
    train(s, 2)
    assert s.should_stop() == (False, "")
    train(s, 1)
    stop, why = s.should_stop()
    assert stop and "3 epochs" in why
    p = session(learningRate=0.0, earlyStopPatience=2)  # no learning: the test loss never improves
    train(p, 2)
    assert not p.should_stop()[0]
    train(p, 1)
    stop, why = p.should_stop()
    assert stop and "not improved for 2 epochs" in why


# -- CSV ------------------------------------------------------------------------------------


def test_csv_round_trip_and_plain_files():
    s = session()
    text = s.export_csv()
    assert text.startswith(b"x,y,label,subset\n") and text.count(b"\n") == 501
    other = session(dataset="xor")
    assert other.load_csv(text) == 500
    np.testing.assert_array_equal(other.x_train, s.x_train)
    np.testing.assert_array_equal(other.y_test, s.y_test)
    assert other.export_csv() == text
    assert other.load_csv("0,0,1\n1,1,-1\n2,2,1\n3,3,0\n") == 4  # no header; split by percTrainData
    assert len(other.x_train) == 2 and set(other.y_train) | set(other.y_test) == {-1.0, 1.0}
    train(other, 1)


BAD_CSV = [
    (b"\xff\xfe\x00garbage", "UTF-8"),
    (b"hello world\nfoo bar\n", "3 comma-separated columns"),
    (b"a,b,c\n1,2,1\n3,4,1\n", "header must be 'x,y,label'"),
    (b"x,y,label\n1,2,1\n", "at least 2"),
    (b"1,2\n3,4\n", "3 comma-separated columns"),
    (b"1;2;1\n3;4;1\n", "3 comma-separated columns"),
    (b"1,2,1\n3,4\n", "Row 2 has 2 columns"),
    (b"1,2,1\n3,abc,1\n", "not a number"),
    (b"1,2,1\n3,nan,1\n", "NaN"),
    (b"1,2,1\n3,inf,1\n", "NaN or infinity"),
    (b"1,2,1\n3,4,2\n", "-1 or 1"),
    (b"1,2,1,train\n3,4,1,valid\n", "subset"),
    (b"1,2,1,test\n3,4,1,test\n", "No training points"),
    (b"0,0,1\n" * 20_001, "20000"),
    (b"0" * (5 * 1024 * 1024 + 1), "5 MB"),
]


@pytest.mark.parametrize("data,message", BAD_CSV)
def test_bad_csv_is_rejected_and_changes_nothing(data, message):
    s = session()
    before = s.export_csv()
    with pytest.raises(ValueError, match=message):
        s.load_csv(data)
    assert s.export_csv() == before


def test_csv_labels_must_match_problem():
    s = session(dataset="multigauss", numClasses=3)
    with pytest.raises(ValueError, match="0..2"):
        s.load_csv("0,0,0\n1,1,3\n")
    assert s.load_csv("0,0,0\n1,1,2\n2,2,1\n") == 3
    r = session(problem="regression")
    assert r.load_csv("0,0,0.25\n1,1,-0.5\n") == 2


# -- sharing and export -----------------------------------------------------------------------


def test_weights_url_round_trip():
    s = session(networkShape=[6, 3])
    train(s, 3)
    url = s.weights_to_url()
    assert set(url) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    st = PlaygroundState(networkShape=[6, 3])
    st.update_from_url(f"{st.to_url()}&weights={url}")
    fresh = TrainingSession(st)
    np.testing.assert_array_equal(fresh.predict(s.x_test), s.predict(s.x_test))
    fresh.train_epoch()
    st.weights = fresh.weights_to_url()  # what an app does when it makes a share link
    assert fresh.configure(st) == "retuned" and fresh.epoch == 1 and len(fresh.history["loss"]) == 1
    st.weights = url  # pasting other weights loads them into the current model
    assert fresh.configure(st) == "retuned" and fresh.epoch == 1
    np.testing.assert_array_equal(fresh.predict(s.x_test), s.predict(s.x_test))
    st.networkShape = [5]  # the link's weights are loaded once, not forced on a new shape
    assert fresh.configure(st) == "rebuilt" and fresh.weights()[0][0].shape == (2, 5)
    other = session()
    with pytest.raises(ValueError, match="different network"):
        other.load_weights_from_url(url)
    before = other.weights()
    with pytest.raises(ValueError, match="different network"):
        other.configure(PlaygroundState(weights=url, noise=10))
    assert other.configure(PlaygroundState()) == "unchanged"  # nothing changed on the error
    np.testing.assert_array_equal(other.weights()[0][0], before[0][0])
    with pytest.raises(ValueError, match="not valid"):
        other.load_weights_from_url("not-base64-zlib")


def test_to_code_rebuilds_and_trains_the_same(tmp_path):
    s = session(dataset="xor", xTimesY=True, networkShape=[5, 3], regularization="L1", regularizationRate=0.01)
    code = s.to_code()
    assert "import gradplay.engine as tf" in code and "from gradplay.app import datasets" in code
    ns = {}
    exec(compile(code.replace("EPOCHS = 100", "EPOCHS = 3"), "generated", "exec"), ns)  # noqa: S102
    train(s, 3)
    for a, b in zip(ns["model"].get_weights(), s.model.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same data, initial weights and steps
    np.testing.assert_array_equal(ns["x_test"], s.x_test)
    # and it runs on its own, printing that it learned
    path = tmp_path / "play.py"
    path.write_text(s.to_code().replace("EPOCHS = 100", "EPOCHS = 40"))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "epoch 40" in out and float(out.split()[-1]) > 0.9


@pytest.mark.parametrize("kw", [dict(dataset="multigauss", numClasses=3), dict(problem="regression")])
def test_to_code_runs_for_other_problems(kw):
    s = session(**kw)
    s.add_point(0.5, 0.5, 1)  # edited data is embedded in the code
    ns = {}
    exec(compile(s.to_code().replace("EPOCHS = 100", "EPOCHS = 2"), "generated", "exec"), ns)  # noqa: S102
    np.testing.assert_array_equal(ns["x_train"], s.x_train)


@pytest.mark.parametrize("fmt", list(EXPORTERS))
def test_export_loads_back(fmt, tmp_path):
    s = session(networkShape=[4, 3], batchNorm=True)
    train(s, 2)
    filename, data = s.export(fmt)
    path = tmp_path / filename
    path.write_bytes(data)
    feats = features.transform(s.x_test, s.features)
    if fmt == "tfjs":
        from gradplay.engine.keras.saving.tfjs import load_tfjs

        model = load_tfjs(data)
    elif fmt == "onnx":
        ort = pytest.importorskip("onnxruntime")
        run = ort.InferenceSession(data)
        out = run.run(None, {run.get_inputs()[0].name: feats})[0]
        np.testing.assert_allclose(out[:, 0], s.predict(s.x_test), rtol=1e-5, atol=1e-5)
        return
    elif fmt in ("keras", "h5"):
        model = load_model(os.fspath(path))
    else:
        model = session(networkShape=[4, 3], batchNorm=True, seed="0.99").model
        model.load_weights(os.fspath(path))
    np.testing.assert_allclose(model.predict(feats, verbose=0)[:, 0], s.predict(s.x_test), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Unknown export format"):
        s.export("pickle")
