"""The Playground's settings: one ``param.Parameterized`` object that is also the URL.

Names are TF Playground's URL keys, so its links (``#activation=tanh&networkShape=4,2&...``)
load as they are; settings beyond TF (optimizer, loss, dropout, ...) use keys of their own.

>>> from gradplay.app.state import PlaygroundState
>>> s = PlaygroundState.from_url("#activation=relu&networkShape=8,8,4&dataset=spiral&noise_hide=true")
>>> s.activation, s.networkShape, sorted(s.hidden)
('relu', [8, 8, 4], ['noise'])
>>> PlaygroundState.from_url(s.to_url()).to_url() == s.to_url()
True
"""

from __future__ import annotations

from urllib.parse import quote, unquote

import param

from . import datasets
from .features import NAMES as FEATURE_NAMES
from .session import REBUILD_KEYS, REGENERATE_KEYS, RETUNE_KEYS, change_kind

__all__ = ["PlaygroundState", "REBUILD_KEYS", "REGENERATE_KEYS", "RETUNE_KEYS", "change_kind"]

MAX_LAYERS = 8
MAX_NEURONS = 32
HIDE_SUFFIX = "_hide"
ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear", "leaky_relu", "elu", "swish"]
# TF Playground serializes these keys, in this order, on every link.
TF_KEYS = (
    "activation",
    "batchSize",
    "dataset",
    "regDataset",
    "learningRate",
    "regularization",
    "regularizationRate",
    "noise",
    "networkShape",
    "seed",
    "showTestData",
    "discretize",
    "percTrainData",
    "x",
    "y",
    "xTimesY",
    "xSquared",
    "ySquared",
    "cosX",
    "sinX",
    "cosY",
    "sinY",
    "collectStats",
    "tutorial",
    "problem",
    "initZero",
    "hideText",
)


class _Shape(param.List):
    """A list of hidden-layer sizes: at most MAX_LAYERS layers of 1..MAX_NEURONS neurons."""

    def _validate(self, val):
        super()._validate(val)
        if val is None:
            return
        if len(val) > MAX_LAYERS or any(isinstance(n, bool) or not 1 <= n <= MAX_NEURONS for n in val):
            raise ValueError(
                f"networkShape must list 0..{MAX_LAYERS} hidden layers of 1..{MAX_NEURONS} neurons each, "
                f"e.g. [4, 2]. Received: networkShape={list(val)!r}"
            )


class _Names(param.List):
    """A list of activation names (one per hidden layer), each from ACTIVATIONS."""

    def _validate(self, val):
        super()._validate(val)
        bad = [a for a in val or () if a not in ACTIVATIONS]
        if bad or len(val or ()) > MAX_LAYERS:
            raise ValueError(
                f"layerActivations must list at most {MAX_LAYERS} names from {ACTIVATIONS}. "
                f"Received: layerActivations={list(val)!r}"
            )


class PlaygroundState(param.Parameterized):
    """Every Playground setting; ``to_url``/``from_url`` turn it into a link and back."""

    # -- data --------------------------------------------------------------------------------
    problem = param.Selector(
        default="classification",
        objects=["classification", "regression"],
        doc="Classification predicts which colour (class) a point has; regression predicts a number for it.",
    )
    dataset = param.Selector(
        default="circle",
        objects=list(datasets.CLASSIFICATION),
        doc="The classification data: which pattern of coloured points the network must learn to separate.",
    )
    regDataset = param.Selector(
        default="reg-plane",
        objects=list(datasets.REGRESSION),
        doc="The regression data: the surface whose height the network must learn to predict.",
    )
    numClasses = param.Integer(
        default=3,
        bounds=(2, 6),
        doc="How many classes (colours) the multi-class data sets (multigauss, multispiral) have.",
    )
    noise = param.Integer(
        default=0,
        bounds=(0, 50),
        doc="Percent of label noise: how far points are jittered before their label is decided.",
    )
    percTrainData = param.Integer(
        default=50,
        bounds=(10, 90),
        doc="Percent of the points used for training; the rest are held out to test generalization.",
    )
    seed = param.String(
        default="0.80290",
        regex=r"^[\w.\-]{1,40}$",
        doc="The random seed: the same seed always gives the same data and the same starting weights.",
    )
    # -- input features (TF's names) ----------------------------------------------------------
    x = param.Boolean(default=True, doc="Feed the first coordinate x₁ to the network.")
    y = param.Boolean(default=True, doc="Feed the second coordinate x₂ to the network.")
    xSquared = param.Boolean(default=False, doc="Feed x₁², which makes distance-from-centre patterns easy.")
    ySquared = param.Boolean(default=False, doc="Feed x₂², which makes distance-from-centre patterns easy.")
    xTimesY = param.Boolean(default=False, doc="Feed the product x₁x₂, positive in two opposite quadrants.")
    sinX = param.Boolean(default=False, doc="Feed sin(x₁), a wave along the first axis.")
    sinY = param.Boolean(default=False, doc="Feed sin(x₂), a wave along the second axis.")
    cosX = param.Boolean(default=False, doc="Feed cos(x₁), a wave along the first axis shifted by a quarter.")
    cosY = param.Boolean(default=False, doc="Feed cos(x₂), a wave along the second axis shifted by a quarter.")
    # -- network ------------------------------------------------------------------------------
    networkShape = _Shape(
        default=[4, 2],
        item_type=int,
        doc="Neurons in each hidden layer, from input to output; an empty list means no hidden layer.",
    )
    activation = param.Selector(
        default="tanh",
        objects=ACTIVATIONS,
        doc="The function each hidden neuron applies to its weighted sum; it is what lets the net bend lines.",
    )
    layerActivations = _Names(
        default=[],
        item_type=str,
        doc="Per-hidden-layer activation overrides; an empty list (or a shorter one) falls back to activation.",
    )
    initializer = param.Selector(
        default="playground",
        objects=["playground", "glorot_uniform", "he_normal", "zeros"],
        doc="How starting weights are drawn: TF Playground's uniform ±0.5 with bias 0.1, Glorot, He, or all zero.",
    )
    initZero = param.Boolean(
        default=False,
        doc="Start every weight and bias at zero (TF's switch), to see why symmetric starts cannot learn.",
    )
    dropout = param.Number(
        default=0.0,
        bounds=(0.0, 0.9),
        doc="Fraction of hidden neurons switched off at random in each training step, to fight overfitting.",
    )
    batchNorm = param.Boolean(
        default=False,
        doc="Normalize each hidden layer's outputs over the batch, which often makes training faster.",
    )
    # -- training -----------------------------------------------------------------------------
    learningRate = param.Number(
        default=0.03,
        bounds=(0.0, 10.0),
        doc="How big a step the weights take down the loss gradient each batch; too big diverges, too small crawls.",
    )
    batchSize = param.Integer(
        default=10,
        bounds=(1, 1000),
        doc="How many training points are averaged for each weight update.",
    )
    optimizer = param.Selector(
        default="sgd",
        objects=["sgd", "momentum", "adam", "rmsprop"],
        doc="The update rule: plain gradient descent (TF's), with momentum 0.9, Adam, or RMSprop.",
    )
    loss = param.Selector(
        default="squared",
        objects=["squared", "crossentropy"],
        doc="What is minimized: half the squared error (TF's) or cross-entropy (multi-class always uses it).",
    )
    regularization = param.Selector(
        default="none",
        objects=["none", "L1", "L2"],
        doc="A penalty on large weights: L1 pushes many to exactly zero, L2 shrinks all of them.",
    )
    regularizationRate = param.Number(
        default=0.0,
        bounds=(0.0, 10.0),
        doc="How strongly the regularization penalty counts compared with the error on the data.",
    )
    stopEpochs = param.Integer(
        default=0, bounds=(0, 1_000_000), doc="Stop training after this many epochs (0 = never stop)."
    )
    earlyStopPatience = param.Integer(
        default=0,
        bounds=(0, 10_000),
        doc="Stop when the test loss has not improved for this many epochs (0 = off).",
    )
    weights = param.String(
        default="",
        doc="Trained weights carried in the link (compressed float32, URL-safe base64); empty = fresh start.",
    )
    # -- display ------------------------------------------------------------------------------
    showTestData = param.Boolean(default=False, doc="Also draw the held-out test points on the output map.")
    discretize = param.Boolean(default=False, doc="Colour the output map by predicted class instead of shades.")
    collectStats = param.Boolean(default=False, doc="Collect anonymous usage statistics (kept for TF links).")
    hideText = param.Boolean(default=False, doc="Hide the explanatory text around the Playground.")
    tutorial = param.String(default=None, allow_None=True, doc="The name of a tutorial to show beside it.")
    hidden = param.ClassSelector(
        default=frozenset(),
        class_=(frozenset, set),
        doc="Names of controls hidden from students (from TF's `<control>_hide=true` link keys).",
    )

    def __init__(self, **params):
        super().__init__(**params)
        self.url_warnings: list[str] = []

    # -- URL --------------------------------------------------------------------------------
    def to_url(self, full: bool = False) -> str:
        """The link's hash (without '#'): every TF key (so TF Playground reads it too), then the
        beyond-TF settings that differ from their defaults (all of them when ``full``)."""
        parts = []
        for name in TF_KEYS:
            value = getattr(self, name)
            if value is None:
                continue
            parts.append(f"{name}={_format(value)}")
        for name in self._extra_keys():
            p = self.param[name]
            value = getattr(self, name)
            if full or value != p.default:
                parts.append(f"{name}={_format(value)}")
        parts += [f"{name}{HIDE_SUFFIX}=true" for name in sorted(self.hidden)]
        return "&".join(parts)

    @classmethod
    def from_url(cls, url: str) -> PlaygroundState:
        """A new state from a link or its hash (TF Playground links work verbatim)."""
        state = cls()
        state.update_from_url(url)
        return state

    def update_from_url(self, url: str) -> None:
        """Apply the settings in ``url``. Every value is checked first and nothing changes if one is
        bad (``ValueError`` naming the key, the value and what is allowed). Keys missing from the
        link keep their values; unknown keys are listed in ``url_warnings``."""
        values, hide, warnings = {}, {}, []
        for item in _query(url).split("&"):
            if not item.strip():
                continue
            key, _, raw = item.partition("=")
            key, raw = unquote(key.strip()), unquote(raw.strip())
            if key.endswith(HIDE_SUFFIX):
                hide[key[: -len(HIDE_SUFFIX)]] = raw.lower() == "true"  # TF: anything else shows it
                continue
            if key == "hidden" or key not in self.param or key == "name":
                warnings.append(f"ignored unknown key {key!r} (value {raw!r})")
                continue
            values[key] = self._parse(key, raw)
        values = {k: v for k, v in values.items() if v is not _KEEP}
        shown = {k for k, v in hide.items() if not v}
        values["hidden"] = frozenset((set(self.hidden) - shown) | {k for k, v in hide.items() if v})
        self.param.update(**values)
        self.url_warnings = warnings

    def _parse(self, key: str, raw: str):
        p = self.param[key]
        value = _KEEP

        def bad(allowed: str):
            return ValueError(f"Invalid value for {key!r} in the link: received {key}={raw!r}; allowed: {allowed}.")

        if isinstance(p, param.Boolean):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise bad("true or false")
            value = raw.lower() in ("true", "1")
        elif isinstance(p, (param.Integer, param.Number)):
            lo, hi = p.bounds
            what = "an integer" if isinstance(p, param.Integer) else "a number"
            try:
                number = float(raw)
            except ValueError:
                raise bad(f"{what} in [{lo}, {hi}]") from None
            if isinstance(p, param.Integer):
                if number != int(number):
                    raise bad(f"{what} in [{lo}, {hi}]")
                number = int(number)
            if not lo <= number <= hi:
                raise bad(f"{what} in [{lo}, {hi}]")
            value = number
        elif isinstance(p, param.Selector):
            if raw not in p.objects:
                raise bad("one of " + ", ".join(map(str, p.objects)))
            value = raw
        elif key == "networkShape":
            try:
                value = [int(v) for v in raw.split(",")] if raw.strip() else []
            except ValueError:
                raise bad("comma-separated neuron counts like 4,2 (or empty for no hidden layer)") from None
            if len(value) > MAX_LAYERS or any(not 1 <= n <= MAX_NEURONS for n in value):
                raise bad(f"0..{MAX_LAYERS} comma-separated neuron counts, each 1..{MAX_NEURONS}")
        elif key == "layerActivations":
            value = [v for v in raw.split(",") if v] if raw.strip() else []
            if len(value) > MAX_LAYERS or any(v not in ACTIVATIONS for v in value):
                raise bad(f"up to {MAX_LAYERS} comma-separated names from {', '.join(ACTIVATIONS)}")
        elif key == "seed":
            if not raw:
                return _KEEP  # TF: a missing seed keeps (draws) one
            try:
                p._validate(raw)
            except ValueError:
                raise bad("up to 40 letters, digits, '.', '-' or '_', like 0.80290") from None
            value = raw
        elif key == "weights":
            if any(c not in _B64 for c in raw):
                raise bad("URL-safe base64 text made by the Playground's share link")
            value = raw
        elif isinstance(p, param.String):
            value = raw or None
        return value

    @classmethod
    def _extra_keys(cls) -> list[str]:
        return [n for n in cls.param if n not in TF_KEYS and n not in ("name", "hidden")]

    # -- helpers ----------------------------------------------------------------------------
    def values(self) -> dict:
        """The settings as a plain dict (what ``change_kind`` compares)."""
        return {n: getattr(self, n) for n in self.param if n != "name"}

    def hide(self, control: str, hidden: bool = True) -> None:
        """Hide (or show) a control for students, like TF's ``<control>_hide`` keys."""
        self.hidden = frozenset(self.hidden | {control}) if hidden else frozenset(self.hidden - {control})

    @property
    def features(self) -> list[str]:
        """The input features switched on, in TF's order."""
        return [n for n in FEATURE_NAMES if getattr(self, n)]


_KEEP = object()
_B64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def _query(url: str) -> str:
    url = url.strip()
    if "#" in url:
        url = url.split("#", 1)[1]
    elif "?" in url:
        url = url.split("?", 1)[1]
    return url


def _format(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    return quote(str(value), safe=".-_,")
