"""Keeps the webhook subscriptions of both APIs pointed at us (at start, then hourly).

Shopify deletes a subscription after 8 failed deliveries in a row, and Exact's can be removed
by an operator: re-ensuring them is cheap, and the pollers cover the gap meanwhile.

Exact refuses a subscription whose callback is not https or not on the app's redirect URI host
(`config_check.exact_webhook_warnings` says so before start). A refusal is remembered with the
configuration it was made for: the keeper raises one alert and stops asking, since every refused
call spends Exact's 10-errors-an-hour budget; it asks again when the callback URL or redirect
URI changes, or after `RETRY_REFUSED_AFTER`.
"""

from __future__ import annotations

import json
import time
from typing import Any

import anyio

from connectors.errors import ConnectorError, PermanentError
from connectors.exact.odata import eq
from connectors.shopify.webhooks import ensure_webhooks, enum_topic
from daemon.logs import get_logger

log = get_logger("shopsync.subscriptions")

# StockPositions drives stock; SalesInvoices lets the orders flow apply prepayments to invoices.
EXACT_TOPICS = ("StockPositions", "SalesInvoices")
INTERVAL = 3600.0
REFUSED_CURSOR = "exact.webhooks_refused"  # JSON {config, at, error} of Exact's last refusal
REFUSED_EXTRA = "exact_webhooks_refused"  # the refusal while it stands (alerts read it)
RETRY_REFUSED_AFTER = 7 * 86400.0  # ask again after a week even with the same configuration


async def sync_shopify(services: Any, topics: frozenset[str]) -> dict[str, list[str]]:
    url = services.settings.ingress.public_url.rstrip("/") + "/webhooks/shopify"
    return await ensure_webhooks(
        services.shopify.client, url, sorted(enum_topic(t) for t in topics)
    )


def exact_callback(settings: Any) -> str:
    return settings.ingress.public_url.rstrip("/") + "/webhooks/exact"


def _config(settings: Any) -> str:
    """What a refusal depends on: our callback URL and the app's redirect URI."""
    return f"{exact_callback(settings)} {settings.exact.redirect_uri}"


async def keep_exact(
    services: Any, now: float | None = None, *, force: bool = False
) -> list[str] | None:
    """Ensure the Exact subscriptions unless Exact refused this configuration lately.

    Answers the topics created, or None when skipped or refused (pollers cover stock).
    `force` (an operator's `shopsync webhooks sync`) asks even so, e.g. after the app's
    redirect URI was changed in Exact's App Center.
    """
    now = time.time() if now is None else now
    config = _config(services.settings)
    raw = await services.cursors.get(REFUSED_CURSOR)
    refused = json.loads(raw) if raw else None
    recent = refused and refused["config"] == config and now - refused["at"] < RETRY_REFUSED_AFTER
    if recent and not force:
        services.extras[REFUSED_EXTRA] = refused["error"]
        return None
    try:
        created = await sync_exact(services)
    except PermanentError as exc:
        if exc.status != 400:
            raise
        error = (
            f"Exact refused the webhook subscription for {exact_callback(services.settings)}: {exc}"
        )
        await services.cursors.set(
            REFUSED_CURSOR, json.dumps({"config": config, "at": now, "error": error})
        )
        services.extras[REFUSED_EXTRA] = error
        services.extras["exact_stock_subscription_ok"] = False
        log.error(
            "exact webhooks refused; not asking again until the configuration changes",
            error=str(exc),
            retry_after_days=RETRY_REFUSED_AFTER / 86400,
        )
        return None
    if refused:
        await services.cursors.set(REFUSED_CURSOR, "")
    services.extras.pop(REFUSED_EXTRA, None)
    return created


async def sync_exact(services: Any) -> list[str]:
    url = exact_callback(services.settings)
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
                    created = await keep_exact(services)
                    # The stock poll backs off only while this is confirmed (stock/cadence.py).
                    if created is not None:
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
