"""The products flow's job, webhook routes and catch-up poll (one `products.sync` job per product).

Webhooks and the poll only name the product: the job re-reads it, so a burst of edits while the
job waits is one job (the queue coalesces by key `product:{id}`) and one read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio

from connectors.errors import ConnectorError
from daemon.flows.products.apply import sync_product
from daemon.flows.products.shopify_read import (
    numeric,
    product_gid,
    products_updated_since,
    read_product,
)
from daemon.flows.webhook_body import shopify_gid
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.products")

SYNC_KIND = "products.sync"
PRODUCT_TOPICS = ("products/create", "products/update", "products/delete")
CURSOR = "products.updated_at"
OVERLAP = dt.timedelta(seconds=60)  # Shopify's updated_at search lags a little: look back


def sync_job(gid: str) -> tuple[str, str, dict[str, Any]]:
    return SYNC_KIND, f"product:{numeric(gid)}", {"product_id": product_gid(gid)}


def route_product_webhook(body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Any product topic: the job re-reads the product (a deleted one reads as deleted)."""
    return [sync_job(shopify_gid(body, "Product", what="product"))]


async def run_sync(services: Any, job: Job) -> str:
    if not services.settings.products.enabled:
        return "products.enabled is false: nothing done"
    product = await read_product(services.shopify, job.payload["product_id"])
    result = await sync_product(services, product)
    return f"product {product.id}: {result.summary()}"


async def enqueue_updated_since(services: Any, since: dt.datetime) -> int:
    """One sync job per product updated since `since`; answer how many (poll and backfill)."""
    count = 0
    async for gid in products_updated_since(services.shopify, since):
        kind, key, payload = sync_job(gid)
        await services.queue.enqueue(kind, key, payload)
        count += 1
    return count


async def poll_products_once(services: Any, now: dt.datetime | None = None) -> int:
    """Enqueue products updated since the cursor; a fresh install starts now (backfill covers
    the past). The next cursor is taken before paging, so nothing updated meanwhile is lost."""
    now = now or dt.datetime.now(dt.UTC)
    stored = await services.cursors.get(CURSOR)
    if not stored:  # nothing to catch up on yet: webhooks and `backfill products` do the rest
        await services.cursors.set(CURSOR, now.isoformat())
        return 0
    since = dt.datetime.fromisoformat(stored)
    count = await enqueue_updated_since(services, since - OVERLAP)
    await services.cursors.set(CURSOR, now.isoformat())
    if count:
        log.info("products.polled", since=since.isoformat(), enqueued=count)
    return count


async def run_product_poller(services: Any) -> None:
    interval = services.settings.products.poll_interval
    while True:
        try:
            await poll_products_once(services)
        except ConnectorError as exc:
            log.warning("products.poll_failed", error=str(exc))
        await anyio.sleep(interval)
