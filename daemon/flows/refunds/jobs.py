"""Refund jobs and routes: `refunds/create`, `returns/*` and the order poller → credit notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors.errors import PermanentError
from daemon.flows.orders.apply import is_exported, order_links
from daemon.flows.orders.decide import Action, decide
from daemon.flows.orders.jobs import export_job, order_gid
from daemon.flows.orders.money import ZERO
from daemon.flows.refunds.apply import apply_refund
from daemon.flows.refunds.cancellation import cancellation_plan
from daemon.flows.refunds.plan import STORE_CREDIT, paid_back, plan_refund
from daemon.flows.refunds.spend import book_store_credit_spent, store_credit_spent
from daemon.flows.refunds.storecredit import read_bonus
from daemon.flows.webhook_body import HINT, numeric_id, shopify_gid
from daemon.flows.webhooks import NOT_IN_SHOPIFY
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.refunds")

CREDIT_KIND = "refunds.credit"
SCAN_KIND = "refunds.scan"
DONE_ENTITY = "refund_booked"  # links: refund gid → order gid, once everything is in Exact
# The return topics shopsync subscribes to (connectors.shopify.webhooks.REQUIRED_TOPICS).
RETURN_TOPICS = ("returns/request", "returns/approve", "returns/close")
# Shopify's cancel makes its refund a moment after cancelled_at; that refund is the order
# flow's to reverse (it credits the whole order), not ours.
CANCEL_SLACK = dt.timedelta(seconds=5)

JobSpec = tuple[str, str, dict[str, Any]]


def _tail(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def credit_job(refund_id: str, order_id: str) -> JobSpec:
    return CREDIT_KIND, f"refund:{_tail(refund_id)}", {"refund_id": refund_id, "order_id": order_id}


def scan_job(order_id: str) -> JobSpec:
    return SCAN_KIND, f"refunds_scan:{_tail(order_id)}", {"order_id": order_id}


def route_refund_webhook(body: dict[str, Any]) -> list[JobSpec]:
    rid = shopify_gid(body, "Refund", what="refund")
    return [credit_job(rid, order_gid(numeric_id(body, "order_id", what="order id")))]


def route_return_webhook(body: dict[str, Any]) -> list[JobSpec]:
    """A return moves no money itself; its refund does. Look at the order's refunds again."""
    order = body.get("order")
    if not isinstance(order, dict):
        raise PermanentError("return webhook has no order object", hint=HINT)
    return [scan_job(shopify_gid(order, "Order", what="order"))]


async def poller_hook(services: Any, order_id: str) -> None:
    """Called by the order poller for each order it sees: catch refunds whose webhook was lost."""
    if services.settings.refunds.enabled:
        await services.queue.enqueue(*scan_job(order_id))


async def run_scan(services: Any, job: Job) -> str | None:
    """Enqueue a credit job per refund not yet booked; book store credit the order spent."""
    order = await services.shopify.get_order(job.payload["order_id"])
    if order is None:
        return NOT_IN_SHOPIFY
    for header in order.refunds:
        if await services.links.get(DONE_ENTITY, header.id) is None:
            await services.queue.enqueue(*credit_job(header.id, order.id))
    if store_credit_spent(order) and await is_exported(services, order.id):
        links = await order_links(services, order.id)
        await book_store_credit_spent(services, order, [ln.data for ln in links.values()])


async def run_credit(services: Any, job: Job) -> str:
    return await credit_refund(services, job.payload["refund_id"], job.payload.get("order_id"))


async def credit_refund(services: Any, refund_id: str, order_id: str | None = None) -> str:
    """Book one Shopify refund in Exact (or wait for its order); answer what was done."""
    if not services.settings.refunds.enabled:
        return "refunds are off"
    if await services.links.get(DONE_ENTITY, refund_id) is not None:
        return "already booked"
    refund = await services.shopify.get_refund(refund_id)
    if refund is None:
        log.info("refunds.unknown", refund_id=refund_id)
        return NOT_IN_SHOPIFY
    order_id = order_id or (refund.order.id if refund.order else None)
    order = await services.shopify.get_order(order_id) if order_id else None
    if order is None:
        log.info("refunds.order_unknown", refund_id=refund_id, order_id=order_id)
        return f"{NOT_IN_SHOPIFY} (the refund's order)"
    orders = services.settings.orders
    if not await is_exported(services, order.id):
        action, why = decide(order, orders, exported=False)
        if action is Action.SKIP:
            log.info("refunds.skipped", order=order.name, refund_id=refund_id, why=why)
            return f"skipped: order not booked ({why})"
        # Wait for the order: its own job exports it (nudge it), then look again.
        await services.queue.enqueue(*export_job(order.id))
        await services.queue.enqueue(
            *credit_job(refund_id, order.id), delay=services.settings.refunds.wait_for_order
        )
        log.info("refunds.waits_for_order", order=order.name, refund_id=refund_id)
        return "waiting for the order's export"
    if (
        order.cancelled_at is not None
        and orders.on_cancel_after_export == "reverse"
        and refund.created_at >= order.cancelled_at - CANCEL_SLACK
    ):
        # The order flow credits the documents (only what earlier refunds left); the money
        # Shopify gave back is booked here, like any refund's, so the customer ends at zero.
        links = await order_links(services, order.id)
        plan = cancellation_plan(
            refund,
            order.name,
            [ln.data for ln in links.values()],
            orders,
            services.settings.refunds,
        )
        await apply_refund(services, plan)
        await _done(services, refund_id, order.id, "cancellation: the order flow reverses it")
        return "cancellation refund: money booked; the order flow reverses the order"
    links = await order_links(services, order.id)
    documents = {code: link.data for code, link in links.items() if not link.data.get("reversed")}
    if not documents:
        await _done(services, refund_id, order.id, "order reversed")
        return "order reversed in Exact: nothing to credit"
    if await _settles_an_edit(services, refund, order.id, links):
        # Money Shopify gave back for units an edit removed: the edit's credit note already
        # credited them, so only the money is booked (+ receivables, − where it went).
        plan = cancellation_plan(
            refund,
            order.name,
            [ln.data for ln in links.values()],
            orders,
            services.settings.refunds,
        )
        await apply_refund(services, plan)
        paid = sum(paid_back(refund).values(), ZERO)
        await services.links.put(
            DONE_ENTITY, refund_id, order.id, data={"note": "edit refund", "amount": str(paid)}
        )
        return "refund of an edit: money booked against the edit's credit note"
    store_credit = {t.id for t in refund.transactions if t.gateway == STORE_CREDIT}
    bonus = await read_bonus(services.shopify, order.id, store_credit)
    plan = plan_refund(
        refund,
        order.name,
        documents,
        await _location_codes(services),
        services.settings.refunds,
        orders,
        bonus=bonus,
    )
    result = await apply_refund(services, plan)
    await _done(services, refund_id, order.id, f"credit notes {len(plan.credit_notes)}")
    log.info(
        "refunds.booked",
        order=order.name,
        refund=plan.refund_number,
        created=len(result.created),
        found=len(result.found),
        credited=str(plan.credited),
        bonus=str(bonus),
    )
    return f"created {len(result.created)}, found {len(result.found)}"


async def _settles_an_edit(services: Any, refund: Any, order_id: str, links: dict) -> bool:
    """A refund without lines or shipping, within what the order's edits credited and earlier
    such refunds have not paid back yet."""
    if refund.refund_line_items or refund.refund_shipping_lines:
        return False
    credited = sum((Decimal(str(ln.data.get("edit_credited") or 0)) for ln in links.values()), ZERO)
    if not credited:
        return False
    rows = await services.db.fetchall(
        "SELECT json_extract(data, '$.amount') FROM links WHERE entity = ? AND exact_id = ?"
        " AND json_extract(data, '$.note') = 'edit refund'",
        (DONE_ENTITY, order_id),
    )
    settled = sum((Decimal(str(a or 0)) for (a,) in rows), ZERO)
    return sum(paid_back(refund).values(), ZERO) <= credited - settled


async def _done(services: Any, refund_id: str, order_id: str, note: str) -> None:
    await services.links.put(DONE_ENTITY, refund_id, order_id, data={"note": note})


async def _location_codes(services: Any) -> dict[str, str]:
    """Shopify location gid → Exact warehouse code, by the [mapping] of location names."""
    codes = services.extras.get("refunds.location_codes")
    if codes is None:
        mapping = services.settings.mapping
        codes = {
            loc.id: mapping.locations.get(loc.name, mapping.default_warehouse)
            for loc in await services.shopify.list_locations()
        }
        services.extras["refunds.location_codes"] = codes
    return codes
