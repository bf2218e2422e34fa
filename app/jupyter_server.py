"""A Jupyter Server extension: the Playground at ``<jupyter>/gradplay/playground``.

Each page view runs in its own Jupyter kernel (the server's default kernel, or ``?kernel=NAME``),
so training happens on the kernel's native engine and never blocks the Jupyter server. The
machinery is Panel's own Jupyter Server extension (``panel.io.jupyter_server_extension``, the one
behind ``/panel-preview/render/<file>``): its handler starts the kernel, runs a Bokeh app script
there and proxies the page's websocket to the kernel over a comm. This module only mounts that
handler at a fixed URL with this very file as the app script (see the bottom of the file).

Enabled by ``jupyter-config/jupyter_server_config.d/gradplay.json`` (installed with the package),
or by hand: ``jupyter server extension enable gradplay.app.jupyter_server``.

Settings go in the link like on the served Playground: ``/gradplay/playground#dataset=xor``.
"""

from __future__ import annotations

import os
import sys

URL = "gradplay/playground"
PANEL_EXTENSION = "panel.io.jupyter_server_extension"


def _jupyter_server_extension_points():
    return [{"module": "gradplay.app.jupyter_server"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.utils import url_path_join
    from panel.io import jupyter_server_extension as panel_ext

    web_app = serverapp.web_app
    base_url = web_app.settings["base_url"]
    if not serverapp.jpserver_extensions.get(PANEL_EXTENSION):
        # The page's scripts and styles come from Panel's /panel-preview/static routes.
        panel_ext._load_jupyter_server_extension(serverapp)
    app_script = os.path.abspath(__file__)
    web_app.add_handlers(
        r".*$",
        [
            # The page's websocket: <page path>/ws (Bokeh derives it from the page's location).
            (url_path_join(base_url, r"gradplay/(playground)/ws"), panel_ext.PanelWSProxy),
            (url_path_join(base_url, URL) + "/?", _playground_handler(panel_ext), {"app_script": app_script}),
        ],
    )
    serverapp.log.info("gradplay Playground: %s", url_path_join(base_url, URL))


def _playground_handler(panel_ext):
    class PlaygroundHandler(panel_ext.PanelJupyterHandler):
        """Panel's kernel-backed app handler, always running ``app_script``."""

        def initialize(self, app_script: str, **kwargs):
            # Panel's own initialize() forwards notebook_path to Tornado, which rejects it.
            super().initialize(**kwargs)
            self.notebook_path = app_script

    return PlaygroundHandler


# Jupyter Server before 2 (and the classic notebook) look for this name.
load_jupyter_server_extension = _load_jupyter_server_extension


def _serve_in_kernel() -> None:
    """Run by Panel's executor in the page's kernel, as a Bokeh app script."""
    # The executor puts this file's folder first on sys.path; its module names (state, session,
    # datasets, ...) must not shadow top-level packages in the kernel.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0]) == here:
        del sys.path[0]
    from gradplay.app.server import create_app

    playground = create_app()
    playground.servable(title="gradplay Playground")


if __name__.startswith("bokeh_app_"):
    _serve_in_kernel()
