"""Find CCV orders that need a look: new ones by id, and recent ones whose status changed.

CCV's order list has no modified-since filter (../shared/api/ccv-pay.md §1.6), so a status
change (say to "Completed") shows only by reading the order again. The scan therefore walks
new ids (newest first, down to the last id seen) and re-reads the orders created in the last
`recent_days`, comparing each one's (status, paid) with what it saw last time. Webhooks, where
a shop sends them, only make this come sooner: nothing depends on them arriving.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import anyio

from connectors.ccvshop.client import CcvShopClient
from connectors.errors import ConnectorError
from daemon.logs import get_logger

log = get_logger("shopsync.ccvshop")

CURSOR = "ccvshop.orders.scan"
RECENT_DAYS = 14  # how far back a status change is still looked for


@dataclass
class ScanState:
    last_id: int = 0
    seen: dict[int, tuple[int, bool]] = field(default_factory=dict)  # id → (status, paid)
    last_product: int = 0
    started: bool = False
    credits: set[int] = field(default_factory=set)  # credit invoices already handed on

    def dumps(self) -> str:
        return json.dumps(
            {
                "last_id": self.last_id,
                "seen": {str(k): list(v) for k, v in self.seen.items()},
                "credits": sorted(self.credits),
                "last_product": self.last_product,
            }
        )

    @classmethod
    def loads(cls, text: str | None) -> ScanState:
        if not text:
            return cls()
        data = json.loads(text)
        seen = {int(k): (int(v[0]), bool(v[1])) for k, v in data.get("seen", {}).items()}
        credits = {int(i) for i in data.get("credits", [])}
        return cls(
            int(data.get("last_id", 0)),
            seen,
            started=True,
            credits=credits,
            last_product=int(data.get("last_product", 0)),
        )


async def scan_ccv_orders(
    client: CcvShopClient,
    state: ScanState,
    *,
    today: dt.date,
    recent_days: int = RECENT_DAYS,
    start_date: dt.date | None = None,
) -> tuple[list[int], ScanState]:
    """Order ids to (re)export, oldest first, and the state to keep for the next scan.

    The first scan of a fresh install looks back to `start_date` when one is set; without
    one it only notes where the shop stands (`shopsync backfill` covers the past).
    """
    since = today - dt.timedelta(days=recent_days)
    if not state.started and start_date is not None:
        since = min(since, start_date)
    changed: set[int] = set()
    last_id = state.last_id
    if state.started:
        for order in await client.orders_after(state.last_id):
            changed.add(order.id)
            last_id = max(last_id, order.id)
    seen: dict[int, tuple[int, bool]] = {}
    async for order in client.orders(min_create_date=since.isoformat()):
        seen[order.id] = (order.status, order.paid)
        last_id = max(last_id, order.id)
        watched = state.started or start_date is not None
        if watched and state.seen.get(order.id) != seen[order.id]:
            changed.add(order.id)
    # Orders found by id but created before the window (a clock or zone quirk) stay watched.
    for order_id in changed - seen.keys():
        seen[order_id] = state.seen.get(order_id, (0, False))
    kept = {"credits": state.credits, "last_product": state.last_product}  # other scans' marks
    return sorted(changed), ScanState(last_id=last_id, seen=seen, started=True, **kept)


async def scan_ccv_credits(
    client: CcvShopClient, state: ScanState, *, since: dt.date, baseline: bool = False
) -> tuple[list[int], ScanState]:
    """Credit invoices created since `since` not handed on before; the state remembers them.

    With `baseline` (a fresh install without a start date) they are only noted: crediting
    them could book their orders from before the install.
    """
    found: set[int] = set()
    fresh: list[int] = []
    async for invoice in client.invoices(min_create_date=since.isoformat()):
        if not invoice.is_credit:
            continue
        found.add(invoice.id)
        if invoice.id not in state.credits and not baseline:
            fresh.append(invoice.id)
    state.credits = found  # older ones leave the window and need no memory
    return sorted(fresh), state


async def poll_ccv_orders_once(
    services: Any, *, today: dt.date | None = None, recent_days: int = RECENT_DAYS
) -> int:
    """One scan: a job per order that needs a look and per new credit invoice; how many."""
    from daemon.flows.ccvshop_orders.export import credit_job, export_job

    today = today or dt.datetime.now(dt.UTC).date()
    state = ScanState.loads(await services.cursors.get(CURSOR))
    baseline = not state.started and services.settings.orders.start_date is None
    ids, state = await scan_ccv_orders(
        services.ccvshop,
        state,
        today=today,
        recent_days=recent_days,
        start_date=services.settings.orders.start_date,
    )
    for order_id in ids:
        await services.queue.enqueue(*export_job(order_id))
    since = today - dt.timedelta(days=recent_days)
    credits, state = await scan_ccv_credits(services.ccvshop, state, since=since, baseline=baseline)
    for invoice_id in credits:
        await services.queue.enqueue(*credit_job(invoice_id))
    products: list[int] = []
    ccv = getattr(services.settings, "ccvshop", None)
    if ccv is not None and ccv.sync_products:
        from daemon.flows.ccvshop_orders.products import new_products, product_job

        # The first scan takes the whole catalogue: items are wanted for every product.
        products = await new_products(services.ccvshop, state.last_product)
        for product_id in products:
            await services.queue.enqueue(*product_job(product_id))
        state.last_product = max([state.last_product, *products])
    # Saved after enqueueing: a crash in between scans again and enqueues again, and jobs of
    # one key absorb each other, so nothing is lost and nothing is booked twice.
    await services.cursors.set(CURSOR, state.dumps())
    if ids or credits or products:
        log.info("ccvshop.polled", orders=len(ids), credits=len(credits), products=len(products))
    return len(ids) + len(credits) + len(products)


async def run_ccv_poller(services: Any) -> None:
    """Scan forever at `ccvshop.poll_interval`; a failed scan is logged and tried next round."""
    settings = services.settings.ccvshop
    while True:
        try:
            await poll_ccv_orders_once(services, recent_days=settings.recent_days)
        except ConnectorError as exc:
            log.warning("ccvshop.poll_failed", error=str(exc))
        await anyio.sleep(settings.poll_interval)
