"""Build the tutorial notebooks (English and Chinese) from their one source of truth, ``src/NN_slug.py``.

Usage::

    python notebooks/build.py            # write en/NN_slug.ipynb and zh-CN/NN_slug.ipynb (no outputs)
    python notebooks/build.py --check    # exit 1 if a committed .ipynb differs from what its source gives
    python notebooks/build.py 03         # only sources whose name starts with "03"

Source format (a plain Python file: ``python notebooks/src/03_linear_regression.py`` runs all its code)::

    # %% [markdown:en]
    # # Linear regression
    # Prose for students, in Markdown, each line behind "# ".
    # %% [markdown:zh-CN]
    # # 线性回归
    # 中文说明。
    # %% [markdown]
    # Markdown shared by both languages (formulas, links).
    # %%
    x = tf.constant([1.0, 2.0])   # a code cell: the same code in both notebooks

A cell runs from its ``# %%`` marker to the next one. Markdown cells tagged with a language go only to that
language's notebook; untagged markdown and all code cells go to both, so the code of the two notebooks is
identical by construction (the tests check it again on the generated files). Lines before the first marker
(a module docstring, say) are ignored. Code comments are English. In Chinese markdown a line break between
two CJK characters is removed (Markdown would render it as a space), so sources can wrap Chinese lines freely.

Only the standard library and ``nbformat`` are used. Output is deterministic: cell ids are derived from the
notebook name and the cell's position, so ``--check`` compares files byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
LANGUAGES = ("en", "zh-CN")
MARKER = re.compile(r"^# %%(?:\s*\[(?P<kind>[a-z]+)(?::(?P<lang>[A-Za-z-]+))?\])?\s*$")


class SourceError(ValueError):
    pass


def parse(path: Path) -> list[dict]:
    """The cells of a source file: ``[{"kind": "code"|"markdown", "lang": None|"en"|"zh-CN", "text": str}]``."""
    cells, current = [], None
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = MARKER.match(line)
        if m:
            kind, lang = m["kind"] or "code", m["lang"]
            if kind not in ("code", "markdown"):
                raise SourceError(f"{path.name}:{lineno}: unknown cell kind {kind!r}; use '# %%' or '# %% [markdown]'.")
            if lang is not None and (kind != "markdown" or lang not in LANGUAGES):
                raise SourceError(
                    f"{path.name}:{lineno}: language tag {lang!r} is only allowed on markdown cells, "
                    f"as one of {', '.join(LANGUAGES)}."
                )
            current = {"kind": kind, "lang": lang, "lines": [], "lineno": lineno}
            cells.append(current)
        elif current is not None:
            if current["kind"] == "markdown" and line.strip():
                if not line.startswith("#"):
                    raise SourceError(f"{path.name}:{lineno}: a markdown line must start with '# ': {line!r}")
                line = line[2:] if line.startswith("# ") else line[1:]
            elif current["kind"] == "markdown":
                line = ""
            current["lines"].append(line)
    out = []
    for cell in cells:
        text = "\n".join(cell["lines"]).strip("\n")
        if not text.strip():
            raise SourceError(f"{path.name}:{cell['lineno']}: empty cell.")
        out.append({"kind": cell["kind"], "lang": cell["lang"], "text": text})
    for lang in LANGUAGES:
        if not any(c["kind"] == "markdown" and c["lang"] in (None, lang) for c in out):
            raise SourceError(f"{path.name}: no markdown for {lang}.")
    return out


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def join_cjk_lines(text: str) -> str:
    """Join a line break between two CJK characters: Markdown renders it as a space, which Chinese prose
    must not have. Fenced code, lists, tables and headings are left alone (their lines start with ASCII)."""
    out, fenced = [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and out and line and CJK.match(line[0]) and out[-1] and CJK.match(out[-1][-1]):
            out[-1] += line
            continue
        out.append(line)
    return "\n".join(out)


def notebook(cells: list[dict], lang: str, name: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "gradplay": {"source": f"notebooks/src/{name}.py", "language": lang, "generated_by": "notebooks/build.py"},
    }
    for i, cell in enumerate(c for c in cells if c["lang"] in (None, lang)):
        make = nbformat.v4.new_code_cell if cell["kind"] == "code" else nbformat.v4.new_markdown_cell
        text = join_cjk_lines(cell["text"]) if cell["kind"] == "markdown" and lang == "zh-CN" else cell["text"]
        new = make(text)
        new.id = hashlib.sha1(f"{name}/{lang}/{i}".encode()).hexdigest()[:12]
        nb.cells.append(new)
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def targets(only: list[str]):
    """(source path, {lang: (output path, text)}) for every source, or those whose name starts with ``only``."""
    for src in sorted(SRC.glob("[0-9][0-9]_*.py")):
        if only and not any(src.stem.startswith(o) for o in only):
            continue
        cells = parse(src)
        outputs = {
            lang: (HERE / lang / f"{src.stem}.ipynb", render(notebook(cells, lang, src.stem))) for lang in LANGUAGES
        }
        yield src, outputs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if a generated notebook is stale or missing")
    parser.add_argument("only", nargs="*", help="build only sources whose name starts with one of these")
    args = parser.parse_args(argv)
    stale, expected = [], set()
    try:
        built = list(targets(args.only))
    except SourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for _src, outputs in built:
        for path, text in outputs.values():
            expected.add(path)
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            if args.check:
                stale.append(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".ipynb.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
                print(f"wrote {path.relative_to(HERE.parent)}")
    if not args.only:  # generated notebooks whose source is gone
        for lang in LANGUAGES:
            for path in sorted((HERE / lang).glob("*.ipynb")):
                if path not in expected and args.check:
                    stale.append(path)
                elif path not in expected:
                    print(f"note: {path} has no source in src/; delete it?")
    if stale:
        names = ", ".join(str(p.relative_to(HERE.parent)) for p in stale)
        print(f"stale or orphaned notebooks: {names}\nrun: python notebooks/build.py", file=sys.stderr)
        return 1
    if args.check:
        print(f"{sum(len(o) for _, o in built)} notebooks up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
