"""Stock Exact → CCV Shop: the stock engine's writer for a CCV shop.

CCV keeps one stock figure per product, no locations: every product's stock is kept under one
pseudo-location, fed by the Exact warehouse `[mapping.locations]` names for it (else the
default warehouse). A push sets `stock` with `PATCH /products/{id}/` (CCV's documented field)
only where the target differs from what CCV was last set to or, the first time, shows.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from connectors.ccvshop.models import Product
from connectors.errors import PermanentError
from daemon.flows.stock import store
from daemon.flows.stock.plan import target_available, warehouse_of
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.stock")

LOCATION = "CCV Shop"  # the one location a CCV product's stock is kept under
BATCH = 1000
COLUMN = {"sellable": 0, "free": 1, "in_stock": 2, "planned": 3}


async def product_by_sku(services: Any, sku: str) -> Product | None:
    """The CCV product with this product number, if CCV has one."""
    async for product in services.ccvshop.products(productnumber=sku):
        return product
    return None


async def push_ccv_stock(services: Any, job: Job) -> None:
    """Send every dirty product's target to CCV: differences only, one PATCH a product."""
    s, db = services.settings, services.db
    batch = await store.dirty_batch(db, BATCH)
    if not batch:
        return
    warehouse = warehouse_of(LOCATION, s.mapping.locations, s.mapping.default_warehouse)
    levels = await store.levels_for(db, [(sku, warehouse) for sku, _, _ in batch])
    holds = await store.held(db)
    column = COLUMN[s.stock.figure]
    known = await store.pushed(db, [(sku, loc) for sku, loc, _ in batch])
    # product number → (CCV product id, keeps stock), learned by the first look-up
    cache: dict[str, tuple[int, bool | None]] = services.extras.setdefault("stock.ccv_ids", {})
    done: dict[tuple[str, str], int] = {}
    sent: list[tuple[str, str]] = []
    problems: list[tuple[str, str, str, str]] = []
    for sku, loc, _since in batch:
        level = levels.get((sku, warehouse))
        if loc != LOCATION:
            problems.append((sku, loc, "unknown_location", "a CCV shop has one stock a product"))
            continue
        if level is None:
            problems.append((sku, loc, "not_in_exact", "no Exact stock for this product number"))
            continue
        target = target_available(
            Decimal(level[column]),
            buffer=s.stock.buffers.get(loc, 0),
            held=holds.get((sku, loc), 0),
        )
        current = known.get((sku, loc))
        if sku not in cache or current is None:  # read once; later pushes only write
            product = await product_by_sku(services, sku)
            if product is None:
                cache.pop(sku, None)
                problems.append((sku, loc, "not_in_ccvshop", "no CCV product with this number"))
                continue
            cache[sku] = (product.id, product.stockenabled)
            if current is None and product.stock is not None:
                current = int(product.stock)
        product_id, keeps_stock = cache[sku]
        if keeps_stock is False:
            problems.append((sku, loc, "stock_disabled", "CCV does not keep stock of it"))
            continue
        if current != target:
            try:
                await services.ccvshop.set_product_stock(product_id, Decimal(target))
            except PermanentError as exc:
                if exc.status != 404:
                    raise
                cache.pop(sku, None)  # deleted in CCV since we looked: look again next time
                problems.append((sku, loc, "not_in_ccvshop", "the product was deleted in CCV"))
                continue
            sent.append((sku, loc))
        done[(sku, loc)] = target
    now = time.time()
    async with db.transaction() as conn:
        for (sku, loc), quantity in done.items():
            await store.record_pushed(conn, sku, loc, quantity, now)
        handled = set(done) | {(p[0], p[1]) for p in problems}
        for sku, loc, since in batch:
            if (sku, loc) in handled:
                await store.clear_dirty(conn, sku, loc, since)
        new_problems = [p for p in problems if await store.report_problem(conn, *p)]
        async with conn.execute("SELECT count(*) FROM stock_dirty") as cur:
            remaining = (await cur.fetchone())[0]
        if remaining:
            await services.queue.enqueue_in(conn, "stock.push", job.key, {})
    for sku, loc, problem, detail in new_problems:
        log.warning("stock not synced", sku=sku, location=loc, problem=problem, detail=detail)
    stats = services.extras.setdefault("stats", {}).setdefault("stock", {"pushed": 0})
    stats["pushed"] = stats.get("pushed", 0) + len(sent)
    stats["last_success"] = now
    log.info(
        "CCV stock pushed",
        sent=len(sent),
        unchanged=len(done) - len(sent),
        problems=len(problems),
        remaining=remaining,
    )
