"""A page with every widget filled in by training two small models (for browser tests and demos).

>>> from gradplay.widgets.gallery import make_gallery
>>> page = make_gallery(epochs=2)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import panel as pn

from gradplay.engine.keras import layers, models

from .activation_maps import ActivationMaps
from .confusion_matrix import ConfusionMatrix
from .dashboard import TrainingDashboard
from .decision_boundary import DecisionBoundary
from .loss_curve import LossCurve
from .network_diagram import NetworkDiagram
from .neuron_grid import NeuronGrid
from .plane import hidden_outputs
from .weight_histogram import WeightHistogram


def circle_data(n=300, noise=0.5, rng=None):
    """The Playground's 'circle' set: label +1 inside radius 2.5, -1 in a ring 3.5..5 (x in ±6)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    inner = n // 2
    radius = np.concatenate([rng.uniform(0, 2.5, inner), rng.uniform(3.5, 5.0, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1) + rng.normal(0, noise, (n, 2))
    y = np.where(np.arange(n) < inner, 1.0, -1.0)
    order = rng.permutation(n)
    return x[order].astype(np.float32), y[order].astype(np.float32)


def playground_model(seed=0):
    """The Playground's default network: 2 -> 4 -> 2 -> 1, tanh."""
    from gradplay.engine import keras

    keras.utils.set_random_seed(seed)
    model = models.Sequential(
        [
            layers.Input((2,)),
            layers.Dense(4, activation="tanh"),
            layers.Dense(2, activation="tanh"),
            layers.Dense(1, activation="tanh"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.03), loss="mse")
    return model


def tiny_cnn(seed=0):
    from gradplay.engine import keras

    keras.utils.set_random_seed(seed)
    model = models.Sequential(
        [
            layers.Input((8, 8, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(8, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def stripes_data(n=120, rng=None):
    """Random 8x8 images whose class (0, 1, 2) is the orientation of a faint stripe."""
    rng = rng if rng is not None else np.random.default_rng(1)
    y = rng.integers(0, 3, n)
    x = rng.uniform(0, 0.5, (n, 8, 8, 1)).astype(np.float32)
    for k in range(n):
        if y[k] == 0:
            x[k, 3:5, :, 0] += 0.8
        elif y[k] == 1:
            x[k, :, 3:5, 0] += 0.8
        else:
            idx = np.arange(8)
            x[k, idx, idx, 0] += 0.8
    return x, y.astype(np.int32)


def make_gallery(epochs=30, seed=0) -> pn.layout.Column:
    """Train a Playground classifier (circle data) and a tiny CNN, return a page of all widgets."""
    rng = np.random.default_rng(seed)
    x, y = circle_data(rng=rng)
    x_train, y_train, x_test, y_test = x[:200], y[:200], x[200:], y[200:]
    net = playground_model(seed)
    curve = LossCurve(metrics=("loss",))
    boundary = DecisionBoundary(net, output_range=(-1, 1))
    boundary.set_points(x_train, y_train, x_test, y_test)
    diagram = NetworkDiagram(net, show_thumbnails=True)
    histogram = WeightHistogram(net)
    net.fit(
        x_train,
        y_train,
        batch_size=10,
        epochs=epochs,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=[curve, boundary, diagram, histogram],
    )
    grid = NeuronGrid()
    layers_out, names, _ = hidden_outputs(net, grid.grid_points())
    grid.update(layers=layers_out, names=names)
    confusion = ConfusionMatrix(class_names=["orange (-1)", "blue (+1)"])
    confusion.update(y_test, net.predict_on_batch(x_test))

    images, labels = stripes_data(rng=np.random.default_rng(seed + 1))
    cnn = tiny_cnn(seed)
    dashboard = TrainingDashboard(validation_data=(images[:40], labels[:40]), class_names=["—", "|", "\\"])
    cnn.fit(images[40:], labels[40:], epochs=max(epochs // 3, 2), batch_size=16, verbose=0, callbacks=[dashboard])
    maps = ActivationMaps(cnn, images[:10])

    def section(title, widget):
        return pn.Column(f"### {title}", widget)

    return pn.Column(
        "# gradplay widgets",
        pn.FlexBox(
            section("LossCurve", curve),
            section("DecisionBoundary", boundary),
            section("NeuronGrid", grid),
            section("NetworkDiagram", diagram),
            section("ConfusionMatrix", confusion),
            section("WeightHistogram", histogram),
        ),
        section("ActivationMaps (tiny CNN)", maps),
        section("TrainingDashboard (tiny CNN)", dashboard),
        sizing_mode="stretch_width",
    )


def main(argv=None) -> int:
    """``python -m gradplay.widgets.gallery [--port N]``: serve the gallery (one per browser tab)."""
    import argparse
    import socket

    parser = argparse.ArgumentParser(prog="python -m gradplay.widgets.gallery", description=main.__doc__)
    parser.add_argument("--port", type=int, default=5007, help="port (0 picks a free one)")
    parser.add_argument("--epochs", type=int, default=30, help="epochs to train the gallery's models")
    args = parser.parse_args(argv)
    port = args.port
    if port == 0:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    server = pn.serve(
        lambda: make_gallery(epochs=args.epochs),
        port=port,
        address="127.0.0.1",
        websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"],
        show=False,
        start=False,
        verbose=False,
        title="gradplay widgets",
    )
    print(f"gradplay widget gallery: http://127.0.0.1:{port}/", flush=True)
    server.start()
    server.io_loop.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
