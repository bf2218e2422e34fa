"""The main job's engine demo trains the Playground network and reports honestly."""

from __future__ import annotations

import re

from gradplay.app.demo import main


def test_demo_learns_xor(capsys):
    assert main(["--epochs", "100", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    accuracies = [float(a) for a in re.findall(r"test accuracy (\d\.\d+)", out)]
    losses = [float(v) for v in re.findall(r"train loss (\d+\.\d+)", out)]
    assert accuracies[-1] > 0.9 and losses[-1] < losses[0]
    assert "#" in out.split("decision boundary")[1]


def test_demo_rejects_bad_arguments(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["--epochs", "0"])
    assert "must be >= 1" in capsys.readouterr().err
