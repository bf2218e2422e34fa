"""The Playground's headless training session: data, a Keras ``Sequential`` and its training loop.

It imports only NumPy and the engine and reads the settings by attribute, so any object with
``PlaygroundState``'s attribute names works (a ``SimpleNamespace`` too). Training follows TF
Playground: tanh output and half squared error on ±1 labels for two classes, a linear output for
regression, the data split by ``percTrainData`` and visited in order, regularization
``rate / batch_size * dR/dw`` added to each kernel's gradient.

The model, the optimizer and the training step are built by executing the same Python source
that ``to_code()`` shows, so the code a student copies is exactly the code that ran.

>>> from types import SimpleNamespace
>>> from gradplay.app.session import TrainingSession, DEFAULTS
>>> session = TrainingSession(SimpleNamespace(**DEFAULTS))
>>> logs = session.train_epoch()
>>> sorted(logs)
['accuracy', 'epoch', 'loss', 'val_accuracy', 'val_loss']
>>> session.layer_outputs(session.x_test[:5])[-1].shape
(5, 1)
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import io
import json
import os
import tempfile
import zlib

import numpy as np

import gradplay.engine as tf

from . import datasets
from .features import NAMES as FEATURE_NAMES
from .features import transform

# TF Playground's defaults plus ours: what a state object must provide (by attribute).
DEFAULTS = dict(
    problem="classification",
    dataset="circle",
    regDataset="reg-plane",
    numClasses=3,
    noise=0,
    percTrainData=50,
    seed="0.80290",
    x=True,
    y=True,
    xSquared=False,
    ySquared=False,
    xTimesY=False,
    sinX=False,
    sinY=False,
    cosX=False,
    cosY=False,
    networkShape=[4, 2],
    activation="tanh",
    layerActivations=[],
    initializer="playground",
    initZero=False,
    dropout=0.0,
    batchNorm=False,
    learningRate=0.03,
    batchSize=10,
    optimizer="sgd",
    loss="squared",
    regularization="none",
    regularizationRate=0.0,
    stopEpochs=0,
    earlyStopPatience=0,
    weights="",
)

# Which settings need what when they change (configure() returns the strongest that applies).
REGENERATE_KEYS = frozenset({"problem", "dataset", "regDataset", "numClasses", "noise", "percTrainData", "seed"})
REBUILD_KEYS = frozenset(
    set(FEATURE_NAMES)
    | {
        "networkShape",
        "activation",
        "layerActivations",
        "initializer",
        "initZero",
        "dropout",
        "batchNorm",
        "optimizer",
        "loss",
    }
)
# "weights" (a link's trained weights) loads into the current model; a new model loads it too
RETUNE_KEYS = frozenset({"learningRate", "batchSize", "regularization", "regularizationRate", "weights"})
_KINDS = ("unchanged", "retuned", "rebuilt", "regenerated")

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 20_000
MAX_WEIGHTS = 1_000_000


def change_kind(old: dict, new: dict) -> str:
    """What a change from settings ``old`` to ``new`` needs: "regenerated" (new data and a new
    model), "rebuilt" (a new model), "retuned" (same weights, new training settings) or "unchanged"."""
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    if changed & REGENERATE_KEYS:
        return "regenerated"
    if changed & REBUILD_KEYS:
        return "rebuilt"
    if changed & RETUNE_KEYS:
        return "retuned"
    return "unchanged"


def _snapshot(state) -> dict:
    out = {}
    for key, default in DEFAULTS.items():
        value = getattr(state, key, default)
        out[key] = list(value) if isinstance(value, (list, tuple)) else value
    return out


def _seed_ints(seed: str) -> list[int]:
    """Four 32-bit integers from the seed string (TF seeds are strings like "0.80290")."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


# -- the code a session runs (and to_code shows) ------------------------------------------------

_INITIALIZERS = {
    "playground": (
        "tf.keras.initializers.RandomUniform(-0.5, 0.5, seed={seed})",
        "tf.keras.initializers.Constant(0.1)",
    ),
    "glorot_uniform": ("tf.keras.initializers.GlorotUniform(seed={seed})", '"zeros"'),
    "he_normal": ("tf.keras.initializers.HeNormal(seed={seed})", '"zeros"'),
    "zeros": ('"zeros"', '"zeros"'),
}
_LOSSES = {
    "squared": "def loss_fn(target, out):  # TF Playground's error: mean of (out - target)^2 / 2\n"
    "    return 0.5 * tf.reduce_mean(tf.square(out - target))\n",
    "binary": "def loss_fn(target, out):  # binary cross-entropy on sigmoid outputs, targets 0/1\n"
    "    p = tf.clip_by_value(out, 1e-7, 1 - 1e-7)\n"
    "    return -tf.reduce_mean(target * tf.math.log(p) + (1 - target) * tf.math.log(1 - p))\n",
    "categorical": "def loss_fn(target, out):  # categorical cross-entropy on softmax outputs, one-hot targets\n"
    "    p = tf.clip_by_value(out, 1e-7, 1.0)\n"
    "    return -tf.reduce_mean(tf.reduce_sum(target * tf.math.log(p), axis=-1))\n",
}
_OPTIMIZERS = {
    "sgd": "tf.keras.optimizers.SGD(learning_rate={lr!r})",
    "momentum": "tf.keras.optimizers.SGD(learning_rate={lr!r}, momentum=0.9)",
    "adam": "tf.keras.optimizers.Adam(learning_rate={lr!r})",
    "rmsprop": "tf.keras.optimizers.RMSprop(learning_rate={lr!r})",
}
_PENALTIES = {
    "L1": "tf.reduce_sum(tf.abs(k))",
    "L2": "0.5 * tf.reduce_sum(tf.square(k))",
}


def _model_source(cfg: dict, num_inputs: int, head: tuple[int, str], layer_seeds) -> str:
    kinit, binit = _INITIALIZERS["zeros" if cfg["initZero"] else cfg["initializer"]]
    lines = ["model = tf.keras.Sequential([", f"    tf.keras.Input(shape=({num_inputs},)),"]
    acts = list(cfg["layerActivations"])
    for i, units in enumerate(cfg["networkShape"]):
        act = acts[i] if i < len(acts) else cfg["activation"]
        k = kinit.format(seed=layer_seeds[2 * i])
        lines.append(_dense_source(int(units), act, k, binit))
        if cfg["batchNorm"]:
            lines.append("    tf.keras.layers.BatchNormalization(),")
        if cfg["dropout"] > 0:
            lines.append(f"    tf.keras.layers.Dropout({float(cfg['dropout'])!r}, seed={layer_seeds[2 * i + 1]}),")
    k = kinit.format(seed=layer_seeds[-1])
    lines.append(_dense_source(head[0], head[1], k, binit))
    lines.append("])")
    return "\n".join(lines) + "\n"


def _dense_source(units: int, activation: str, kernel: str, bias: str) -> str:
    return (
        f'    tf.keras.layers.Dense(\n        {units},\n        activation="{activation}",\n'
        f"        kernel_initializer={kernel},\n        bias_initializer={bias},\n    ),"
    )


def _step_source(cfg: dict) -> str:
    reg = cfg["regularization"]
    rate = float(cfg["regularizationRate"])
    lines = [
        "layers = model.layers",
        "variables = model.trainable_variables",
        "kernels = [layer.kernel for layer in layers if isinstance(layer, tf.keras.layers.Dense)]",
        "",
        "",
        "def train_step(x, target):",
        "    with tf.GradientTape() as tape:",
        "        out = x",
        "        for layer in layers:",
        "            out = layer(out, training=True)",
        "        loss = loss_fn(target, out)",
    ]
    if reg in _PENALTIES and rate > 0:
        lines += [
            "        # TF Playground's regularization: rate * dR/dw averaged over the batch like the error",
            f"        penalty = sum({_PENALTIES[reg]} for k in kernels)",
            f"        loss = loss + {rate!r} / x.shape[0] * penalty",
        ]
    lines += [
        "    grads = tape.gradient(loss, variables)",
        "    optimizer.apply_gradients(zip(grads, variables))",
        "    return loss",
    ]
    return "\n".join(lines) + "\n"


# -- exporters: fmt -> (file name, function(model) -> bytes); one line adds a format ----------------


def _via_file(filename: str, method: str):
    """An exporter for a writer that needs a path (``model.save``, ``model.save_weights``)."""

    def export(model) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, filename)
            getattr(model, method)(path)
            with open(path, "rb") as f:
                return f.read()

    return export


def _tfjs(model) -> bytes:
    from gradplay.engine.keras.saving import tfjs

    return tfjs.tfjs_to_bytes(model)


def _onnx(model) -> bytes:
    from gradplay.engine.keras.saving import onnx_export

    return onnx_export.onnx_to_bytes(model)


EXPORTERS = {
    "keras": ("playground.keras", _via_file("playground.keras", "save")),
    "h5": ("playground.h5", _via_file("playground.h5", "save")),
    "weights.h5": ("playground.weights.h5", _via_file("playground.weights.h5", "save_weights")),
    "npz": ("playground.weights.npz", _via_file("playground.weights.npz", "save_weights")),
    "tfjs": ("playground-tfjs.zip", _tfjs),  # model.json + weight shards, zipped
    "onnx": ("playground.onnx", _onnx),
}
# Formats that need an optional package to write (in Pyodide neither has an offline build).
EXPORT_NEEDS = {"h5": "h5py", "onnx": "onnx"}


def available_exports() -> list[str]:
    """The keys of ``EXPORTERS`` this Python can write (all of them with ``gradplay[io,export]``)."""
    return [fmt for fmt in EXPORTERS if fmt not in EXPORT_NEEDS or importlib.util.find_spec(EXPORT_NEEDS[fmt])]


class TrainingSession:
    """Data, model and training loop for one Playground state (see the module docstring)."""

    def __init__(self, state):
        self._cfg = _snapshot(state)
        self.seed = str(self._cfg["seed"])
        self._make_data()
        self._build(load_weights=True)

    # -- configuration ------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """ "binary" (labels ±1), "multiclass" (labels 0..k-1) or "regression"."""
        if self._cfg["problem"] == "regression":
            return "regression"
        return datasets.get(self._cfg["dataset"]).kind

    @property
    def num_classes(self) -> int:
        return {"binary": 2, "regression": 1}.get(self.kind, int(self._cfg["numClasses"]))

    @property
    def features(self) -> list[str]:
        return [n for n in FEATURE_NAMES if self._cfg[n]]

    def configure(self, state) -> str:
        """Apply the settings of ``state``; returns what that took (see ``change_kind``)."""
        new = _snapshot(state)
        old = dict(self._cfg, seed=self.seed)
        what = change_kind(old, new)
        if what == "unchanged":
            self._cfg = new
            return what
        backup = dict(self.__dict__)  # attributes are replaced, never mutated: a shallow copy restores
        self._cfg = new
        load_weights = new["weights"] != old["weights"]
        try:
            self._sources()  # fail early (e.g. no input feature) before touching the data
            if what == "regenerated":
                self.seed = str(new["seed"])
                self._make_data()
                self._build(load_weights)
            elif what == "rebuilt":
                self._build(load_weights)
            else:
                self._ns = dict(self._ns)
                self._exec(_step_source(new))
                self.optimizer.learning_rate = float(new["learningRate"])
                self._batches = None
                if load_weights and new["weights"] and new["weights"] != self.weights_to_url():
                    self.load_weights_from_url(new["weights"])
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(backup)
            raise
        return what

    def _head(self) -> tuple[int, str]:
        if self.kind == "regression":
            return 1, "linear"
        if self.kind == "multiclass":
            return self.num_classes, "softmax"
        return 1, "sigmoid" if self._cfg["loss"] == "crossentropy" else "tanh"

    def _loss_kind(self) -> str:
        if self.kind == "multiclass":
            return "categorical"
        if self.kind == "binary" and self._cfg["loss"] == "crossentropy":
            return "binary"
        return "squared"

    def _layer_seeds(self) -> list[int]:
        rng = np.random.default_rng([*_seed_ints(self.seed), 1])
        return [int(s) for s in rng.integers(0, 2**31 - 1, 2 * len(self._cfg["networkShape"]) + 1)]

    def _sources(self) -> tuple[str, str, str]:
        if not self.features:
            raise ValueError("Select at least one input feature (x₁, x₂, ...): the network needs an input.")
        model = _model_source(self._cfg, len(self.features), self._head(), self._layer_seeds())
        opt = f"optimizer = {_OPTIMIZERS[self._cfg['optimizer']].format(lr=float(self._cfg['learningRate']))}\n"
        return model, _LOSSES[self._loss_kind()] + "\n\n" + opt, _step_source(self._cfg)

    def _exec(self, source: str):
        exec(compile(source, "<playground>", "exec"), self._ns)  # noqa: S102 - our own generated code

    def _build(self, load_weights: bool = False):
        model_src, loss_src, step_src = self._sources()
        self._ns = {"tf": tf, "np": np}
        self._exec(model_src + loss_src + step_src)
        self.model = self._ns["model"]
        self.optimizer = self._ns["optimizer"]
        self._dense = [layer for layer in self.model.layers if isinstance(layer, tf.keras.layers.Dense)]
        self.epoch = 0
        self._cursor = 0
        self._batches = None
        self.history = {k: [] for k in ("epoch", "loss", "val_loss", "accuracy", "val_accuracy")}
        if load_weights and self._cfg["weights"]:  # a shared link's weights, once
            self.load_weights_from_url(self._cfg["weights"])

    def reset(self):
        """Start again from the seed's initial weights, epoch 0 (a link's ``weights`` are loaded
        only when the session is made or when ``weights`` changes)."""
        self._build()

    # -- data ---------------------------------------------------------------------------------
    def _data_rng(self) -> np.random.Generator:
        return np.random.default_rng([*_seed_ints(self.seed), 0])

    def _make_data(self):
        cfg = self._cfg
        name = cfg["regDataset"] if cfg["problem"] == "regression" else cfg["dataset"]
        d = datasets.get(name)
        pts, labels = datasets.generate(name, d.num_samples, cfg["noise"] / 100, self._data_rng(), cfg["numClasses"])
        self.x_train, self.y_train, self.x_test, self.y_test = datasets.split(pts, labels, cfg["percTrainData"])
        self._custom_data = False
        self._batches = None

    def regenerate(self) -> str:
        """New data from the next seed (like TF's regenerate button); the weights stay. Returns
        the new seed, which the app should write back to the state."""
        rng = np.random.default_rng([*_seed_ints(self.seed), 2])
        self.seed = f"{rng.random():.5f}"
        self._cfg["seed"] = self.seed
        self._make_data()
        return self.seed

    def _targets(self, labels) -> np.ndarray:
        kind = self.kind
        if kind == "multiclass":
            return np.eye(self.num_classes, dtype=np.float32)[labels.astype(np.int64)]
        t = labels.astype(np.float32)[:, None]
        return (t + 1) / 2 if self._loss_kind() == "binary" else t

    def _make_batches(self):
        feats = transform(self.x_train, self.features)
        targets = self._targets(self.y_train)
        bs = int(self._cfg["batchSize"])
        self._batches = [
            (tf.constant(feats[i : i + bs]), tf.constant(targets[i : i + bs])) for i in range(0, len(feats), bs)
        ]

    def _check_label(self, labels) -> np.ndarray:
        labels = np.asarray(labels, np.float64).ravel()
        if not np.all(np.isfinite(labels)):
            raise ValueError("Labels must be finite numbers (no NaN or inf).")
        kind = self.kind
        if kind == "binary":
            if not np.all(np.isin(labels, (-1, 0, 1))):
                raise ValueError(
                    "This is a two-class problem: labels must be -1 or 1 (0 is read as -1). "
                    f"Received labels {sorted(set(labels.tolist()))[:5]}."
                )
            return np.where(labels > 0, 1.0, -1.0).astype(np.float32)
        if kind == "multiclass":
            k = self.num_classes
            if not np.all((labels == np.round(labels)) & (labels >= 0) & (labels < k)):
                raise ValueError(
                    f"This problem has {k} classes: labels must be whole numbers 0..{k - 1} "
                    f"(set numClasses to change it). Received labels {sorted(set(labels.tolist()))[:5]}."
                )
            return labels.astype(np.int64)
        return labels.astype(np.float32)

    def add_point(self, x: float, y: float, label, subset: str = "train"):
        """Add one point (a click on the data map)."""
        if subset not in ("train", "test"):
            raise ValueError(f"subset must be 'train' or 'test'. Received: subset={subset!r}")
        lab = self._check_label([label])
        pt = np.array([[x, y]], np.float32)
        if not np.all(np.isfinite(pt)):
            raise ValueError(f"Point coordinates must be finite. Received: ({x!r}, {y!r})")
        if subset == "train":
            self.x_train = np.concatenate([self.x_train, pt])
            self.y_train = np.concatenate([self.y_train, lab])
        else:
            self.x_test = np.concatenate([self.x_test, pt])
            self.y_test = np.concatenate([self.y_test, lab])
        self._custom_data = True
        self._batches = None

    def remove_points_near(self, x: float, y: float, radius: float) -> int:
        """Remove the train and test points within ``radius`` of (x, y); returns how many."""
        removed = 0
        for sub in ("train", "test"):
            pts, labs = getattr(self, "x_" + sub), getattr(self, "y_" + sub)
            keep = np.hypot(pts[:, 0] - x, pts[:, 1] - y) > radius
            removed += int((~keep).sum())
            setattr(self, "x_" + sub, pts[keep])
            setattr(self, "y_" + sub, labs[keep])
        if removed:
            self._custom_data = True
            self._batches = None
        return removed

    def load_csv(self, data: bytes | str) -> int:
        """Replace the data by the points in a CSV text: columns x, y, label and optionally subset
        (train/test; without it the points are split by percTrainData). A header row is optional.
        Returns the number of points; on any problem raises ValueError and changes nothing."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > MAX_CSV_BYTES:
            raise ValueError(
                f"The CSV file is {len(data)} bytes; the limit is {MAX_CSV_BYTES} (5 MB). Use fewer points."
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("The CSV file is not UTF-8 text. Save it as plain CSV (x,y,label per line).") from None
        rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
        ncols = len(rows[0]) if rows else 0
        if ncols not in (3, 4):
            raise ValueError(
                f"Each CSV row needs 3 comma-separated columns x,y,label (or 4 with subset). Row 1 has {ncols}."
            )
        if rows and not _is_number(rows[0][0]):
            header = [c.strip().lower() for c in rows[0]]
            if header[:3] != ["x", "y", "label"] or header[3:] not in ([], ["subset"]):
                raise ValueError(
                    f"The CSV header must be 'x,y,label' (optionally ',subset'). Received: {','.join(rows[0])!r}"
                )
            rows = rows[1:]
        if len(rows) < 2:
            raise ValueError("The CSV file needs at least 2 data rows of x,y,label.")
        if len(rows) > MAX_CSV_ROWS:
            raise ValueError(f"The CSV file has {len(rows)} rows; the limit is {MAX_CSV_ROWS}. Use fewer points.")
        subsets = []
        values = np.empty((len(rows), 3))
        for i, row in enumerate(rows):
            if len(row) != ncols:
                raise ValueError(f"Row {i + 1} has {len(row)} columns, expected {ncols} like the first row.")
            try:
                values[i] = [float(c) for c in row[:3]]
            except ValueError:
                raise ValueError(f"Row {i + 1} has a value that is not a number: {','.join(row)!r}.") from None
            if ncols == 4:
                sub = row[3].strip().lower()
                if sub not in ("train", "test"):
                    raise ValueError(f"Row {i + 1}: subset must be 'train' or 'test'. Received: {row[3]!r}.")
                subsets.append(sub)
        if not np.all(np.isfinite(values)):
            bad = int(np.argmax(~np.all(np.isfinite(values), axis=1)))
            raise ValueError(f"Row {bad + 1} contains NaN or infinity; every value must be a finite number.")
        pts = values[:, :2].astype(np.float32)
        labels = self._check_label(values[:, 2])
        if subsets:
            is_train = np.array(subsets) == "train"
            x_tr, y_tr, x_te, y_te = pts[is_train], labels[is_train], pts[~is_train], labels[~is_train]
        else:
            order = self._data_rng().permutation(len(pts))
            x_tr, y_tr, x_te, y_te = datasets.split(pts[order], labels[order], self._cfg["percTrainData"])
        if len(x_tr) == 0:
            raise ValueError("No training points in the CSV file: mark some rows 'train' or raise percTrainData.")
        self.x_train, self.y_train, self.x_test, self.y_test = x_tr, y_tr, x_te, y_te
        self._custom_data = True
        self._batches = None
        return len(pts)

    def export_csv(self, subset: str = "all") -> bytes:
        """The points as CSV bytes with header ``x,y,label,subset``."""
        if subset not in ("all", "train", "test"):
            raise ValueError(f"subset must be 'all', 'train' or 'test'. Received: subset={subset!r}")
        out = io.StringIO()
        out.write("x,y,label,subset\n")
        for sub in ("train", "test"):
            if subset in ("all", sub):
                for (px, py), lab in zip(getattr(self, "x_" + sub), getattr(self, "y_" + sub)):
                    out.write(f"{float(px)!r},{float(py)!r},{_label_str(lab)},{sub}\n")
        return out.getvalue().encode()

    # -- training -----------------------------------------------------------------------------
    def step(self) -> dict:
        """Train on the next batch; after the last batch of the training points the epoch ends
        (``epoch`` grows and ``history`` gets the epoch's losses)."""
        if self._batches is None:
            self._make_batches()
            self._cursor = min(self._cursor, len(self._batches))
        if not self._batches:
            raise ValueError("There are no training points: add some or raise percTrainData.")
        xb, tb = self._batches[self._cursor]
        loss = float(self._ns["train_step"](xb, tb))
        self._cursor += 1
        logs = {"epoch": self.epoch, "batch": self._cursor, "loss": loss}
        if self._cursor >= len(self._batches):
            logs = self._end_epoch()
        return logs

    def train_epoch(self) -> dict:
        """One pass over the training points in batches of batchSize (TF's oneStep)."""
        if self._batches is None:
            self._make_batches()
            self._cursor = min(self._cursor, len(self._batches))
        if not self._batches:
            raise ValueError("There are no training points: add some or raise percTrainData.")
        train_step = self._ns["train_step"]
        for xb, tb in self._batches[self._cursor :]:
            train_step(xb, tb)
        return self._end_epoch()

    def _end_epoch(self) -> dict:
        self._cursor = 0
        self.epoch += 1
        logs = self.evaluate()
        logs["epoch"] = self.epoch
        for k in self.history:
            self.history[k].append(logs[k])
        return logs

    def evaluate(self) -> dict:
        """Loss (TF's, without the penalty) and accuracy on the train and test points."""
        out = {}
        for prefix, sub in (("", "train"), ("val_", "test")):
            pts, labels = getattr(self, "x_" + sub), getattr(self, "y_" + sub)
            if len(pts) == 0:
                out[prefix + "loss"], out[prefix + "accuracy"] = float("nan"), None
                continue
            raw = self._forward(transform(pts, self.features))[-1]
            out[prefix + "loss"] = self._np_loss(raw, labels)
            out[prefix + "accuracy"] = (
                None if self.kind == "regression" else float(np.mean(self._classes(raw) == labels))
            )
        return out

    def _np_loss(self, raw, labels) -> float:
        t = self._targets(labels)
        kind = self._loss_kind()
        if kind == "squared":
            return float(np.mean(0.5 * (raw - t) ** 2))
        p = np.clip(raw, 1e-7, 1 - 1e-7 if kind == "binary" else 1.0)
        if kind == "binary":
            return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))
        return float(-np.mean(np.sum(t * np.log(p), axis=-1)))

    def _classes(self, raw) -> np.ndarray:
        if self.kind == "multiclass":
            return raw.argmax(axis=1)
        cut = 0.5 if self._loss_kind() == "binary" else 0.0
        return np.where(raw[:, 0] >= cut, 1.0, -1.0).astype(np.float32)

    def should_stop(self) -> tuple[bool, str]:
        """(True, why) when stopEpochs is reached or the test loss has not improved for
        earlyStopPatience epochs; else (False, "")."""
        stop = int(self._cfg["stopEpochs"])
        if stop and self.epoch >= stop:
            return True, f"Reached the {stop} epochs set by stopEpochs."
        patience = int(self._cfg["earlyStopPatience"])
        losses = [v for v in self.history["val_loss"] if v == v]
        if patience and losses:
            best = int(np.argmin(losses))
            if len(losses) - 1 - best >= patience:
                return True, (
                    f"Early stop: the test loss has not improved for {patience} epochs "
                    f"(best {losses[best]:.4f} at epoch {self.history['epoch'][best]})."
                )
        return False, ""

    # -- looking inside -----------------------------------------------------------------------
    def _forward(self, feats: np.ndarray) -> list[np.ndarray]:
        h = tf.constant(np.asarray(feats, np.float32))
        outs = []
        layers = self.model.layers
        for i, layer in enumerate(layers):
            h = layer(h)
            nxt = layers[i + 1] if i + 1 < len(layers) else None
            if nxt is None or isinstance(nxt, tf.keras.layers.Dense):
                outs.append(h.numpy())
        return outs

    def layer_outputs(self, points) -> list[np.ndarray]:
        """[features (N, F), hidden 1 (N, u1), ..., output (N, 1 or C)] in one forward pass."""
        feats = transform(points, self.features)
        return [feats, *self._forward(feats)]

    def predict(self, points) -> np.ndarray:
        """(N,) outputs for two classes (TF: tanh in [-1, 1]; sigmoid for cross-entropy) and
        regression, (N, C) class probabilities for multi-class."""
        out = self._forward(transform(points, self.features))[-1]
        return out if self.kind == "multiclass" else out[:, 0]

    def confusion_matrix(self, subset: str = "test") -> np.ndarray:
        """Counts [true class, predicted class]; two-class order is (-1, +1)."""
        if self.kind == "regression":
            raise ValueError("A confusion matrix needs a classification problem; this one is regression.")
        if subset not in ("train", "test", "all"):
            raise ValueError(f"subset must be 'train', 'test' or 'all'. Received: subset={subset!r}")
        subs = ("train", "test") if subset == "all" else (subset,)
        pts = np.concatenate([getattr(self, "x_" + s) for s in subs])
        labels = np.concatenate([getattr(self, "y_" + s) for s in subs])
        k = self.num_classes
        cm = np.zeros((k, k), np.int64)
        if len(pts):
            pred = self._classes(self._forward(transform(pts, self.features))[-1])
            if self.kind == "binary":
                labels, pred = (labels > 0).astype(np.int64), (pred > 0).astype(np.int64)
            np.add.at(cm, (labels.astype(np.int64), pred.astype(np.int64)), 1)
        return cm

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(kernel (in, out), bias (out,)) of every Dense layer, input side first."""
        return [(layer.kernel.numpy(), layer.bias.numpy()) for layer in self._dense]

    def set_weight(self, layer_index: int, i: int, j: int, value: float):
        """Set the weight from neuron i of one layer to neuron j of the next (Dense layer
        ``layer_index``, 0 = the first hidden layer)."""
        layer = self._dense_layer(layer_index)
        k = layer.kernel.numpy().copy()
        k[i, j] = value
        layer.kernel.assign(k)

    def set_bias(self, layer_index: int, j: int, value: float):
        """Set the bias of neuron j of Dense layer ``layer_index``."""
        layer = self._dense_layer(layer_index)
        b = layer.bias.numpy().copy()
        b[j] = value
        layer.bias.assign(b)

    def _dense_layer(self, index):
        if not isinstance(index, (int, np.integer)) or not 0 <= index < len(self._dense):
            raise IndexError(f"layer_index must be in 0..{len(self._dense) - 1}. Received: {index!r}")
        return self._dense[index]

    # -- sharing ------------------------------------------------------------------------------
    def weights_to_url(self) -> str:
        """Every model variable as zlib-compressed float32, URL-safe base64 without padding."""
        flat = np.concatenate([w.astype("<f4").ravel() for w in self.model.get_weights()])
        return base64.urlsafe_b64encode(zlib.compress(flat.tobytes(), 9)).decode().rstrip("=")

    def load_weights_from_url(self, text: str):
        """Load weights made by ``weights_to_url`` for a network of the same shape."""
        shapes = [w.shape for w in self.model.get_weights()]
        need = int(sum(int(np.prod(s)) for s in shapes))
        try:
            raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
            d = zlib.decompressobj()
            buf = d.decompress(raw, 4 * MAX_WEIGHTS + 4)
            if d.unconsumed_tail:
                raise ValueError("too large")
        except (ValueError, zlib.error, TypeError) as err:
            raise ValueError(
                f"The weights in the link are not valid ({err}); copy the whole link again, or remove 'weights='."
            ) from None
        if len(buf) % 4 or len(buf) // 4 != need:
            raise ValueError(
                f"The weights in the link hold {len(buf) // 4} numbers but this network needs {need} "
                f"(shapes {shapes}); they were made for a different network shape or features."
            )
        flat = np.frombuffer(buf, "<f4")
        if not np.all(np.isfinite(flat)):
            raise ValueError("The weights in the link contain NaN or infinity.")
        out, pos = [], 0
        for s in shapes:
            n = int(np.prod(s))
            out.append(flat[pos : pos + n].reshape(s).astype(np.float32))
            pos += n
        self.model.set_weights(out)

    def export(self, fmt: str) -> tuple[str, bytes]:
        """(file name, bytes) of the model in ``fmt``: a key of ``EXPORTERS`` (keras, h5, weights.h5,
        npz, tfjs, onnx)."""
        if fmt not in EXPORTERS:
            raise ValueError(f"Unknown export format {fmt!r}; expected one of {', '.join(EXPORTERS)}.")
        filename, export = EXPORTERS[fmt]
        return filename, export(self.model)

    def to_code(self) -> str:
        """Python that rebuilds this data and network (the same initial weights) and trains it."""
        model_src, loss_src, step_src = self._sources()
        cfg = self._cfg
        feats = self.features
        head = [
            '"""Generated by the gradplay Playground: the same data, network and training loop."""',
            "",
            "import numpy as np",
            "",
            "import gradplay.engine as tf",
            "from gradplay.app import datasets, features",
            "",
        ]
        if self._custom_data:
            data = [
                "# the points as they were in the Playground (edited or loaded from CSV)",
                f"x_train = np.array({self.x_train.tolist()!r}, np.float32).reshape(-1, 2)",
                f"y_train = np.array({self.y_train.tolist()!r})",
                f"x_test = np.array({self.x_test.tolist()!r}, np.float32).reshape(-1, 2)",
                f"y_test = np.array({self.y_test.tolist()!r})",
            ]
        else:
            name = cfg["regDataset"] if cfg["problem"] == "regression" else cfg["dataset"]
            n = datasets.get(name).num_samples
            k = f", num_classes={int(cfg['numClasses'])}" if self.kind == "multiclass" else ""
            data = [
                f"rng = np.random.default_rng({[*_seed_ints(self.seed), 0]})  # from seed {self.seed!r}",
                f'points, labels = datasets.generate("{name}", {n}, {cfg["noise"] / 100!r}, rng{k})',
                f"x_train, y_train, x_test, y_test = datasets.split(points, labels, {cfg['percTrainData']})",
            ]
        kind = self._loss_kind()
        if kind == "categorical":
            target = f"np.eye({self.num_classes}, dtype=np.float32)[y.astype(np.int64)]"
            acc = "np.mean(out.argmax(axis=1) == y_test)"
        elif kind == "binary":
            target = "(y.astype(np.float32)[:, None] + 1) / 2  # labels -1/1 -> 0/1"
            acc = "np.mean(np.where(out[:, 0] >= 0.5, 1, -1) == y_test)"
        elif self.kind == "binary":
            target = "y.astype(np.float32)[:, None]"
            acc = "np.mean(np.where(out[:, 0] >= 0, 1, -1) == y_test)"
        else:
            target = "y.astype(np.float32)[:, None]"
            acc = None
        bs = int(cfg["batchSize"])
        body = [
            *data,
            f"FEATURES = {json.dumps(feats)}",
            "",
            "",
            "def targets(y):",
            f"    return {target}",
            "",
            "",
            model_src,
            "",
            loss_src,
            "",
            step_src,
            "",
            "f_train, t_train = features.transform(x_train, FEATURES), targets(y_train)",
            "f_test, t_test = features.transform(x_test, FEATURES), targets(y_test)",
            f"batches = [(tf.constant(f_train[i : i + {bs}]), tf.constant(t_train[i : i + {bs}])) "
            f"for i in range(0, len(f_train), {bs})]",
            "for epoch in range(1, EPOCHS + 1):",
            "    for xb, tb in batches:  # TF Playground visits the training points in order",
            "        train_step(xb, tb)",
            "    out = model(f_test).numpy()",
            "    test_loss = float(loss_fn(tf.constant(t_test), tf.constant(out)))",
        ]
        if acc is None:
            body += [
                "    if epoch % 10 == 0 or epoch == EPOCHS:",
                '        print(f"epoch {epoch}  test loss {test_loss:.4f}")',
            ]
        else:
            body += [
                f"    accuracy = {acc}",
                "    if epoch % 10 == 0 or epoch == EPOCHS:",
                '        print(f"epoch {epoch}  test loss {test_loss:.4f}  test accuracy {accuracy:.3f}")',
            ]
        return "\n".join(head + ["EPOCHS = 100", "", *body]) + "\n"


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _label_str(lab) -> str:
    v = float(lab)
    return str(int(v)) if v == int(v) else repr(v)
