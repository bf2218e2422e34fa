"""Serving the Playground with Panel's (Bokeh's Tornado) server.

Every browser session calls :func:`create_app` and gets a fresh ``Playground``: its own state,
data, network and training loop; nothing is shared between sessions.
"""

from __future__ import annotations

import socket


def create_app(scheduler=None):
    """One Playground per browser session (Panel calls this for each new session)."""
    from .playground import Playground

    return Playground(scheduler=scheduler)


def websocket_origins(port: int, address: str, extra=()) -> list[str]:
    """Origins whose pages may open the server's websocket: this machine, the bound address, extras.

    >>> websocket_origins(5006, "127.0.0.1")
    ['localhost:5006', '127.0.0.1:5006']
    >>> websocket_origins(5006, "10.0.0.5", ["classroom:5006"])
    ['localhost:5006', '127.0.0.1:5006', '10.0.0.5:5006', 'classroom:5006']
    """
    origins = [f"localhost:{port}", f"127.0.0.1:{port}"]
    if address not in ("127.0.0.1", "localhost", "0.0.0.0", "::", ""):
        origins.append(f"{address}:{port}")
    return origins + [o for o in extra if o not in origins]


def free_port(address: str = "127.0.0.1") -> int:
    """A port the OS reports free on ``address`` (``--port 0``)."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def serve(
    port=5006, address="127.0.0.1", allow_websocket_origin=(), show=False, num_procs=1, start=True, train_budget_s=0.02
):
    """Serve the Playground at ``http://<address>:<port>/`` (blocks while ``start`` is true)."""
    import panel as pn

    from .scheduler import TickScheduler

    scheduler = TickScheduler(budget_s=train_budget_s)  # one per server process (each of --num-procs has its own)
    if port == 0:
        port = free_port(address or "127.0.0.1")
    server = pn.serve(
        {"/": lambda: create_app(scheduler)},
        port=port,
        address=address,
        websocket_origin=websocket_origins(port, address, allow_websocket_origin),
        show=show,
        start=False,
        title="gradplay Playground",
        verbose=False,
        num_procs=num_procs,
        # Sessions whose tab closed are cleaned up quickly so a class's server does not grow.
        check_unused_sessions=10_000,
        unused_session_lifetime=30_000,
    )
    if start:
        host = "localhost" if address in ("127.0.0.1", "0.0.0.0", "") else address
        print(f"gradplay Playground: http://{host}:{server.port}/  (Ctrl+C stops)", flush=True)
        server.start()
        server.io_loop.start()
    return server
