"""site/runtime.py refuses what it cannot verify (no network, no Node: fake locks and archives)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runtime():
    spec = importlib.util.spec_from_file_location("gradplay_site_runtime", REPO / "site" / "runtime.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lock(**packages) -> dict:
    return {"info": {"version": "0.27.7"}, "packages": packages}


def _entry(file_name: str, data: bytes, depends=()) -> dict:
    return {"file_name": file_name, "sha256": hashlib.sha256(data).hexdigest(), "depends": list(depends)}


def test_a_lock_that_is_not_the_official_one_is_refused(runtime, tmp_path):
    lock = tmp_path / "pyodide-lock.json"
    lock.write_text(json.dumps(_lock()))
    with pytest.raises(SystemExit, match="not the official pyodide-lock.json"):
        runtime.load_official_lock(lock)


def test_dependencies_come_from_the_lock(runtime):
    lock = _lock(
        numpy=_entry("numpy.whl", b"n"),
        micropip=_entry("micropip.whl", b"m", ["packaging"]),
        packaging=_entry("packaging.whl", b"p"),
    )
    assert runtime.resolve(lock, ["numpy", "micropip"]) == ["micropip", "numpy", "packaging"]
    with pytest.raises(SystemExit, match="'nope' is not a package"):
        runtime.resolve(lock, ["nope"])


def test_only_files_matching_the_lock_are_taken(runtime, tmp_path, monkeypatch):
    monkeypatch.setattr(runtime, "DIST_FILE", "dist.whl")
    dist = tmp_path / "dist.whl"
    with zipfile.ZipFile(dist, "w") as z:
        z.writestr(runtime.DIST_PREFIX + "good.whl", b"good bytes")
        z.writestr(runtime.DIST_PREFIX + "bad.whl", b"tampered bytes")
    lock = _lock(good=_entry("good.whl", b"good bytes"), bad=_entry("bad.whl", b"official bytes"))
    lock["packages"]["gone"] = _entry("gone.whl", b"x")

    out = runtime.verified_wheels(lock, dist, ["good"], tmp_path / "cache")
    assert out["good.whl"].read_bytes() == b"good bytes"
    with pytest.raises(SystemExit) as err:
        runtime.verified_wheels(lock, dist, ["good", "bad", "gone"], tmp_path / "cache")
    message = str(err.value)
    assert "bad.whl: sha256" in message and "(refused)" in message and "gone.whl: not in dist.whl" in message
    assert not (tmp_path / "cache" / "verified" / "bad.whl").exists()
