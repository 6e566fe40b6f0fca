"""`shopsync …`: the command line: `run`, `config check` and `db` here, every other command group in
its own module of this package (see build_parser)."""

from __future__ import annotations

import argparse
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
            result = await check_live(
                settings, clients.shopify, clients.exact, clients.ccvshop, clients.paynl
            )
            if settings.orders.items.create_shipping:
                from connectors.errors import ConnectorError
                from daemon.flows.products.shipping import shipping_status

                try:
                    print(await shipping_status(clients.exact, settings.orders))
                except ConnectorError as exc:
                    result[0].append(f"exact: cannot read the shipping item: {exc}")
            return result
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

    # One module per command group; each adds its commands to the top-level subparsers.
    from daemon.cli import admin, control, dev, orders, privacy, products, secrets, tieout

    admin.add_admin_commands(sub, add)
    dev.add_dev_commands(sub, add)
    control.add_control_commands(sub)
    orders.add_order_commands(sub)
    products.add_product_commands(sub)
    secrets.add_secrets_commands(sub, add)
    privacy.add_privacy_commands(sub, add)
    tieout.add_tieout_commands(sub)
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
