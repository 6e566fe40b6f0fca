"""The order flow's job handlers and webhook routes (topic → `orders.*` jobs keyed per order)."""

from __future__ import annotations

import json
from typing import Any

from connectors.errors import PermanentError
from daemon.flows.orders.apply import export_plan, is_exported, order_links
from daemon.flows.orders.decide import Action, decide
from daemon.flows.orders.edits import as_edited, book_edits
from daemon.flows.orders.facts import read_order
from daemon.flows.orders.fulfilment import DELIVERY_ENTITY, deliver
from daemon.flows.orders.payments import book_payments
from daemon.flows.orders.plan import plan_order
from daemon.flows.stock import store as stock_store
from daemon.flows.webhook_body import HINT, numeric_id, shopify_gid
from daemon.flows.webhooks import NOT_IN_SHOPIFY
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.orders")

EXPORT_KIND = "orders.export"
FULFIL_KIND = "orders.fulfilment"
PENDING_ENTITY = "fulfillment_pending"  # links: fulfilment gid → order gid, until it is exported


def order_gid(value: Any) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/Order/{int(text)}"


def order_key(gid: str) -> str:
    return f"order:{gid.rsplit('/', 1)[-1]}"


def export_job(gid: str) -> tuple[str, str, dict[str, Any]]:
    return EXPORT_KIND, order_key(gid), {"order_id": gid}


def route_order_webhook(body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Any order topic: re-read the order in the job (webhooks come late and out of order)."""
    return [export_job(shopify_gid(body, "Order", what="order"))]


def route_fulfillment_webhook(body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    fid = shopify_gid(body, "Fulfillment", what="fulfillment")
    items = body.get("line_items") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise PermanentError("fulfillment line_items is not a list of objects", hint=HINT)
    lines = []
    for item in items:
        line = shopify_gid(item, "LineItem", what="fulfillment line")
        lines.append([line, numeric_id(item, "quantity", what="fulfillment line quantity")])
    location = body.get("location_id")
    if location is not None:
        location = numeric_id(body, "location_id", what="location id")
    payload = {
        "fulfillment_id": fid,
        "order_id": order_gid(numeric_id(body, "order_id", what="order id")),
        "location_id": location,
        "lines": lines,
        "created_at": body.get("created_at"),
    }
    return [(FULFIL_KIND, f"fulfillment:{fid.rsplit('/', 1)[-1]}", payload)]


ORDER_TOPICS = ("orders/create", "orders/paid", "orders/updated", "orders/cancelled")


async def run_export(services: Any, job: Job) -> str:
    """Bring one order's bookings in Exact up to date with Shopify; answer what was done."""
    return await sync_order(
        services, job.payload["order_id"], backfill=job.payload.get("backfill", False)
    )


async def sync_order(services: Any, gid: str, *, backfill: bool = False) -> str:
    """Export, reverse or wait for one order; answer what was done (for the CLI's progress)."""
    settings = services.settings.orders
    snapshot = await read_order(services.shopify, gid)
    if snapshot is None:
        log.info("orders.unknown", order_id=gid)
        return NOT_IN_SHOPIFY
    order, facts = snapshot
    order = await as_edited(services.shopify, order)  # units an edit removed are not sold
    exported = await is_exported(services, order.id)
    action, why = decide(order, settings, exported=exported, backfill=backfill)
    log.info("orders.decided", order=order.name, action=str(action), why=why)
    if action in (Action.WAIT, Action.EXPORT):
        await _hold_stock(services, order, facts)  # sold in Shopify, not yet reserved in Exact
    else:
        await stock_store.clear_holds(services.db, order.id)
    if action in (Action.WAIT, Action.SKIP):
        return why
    if action is Action.FLAG:
        raise PermanentError(
            f"order {order.name} was cancelled in Shopify after it was booked in Exact",
            hint="Reverse it in Exact by hand (or set orders.on_cancel_after_export = "
            '"reverse" and retry), then cancel this job.',
        )
    if action is Action.REVERSE:
        # Imported here: the reversal reads refund lines, and the refunds package imports us.
        from daemon.flows.orders.cancel import reverse_export

        done = await reverse_export(services, order.id, order.name)
        return f"reversed {', '.join(done) or 'nothing left to reverse'}"
    if action is Action.EXPORT:
        plan = plan_order(order, facts, settings, services.settings.mapping)
        result = await export_plan(services, plan)
        why = f"created {len(result.created)}, found {len(result.found)}"
        # Exact plans the units out now; the hold goes once a poll has read that figure.
        await stock_store.release_holds(services.db, order.id)
    if action is Action.DONE:
        plan = plan_order(order, facts, settings, services.settings.mapping)
        edited = await book_edits(services, plan)
        if edited:
            why = f"edited after export: {', '.join(edited)}"
    if settings.prepayments:
        links = await order_links(services, order.id)
        await book_payments(services, order, [link.data for link in links.values()])
    await release_pending_fulfilments(services, order.id)
    await _catch_up_fulfilments(services, order.id, facts)
    return why


async def _catch_up_fulfilments(services: Any, order_id: str, facts: Any) -> None:
    """Fulfilments with no goods delivery yet get their job, in case the webhook was lost.

    The job key is the webhook's, so a webhook job still pending absorbs this one, and the
    delivery itself is checked against its link before anything is created.
    """
    if not await is_exported(services, order_id):
        return
    for payload in facts.fulfillments:
        fid = payload["fulfillment_id"]
        if not payload["lines"]:
            continue
        delivered = await services.db.fetchone(
            "SELECT 1 FROM links WHERE entity = ? AND shopify_id LIKE ? LIMIT 1",
            (DELIVERY_ENTITY, f"{fid}:%"),
        )
        if delivered is None:
            await services.queue.enqueue(
                FULFIL_KIND, f"fulfillment:{fid.rsplit('/', 1)[-1]}", dict(payload)
            )


async def _hold_stock(services: Any, order: Any, facts: Any) -> None:
    """Tell the stock flow which units this order holds per Shopify location until export."""
    held: dict[tuple[str, str], int] = {}
    for line in order.line_items:
        if line.is_gift_card or not line.sku:
            continue
        for location, quantity in facts.line_locations.get(line.id, ()):
            if location and quantity > 0:
                key = (line.sku, location)
                held[key] = held.get(key, 0) + quantity
    await stock_store.set_holds(services.db, order.id, [(k[0], k[1], q) for k, q in held.items()])


async def run_fulfilment(services: Any, job: Job) -> str:
    """A Shopify fulfilment → goods deliveries on the order's exported sales orders."""
    settings = services.settings.orders
    if not settings.auto_delivery or settings.document != "salesorder":
        return "deliveries are off"  # invoices already took the stock out
    gid = job.payload["order_id"]
    fid = job.payload["fulfillment_id"]
    if not await is_exported(services, gid):
        if await services.shopify.get_order(gid) is None:
            log.info("orders.fulfilment_of_unknown_order", fulfillment=fid, order_id=gid)
            return NOT_IN_SHOPIFY
        # Park it: the order's own job exports (jobs of one key never overlap, so no document
        # is made twice) and then re-enqueues what waits here. Re-check after parking: an
        # export finishing in between would not have seen us.
        await services.links.put(PENDING_ENTITY, fid, gid, data=dict(job.payload))
        if not await is_exported(services, gid):
            await services.queue.enqueue(*export_job(gid))
            log.info("orders.fulfilment_waits", fulfillment=fid, order_id=gid)
            return "waiting for the order's export"
    await _forget_pending(services, fid)
    links = await order_links(services, gid)
    name = next((ln.data.get("order_name") for ln in links.values()), gid)
    preferred = await _warehouse_of_location(services, job.payload.get("location_id"))
    lines = [(line, int(qty)) for line, qty in job.payload["lines"]]
    await deliver(
        services,
        job.payload["fulfillment_id"],
        name,
        lines,
        links,
        preferred,
        created_at=job.payload.get("created_at"),
    )
    return "delivered"


async def _forget_pending(services: Any, fid: str) -> None:
    await services.db.execute_write(
        "DELETE FROM links WHERE entity = ? AND shopify_id = ?", (PENDING_ENTITY, fid)
    )


async def release_pending_fulfilments(services: Any, order_id: str) -> int:
    """Enqueue the fulfilments that waited for this order's export; answer how many."""
    rows = await services.db.fetchall(
        "SELECT shopify_id, data FROM links WHERE entity = ? AND exact_id = ?",
        (PENDING_ENTITY, order_id),
    )
    for fid, data in rows:
        await services.queue.enqueue(
            FULFIL_KIND, f"fulfillment:{fid.rsplit('/', 1)[-1]}", json.loads(data)
        )
        await _forget_pending(services, fid)
    return len(rows)


async def _warehouse_of_location(services: Any, location_id: Any) -> str | None:
    if location_id is None:
        return None
    names = services.extras.get("orders.location_names")
    if names is None:
        names = {loc.id: loc.name for loc in await services.shopify.list_locations()}
        services.extras["orders.location_names"] = names
    name = names.get(f"gid://shopify/Location/{location_id}")
    mapping = services.settings.mapping
    return mapping.locations.get(name, mapping.default_warehouse) if name else None
