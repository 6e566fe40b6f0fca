"""Products: shop products and prices become Exact items, kept current (README "Products").

The item plan (`plan.plan_product`) works on neutral facts (`facts.py`); `shopify_read` is the
Shopify adapter, so another platform's products can share the plan.
"""

from __future__ import annotations

from typing import Any

from daemon.flows.products.jobs import (
    PRODUCT_TOPICS,
    SYNC_KIND,
    route_product_webhook,
    run_product_poller,
    run_sync,
)
from daemon.flows.webhooks import SHOPIFY_ROUTES

for _topic in PRODUCT_TOPICS:
    SHOPIFY_ROUTES[_topic] = route_product_webhook


def register(registry: Any) -> None:
    registry.register(SYNC_KIND, run_sync)


def background(services: Any) -> list[Any]:
    if not services.settings.products.enabled:
        return []
    return [lambda: run_product_poller(services)]
