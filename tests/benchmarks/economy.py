"""Exact call economy: calls per document, idle calls a day, capacity, stock under load.

Run: `.venv/bin/python tests/benchmarks/economy.py [--orders N] [--burst N]` → one JSON object.

Every Exact figure is read from the Exact sandbox's own request counters (calls per endpoint,
`store.calls`), never from what our client believes it sent:

- documents: the orders tests' environment (both sandboxes on loopback, the real flows called
  directly, Exact's limits out of the way). Lookup caches are warmed by one order first, so the
  figures are a running daemon's steady state; the first (cold) order is reported beside them.
  Each figure is the mean over `orders` documents of its kind.
- idle: the real daemon (demo stack) with nothing happening, its stock poll cadence sped up
  `SPEED` times (poll_interval and safety_poll_interval divided by SPEED) and watched for
  `idle_seconds`; calls a day = calls seen / (idle_seconds × SPEED) × 86,400, plus what runs on
  fixed clocks the speed-up does not touch, computed: the subscriptions keeper (one call an
  hour), the division-move check (one call an hour) and the daily stock reconcile (one call
  per 1,000 stock positions, +1). Calls of those inside the window are not scaled up.
- capacity: arithmetic from the figures above; see `capacity()`.
- stock under load: the real daemon with Exact at its real 60 calls a minute and its clock
  `burst_speed` times faster (4: a burst of orders drains in wall minutes, not hours); a burst
  of new-customer orders while stock changes arrive; the drain rate is Exact calls per Exact
  minute against the minute limit, stock latency is wall time (Exact change → Shopify shows it).
- Shopify burst: 1,000 stock changes within 10 s; inventorySetQuantities calls counted on the
  daemon's Shopify API object.
"""

from __future__ import annotations

if __name__ == "__main__":  # tests/benchmarks/queue.py would shadow the stdlib `queue`
    import sys
    from pathlib import Path

    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parents[1]))

import argparse
import json
import math
import random
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio

from daemon.demo import Traffic, demo_stack, percentiles, wait_quiet, watch_latency

DAILY_LIMIT = 5000
SPEED = 30.0  # the idle run's poll cadence runs this many times faster than a real daemon's
KEEPER_CALLS_PER_DAY = 24  # daemon/flows/subscriptions.py: one GET an hour
DIVISION_CALLS_PER_DAY = 24  # daemon/flows/stock/division_move.py: CHECK_EVERY = 3600 s
HOURLY = {"webhooks/WebhookSubscriptions", "system/Divisions"}  # counted apart, not scaled


def _calls(sandbox: Any) -> Counter[str]:
    return Counter(dict(sandbox.store.calls))


def _spent(sandbox: Any, before: Counter[str]) -> Counter[str]:
    return _calls(sandbox) - before


def _order_body(i: int) -> dict[str, Any]:
    return {
        "lines": [
            {"sku": "SKU-00001", "quantity": 1},
            {"sku": f"SKU-{2 + i % 20:05d}", "quantity": 2},
        ],
        "customer": {"email": f"buyer{i}@example.com", "first_name": "Buyer", "last_name": f"N{i}"},
        "shipping": {"title": "Standard", "price": "4.95"},
    }


async def _documents(workdir: Path, n: int) -> dict[str, Any]:
    from daemon.flows.orders.facts import read_order
    from daemon.flows.orders.jobs import run_fulfilment, sync_order
    from daemon.flows.refunds.jobs import credit_refund
    from daemon.logs import configure_logging
    from tests.orders.conftest import order_env

    configure_logging("warning", "json")
    per: dict[str, list[Counter[str]]] = {k: [] for k in ("new", "returning", "fulfil", "refund")}
    async with order_env(workdir) as env:
        sb = env.exact_sandbox

        async def measured(kind: str, step: Any) -> Any:
            before = _calls(sb)
            out = await step()
            per[kind].append(_spent(sb, before))
            return out

        async def order(i: int) -> dict[str, Any]:
            return await env.shop_control("POST", "/orders", _order_body(i))

        warm = await order(10_000)
        before = _calls(sb)
        await sync_order(env.services, warm["order_id"])
        cold = _spent(sb, before)
        for i in range(n):
            made = await order(i)
            await measured("new", lambda m=made: sync_order(env.services, m["order_id"]))
            again = await order(i)  # the same buyer again
            await measured("returning", lambda m=again: sync_order(env.services, m["order_id"]))
            await env.shop_control("POST", f"/orders/{made['order_id']}/fulfil", {})
            _, facts = await read_order(env.services.shopify, made["order_id"])
            job = SimpleNamespace(payload=dict(facts.fulfillments[0]))
            await measured("fulfil", lambda j=job: run_fulfilment(env.services, j))
            refund = await env.shop_control(
                "POST",
                f"/orders/{made['order_id']}/refunds",
                {"lines": [{"sku": "SKU-00001", "quantity": 1, "restock": True}]},
            )
            await measured(
                "refund",
                lambda r=refund, m=made: credit_refund(env.services, r["refund_id"], m["order_id"]),
            )
    return {
        "cold_order": {"calls": sum(cold.values()), "by_endpoint": dict(cold)},
        **{kind: _summary(counts) for kind, counts in per.items()},
    }


def documents(orders: int = 1) -> dict[str, Any]:
    """Exact calls per document kind (means over `orders` of each), caches warmed."""
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-docs-") as tmp:
        return anyio.run(_documents, Path(tmp), orders)


def _summary(counts: list[Counter[str]]) -> dict[str, Any]:
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    n = max(1, len(counts))
    return {
        "documents": len(counts),
        "calls": round(sum(total.values()) / n, 2),
        "by_endpoint": {k: round(v / n, 2) for k, v in sorted(total.items())},
    }


async def _payout(workdir: Path, transactions: int) -> dict[str, Any]:
    from tests.payouts.sandboxes import ledger_env

    async with ledger_env(workdir, minute_limit=100_000) as env:
        txs = [
            {"type": "CHARGE", "amount": f"{10 + i}.25", "fee": "0.43"} for i in range(transactions)
        ]
        await env.shopify_control(
            "POST", "/payouts", {"include_pending": False, "transactions": txs}
        )
        before = _calls(env.exact_sandbox)
        await env.services.queue.enqueue("payouts.import", "payouts:bench", {})
        jobs = await env.run_jobs(limit=120)
        spent = _spent(env.exact_sandbox, before)
    return {
        "transactions": transactions,
        "calls": sum(spent.values()),
        "by_endpoint": dict(spent),
        "jobs": {state: len(js) for state, js in jobs.items()},
    }


async def _idle(workdir: Path, seconds: float, products: int) -> dict[str, Any]:
    options: dict[str, Any] = {"poll_interval": max(1.0, 30 / SPEED)}
    safety = _safety_option()
    if safety:
        options["safety_poll_interval"] = 360 / SPEED
    async with demo_stack(workdir, products=products, config_options=options) as stack:
        await wait_quiet(stack.services, 60)  # the first full sync
        await anyio.sleep(2 / SPEED * 30)  # the start-up polls and their pushes are done
        before = _calls(stack.sb.exact)
        await anyio.sleep(seconds)
        spent = _spent(stack.sb.exact, before)
        cadence = (stack.services.extras.get("stats", {}).get("stock") or {}).get("poll_cadence")
    measured = sum(n for endpoint, n in spent.items() if endpoint not in HOURLY)
    scaled = measured / (seconds * SPEED) * 86_400
    reconcile = math.ceil(products * 3 / 1000) + 1  # three warehouses in the demo catalogue
    return {
        "window_s": seconds,
        "speed": SPEED,
        "calls_in_window": measured,
        "by_endpoint": dict(spent),
        "poll_calls_per_day": round(scaled),
        "keeper_calls_per_day": KEEPER_CALLS_PER_DAY,
        "division_check_calls_per_day": DIVISION_CALLS_PER_DAY,
        "reconcile_calls_per_day": reconcile,
        "calls_per_day": round(scaled) + KEEPER_CALLS_PER_DAY + DIVISION_CALLS_PER_DAY + reconcile,
        "cadence": cadence,
    }


def _safety_option() -> bool:
    """Whether this tree's config knows [stock] safety_poll_interval (the backed-off poll)."""
    from daemon.config import StockSettings

    return "safety_poll_interval" in StockSettings.model_fields


class _CountingShopify:
    """Counts inventorySetQuantities calls (set_available) on the daemon's Shopify API."""

    def __init__(self, api: Any) -> None:
        self.calls = 0
        self.changes = 0
        original = api.set_available

        async def counted(changes: Any, **kw: Any) -> Any:
            self.calls += 1
            self.changes += len(changes)
            return await original(changes, **kw)

        api.set_available = counted


async def _stock_changes(stack: Any, traffic: Traffic, n: int, seconds: float, seed: int) -> None:
    rng = random.Random(seed)
    skus = [p.sku for p in stack.sb.catalogue.products]
    codes = [loc.code for loc in stack.sb.catalogue.locations]
    gap = seconds / max(1, n)
    for _ in range(n):
        sku, code = rng.choice(skus), rng.choice(codes)
        r = await stack.http.post(
            "/_sandbox/exact/stock",
            json={"sku": sku, "warehouse": code, "delta": rng.choice([-3, -1, 1, 2, 5])},
        )
        r.raise_for_status()
        free = Decimal(str(r.json()["sellable"]))
        traffic.expected[(sku, code)] = (max(0, math.floor(free)), time.monotonic())
        traffic.events["stock"] += 1
        await anyio.sleep(gap)


async def _shopify_burst(workdir: Path, changes: int, seconds: float) -> dict[str, Any]:
    async with demo_stack(workdir, products=400, config_options={"poll_interval": 3600}) as stack:
        await wait_quiet(stack.services, 120)
        counter = _CountingShopify(stack.services.shopify)
        traffic = Traffic()
        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch_latency, stack.sb, traffic)
            await _stock_changes(stack, traffic, changes, seconds, seed=11)
            await wait_quiet(stack.services, 120)
            with anyio.move_on_after(30):
                while traffic.expected:  # noqa: ASYNC110 - the watcher empties it
                    await anyio.sleep(0.05)
            tg.cancel_scope.cancel()
    lat = percentiles(traffic.latencies_ms)
    return {
        "changes": changes,
        "within_s": seconds,
        "wall_s": round(time.monotonic() - started, 1),
        "set_quantities_calls": counter.calls,
        "pairs_sent": counter.changes,
        "per_1000_changes": round(counter.calls * 1000 / changes, 2),
        "p95_ms": lat["p95"],
        "unseen": len(traffic.expected),
    }


async def _orders_burst(
    workdir: Path, orders: int, speed: float, stock_rate: float
) -> dict[str, Any]:
    sandbox = {"speed": speed}
    options = {"poll_interval": 30}
    async with demo_stack(
        workdir, products=200, config_options=options, sandbox_options=sandbox
    ) as stack:
        await wait_quiet(stack.services, 120)
        exact = stack.sb.exact
        before, t0 = _calls(exact), exact.clock.now()
        traffic = Traffic()
        async with anyio.create_task_group() as tg:
            tg.start_soon(watch_latency, stack.sb, traffic)
            for i in range(orders):
                r = await stack.http.post("/_sandbox/shopify/orders", json=_order_body(20_000 + i))
                r.raise_for_status()
            stock_n = max(5, int(stock_rate * 60))
            tg.start_soon(_stock_changes, stack, traffic, stock_n, 60.0, 3)
            await anyio.sleep(5)
            await wait_quiet(stack.services, 3600)
            t1 = exact.clock.now()
            with anyio.move_on_after(30):
                while traffic.expected:  # noqa: ASYNC110 - the watcher empties it
                    await anyio.sleep(0.05)
            tg.cancel_scope.cancel()
        spent = _spent(exact, before)
        exported = await stack.services.db.fetchone(
            "SELECT count(*) FROM links WHERE entity = 'order_export'"
        )
    minutes = max(1e-9, (t1 - t0) / 60)
    lat = percentiles(traffic.latencies_ms)
    calls = sum(spent.values())
    return {
        "orders": orders,
        "exported": exported[0],
        "exact_speed": speed,
        "exact_minutes": round(minutes, 2),
        "exact_calls": calls,
        "calls_per_exact_minute": round(calls / minutes, 1),
        "share_of_minute_limit": round(calls / minutes / exact.limits.minute_limit, 3),
        "stock_changes": traffic.events["stock"],
        "stock_p95_ms": lat["p95"],
        "stock_unseen": len(traffic.expected),
        "by_endpoint": dict(spent),
    }


async def _poll_path(workdir: Path, changes: int, rate: float, interval: float) -> dict[str, Any]:
    from tests.benchmarks.stock import latency

    return await latency(
        workdir, webhooks=False, changes=changes, rate=rate, poll_interval=interval
    )


def capacity(doc: dict[str, Any], idle_per_day: float, polls_per_order: float) -> dict[str, Any]:
    """New-customer orders a day that fit in Exact's 5,000 calls, each fulfilled once.

    day = idle + orders × (order + fulfilment + stock polls the order's own stock moves cause);
    the client keeps 5 % of the day in reserve (connectors/exact/limiter.py). The order's sales
    order and its delivery each move stock in Exact, whose webhook triggers a poll; at 1,000
    orders a day (one every 86 s) those polls do not share a min_poll_interval window, so two
    polls an order is the honest count.
    """
    per_order = doc["new"]["calls"] + doc["fulfil"]["calls"] + polls_per_order
    usable = DAILY_LIMIT * 0.95 - idle_per_day
    return {
        "per_order_calls": round(per_order, 2),
        "usable_calls": round(usable),
        "orders_per_day": int(usable // per_order) if per_order else None,
        "stock_polls_per_order": polls_per_order,
    }


def measure(
    orders: int = 5,
    transactions: int = 20,
    idle_seconds: float = 120.0,
    idle_products: int = 200,
    burst_changes: int = 1000,
    burst_orders: int = 200,
    burst_speed: float = 4.0,
    stock_rate: float = 1.0,
    poll_changes: int = 60,
    poll_interval: float = 5.0,
    polls_per_order: float = 2.0,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-economy-") as tmp:
        root = Path(tmp)
        doc = anyio.run(_documents, root / "docs", orders)
        payout = anyio.run(_payout, root / "payout", transactions)
        idle = anyio.run(_idle, root / "idle", idle_seconds, idle_products)
        shop = anyio.run(_shopify_burst, root / "shop", burst_changes, 10.0)
        poll = anyio.run(_poll_path, root / "poll", poll_changes, 2.0, poll_interval)
        burst = anyio.run(_orders_burst, root / "burst", burst_orders, burst_speed, stock_rate)
    cap = capacity(doc, idle["calls_per_day"], polls_per_order)
    out["documents"] = doc
    out["payout"] = payout
    out["idle"] = idle
    out["capacity"] = cap
    out["shopify_burst"] = shop
    out["poll_path"] = {**poll, "poll_interval_s": poll_interval}
    out["orders_burst"] = burst
    out["figures"] = {
        "exact.calls_per_order_new": doc["new"]["calls"],
        "exact.calls_per_order_returning": doc["returning"]["calls"],
        "exact.calls_per_fulfilment": doc["fulfil"]["calls"],
        "exact.calls_per_refund": doc["refund"]["calls"],
        "exact.calls_per_payout": payout["calls"],
        "exact.idle_calls_per_day": idle["calls_per_day"],
        "exact.orders_per_day_capacity": cap["orders_per_day"],
        "exact.burst_share_of_minute_limit": burst["share_of_minute_limit"],
        "stock.poll_path_p95_ms": poll["p95_ms"],
        "stock.burst_shopify_calls_per_1000": shop["per_1000_changes"],
        "stock.burst_p95_ms_during_orders": burst["stock_p95_ms"],
    }
    return out


TINY = {
    "orders": 1,
    "transactions": 3,
    "idle_seconds": 2.0,
    "idle_products": 20,
    "burst_changes": 20,
    "burst_orders": 3,
    "burst_speed": 10.0,
    "stock_rate": 0.2,
    "poll_changes": 4,
    "poll_interval": 1.0,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--tiny", action="store_true")
    a = parser.parse_args()
    result = measure(**TINY) if a.tiny else measure(orders=a.orders, burst_orders=a.burst)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
