"""Keeps the webhook subscriptions of both APIs pointed at us (at start, then hourly).

Shopify deletes a subscription after 8 failed deliveries in a row, and Exact's can be removed
by an operator: re-ensuring them is cheap, and the pollers cover the gap meanwhile.
"""

from __future__ import annotations

from typing import Any

import anyio

from connectors.errors import ConnectorError
from connectors.exact.odata import eq
from connectors.shopify.webhooks import ensure_webhooks, enum_topic
from daemon.logs import get_logger

log = get_logger("shopsync.subscriptions")

# StockPositions drives stock; SalesInvoices lets the orders flow apply prepayments to invoices.
EXACT_TOPICS = ("StockPositions", "SalesInvoices")
INTERVAL = 3600.0


async def sync_shopify(services: Any, topics: frozenset[str]) -> dict[str, list[str]]:
    url = services.settings.ingress.public_url.rstrip("/") + "/webhooks/shopify"
    return await ensure_webhooks(
        services.shopify.client, url, sorted(enum_topic(t) for t in topics)
    )


async def sync_exact(services: Any) -> list[str]:
    url = services.settings.ingress.public_url.rstrip("/") + "/webhooks/exact"
    existing = await services.exact.get(
        "webhooks/WebhookSubscriptions", filter=eq("CallbackURL", url), select="ID,Topic"
    )
    have = {row.get("Topic") for row in existing}
    created = []
    for topic in EXACT_TOPICS:
        if topic not in have:
            await services.exact.post(
                "webhooks/WebhookSubscriptions", {"CallbackURL": url, "Topic": topic}
            )
            created.append(topic)
    return created


def keeper(services: Any, topics: frozenset[str]):
    checked = services.extras.setdefault("subscriptions_checked", anyio.Event())

    async def run() -> None:
        while True:
            try:
                changes = await sync_shopify(services, topics)
                if any(changes.values()):
                    log.info("shopify webhooks updated", **changes)
                if services.settings.exact.webhook_secret is not None:
                    created = await sync_exact(services)
                    # The stock poll backs off only while this is confirmed (stock/cadence.py).
                    services.extras["exact_stock_subscription_ok"] = True
                    if created:
                        log.info("exact webhooks created", topics=created)
                        # Changes made before the subscription existed sent no webhook.
                        await services.queue.enqueue("stock.poll", "stock:poll", {})
            except ConnectorError as exc:
                log.warning("webhook subscriptions not checked; pollers cover", error=str(exc))
            checked.set()
            await anyio.sleep(INTERVAL)

    return run
