"""`shopsync backfill products`: one products.sync job per product, run by the daemon."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import anyio

from daemon.cli.orders import _quiet_logs, _shopify, _subparsers, _watch

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # before any Shopify shop: every product


def _since(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-01") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def add_product_commands(sub: Any) -> None:
    back = _subparsers(sub, "backfill", "export a past range through the running daemon")
    b = back.add_parser(
        "products", help="make every product's Exact items", description=cmd_backfill.__doc__
    )
    b.add_argument("--since", type=_since, default=EPOCH, help="products updated on/after DATE")
    b.add_argument("--no-wait", action="store_true", help="enqueue and return at once")
    b.add_argument("--config", "-c", help="TOML file (default: $SHOPSYNC_CONFIG)")
    b.set_defaults(func=cmd_backfill)


def cmd_backfill(args: argparse.Namespace) -> int:
    """Enqueue a sync of every product (or those updated since --since); the daemon does them."""
    from daemon.config import load_settings
    from daemon.flows.products.jobs import sync_job
    from daemon.flows.products.shopify_read import products_updated_since
    from state.db import Database
    from state.queue import Queue

    settings = load_settings(args.config)
    _quiet_logs()
    if settings.shop.platform != "shopify":
        print("shopsync backfill products reads Shopify products; this daemon serves a CCV shop")
        return 2
    if not settings.products.enabled:
        print("products.enabled is false: the daemon would skip every job; enable it first")
        return 2

    async def main() -> int:
        db = await Database.open(settings.daemon.database_path)
        keys: list[str] = []
        try:
            queue = Queue(db)
            async with _shopify(settings) as shopify:
                async for gid in products_updated_since(shopify, args.since):
                    kind, key, payload = sync_job(gid)
                    await queue.enqueue(kind, key, payload)
                    keys.append(key)
                    print(f"\renqueued {len(keys)} product(s)", end="")
            print()
            if args.no_wait or not keys:
                return 0
            return await _watch(db, keys)
        finally:
            await db.close()

    return anyio.run(main)
