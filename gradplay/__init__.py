"""gradplay: learn and teach neural networks with a TensorFlow-style engine.

Subpackages: ``gradplay.engine`` (import it as ``tf``), ``gradplay.widgets``, ``gradplay.app``.
Importing ``gradplay`` itself is cheap and imports none of them.
"""

__version__ = "0.1.0"


def load_ipython_extension(ipython):
    """``%load_ext gradplay``: the ``%playground`` and ``%gradplay_device`` magics."""
    from gradplay.app.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython):
    """``%unload_ext gradplay``: remove the magics again."""
    from gradplay.app.magics import unload_ipython_extension as unload

    unload(ipython)
