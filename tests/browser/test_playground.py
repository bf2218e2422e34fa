"""The Playground served by ``python -m gradplay.app``, driven in real headless Chromium.

One server for the module; each test opens its own page (its own Panel session). The page must
make no request beyond 127.0.0.1 and raise no JavaScript error.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from .conftest import Server

pytestmark = pytest.mark.browser

STATUS = re.compile(r"Epoch\s+([\d,]+)\s+·\s+Test loss\s+([\d.]+|nan)")


@pytest.fixture(scope="module")
def server():
    s = Server(["-m", "gradplay.app", "--port", "0"])
    yield s
    s.stop()


def open_page(new_page, server, fragment="", **kw):
    watch = new_page(**kw)
    watch.page.goto(server.url + fragment)
    status(watch.page)  # the document is live once the status line is there
    return watch


def status(page, timeout=30_000):
    """(epoch, test loss) from the status line."""
    locator = page.get_by_text(STATUS).first
    locator.wait_for(timeout=timeout)
    match = STATUS.search(locator.inner_text())
    return int(match.group(1).replace(",", "")), float(match.group(2))


def wait_for_epoch(page, epoch, timeout_s=60):
    deadline = page.evaluate("Date.now()") + timeout_s * 1000
    while page.evaluate("Date.now()") < deadline:
        current, loss = status(page)
        if current >= epoch:
            return current, loss
        page.wait_for_timeout(250)
    raise AssertionError(f"the Playground did not reach epoch {epoch} in {timeout_s} s (at {status(page)})")


def play(page):
    page.get_by_role("button", name="Play", exact=True).click()


def pause(page):
    page.get_by_role("button", name="Pause", exact=True).click()


def select_of(page, option):
    """The <select> that offers ``option`` (Panel draws each Select as a native select)."""
    return page.locator(f"select:has(option[value='{option}'])").first


def url_hash(page):
    return page.evaluate("window.location.hash")


@pytest.mark.parametrize(
    "name,fragment,epochs,factor",
    [
        ("circle", "", 60, 0.5),
        ("spiral", "#dataset=spiral&networkShape=8,8,6&sinX=true&sinY=true&showTestData=true", 120, 0.8),
    ],
)
def test_play_trains_and_test_loss_falls(new_page, server, name, fragment, epochs, factor):
    watch = open_page(new_page, server, fragment)
    page = watch.page
    start_epoch, start_loss = status(page)
    assert start_epoch == 0
    play(page)
    epoch, loss = wait_for_epoch(page, epochs, timeout_s=90)
    pause(page)
    assert loss < factor * start_loss, f"{name}: test loss {start_loss} -> {loss} after {epoch} epochs"
    watch.screenshot(f"playground-{name}-trained")
    watch.assert_clean()


def test_controls_change_the_network_and_the_link(new_page, server):
    watch = open_page(new_page, server)
    page = watch.page
    select_of(page, "relu").select_option("relu")
    page.wait_for_function("window.location.hash.includes('activation=relu')", timeout=10_000)
    page.get_by_role("button", name="+ layer").click()
    page.get_by_text("3 hidden layer(s)").wait_for(timeout=10_000)
    page.wait_for_function("window.location.hash.includes('networkShape=4,2,2')", timeout=10_000)
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(r"Epoch\s+1\s+·")).wait_for(timeout=10_000)
    watch.screenshot("playground-controls")
    watch.assert_clean()


def test_tensorflow_playground_link_opens_the_same_configuration(new_page, server):
    link = (
        "#activation=relu&batchSize=10&dataset=xor&regDataset=reg-plane&learningRate=0.1&regularizationRate=0"
        "&noise=0&networkShape=3&seed=0.12345&showTestData=false&discretize=true&percTrainData=70&x=true&y=true"
        "&xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false"
        "&collectStats=false&problem=classification&initZero=false&hideText=false&noise_hide=true"
    )
    watch = open_page(new_page, server, link)
    page = watch.page
    page.get_by_text("1 hidden layer(s)").wait_for(timeout=10_000)
    assert select_of(page, "relu").input_value() == "relu"
    assert select_of(page, "xor").input_value() == "xor"
    assert select_of(page, "0.1").input_value() == "0.1"
    assert page.get_by_text("Noise:").count() == 0 or not page.get_by_text("Noise:").first.is_visible()
    # the page's own link now carries the same settings
    for part in ("activation=relu", "dataset=xor", "networkShape=3", "seed=0.12345", "percTrainData=70"):
        assert part in url_hash(page)
    play(page)
    wait_for_epoch(page, 20)
    pause(page)
    watch.screenshot("playground-tf-link")
    watch.assert_clean()


def test_malformed_link_shows_a_message_and_the_page_still_works(new_page, server):
    watch = open_page(new_page, server, "#learningRate=banana&networkShape=4,x")
    page = watch.page
    alert = page.get_by_text(re.compile("could not be opened"))
    alert.wait_for(timeout=10_000)
    assert "learningRate" in alert.inner_text() or "networkShape" in alert.inner_text()
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(re.compile(r"Epoch\s+1\s+·")).wait_for(timeout=10_000)
    watch.screenshot("playground-bad-link")
    watch.assert_clean()


def loss_curve_length(page) -> int:
    """Points in the page's training-loss line (read from the Bokeh document in the browser)."""
    return page.evaluate(
        """() => {
            for (const doc of window.Bokeh.documents) {
                const source = [...doc.all_models].find((m) => m.name === "loss" && m.data !== undefined);
                if (source) return source.data.step.length;
            }
            return -1;
        }"""
    )


def upload(page, name, content: bytes):
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )


def test_csv_upload_replaces_the_data_and_bad_files_are_rejected(new_page, server):
    watch = open_page(new_page, server)
    page = watch.page
    rng = np.random.default_rng(0)
    pts = rng.uniform(-5, 5, (120, 2))
    labels = np.where(pts[:, 0] > 0, 1, -1)
    good = "x,y,label\n" + "\n".join(f"{a:.3f},{b:.3f},{c}" for (a, b), c in zip(pts, labels))
    upload(page, "points.csv", good.encode())
    play(page)
    _, loss = wait_for_epoch(page, 40)
    pause(page)
    assert loss < 0.2, f"a linearly separable upload should train well; test loss {loss}"
    assert page.get_by_text("was not loaded").count() == 0

    upload(page, "garbage.csv", b"\x00\x01 this is not a csv \xff")
    page.get_by_text(re.compile("The CSV file was not loaded")).wait_for(timeout=10_000)
    upload(page, "nan.csv", b"x,y,label\n1,2,1\nnan,3,-1\n0,0,1\n")
    page.get_by_text(re.compile("was not loaded.*(NaN|nan|finite)", re.S)).first.wait_for(timeout=10_000)
    # the session keeps the good data and its training history
    assert status(page)[1] < 0.2
    assert loss_curve_length(page) > 0
    watch.screenshot("playground-csv")
    watch.assert_clean()


def test_export_keras_file_downloads_and_loads(new_page, server, tmp_path):
    from gradplay.engine.keras.models import load_model

    watch = open_page(new_page, server, "#networkShape=5,3&dataset=gauss", accept_downloads=True)
    page = watch.page
    play(page)
    wait_for_epoch(page, 10)
    pause(page)
    page.get_by_text(re.compile("More: optimizer")).click()
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name=re.compile("Download model")).click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".keras"
    model = load_model(str(path))
    units = [layer.units for layer in model.layers if hasattr(layer, "units")]
    assert units == [5, 3, 1]
    out = model.predict(np.array([[2.0, 2.0], [-2.0, -2.0]], dtype=np.float32), verbose=0)
    # gauss: positive blob at (2, 2), negative at (-2, -2); the trained model separates them
    assert out[0, 0] > 0 > out[1, 0]
    watch.screenshot("playground-export")
    watch.assert_clean()
