"""Atomic file writes: readers see the old file or the new one, never a partial one.

>>> import os, tempfile
>>> from gradplay.engine.atomic import atomic_path
>>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
>>> with atomic_path(target) as tmp:
...     with open(tmp, "w") as fh:
...         _ = fh.write("done")
>>> open(target).read()
'done'
"""

from __future__ import annotations

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path`` to write to. When the block succeeds the file is
    flushed to disk and renamed over ``path``; on any error (or interruption) it is removed and
    ``path`` is left as it was."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())  # the data is on disk before the rename makes it visible
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; these files are shared like any other
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
