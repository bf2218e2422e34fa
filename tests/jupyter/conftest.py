"""Real Jupyter for the notebook integration: kernels through nbclient, servers as subprocesses.

``jupyter_paths`` lays out the files that ``pip install "gradplay[jupyter]"`` installs into
``<prefix>/etc/jupyter`` and ``<prefix>/share/jupyter`` (the server-extension switch and the
prebuilt labextension), straight from the repository, so these tests check the committed files
whether or not the package was installed from a wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gradplay.app.server import free_port

ROOT = Path(__file__).resolve().parents[2]
LABEXTENSION_SOURCE = ROOT / "app" / "labextension"
LABEXTENSION_BUILT = LABEXTENSION_SOURCE / "prebuilt"
SERVER_CONFIG = ROOT / "jupyter-config"
TOKEN = "gradplay-test-token"


def run_notebook(sources: list[str], timeout: int = 180):
    """Execute code cells in a fresh python3 kernel; returns the executed cells."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True).execute()
    return nb.cells


def stream(cell, name: str) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == name)


def errors(cell) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


@pytest.fixture(scope="session")
def jupyter_paths(tmp_path_factory):
    """``(JUPYTER_PATH, JUPYTER_CONFIG_PATH)`` holding the files the wheel installs."""
    data = tmp_path_factory.mktemp("share-jupyter")
    target = data / "labextensions" / "gradplay"
    if not (LABEXTENSION_BUILT / "package.json").is_file():
        pytest.fail(f"The prebuilt labextension is missing: build it (see {LABEXTENSION_SOURCE}/README.md).")
    shutil.copytree(LABEXTENSION_BUILT, target)
    shutil.copy(LABEXTENSION_SOURCE / "install.json", target / "install.json")
    return str(data), str(SERVER_CONFIG)


class JupyterServer:
    """``jupyter <app>`` on a free port with a token, in a temp root; stopped on exit."""

    def __init__(self, app: str, jupyter_paths, root: Path, extra=(), env=None, timeout: float = 90):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        data, config = jupyter_paths
        env = dict(os.environ, JUPYTER_PATH=data, JUPYTER_CONFIG_PATH=config, PYTHONUNBUFFERED="1", **(env or {}))
        env["JUPYTER_RUNTIME_DIR"] = str(root / ".runtime")
        if app == "lab":  # a fresh Lab: no workspace or settings of earlier runs or of the user
            extra = [
                f"--LabApp.workspaces_dir={root / '.workspaces'}",
                f"--LabApp.user_settings_dir={root / '.settings'}",
                *extra,
            ]
        self.log_path = root / f"{app}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                app,
                "--no-browser",
                "--allow-root",
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                f"--IdentityProvider.token={TOKEN}",
                f"--ServerApp.root_dir={root}",
                *extra,
            ],
            env=env,
            cwd=root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                self.get("/api")
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter {app} did not start:\n{self.log()}")

    def get(self, path: str, timeout: float = 120) -> tuple[int, str]:
        sep = "&" if "?" in path else "?"
        with urllib.request.urlopen(f"{self.base}{path}{sep}token={TOKEN}", timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")

    def get_json(self, path: str):
        return json.loads(self.get(path)[1])

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()
