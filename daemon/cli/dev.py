"""`shopsync sandbox | demo | selftest`: the sandboxes, the demo and the worker's smoke test."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import anyio

from daemon.config import load_settings


def cmd_selftest(args: argparse.Namespace) -> int:
    """Enqueue harmless jobs straight into the database; the running daemon picks them up."""
    from state.db import Database
    from state.queue import Queue

    settings = load_settings(args.config)

    async def main() -> None:
        db = await Database.open(settings.daemon.database_path)
        try:
            queue = Queue(db)
            async with db.transaction() as conn:
                for i in range(args.count):
                    await queue.enqueue_in(
                        conn,
                        "selftest.sleep",
                        f"selftest:{args.prefix}{i}",
                        {"seconds": args.seconds},
                    )
        finally:
            await db.close()

    anyio.run(main)
    print(f"enqueued {args.count} selftest jobs")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Serve the Shopify, Exact and CCV Shop sandboxes on loopback until interrupted."""
    from connectors.sandbox import Sandboxes
    from daemon.serving import make_server

    sb = Sandboxes(seed=args.seed, products=args.products)
    print(f"shopsync sandboxes on http://127.0.0.1:{args.port}  (index: /_sandbox/)")
    print(json.dumps(sb.index(), indent=2))
    server = make_server(sb.app, host="127.0.0.1", port=args.port, lifespan="on")

    async def main() -> None:
        import signal

        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve)
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    server.should_exit = True
                    return

    anyio.run(main)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.psp == "paynl" and args.platform == "shopify":
        print(
            "shopsync demo: --psp paynl runs with the CCV shop (--platform ccvshop): its orders "
            "are invoices, which Pay.'s payments settle in full",
            file=sys.stderr,
        )
        return 2
    if args.platform == "ccvshop" or args.psp == "paynl":
        from daemon.demo_ccvshop import run_ccv_demo

        directory = Path(args.dir) if args.dir else None
        return anyio.run(
            lambda: run_ccv_demo(
                as_json=args.json,
                seed=args.seed,
                products=args.products,
                directory=directory,
                psp=args.psp,
            )
        )
    from daemon.demo import run_demo

    return anyio.run(
        lambda: run_demo(
            headless=args.headless,
            duration=args.duration,
            as_json=args.json,
            rate=args.rate,
            seed=args.seed,
            products=args.products,
            directory=Path(args.dir) if args.dir else None,
        )
    )


def add_dev_commands(sub: Any, add: Any) -> None:
    sandbox = add(
        "sandbox", cmd_sandbox, "serve the Shopify, Exact and CCV Shop sandboxes", config=False
    )
    sandbox.add_argument("--port", type=int, default=8700)
    sandbox.add_argument("--seed", type=int, default=1)
    sandbox.add_argument("--products", type=int, default=300)

    demo = add(
        "demo", cmd_demo, "sandboxes + daemon + simulated traffic (+ the console)", config=False
    )
    demo.add_argument("--headless", action="store_true", help="no console; print a JSON verdict")
    demo.add_argument("--duration", type=float, default=30.0, help="seconds of traffic")
    demo.add_argument("--json", action="store_true", help="one-line JSON")
    demo.add_argument("--rate", type=float, default=5.0, help="stock changes per second")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--products", type=int, default=300)
    demo.add_argument("--dir", help="keep the demo's state here (default: a temp dir)")
    demo.add_argument(
        "--platform",
        choices=("shopify", "ccvshop"),
        default=None,
        help="the shop the daemon serves (default shopify; ccvshop runs headless, one round)",
    )
    demo.add_argument(
        "--psp",
        choices=("paynl",),
        help="the orders are also paid through Pay.: the settlement is imported and checked "
        "(runs the CCV shop round)",
    )

    selftest = add("selftest", cmd_selftest, "enqueue harmless jobs to prove the worker runs")
    selftest.add_argument("--count", type=int, default=1)
    selftest.add_argument("--seconds", type=float, default=0.0)
    selftest.add_argument("--prefix", default="", help="key prefix, to tell batches apart")
