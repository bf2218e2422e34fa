"""IPython magics: the Playground in a notebook cell, and the engine's backend.

Load them with ``%load_ext gradplay``, then::

    %playground --dataset xor --networkShape 4,4 --activation relu -o pg
    %playground #activation=relu&dataset=spiral          # a TF Playground link or its hash
    pg.session.model                                      # the trained Keras model, a Python variable
    %gradplay_device                                      # which backend and devices the engine uses
    %gradplay_device numpy                                # switch the backend

Settings use the TF Playground's URL keys (``--learningRate 0.1``, ``--noise_hide true``); a key
given with no value means ``true`` (``--discretize``). Bad values print the settings' own message
(what was received, what is allowed) instead of a traceback.
"""

from __future__ import annotations

import os
import shlex
import sys
from urllib.parse import quote

from IPython.core.magic import Magics, line_magic, magics_class

PLAYGROUND_USAGE = """\
Usage: %playground [--KEY VALUE ...] [TF-PLAYGROUND-LINK-OR-HASH] [-o NAME] [--play]

  --KEY VALUE   a Playground setting by its TF Playground URL key, e.g. --dataset xor
                --networkShape 4,4 --activation relu --learningRate 0.1 (no value = true)
  LINK          a TF Playground link or hash, e.g. #activation=relu&dataset=spiral
  -o, --name N  store the Playground as N in the notebook (N.session.model is the Keras model)
  --play        start training as soon as the Playground is shown
"""


class UsageError(ValueError):
    """A %playground line that cannot be understood (the message says how to fix it)."""


class HelpRequested(UsageError):
    """``%playground --help``: the message is the usage text."""


def parse_playground_line(line: str) -> tuple[str, str | None, bool]:
    """``(url hash, variable name or None, play)`` from a ``%playground`` line.

    ``--key value`` pairs come after the link's own keys, so they win over it.

    >>> parse_playground_line("--dataset xor --networkShape 4,4 -o pg")
    ('dataset=xor&networkShape=4,4', 'pg', False)
    >>> parse_playground_line("'#activation=relu&dataset=spiral' --discretize --play")
    ('activation=relu&dataset=spiral&discretize=true', None, True)
    >>> parse_playground_line("--bogus 1")
    Traceback (most recent call last):
    ...
    gradplay.app.magics.UsageError: Unknown Playground setting '--bogus'. Known settings: ...
    """
    from .state import HIDE_SUFFIX, PlaygroundState, _query

    try:
        tokens = shlex.split(line, posix=True, comments=False)
    except ValueError as err:
        raise UsageError(f"Could not split the %playground line ({err}). Check its quotes.") from None
    known = [n for n in PlaygroundState.param if n not in ("name", "hidden")]
    links, pairs, name, play = [], [], None, False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token in ("-o", "--name", "--output"):
            if i >= len(tokens) or tokens[i].startswith("-"):
                raise UsageError(f"{token} needs a variable name, e.g. %playground --dataset xor {token} pg")
            name = tokens[i]
            i += 1
            if not name.isidentifier():
                raise UsageError(f"{token} needs a Python variable name. Received: {name!r}")
            continue
        if token == "--play":
            play = True
            continue
        if token in ("-h", "--help"):
            raise HelpRequested(PLAYGROUND_USAGE)
        if not token.startswith("--"):
            links.append(_query(token))
            continue
        key, eq, value = token[2:].partition("=")
        if not eq:
            if i < len(tokens) and not tokens[i].startswith("--") and tokens[i] not in ("-o",):
                value = tokens[i]
                i += 1
            else:
                value = "true"
        base = key[: -len(HIDE_SUFFIX)] if key.endswith(HIDE_SUFFIX) else key
        if base not in known:
            raise UsageError(f"Unknown Playground setting '--{key}'. Known settings: {', '.join(known)}.")
        pairs.append(f"{key}={quote(value, safe='.,-_')}")
    url = "&".join(part for part in [*links, *pairs] if part)
    return url, name, play


def _ensure_panel_extension():
    """Load Panel's notebook JavaScript once per kernel (``pn.extension()``), quietly after that."""
    import panel as pn

    if not getattr(pn.extension, "_loaded", False):
        pn.extension()
    return pn


def make_playground(url: str = ""):
    """A ``Playground`` for a link's hash; ``ValueError`` (naming key, value and what is allowed)
    if a value is bad, before anything is built."""
    from .state import PlaygroundState

    PlaygroundState.from_url(url)  # every value is checked here, before building anything
    from .playground import Playground

    return Playground(url=url)


def device_report() -> str:
    """What ``%gradplay_device`` prints: the backend in use, the ones available, the devices."""
    import gradplay.engine as tf
    from gradplay.engine import backends

    current = backends.get_backend().NAME
    lines = [f"gradplay engine backend: {current}"]
    lines.append(f"available backends: {', '.join(backends.available())}")
    devices = ", ".join(f"{d.name} ({d.device_type})" for d in tf.config.list_physical_devices())
    lines.append(f"devices: {devices}")
    env = os.environ.get("GRADPLAY_BACKEND")
    if env:
        lines.append(f"GRADPLAY_BACKEND={env} (the default backend of new processes)")
    return "\n".join(lines)


def _start_playing(pg) -> None:
    """Press Play from code (the periodic training callback runs as a task on the kernel's loop)."""
    pg.playing = True


@magics_class
class GradplayMagics(Magics):
    """``%playground`` and ``%gradplay_device`` (see the module docstring)."""

    @line_magic
    def playground(self, line: str = ""):
        """Show the live Playground in this cell. %playground --help lists the options."""
        try:
            url, name, play = parse_playground_line(line)
            pg = make_playground(url)
        except ValueError as err:  # UsageError, or the settings' own message
            print(str(err), file=sys.stdout if isinstance(err, HelpRequested) else sys.stderr)
            return None
        if pg.message:  # e.g. keys of the link that were ignored
            print(pg.message, file=sys.stderr)
        if name:
            self.shell.user_ns[name] = pg
        _ensure_panel_extension()
        from IPython.display import display

        display(pg)
        if play:
            _start_playing(pg)
        return None

    @line_magic
    def gradplay_device(self, line: str = ""):
        """Report the engine's backend and devices; ``%gradplay_device NAME`` switches the backend."""
        from gradplay.engine import backends

        name = line.strip()
        if name:
            try:
                backends.set_backend(name.lower())
            except (ValueError, ImportError, RuntimeError) as err:
                print(str(err), file=sys.stderr)
                return None
        print(device_report())
        return None


def load_ipython_extension(ipython) -> None:
    ipython.register_magics(GradplayMagics)


def unload_ipython_extension(ipython) -> None:
    line_magics = ipython.magics_manager.magics["line"]
    for name in ("playground", "gradplay_device"):
        line_magics.pop(name, None)
    ipython.magics_manager.registry.pop("GradplayMagics", None)
