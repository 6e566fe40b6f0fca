"""`shopsync plan orders` (what would be booked, writing nothing) and `shopsync backfill orders`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio

from connectors.errors import ConnectorError
from connectors.shopify.api import ShopifyAPI
from connectors.shopify.client import ShopifyClient

ACTIVE = ("queued", "running", "retrying")


def _since(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-01") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@asynccontextmanager
async def _shopify(settings: Any) -> AsyncIterator[ShopifyAPI]:
    cfg = settings.shopify
    async with ShopifyClient(cfg.shop_url, cfg.access_token, api_version=cfg.api_version) as client:
        yield ShopifyAPI(client)


def _quiet_logs() -> None:
    """Warnings only, on stderr: stdout is the plan (a table or JSON lines)."""
    from daemon.logs import configure_logging

    configure_logging("warning", "console", stream=sys.stderr)


def _subparsers(sub: Any, name: str, help: str) -> Any:
    """The `name` command's own subcommands, shared with other flows (`plan payouts`, …)."""
    parser = sub.choices.get(name) or sub.add_parser(name, help=help, description=help)
    for action in parser._actions:  # argparse has no public way to find them again
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest=f"{name}_what", required=True, metavar="WHAT")


def add_order_commands(sub: Any) -> None:
    plan = _subparsers(sub, "plan", "show what would be booked in Exact, writing nothing")
    p = plan.add_parser("orders", help="orders → Exact documents", description=cmd_plan.__doc__)
    p.add_argument("--since", type=_since, required=True, help="orders created on/after DATE")
    p.add_argument("--json", action="store_true", help="one JSON object per order")
    p.add_argument("--limit", type=int, default=0, help="stop after N orders (0: all)")
    p.add_argument("--config", "-c", help="TOML file (default: $SHOPSYNC_CONFIG)")
    p.set_defaults(func=cmd_plan)
    back = _subparsers(sub, "backfill", "export a past range through the running daemon")
    b = back.add_parser(
        "orders", help="export orders since a date", description=cmd_backfill.__doc__
    )
    b.add_argument("--since", type=_since, required=True, help="orders created on/after DATE")
    b.add_argument("--no-wait", action="store_true", help="enqueue and return at once")
    b.add_argument("--config", "-c", help="TOML file (default: $SHOPSYNC_CONFIG)")
    b.set_defaults(func=cmd_backfill)


async def _orders_since(shopify: Any, since: dt.datetime) -> Any:
    """Full orders created on/after `since` (Shopify searches by update; created filters)."""
    from daemon.flows.orders.facts import read_order

    async for header in shopify.iter_order_headers(since):
        snapshot = await read_order(shopify, header.id)
        if snapshot is not None and snapshot[0].created_at >= since:
            yield snapshot


def _plan_one(order: Any, facts: Any, settings: Any) -> dict[str, Any]:
    from daemon.flows.orders.decide import decide
    from daemon.flows.orders.plan import plan_order

    action, why = decide(order, settings.orders, exported=False)
    out: dict[str, Any] = {"order": order.name, "id": order.id, "action": str(action), "why": why}
    if order.total_price_set is not None:
        out["shopify_total"] = str(order.total_price_set.shop_money.amount)
    try:
        plan = plan_order(order, facts, settings.orders, settings.mapping)
    except ConnectorError as exc:
        return out | {"error": exc.message, "hint": exc.hint}
    customer = plan.customer
    out["customer"] = customer.standard_debtor or customer.email or customer.name
    out["documents"] = [
        {
            "your_ref": d.your_ref,
            "document": d.kind,
            "warehouse": d.location_code,
            "scenario": str(d.scenario),
            "total": str(d.total),
            "lines": [ln.summary() for ln in d.lines],
        }
        for d in plan.documents
    ]
    return out


def _print_table(row: dict[str, Any]) -> None:
    head = f"{row['order']:<10} {row['action']:<8} {row.get('customer', '')}"
    label, total = "Shopify total", row.get("shopify_total", "?")
    if "shop_total" in row:  # a CCV shop's order
        label, total = "CCV total", row["shop_total"]
    print(f"{head}  ({label} {total}; {row['why']})")
    if "error" in row:
        print(f"    cannot book: {row['error']}\n    fix: {row['hint']}")
        return
    for doc in row["documents"]:
        print(
            f"    {doc['document']:<10} {doc['your_ref']:<16} warehouse {doc['warehouse']:<4}"
            f" VAT {doc['scenario']:<8} total {doc['total']:>10}"
        )
        for ln in doc["lines"]:
            print(
                f"      {ln['item']:<12} {ln['quantity']:>5} × VAT {ln['vat_code']:<10}"
                f" net {ln['net']:>9}  VAT {ln['vat']:>8}"
            )


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the Exact documents orders since --since would become, without writing anything."""
    from daemon.config import load_settings

    settings = load_settings(args.config)
    _quiet_logs()

    async def rows() -> AsyncIterator[dict[str, Any]]:
        if settings.shop.platform == "ccvshop":
            from daemon.cli.ccvshop import ccv_plan_rows

            async for row in ccv_plan_rows(settings, args.since):
                yield row
            return
        async with _shopify(settings) as shopify:
            async for order, facts in _orders_since(shopify, args.since):
                yield _plan_one(order, facts, settings)

    async def main() -> int:
        count = 0
        async for row in rows():
            print(json.dumps(row) if args.json else "", end="\n" if args.json else "")
            if not args.json:
                _print_table(row)
            count += 1
            if args.limit and count >= args.limit:
                break
        if not args.json:
            print(f"{count} order(s) planned; nothing was written.")
        return 0

    return anyio.run(main)


def cmd_backfill(args: argparse.Namespace) -> int:
    """Enqueue an export for every order since --since; the running daemon books them."""
    from daemon.config import load_settings
    from daemon.flows.orders.jobs import export_job
    from state.db import Database
    from state.queue import Queue

    settings = load_settings(args.config)
    _quiet_logs()

    async def jobs() -> AsyncIterator[tuple[str, tuple[str, str, dict[str, Any]]]]:
        if settings.shop.platform == "ccvshop":
            from daemon.cli.ccvshop import ccv_backfill_jobs

            async for item in ccv_backfill_jobs(settings, args.since):
                yield item
            return
        async with _shopify(settings) as shopify:
            async for header in shopify.iter_order_headers(args.since):
                kind, key, payload = export_job(header.id)
                yield header.name, (kind, key, payload | {"backfill": True})

    async def main() -> int:
        db = await Database.open(settings.daemon.database_path)
        keys = []
        try:
            queue = Queue(db)
            async for name, (kind, key, payload) in jobs():
                await queue.enqueue(kind, key, payload)
                keys.append(key)
                print(f"\renqueued {len(keys)} order(s) (last {name})", end="")
            print()
            if args.no_wait or not keys:
                return 0
            return await _watch(db, keys)
        finally:
            await db.close()

    return anyio.run(main)


async def _watch(db: Any, keys: list[str]) -> int:
    """Show progress until every job is done or dead (the daemon does the work)."""
    marks = ",".join("?" * len(keys))
    started = time.monotonic()
    while True:
        rows = await db.fetchall(
            f"SELECT state, count(*) FROM jobs WHERE key IN ({marks})"
            " AND id IN (SELECT max(id) FROM jobs GROUP BY key) GROUP BY state",
            keys,
        )
        by_state = {r[0]: r[1] for r in rows}
        done, dead = by_state.get("succeeded", 0), by_state.get("dead", 0)
        waiting = sum(by_state.get(s, 0) for s in ACTIVE)
        print(
            f"\r{done}/{len(keys)} done, {waiting} waiting, {dead} failed"
            f" ({time.monotonic() - started:.0f} s)",
            end="",
            flush=True,
        )
        if not waiting:
            print()
            if dead:
                print("see `shopsync jobs list --state dead` for the reasons", file=sys.stderr)
            return 1 if dead else 0
        await anyio.sleep(1.0)
