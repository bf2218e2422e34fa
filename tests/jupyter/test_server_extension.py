"""The Jupyter Server extension (``/gradplay/playground``) and the prebuilt labextension, in a
real ``jupyter server`` / ``jupyter lab`` subprocess configured by the files the wheel installs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .conftest import LABEXTENSION_BUILT, LABEXTENSION_SOURCE, SERVER_CONFIG, JupyterServer

pytestmark = pytest.mark.slow


def _jupyter(args, jupyter_paths) -> str:
    data, config = jupyter_paths
    env = dict(os.environ, JUPYTER_PATH=data, JUPYTER_CONFIG_PATH=config)
    out = subprocess.run([sys.executable, "-m", "jupyter", *args], env=env, capture_output=True, text=True)
    return out.stdout + out.stderr


def test_config_file_enables_the_extension():
    config = json.loads((SERVER_CONFIG / "jupyter_server_config.d" / "gradplay.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"gradplay.app.jupyter_server": True}}}
    from gradplay.app import jupyter_server

    assert jupyter_server._jupyter_server_extension_points() == [{"module": "gradplay.app.jupyter_server"}]


def test_prebuilt_labextension_matches_its_source():
    built = json.loads((LABEXTENSION_BUILT / "package.json").read_text())
    source = json.loads((LABEXTENSION_SOURCE / "package.json").read_text())
    assert built["name"] == source["name"] == "gradplay" and built["version"] == source["version"]
    entry = LABEXTENSION_BUILT / built["jupyterlab"]["_build"]["load"]
    assert entry.is_file(), f"{entry} missing: rebuild the labextension"
    # The bundle holds the command of src/index.js (a stale build would not).
    bundle = "".join(p.read_text(errors="replace") for p in (LABEXTENSION_BUILT / "static").glob("*.js"))
    assert "gradplay:open-playground" in bundle and "gradplay/playground" in bundle


def test_extensions_are_listed(jupyter_paths):
    from jupyter_server.extension.manager import ExtensionPackage

    # What `jupyter server extension list` validates (it only reads the installed config dirs).
    assert ExtensionPackage(name="gradplay.app.jupyter_server").validate()
    lab = re.sub(r"\x1b\[[0-9;]*m", "", _jupyter(["labextension", "list"], jupyter_paths))
    assert re.search(r"gradplay v0\.1\.0 enabled\s+OK \(python, gradplay\)", lab), lab


def test_server_serves_the_playground_page(jupyter_paths, tmp_path):
    server = JupyterServer("server", jupyter_paths, tmp_path)
    try:
        status, page = server.get("/gradplay/playground")
        assert status == 200, server.log()
        assert "<title>gradplay Playground</title>" in page, page[:2000]
        scripts = re.findall(r'src="([^"]+)"', page)
        assert any("/static/js/bokeh.min.js" in s for s in scripts), scripts
        assert any("panel.min.js" in s for s in scripts), scripts
        assert "render_items" in page and "docs_json" in page  # the session's Bokeh document
        # The page's scripts are served by this server too (Panel's /panel-preview/static routes).
        bokeh_js = next(s for s in scripts if "bokeh.min.js" in s)
        assert server.get(bokeh_js.split("?")[0])[0] == 200
        log = server.log()
        assert "gradplay.app.jupyter_server | extension was successfully loaded" in log, log
        assert "gradplay Playground: /gradplay/playground" in log
    finally:
        server.stop()


def test_lab_lists_the_labextension(jupyter_paths, tmp_path):
    lab = JupyterServer("lab", jupyter_paths, tmp_path)
    try:
        extensions = {e["name"]: e for e in lab.get_json("/lab/api/extensions")}
        assert extensions["gradplay"]["enabled"] and extensions["gradplay"]["installed"], extensions.get("gradplay")
        assert extensions["gradplay"]["status"] == "ok"
        _, page = lab.get("/lab")
        federated = json.loads(re.search(r'"federated_extensions": (\[.*?\])', page).group(1))
        ours = next(e for e in federated if e["name"] == "gradplay")
        status, code = lab.get(f"/lab/extensions/gradplay/{ours['load']}")
        assert status == 200 and "gradplay" in code
    finally:
        lab.stop()
