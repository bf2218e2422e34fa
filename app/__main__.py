"""``python -m gradplay.app``: serve the Playground (Panel) on http://localhost:5006/.

Each browser tab gets its own Playground (its own state, data, network and training loop).
It binds to 127.0.0.1 unless told otherwise; for a classroom, ``--address 0.0.0.0`` and
``--allow-websocket-origin host:port`` let students on the network connect.
"""

from __future__ import annotations

import argparse
import os
import sys

# One BLAS thread per server process, set before NumPy loads: the sessions' small matrix products
# run 2-4x faster on one thread than when OpenBLAS spreads them over cores the other sessions (and
# the server's event loop) need; more cores are better used by --num-procs.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gradplay.app", description=__doc__)
    parser.add_argument("--port", type=int, default=5006, help="port to listen on (default 5006; 0 picks a free one)")
    parser.add_argument("--address", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    parser.add_argument(
        "--allow-websocket-origin",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="extra origins allowed to connect (e.g. classroom-pc:5006); repeatable",
    )
    parser.add_argument("--show", action="store_true", help="open a browser tab")
    parser.add_argument("--num-procs", type=int, default=1, help="server processes (Unix; for large classes)")
    parser.add_argument(
        "--train-ms",
        type=float,
        default=20.0,
        help="training time per redraw of a lone session (default 20 ms: ~60 epochs/s and 20+ redraws/s; "
        "more trains faster and redraws less often)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535. Received: {args.port}")
    if not 1 <= args.train_ms <= 1000:
        parser.error(f"--train-ms must be between 1 and 1000. Received: {args.train_ms}")

    from .server import serve

    serve(
        port=args.port,
        address=args.address,
        allow_websocket_origin=args.allow_websocket_origin,
        show=args.show,
        num_procs=args.num_procs,
        train_budget_s=args.train_ms / 1000,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
