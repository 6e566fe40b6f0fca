"""Stock: Exact Online is the source of truth; Shopify shows it within seconds."""

from __future__ import annotations

import time
from typing import Any

import anyio

from daemon.flows.stock.sync import (
    POLL_KEY,
    observe_shopify_level,
    poll_delay,
    poll_stock,
    push_stock,
    reconcile_stock,
    route_exact_stock,
    route_inventory_level,
)
from daemon.flows.webhooks import DELAYS, EXACT_ROUTES, SHOPIFY_ROUTES
from daemon.worker import Registry

EXACT_ROUTES["StockPositions"] = route_exact_stock
SHOPIFY_ROUTES["inventory_levels/update"] = route_inventory_level
DELAYS["stock.poll"] = poll_delay


def register(registry: Registry) -> None:
    registry.register("stock.poll", poll_stock)
    registry.register("stock.push", push_stock)
    registry.register("stock.reconcile", reconcile_stock)
    registry.register("stock.observe", observe_shopify_level)


def poller(services: Any):
    """Poll now and every poll_interval, unless a webhook-triggered poll ran meanwhile."""

    async def run() -> None:
        interval = services.settings.stock.poll_interval
        while True:
            last = services.extras.get("stock_last_poll", 0.0)
            if time.time() - last >= interval / 2:
                await services.queue.enqueue("stock.poll", POLL_KEY, {})
            await anyio.sleep(interval)

    return run
