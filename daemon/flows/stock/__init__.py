"""Stock: Exact Online is the source of truth; Shopify shows it within seconds."""

from __future__ import annotations

import time
from typing import Any

import anyio

from daemon.flows.stock import cadence
from daemon.flows.stock.sync import (
    POLL_KEY,
    merge_observations,
    observe_shopify_level,
    poll_delay,
    poll_stock,
    push_stock,
    reconcile_stock,
    route_exact_stock,
    route_inventory_level,
)
from daemon.flows.webhooks import DELAYS, EXACT_ROUTES, MERGES, SHOPIFY_ROUTES
from daemon.worker import Registry

TICK = 5.0  # the poller looks at its cadence at least this often (seconds)

EXACT_ROUTES["StockPositions"] = route_exact_stock
SHOPIFY_ROUTES["inventory_levels/update"] = route_inventory_level
DELAYS["stock.poll"] = poll_delay
MERGES["stock.observe"] = merge_observations


def register(registry: Registry) -> None:
    registry.register("stock.poll", cadence.watched(poll_stock))
    registry.register("stock.push", push_stock)
    registry.register("stock.reconcile", reconcile_stock)
    registry.register("stock.observe", observe_shopify_level)


async def refresh_shopify_view(services: Any) -> None:
    """At start, forget what we believe Shopify shows: it may have changed while we were down
    (a restock, a cancel) with its webhook lost. Every known pair is compared again, reading
    Shopify's numbers; only differences are sent. Exact is not re-read (its cursor covers it)."""
    now = time.time()
    async with services.db.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO stock_dirty (sku, location, since)"
            " SELECT sku, location, ? FROM stock_pushed WHERE true"
            " ON CONFLICT (sku, location) DO NOTHING",
            (now,),
        )
        await conn.execute("DELETE FROM stock_pushed")
        if cur.rowcount:
            await services.queue.enqueue_in(conn, "stock.push", "stock:push", {})


def poller(services: Any):
    """Poll now, then whenever the cadence's interval has passed since the last poll (a
    webhook-triggered poll counts); the interval is re-read each tick (see cadence.py)."""

    async def run() -> None:
        await refresh_shopify_view(services)
        while True:
            interval, _ = await cadence.current(services)
            last = services.extras.get("stock_last_poll", 0.0)
            due = last + interval - time.time()
            if due <= 0:
                await services.queue.enqueue("stock.poll", POLL_KEY, {})
                due = interval  # a poll still waiting for a worker absorbs the next enqueue
            # Wake at the due time, and at least every few seconds to notice a cadence change.
            await anyio.sleep(min(due, TICK))

    return run
