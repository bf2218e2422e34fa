"""What every widget shares: the ``fit`` callback hooks and the notebook push.

``model.fit`` calls only the hooks a callback's *class* overrides (see ``CallbackList``), so a
widget subclasses :class:`FitCallback` next to ``panel.viewable.Viewer`` and overrides the hooks it
needs. ``param.Parameterized.__init__`` does not call ``Callback.__init__``; nothing here needs it:
``fit`` sets ``model`` and ``params`` through ``set_model``/``set_params`` before the first hook.
"""

from __future__ import annotations

import panel as pn

from gradplay.engine.keras.callbacks import Callback


class FitCallback(Callback):
    """Mixin: a Panel widget that is also a Keras callback (``model.fit(callbacks=[widget])``).

    >>> import panel as pn, param
    >>> class EpochCounter(pn.viewable.Viewer, FitCallback):
    ...     epochs = param.Integer(default=0)
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         self.epochs += 1
    ...     def __panel__(self):
    ...         return pn.widgets.IntInput.from_param(self.param.epochs, disabled=True)
    >>> counter = EpochCounter()
    >>> counter.on_epoch_end(0)
    >>> counter.epochs
    1
    """

    def set_model(self, model):
        # Widgets that display a model declare a ``model`` parameter; fit's model fills it.
        self.model = model

    def set_params(self, params):
        self._fit_params = dict(params)


def push(*panes) -> None:
    """Send in-place Bokeh changes to a notebook's front end (a no-op when served or in Pyodide,
    where the document syncs itself)."""
    for pane in panes:
        if pane is not None and getattr(pane, "_models", None):
            pn.io.push_notebook(pane)


def show_in_notebook(viewer) -> bool:
    """Display ``viewer`` in the running IPython kernel if there is one; returns whether it did."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return False
    display(pn.panel(viewer))
    return True
