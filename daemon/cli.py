"""`shopsync …`: the command line of the daemon, its database, and the operator tools."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from daemon.config import ConfigError, Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None))


def cmd_run(args: argparse.Namespace) -> int:
    from daemon.app import Daemon
    from daemon.logs import configure_logging

    settings = _settings(args)
    configure_logging(settings.daemon.log_level, settings.daemon.log_format)
    return anyio.run(Daemon(settings).run)


def cmd_config_check(args: argparse.Namespace) -> int:
    """Validate the file; then, unless --offline, that every code it names exists live."""
    settings = _settings(args)
    shop = settings.shopify.shop_url if settings.shopify else settings.ccvshop.api_root
    print(
        f"config file ok: {settings.shop.platform} shop {shop}, database "
        f"{settings.daemon.database_path}"
    )
    from daemon.config_check import exact_webhook_warnings, shopify_version_warnings

    for line in exact_webhook_warnings(settings) + shopify_version_warnings(settings):
        print(f"warning: {line}", file=sys.stderr)
    from state.secrets import TokenKeyError, find_key

    try:  # without it no API token can be stored or read (state/secrets.py)
        key = find_key(settings.daemon.database_path)
        print(f"token key {key.fingerprint} from {key.source}")
    except TokenKeyError as exc:
        print(f"warning: {exc}", file=sys.stderr)
    if args.offline:
        return 0
    from daemon.clients import build_clients
    from daemon.config_check import check_live
    from state.db import Database

    async def main() -> tuple[list[str], dict[str, int]]:
        db = await Database.open(settings.daemon.database_path)
        clients = build_clients(settings, db)
        try:
            return await check_live(
                settings, clients.shopify, clients.exact, clients.ccvshop, clients.paynl
            )
        finally:
            await clients.aclose()
            await db.close()

    problems, checked = anyio.run(main)
    summary = ", ".join(f"{n} {kind.replace('_', ' ')}s" for kind, n in sorted(checked.items()))
    if problems:
        print("live check found problems:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"live check ok: {summary} exist")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from state.db import Database

    settings = _settings(args)

    async def main() -> Path:
        db = await Database.open(settings.daemon.database_path)
        try:
            return await db.backup(args.path)
        finally:
            await db.close()

    print(f"backup written to {anyio.run(main)}")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    from state.db import Database

    settings = _settings(args)

    async def main() -> list[str]:
        db = await Database.open(settings.daemon.database_path)
        try:
            return await db.integrity_check()
        finally:
            await db.close()

    result = anyio.run(main)
    print("\n".join(result))
    return 0 if result == ["ok"] else 1


def cmd_selftest(args: argparse.Namespace) -> int:
    """Enqueue harmless jobs straight into the database; the running daemon picks them up."""
    from state.db import Database
    from state.queue import Queue

    settings = _settings(args)

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shopsync", description="Keep a Shopify store and Exact Online in sync."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str,
        func: Callable[[argparse.Namespace], int],
        help: str,
        *,
        config: bool = True,
        parent: Any = sub,
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help, description=help)
        if config:
            p.add_argument("--config", "-c", help="TOML file (default: $SHOPSYNC_CONFIG)")
        p.set_defaults(func=func)
        return p

    add("run", cmd_run, "run the daemon in the foreground (systemd runs this)")

    config = sub.add_parser("config", help="configuration tools").add_subparsers(
        dest="config_command", required=True, metavar="ACTION"
    )
    check = add(
        "check",
        cmd_config_check,
        "validate the configuration, then that its codes exist in Shopify and Exact",
        parent=config,
    )
    check.add_argument("--offline", action="store_true", help="only the file, no API calls")

    db = sub.add_parser("db", help="database tools").add_subparsers(
        dest="db_command", required=True, metavar="ACTION"
    )
    backup = add(
        "backup", cmd_db_backup, "write an online, consistent copy of the database", parent=db
    )
    backup.add_argument("path", help="where to write the copy (must not exist)")
    add("check", cmd_db_check, "run SQLite's integrity check", parent=db)

    from daemon.cli_admin import add_admin_commands

    add_admin_commands(sub, add)

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
    from daemon.cli_control import add_control_commands

    add_control_commands(sub)
    from daemon.cli_orders import add_order_commands

    add_order_commands(sub)
    from daemon.cli_secrets import add_secrets_commands

    add_secrets_commands(sub, add)
    from daemon.cli_privacy import add_privacy_commands

    add_privacy_commands(sub, add)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print("shopsync: the configuration has problems:", file=sys.stderr)
        for line in exc.problems:
            print(f"  {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clean sentence instead of a traceback for operator commands
        from connectors.errors import AuthError
        from state.db import DatabaseError
        from state.secrets import TokenKeyError

        if isinstance(exc, DatabaseError | TokenKeyError | AuthError):
            print(f"shopsync: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
