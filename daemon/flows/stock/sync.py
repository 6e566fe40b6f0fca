"""Stock handlers: poll Exact's sync API, push differences to Shopify, reconcile, observe.

Exact is the source of truth. A poll (every few seconds, or at once when an Exact webhook
says stock moved) stores the new figures and marks the SKU+locations they feed dirty; one
`stock.push` job, delayed by the coalescing window, sends every dirty pair in batches of
250 with compare-and-set. The job keys are fixed, so a burst of changes is one poll and one
push, however many webhooks arrive.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from decimal import Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.limiter import priority
from connectors.shopify.inventory import QuantityChange
from daemon.flows.stock import burst, store
from daemon.flows.stock.ccvshop import LOCATION as CCV_LOCATION
from daemon.flows.stock.ccvshop import push_ccv_stock
from daemon.flows.stock.division_move import division_moved
from daemon.flows.stock.plan import (
    Push,
    batches,
    level_from_exact,
    pushes_needed,
    target_available,
    warehouse_of,
)
from daemon.flows.webhook_body import HINT, numeric_id
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.stock")

CURSOR = "exact:stock_positions"
POLL_KEY, PUSH_KEY = "stock:poll", "stock:push"
SELECT = (
    "ID",
    "ItemCode",
    "WarehouseCode",
    "FreeStock",
    "CurrentStock",
    "ProjectedStock",
    "PlanningIn",
    "PlanningOut",
    "Timestamp",
)
BATCH = 1000  # dirty pairs handled per push job (four inventorySetQuantities calls at most)


class ShopifyIds:
    """Location and inventory-item ids by name and SKU, looked up once and cached."""

    def __init__(self, shopify: Any):
        self.shopify = shopify
        self.locations: dict[str, str] = {}  # name → gid
        self.items: dict[str, str] = {}  # sku → inventory item gid
        self.missing: set[str] = set()

    async def location_ids(self) -> dict[str, str]:
        if not self.locations:
            self.locations = {loc.name: loc.id for loc in await self.shopify.list_locations()}
        return self.locations

    async def item_ids(self, skus: set[str]) -> dict[str, str]:
        unknown = sorted(skus - set(self.items) - self.missing)
        if unknown:
            found = await self.shopify.find_inventory_items(unknown)
            self.items.update(found)
            self.missing.update(set(unknown) - set(found))
        return {sku: self.items[sku] for sku in skus if sku in self.items}


def _ids(services: Any) -> ShopifyIds:
    ids = services.extras.get("stock_ids")
    if ids is None:
        ids = services.extras["stock_ids"] = ShopifyIds(services.shopify)
    return ids


async def _locations(services: Any) -> list[str]:
    """The shop's stock locations by name: Shopify's, or a CCV shop's one."""
    if services.settings.shop.platform == "ccvshop":
        return [CCV_LOCATION]
    return list(await _ids(services).location_ids())


def _stats(services: Any) -> dict[str, Any]:
    stats = services.extras.setdefault("stats", {})
    return stats.setdefault("stock", {"latencies_ms": [], "pushed": 0, "shopify_calls": 0})


def poll_delay(services: Any) -> float:
    """When a webhook-triggered poll may run: soon, but never faster than Exact's budget allows.

    Past three quarters of the daily budget the floor quadruples, keeping calls for orders.
    """
    s = services.settings.stock
    floor = s.min_poll_interval
    daily = getattr(getattr(services.exact, "budget", None), "daily", None)
    known = daily is not None and daily.limit and daily.remaining is not None
    if known and daily.remaining < daily.limit / 4:
        floor *= 4
    last = services.extras.get("stock_last_poll", 0.0)
    return max(s.coalesce_window, last + floor - time.time())


async def poll_stock(services: Any, job: Job) -> None:
    """Read what changed in Exact since the cursor; mark affected pairs dirty; schedule a push."""
    s = services.settings
    started = services.extras["stock_last_poll"] = time.time()
    cursor = int(await services.cursors.get(CURSOR) or 1)
    if await division_moved(services):
        cursor = 1  # every Timestamp restarted below our cursor: read everything again
    with priority():  # stock is the time-critical read: it may use the minute's reserve
        rows, newest = await services.exact.sync("Inventory/StockPositions", cursor, select=SELECT)
    if not rows:
        await _drop_released(services, started)
        return
    levels = [level_from_exact(r) for r in rows]
    locations = await _locations(services)
    async with services.db.transaction() as conn:
        dirty = await store.upsert_levels(
            conn,
            levels,
            figure=s.stock.figure,
            locations=locations,
            mapping=s.mapping.locations,
            default_warehouse=s.mapping.default_warehouse,
        )
        await conn.execute(
            "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name)"
            " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (CURSOR, str(newest), time.time()),
        )
        dirty += await store.drop_released_holds(conn, started)
        if dirty:
            await services.queue.enqueue_in(
                conn, "stock.push", PUSH_KEY, {}, delay=s.stock.coalesce_window
            )
    if dirty:
        services.queue.emit("enqueued", kind="stock.push", key=PUSH_KEY)
    log.debug("stock polled", rows=len(rows), dirty=dirty, cursor=newest)


async def _drop_released(services: Any, started: float) -> None:
    """Exported orders' holds go once Exact's figures read after the export are stored."""
    async with services.db.transaction() as conn:
        dropped = await store.drop_released_holds(conn, started)
        if dropped:
            await services.queue.enqueue_in(
                conn, "stock.push", PUSH_KEY, {}, delay=services.settings.stock.coalesce_window
            )
    if dropped:
        services.queue.emit("enqueued", kind="stock.push", key=PUSH_KEY)


async def push_stock(services: Any, job: Job) -> None:
    """Send every dirty pair's target to Shopify: differences only, 250 a call, compare-and-set.
    A CCV shop's writer is its own (ccvshop.py): one stock a product, one PATCH each."""
    if services.settings.shop.platform == "ccvshop":
        return await push_ccv_stock(services, job)
    s, db = services.settings, services.db
    batch = await store.dirty_batch(db, BATCH)
    if not batch:
        return
    batch, wait = burst.hold(batch, time.time())  # a burst sends whole calls (burst.py)
    if not batch:
        assert wait is not None
        await services.queue.enqueue("stock.push", PUSH_KEY, {}, delay=wait)
        return
    ids = _ids(services)
    location_ids = await ids.location_ids()
    mapping, default = s.mapping.locations, s.mapping.default_warehouse
    levels = await store.levels_for(
        db, [(sku, warehouse_of(loc, mapping, default)) for sku, loc, _ in batch]
    )
    holds = await store.held(db)
    item_ids = await ids.item_ids({sku for sku, _, _ in batch})
    targets: dict[tuple[str, str], int] = {}
    changed_at: dict[tuple[str, str], float] = {}
    problems: list[tuple[str, str, str, str]] = []
    column = {"sellable": 0, "free": 1, "in_stock": 2, "planned": 3}[s.stock.figure]
    for sku, loc, _since in batch:
        level = levels.get((sku, warehouse_of(loc, mapping, default)))
        if level is None:
            problems.append(
                (sku, loc, "not_in_exact", "Shopify asks for a SKU Exact has no stock for")
            )
        elif loc not in location_ids:
            problems.append((sku, loc, "unknown_location", "no Shopify location with this name"))
        elif sku not in item_ids:
            problems.append(
                (sku, loc, "not_in_shopify", "Exact item has no Shopify variant with this SKU")
            )
        else:
            targets[(sku, loc)] = target_available(
                Decimal(level[column]),
                buffer=s.stock.buffers.get(loc, 0),
                held=holds.get((sku, loc), 0),
            )
            changed_at[(sku, loc)] = level[4]
    current: dict[tuple[str, str], int | None] = dict(await store.pushed(db, targets))
    unknown = [pair for pair in targets if pair not in current]
    if unknown:
        read = await services.shopify.get_available(
            {item_ids[sku] for sku, _ in unknown}, {location_ids[loc] for _, loc in unknown}
        )
        _stats(services)["shopify_calls"] += 1
        for sku, loc in unknown:
            value = read.get((item_ids[sku], location_ids[loc]))
            if value is None:
                problems.append(
                    (sku, loc, "not_stocked", "the variant is not stocked at this location")
                )
                targets.pop((sku, loc))
            else:
                current[(sku, loc)] = value
    pushes = pushes_needed(targets, current)
    done: dict[tuple[str, str], int] = {
        pair: q for pair, q in targets.items() if current.get(pair) == q
    }
    stale: list[tuple[str, str]] = []
    for chunk in batches(pushes):
        results = await services.shopify.set_available(
            [
                QuantityChange(item_ids[p.sku], location_ids[p.location], p.quantity, p.change_from)
                for p in chunk
            ],
            reason="correction",
            reference_uri="shopsync://stock/exact",
            idempotency_key=_batch_key(chunk),
        )
        _stats(services)["shopify_calls"] += 1
        for push, result in zip(chunk, results, strict=True):
            if result.ok:
                done[(push.sku, push.location)] = push.quantity
            elif result.stale:
                stale.append((push.sku, push.location))  # Shopify moved: re-read, don't overwrite
            else:
                problems.append((push.sku, push.location, "rejected", result.message))
    now = time.time()
    async with db.transaction() as conn:
        for (sku, loc), quantity in done.items():
            await store.record_pushed(conn, sku, loc, quantity, now)
        for sku, loc in stale:
            await conn.execute(
                "DELETE FROM stock_pushed WHERE sku = ? AND location = ?", (sku, loc)
            )
        handled = set(done) | {(p[0], p[1]) for p in problems}
        for sku, loc, since in batch:
            if (sku, loc) in handled:
                await store.clear_dirty(conn, sku, loc, since)
        new_problems = [p for p in problems if await store.report_problem(conn, *p)]
        async with conn.execute("SELECT count(*) FROM stock_dirty") as cur:
            remaining = (await cur.fetchone())[0]
        if remaining:
            await services.queue.enqueue_in(conn, "stock.push", PUSH_KEY, {})
    for sku, loc, problem, detail in new_problems:
        log.warning("stock not synced", sku=sku, location=loc, problem=problem, detail=detail)
    stats = _stats(services)
    sent = [pair for pair in done if pair in {(p.sku, p.location) for p in pushes}]
    stats["pushed"] += len(sent)
    stats["latencies_ms"].extend((now - changed_at[pair]) * 1000 for pair in sent)
    del stats["latencies_ms"][:-2000]
    stats["last_success"] = now
    log.info(
        "stock pushed",
        sent=len(sent),
        unchanged=len(done) - len(sent),
        stale=len(stale),
        problems=len(problems),
        remaining=remaining,
    )


async def reconcile_stock(services: Any, job: Job) -> None:
    """Compare every mapped SKU and location in full; fix only the differences."""
    s = services.settings
    started = time.time()
    rows, newest = await services.exact.sync("Inventory/StockPositions", 1, select=SELECT)
    levels = [level_from_exact(r) for r in rows]
    ids = _ids(services)
    location_ids = await ids.location_ids()
    names = {gid: name for name, gid in location_ids.items()}
    shopify: dict[tuple[str, str], int] = {}
    async for level in services.shopify.bulk_inventory_levels():
        if level.sku and level.location_id in names:
            ids.items[level.sku] = level.inventory_item_id
            shopify[(level.sku, names[level.location_id])] = level.available
    ids.missing.clear()
    exact_skus = {lv.sku for lv in levels}
    shopify_skus = {sku for sku, _ in shopify}
    now = time.time()
    async with services.db.transaction() as conn:
        await store.upsert_levels(
            conn,
            levels,
            figure=s.stock.figure,
            locations=list(location_ids),
            mapping=s.mapping.locations,
            default_warehouse=s.mapping.default_warehouse,
        )
        await conn.execute("DELETE FROM stock_pushed")
        for (sku, loc), available in shopify.items():
            await store.record_pushed(conn, sku, loc, available, now)
            await store.mark_dirty(conn, sku, loc, now)  # the push compares and skips equal ones
        await conn.execute(
            "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name)"
            " DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (CURSOR, str(newest), now),
        )
        await store.drop_released_holds(conn, started)
        await services.queue.enqueue_in(conn, "stock.push", PUSH_KEY, {})
    only_exact, only_shopify = sorted(exact_skus - shopify_skus), sorted(shopify_skus - exact_skus)
    log.info(
        "stock reconcile",
        exact_rows=len(rows),
        shopify_levels=len(shopify),
        only_in_exact=len(only_exact),
        only_in_shopify=len(only_shopify),
        examples=(only_exact + only_shopify)[:10],
    )


async def observe_shopify_level(services: Any, job: Job) -> None:
    """Shopify says a level changed (a sale, a manual edit): keep our compare-and-set base true.

    Webhooks come in any order and replays can be old, so a reported value is only a hint:
    when it matches what we believe Shopify holds (the echo of our own push) nothing happens;
    otherwise we forget our belief and the next push reads Shopify's current value first.
    Recording the reported value instead let a stale replay overwrite a newer one, and a push
    then skipped a pair whose real value differed from the target.
    """
    ids = _ids(services)
    location_ids = await ids.location_ids()
    names = {gid.rsplit("/", 1)[-1]: name for name, gid in location_ids.items()}
    skus = {gid.rsplit("/", 1)[-1]: sku for sku, gid in ids.items.items()}
    p = job.payload
    sku, loc = skus.get(str(p["inventory_item_id"])), names.get(str(p["location_id"]))
    reported = _reported(p)
    if sku is None or loc is None or not reported:
        return  # not an item we have pushed yet: the next push reads Shopify anyway
    async with services.db.transaction() as conn:
        async with conn.execute(
            "SELECT quantity FROM stock_pushed WHERE sku = ? AND location = ?", (sku, loc)
        ) as cur:
            row = await cur.fetchone()
        if row is not None and reported == {int(row[0])}:
            return
        await conn.execute("DELETE FROM stock_pushed WHERE sku = ? AND location = ?", (sku, loc))
        await store.mark_dirty(conn, sku, loc, time.time())
        await services.queue.enqueue_in(
            conn, "stock.push", PUSH_KEY, {}, delay=services.settings.stock.coalesce_window
        )


def _reported(payload: dict[str, Any]) -> set[int]:
    """Every level the coalesced webhooks reported (`seen`), or the one a single webhook did."""
    values = payload.get("seen", [payload.get("available")])
    return {int(v) for v in values if v is not None}


def merge_observations(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Two webhooks for one pair before the observe job ran: keep every level they reported.

    Keeping only the newest payload lost the hand edit when a stale echo of our own push
    arrived after it: the echo matched our belief and the edit was never read back.
    """
    return {**new, "seen": sorted(_reported(old) | _reported(new))}


def _batch_key(chunk: list[Push]) -> str:
    """A fresh key for every send. Compare-and-set already makes a resent batch harmless (once
    applied, Shopify no longer holds `change_from` and answers stale), while a key derived from
    the quantities made Shopify answer a later, legitimate push of the same numbers (after a
    restock put Shopify back where the first push began) from its cache, applying nothing."""
    text = "|".join(f"{p.sku}@{p.location}={p.quantity}<{p.change_from}" for p in chunk)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"shopsync-stock-{digest}-{uuid.uuid4().hex[:16]}"


def route_exact_stock(content: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [("stock.poll", POLL_KEY, {})]


def route_inventory_level(body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    item = numeric_id(body, "inventory_item_id", what="inventory item id")
    location = numeric_id(body, "location_id", what="location id")
    available = body.get("available")
    if available is not None and (isinstance(available, bool) or not isinstance(available, int)):
        raise PermanentError("inventory level available is not a whole number", hint=HINT)
    return [
        (
            "stock.observe",
            f"stock:observe:{item}:{location}",
            {"inventory_item_id": item, "location_id": location, "available": available},
        )
    ]
