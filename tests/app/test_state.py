"""PlaygroundState: TF Playground defaults, URL round trips, TF links, validation."""

import pytest

from gradplay.app import state as state_mod
from gradplay.app.state import PlaygroundState

TF_DEFAULT_LINK = (
    "#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03&regularizationRate=0"
    "&noise=0&networkShape=4,2&seed=0.80290&showTestData=false&discretize=false&percTrainData=50&x=true&y=true"
    "&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false"
    "&problem=classification&initZero=false&hideText=false"
)

# a non-default value for EVERY parameter (the test below checks that none is missing)
NON_DEFAULTS = {
    "problem": "regression",
    "dataset": "spiral",
    "regDataset": "reg-gauss",
    "numClasses": 5,
    "noise": 35,
    "percTrainData": 70,
    "seed": "0.12345",
    "x": False,
    "y": False,
    "xSquared": True,
    "ySquared": True,
    "xTimesY": True,
    "sinX": True,
    "sinY": True,
    "cosX": True,
    "cosY": True,
    "networkShape": [32, 16, 8, 8, 4, 4, 2, 1],
    "activation": "relu",
    "layerActivations": ["sigmoid", "linear"],
    "initializer": "he_normal",
    "initZero": True,
    "dropout": 0.25,
    "batchNorm": True,
    "learningRate": 0.0001,
    "batchSize": 30,
    "optimizer": "adam",
    "loss": "crossentropy",
    "regularization": "L1",
    "regularizationRate": 0.003,
    "stopEpochs": 500,
    "earlyStopPatience": 20,
    "weights": "eJxjYGBgAAAABAAB",
    "showTestData": True,
    "discretize": True,
    "collectStats": True,
    "hideText": True,
    "tutorial": "relu",
    "hidden": frozenset({"noise", "playButton"}),
}


def test_table_covers_every_parameter():
    assert set(NON_DEFAULTS) == set(PlaygroundState.param) - {"name"}


def test_defaults_are_tf_playgrounds():
    s = PlaygroundState()
    assert (s.dataset, s.activation, s.learningRate, s.networkShape) == ("circle", "tanh", 0.03, [4, 2])
    assert (s.batchSize, s.percTrainData, s.noise, s.regularization, s.regularizationRate) == (10, 50, 0, "none", 0)
    assert (s.problem, s.features) == ("classification", ["x", "y"])
    assert s.hidden == frozenset() and s.weights == ""


@pytest.mark.parametrize("name", sorted(NON_DEFAULTS))
def test_url_round_trip_each_parameter(name):
    s = PlaygroundState(**{name: NON_DEFAULTS[name]})
    assert getattr(s, name) != PlaygroundState.param[name].default
    back = PlaygroundState.from_url("#" + s.to_url())
    assert getattr(back, name) == NON_DEFAULTS[name]
    assert back.values() == s.values()
    assert back.url_warnings == []
    full = PlaygroundState.from_url(s.to_url(full=True))
    assert full.values() == s.values()


def test_url_round_trip_all_at_once():
    s = PlaygroundState(**NON_DEFAULTS)
    assert PlaygroundState.from_url(s.to_url()).values() == s.values()


def test_empty_network_shape_round_trips():
    s = PlaygroundState(networkShape=[])
    assert "networkShape=&" in s.to_url()
    assert PlaygroundState.from_url(s.to_url()).networkShape == []


def test_tf_default_link_verbatim():
    s = PlaygroundState.from_url(TF_DEFAULT_LINK)
    assert s.values() == PlaygroundState().values()
    assert s.url_warnings == []
    # and what we write, TF can read: the same keys (plus regularization, which TF writes too)
    ours = dict(kv.split("=", 1) for kv in s.to_url().split("&"))
    theirs = dict(kv.split("=", 1) for kv in TF_DEFAULT_LINK[1:].split("&"))
    assert {k: ours[k] for k in theirs} == theirs


def test_tf_link_with_hide_flags_and_regression():
    url = (
        "https://playground.tensorflow.org/#activation=relu&batchSize=3&dataset=xor&regDataset=reg-gauss"
        "&learningRate=0.1&regularizationRate=0.003&noise=15&networkShape=6,6,6&seed=0.47118&showTestData=true"
        "&discretize=true&percTrainData=60&x=true&y=false&xTimesY=true&xSquared=false&ySquared=false&cosX=false"
        "&sinX=true&cosY=false&sinY=false&collectStats=false&problem=regression&initZero=false&hideText=true"
        "&regularization=L2&noise_hide=true&problem_hide=true&percTrainData_hide=true&playButton_hide=false"
        "&numHiddenLayers_hide=true&tutorial=dp-reducing-overfitting"
    )
    s = PlaygroundState.from_url(url)
    assert s.problem == "regression" and s.regDataset == "reg-gauss" and s.dataset == "xor"
    assert (s.activation, s.batchSize, s.learningRate, s.noise) == ("relu", 3, 0.1, 15)
    assert (s.regularization, s.regularizationRate, s.networkShape) == ("L2", 0.003, [6, 6, 6])
    assert s.features == ["x", "xTimesY", "sinX"]
    assert s.seed == "0.47118" and s.showTestData and s.discretize and s.hideText
    assert s.hidden == {"noise", "problem", "percTrainData", "numHiddenLayers"}
    assert s.tutorial == "dp-reducing-overfitting"
    assert PlaygroundState.from_url(s.to_url()).values() == s.values()


def test_missing_keys_keep_values_and_hide_false_shows():
    s = PlaygroundState(learningRate=0.3, hidden=frozenset({"noise", "batchSize"}))
    s.update_from_url("activation=sigmoid&noise_hide=false")
    assert s.learningRate == 0.3 and s.activation == "sigmoid" and s.hidden == {"batchSize"}


def test_unknown_keys_warn():
    s = PlaygroundState.from_url("#foo=1&activation=relu&bar")
    assert s.activation == "relu"
    assert len(s.url_warnings) == 2 and "'foo'" in s.url_warnings[0]


BAD = [
    ("learningRate", "abc", "a number"),
    ("learningRate", "-0.1", "[0.0, 10.0]"),
    ("regularizationRate", "11", "[0.0, 10.0]"),
    ("batchSize", "0", "an integer"),
    ("batchSize", "2.5", "an integer"),
    ("noise", "80", "[0, 50]"),
    ("percTrainData", "100", "[10, 90]"),
    ("numClasses", "12", "[2, 6]"),
    ("dropout", "1", "[0.0, 0.9]"),
    ("activation", "softmax", "tanh, relu"),
    ("dataset", "moons", "circle, xor"),
    ("problem", "ranking", "classification, regression"),
    ("optimizer", "lbfgs", "sgd, momentum"),
    ("networkShape", "4,64", "1..32"),
    ("networkShape", "1,1,1,1,1,1,1,1,1", "0..8"),
    ("networkShape", "4;2", "comma-separated"),
    ("layerActivations", "relu,cube", "leaky_relu"),
    ("x", "yes", "true or false"),
    ("seed", "a b", "letters, digits"),
    ("weights", "abc!", "base64"),
]


@pytest.mark.parametrize("key,value,allowed", BAD)
def test_bad_values_name_key_value_and_allowed_and_change_nothing(key, value, allowed):
    s = PlaygroundState()
    before = s.values()
    with pytest.raises(ValueError) as err:
        s.update_from_url(f"#activation=relu&{key}={value}&noise=10")
    msg = str(err.value)
    assert repr(key) in msg and repr(value) in msg and allowed in msg
    assert s.values() == before  # validated first: not even activation changed


def test_direct_assignment_is_validated_too():
    s = PlaygroundState()
    with pytest.raises(ValueError, match="networkShape"):
        s.networkShape = [4, 40]
    with pytest.raises(ValueError, match="layerActivations"):
        s.layerActivations = ["cube"]
    with pytest.raises(ValueError):
        s.learningRate = -1
    assert s.networkShape == [4, 2]


def test_hide_helper():
    s = PlaygroundState()
    s.hide("noise")
    s.hide("batchSize")
    s.hide("noise", False)
    assert s.hidden == {"batchSize"} and "batchSize_hide=true" in s.to_url()


def test_docs_are_help_text():
    for name, p in PlaygroundState.param.objects().items():
        if name != "name":
            assert p.doc and len(p.doc) > 20, name


def test_change_kinds_cover_every_parameter():
    view = {"showTestData", "discretize", "collectStats", "hideText", "tutorial", "hidden"}
    view |= {"stopEpochs", "earlyStopPatience"}
    kinds = state_mod.REGENERATE_KEYS | state_mod.REBUILD_KEYS | state_mod.RETUNE_KEYS | view
    assert kinds == set(PlaygroundState.param) - {"name"}
    old = PlaygroundState().values()
    assert state_mod.change_kind(old, dict(old, learningRate=0.1)) == "retuned"
    assert state_mod.change_kind(old, dict(old, networkShape=[3])) == "rebuilt"
    assert state_mod.change_kind(old, dict(old, noise=10, activation="relu")) == "regenerated"
    assert state_mod.change_kind(old, dict(old, showTestData=True)) == "unchanged"


def test_session_defaults_match_the_state():
    from gradplay.app.session import DEFAULTS

    values = PlaygroundState().values()
    assert {k: values[k] for k in DEFAULTS} == DEFAULTS
