"""``%load_ext gradplay``: ``%playground`` and ``%gradplay_device`` in a real IPython kernel."""

from __future__ import annotations

import doctest

import pytest

from gradplay.app import magics

from .conftest import errors, run_notebook, stream


def test_docstring_examples():
    result = doctest.testmod(magics, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3 and result.failed == 0


@pytest.mark.parametrize(
    "line, url, name, play",
    [
        ("", "", None, False),
        (
            "--dataset xor --networkShape 4,4 --activation relu",
            "dataset=xor&networkShape=4,4&activation=relu",
            None,
            False,
        ),
        ("--dataset=spiral --name pg --play", "dataset=spiral", "pg", True),
        (
            "https://playground.tensorflow.org/#activation=relu&dataset=spiral -o p",
            "activation=relu&dataset=spiral",
            "p",
            False,
        ),
        ("#dataset=xor --dataset circle", "dataset=xor&dataset=circle", None, False),  # flags win (last key)
        ("--noise_hide --showTestData false", "noise_hide=true&showTestData=false", None, False),
        ("--networkShape ''", "networkShape=", None, False),
    ],
)
def test_parse_playground_line(line, url, name, play):
    assert magics.parse_playground_line(line) == (url, name, play)


@pytest.mark.parametrize(
    "line, message",
    [
        ("--datset xor", "Unknown Playground setting '--datset'"),
        ("-o", "-o needs a variable name"),
        ("-o 3x", "needs a Python variable name. Received: '3x'"),
        ("--dataset 'xor", "Check its quotes"),
    ],
)
def test_bad_lines_say_what_to_fix(line, message):
    with pytest.raises(magics.UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        magics.parse_playground_line(line)


def test_bad_values_use_the_states_message():
    with pytest.raises(ValueError, match="Invalid value for 'networkShape'.*allowed"):
        magics.make_playground("networkShape=4,99")


def test_device_report_names_backend_and_devices():
    report = magics.device_report()
    assert "gradplay engine backend: numpy" in report
    assert "available backends: " in report and "/physical_device:CPU:0 (CPU)" in report


def test_gradplay_package_import_stays_light():
    import subprocess
    import sys

    code = "import sys, gradplay; print(sorted(m for m in ('IPython', 'panel', 'gradplay.app') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_magics_in_a_real_kernel():
    cells = run_notebook(
        [
            "%load_ext gradplay",
            "%playground --dataset xor --networkShape 4,4 --activation tanh --learningRate 0.1 -o pg",
            # The trained model comes back as a Python variable: train it from code.
            "import numpy as np\n"
            "s = pg.session\n"
            "before = s.evaluate()['loss']\n"
            "for _ in range(40):\n"
            "    logs = s.train_epoch()\n"
            "pred = s.predict(s.x_test)\n"
            "acc = float(np.mean(np.where(pred >= 0, 1.0, -1.0) == s.y_test))\n"
            "print(type(s.model).__module__, s.epoch, before, logs['loss'], acc)",
            "%playground --dataset xor --networkShape 4,99",
            "%playground --datset xor",
            "%playground #activation=relu&dataset=spiral&bogus=1 -o pg2\n"
            "print(pg2.state.activation, pg2.state.dataset)",
            "%gradplay_device",
            "%gradplay_device no-such-backend",
            "%unload_ext gradplay\n%load_ext gradplay\n%gradplay_device numpy",
        ]
    )
    for cell in cells:
        assert not errors(cell), (cell.source, errors(cell))
    # The Playground is displayed as a Panel object (Panel's notebook mime type).
    shown = [o for o in cells[1].outputs if o.output_type == "display_data"]
    assert any("application/vnd.holoviews_exec.v0+json" in o.get("data", {}) for o in shown)
    module, epoch, before, after, acc = stream(cells[2], "stdout").split()
    assert module.startswith("gradplay.engine.keras")
    assert int(epoch) == 40 and float(after) < 0.5 * float(before) and float(acc) >= 0.9
    bad = stream(cells[3], "stderr")
    assert "Invalid value for 'networkShape' in the link: received networkShape='4,99'" in bad
    assert "Traceback" not in bad and not [o for o in cells[3].outputs if o.output_type == "display_data"]
    assert "Unknown Playground setting '--datset'" in stream(cells[4], "stderr")
    assert stream(cells[5], "stdout").split() == ["relu", "spiral"]
    assert "ignored unknown key 'bogus'" in stream(cells[5], "stderr")
    assert "gradplay engine backend: numpy" in stream(cells[6], "stdout")
    assert "Unknown backend 'no-such-backend'. Available backends:" in stream(cells[7], "stderr")
    assert "gradplay engine backend: numpy" in stream(cells[8], "stdout")


@pytest.mark.slow
def test_play_trains_on_the_kernels_event_loop():
    """Play starts a periodic callback on the kernel's loop; it trains between (and during
    awaiting) cells and stops on Pause."""
    cells = run_notebook(
        [
            "%load_ext gradplay",
            "%playground --dataset xor --play -o pg",
            "import asyncio\nawait asyncio.sleep(2)\nprint(pg.session.epoch, pg.play_button.name)",
            "pg.playing = False\nawait asyncio.sleep(0.3)\nn = pg.session.epoch\nawait asyncio.sleep(0.5)\n"
            "print(n, pg.session.epoch, pg.play_button.name)",
        ]
    )
    for cell in cells:
        assert not errors(cell), (cell.source, errors(cell))
    epochs, label = stream(cells[2], "stdout").split()
    assert int(epochs) > 5 and label == "Pause"
    n, m, label = stream(cells[3], "stdout").split()
    assert n == m and label == "Play"
