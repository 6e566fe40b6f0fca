"""The safety net under the webhooks: every few minutes, enqueue orders updated since a cursor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio

from connectors.errors import ConnectorError
from daemon.flows.orders.jobs import export_job
from daemon.logs import get_logger

log = get_logger("shopsync.orders")

CURSOR = "orders.updated_at"
# Shopify's updated_at search has second precision and its index lags a little: look back a bit.
OVERLAP = dt.timedelta(seconds=60)


def _start(settings: Any, now: dt.datetime) -> dt.datetime:
    start = settings.orders.start_date
    if start is None:
        return now  # a fresh install starts now; `shopsync backfill orders` covers the past
    return dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)


async def poll_orders_once(services: Any, now: dt.datetime | None = None) -> int:
    """Enqueue an export job for each order updated since the cursor; answer how many."""
    now = now or dt.datetime.now(dt.UTC)
    stored = await services.cursors.get(CURSOR)
    since = dt.datetime.fromisoformat(stored) if stored else _start(services.settings, now)
    count = 0
    # The next cursor is taken before paging: an order updated meanwhile is seen again, not lost.
    async for header in services.shopify.iter_order_headers(since - OVERLAP):
        kind, key, payload = export_job(header.id)
        await services.queue.enqueue(kind, key, payload)
        await refunds_hook(services, header.id)  # refunds flow hook (daemon/flows/refunds)
        count += 1
    await services.cursors.set(CURSOR, now.isoformat())
    if count:
        log.info("orders.polled", since=since.isoformat(), enqueued=count)
    return count


async def refunds_hook(services: Any, order_id: str) -> None:
    # --- refunds flow hook (owned by daemon/flows/refunds): its refunds are looked at too ---
    from daemon.flows.refunds.jobs import poller_hook

    await poller_hook(services, order_id)


async def run_order_poller(services: Any) -> None:
    """Poll forever at `orders.poll_interval`; a failed poll is logged and tried next round."""
    interval = services.settings.orders.poll_interval
    while True:
        try:
            await poll_orders_once(services)
        except ConnectorError as exc:
            log.warning("orders.poll_failed", error=str(exc))
        await anyio.sleep(interval)
