"""Bytecode for the browser: compile the Python files of a set of wheels ahead of time.

Run by a native CPython 3.12 (the version Pyodide 0.27.7 runs; bytecode is the same across
3.12.x): ``python3.12 site/pycache.py OUT.zip MODULES.json WHEEL...``. Writes, for every ``.py``
file of the wheels that the list of module files (paths under site-packages, as the app imports
them in Pyodide) names, an unchecked-hash ``.pyc`` (PEP 552) at the place CPython looks for it
when ``sys.pycache_prefix`` is set: ``lib/python3.12/site-packages/<pkg>/<mod>.cpython-312.pyc``
for ``/lib/python3.12/site-packages/<pkg>/<mod>.py``. The in-browser Playground unpacks the archive
and sets ``sys.pycache_prefix``, so importing Panel, Bokeh and pandas reads bytecode instead of
compiling about 1,200 modules in WebAssembly. The wheels themselves are not changed (the lock-
verified ones stay byte-identical).
"""

from __future__ import annotations

import importlib._bootstrap_external as bootstrap
import importlib.util
import sys
import zipfile

SITE_PACKAGES = "lib/python3.12/site-packages/"


def compile_wheels(out: str, wanted: set[str], wheels: list[str]) -> int:
    if sys.version_info[:2] != (3, 12):
        raise SystemExit(f"site/pycache.py must run on CPython 3.12 (Pyodide 0.27.7's), not {sys.version}")
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as z:
                for name in z.namelist():
                    if name not in wanted:
                        continue
                    source = z.read(name)
                    try:
                        code = compile(source, "/" + SITE_PACKAGES + name, "exec", dont_inherit=True)
                    except SyntaxError:
                        continue  # e.g. a template file with a .py name; CPython would fail on it too
                    data = bootstrap._code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False)
                    stem = name[: -len(".py")]
                    cached = f"{SITE_PACKAGES}{stem}.{sys.implementation.cache_tag}.pyc"
                    archive.writestr(zipfile.ZipInfo(cached, date_time=(1980, 1, 1, 0, 0, 0)), data)
                    count += 1
    return count


if __name__ == "__main__":
    import json
    from pathlib import Path

    print(compile_wheels(sys.argv[1], set(json.loads(Path(sys.argv[2]).read_text())), sys.argv[3:]))
