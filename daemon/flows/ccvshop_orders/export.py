"""One CCV order's bookings in Exact brought up to date: a direct sales invoice once the order
reaches an export status (Completed by default), a credit once it is cancelled after export.

The booking itself is the Shopify flow's (`plan_order`, `export_plan`, `reverse_export`), fed
through `ccvshop_facts`; what differs is when: CCV says "done" with an order status.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

from connectors.ccvshop.models import OrderStatus
from connectors.errors import PermanentError, TransientError
from daemon.flows.ccvshop_orders.credits import CREDIT_ENTITY, apply_ccv_credit, plan_ccv_credit
from daemon.flows.orders.apply import export_plan, is_exported, order_links
from daemon.flows.orders.cancel import reverse_export
from daemon.flows.orders.ccvshop_facts import ccv_order_id, order_from_ccv
from daemon.flows.orders.decide import Action, decide
from daemon.flows.orders.plan import plan_order
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.ccvshop")

EXPORT_KIND = "ccvshop.order_export"
CREDIT_KIND = "ccvshop.credit"
EXPORT_STATUSES = frozenset({OrderStatus.COMPLETED})


def export_job(order_id: int) -> tuple[str, str, dict[str, Any]]:
    return EXPORT_KIND, f"ccvshop-order:{order_id}", {"order_id": order_id}


def credit_job(invoice_id: int) -> tuple[str, str, dict[str, Any]]:
    return CREDIT_KIND, f"ccvshop-credit:{invoice_id}", {"invoice_id": invoice_id}


def export_statuses_of(services: Any) -> frozenset[int]:
    ccv = getattr(services.settings, "ccvshop", None)
    return frozenset(ccv.export_statuses) if ccv is not None else EXPORT_STATUSES


async def run_export(services: Any, job: Job) -> None:
    await sync_ccv_order(
        services,
        int(job.payload["order_id"]),
        backfill=job.payload.get("backfill", False),
        export_statuses=export_statuses_of(services),
    )


def decide_ccv(
    order: Any,
    status: int,
    settings: Any,
    *,
    exported: bool,
    backfill: bool,
    export_statuses: Collection[int],
) -> tuple[Action, str]:
    """The Shopify decision, with CCV's export moment: the order's status, not paid/fulfilled."""
    if order.cancelled_at is None and not exported and status not in export_statuses:
        return Action.WAIT, f"status {status} is not an export status"
    return decide(
        order,
        settings.model_copy(update={"export_on": "created"}),
        exported=exported,
        backfill=backfill,
    )


async def sync_ccv_order(
    services: Any,
    order_id: int,
    *,
    backfill: bool = False,
    export_statuses: Collection[int] = EXPORT_STATUSES,
) -> str:
    """Export, reverse or wait for one CCV order; answer what was done."""
    # CCV orders become invoices: CCV completes an order after it has left the shop.
    settings = services.settings.orders.model_copy(update={"document": "invoice"})
    try:
        order = await services.ccvshop.order(order_id)
    except PermanentError as exc:
        if exc.status == 404:
            log.info("ccvshop.order_unknown", order_id=order_id)
            return "unknown to CCV Shop"
        raise
    rows = await services.ccvshop.order_rows(order_id)
    adapted, facts = order_from_ccv(order, rows, settings)
    exported = await is_exported(services, ccv_order_id(order_id))
    action, why = decide_ccv(
        adapted,
        order.status,
        settings,
        exported=exported,
        backfill=backfill,
        export_statuses=export_statuses,
    )
    log.info("ccvshop.order_decided", order=adapted.name, action=str(action), why=why)
    if action in (Action.WAIT, Action.SKIP, Action.DONE):
        return why
    if action is Action.FLAG:
        raise PermanentError(
            f"order {adapted.name} was cancelled in CCV Shop after it was booked in Exact",
            hint="Reverse it in Exact by hand (or set orders.on_cancel_after_export = "
            '"reverse" and retry), then cancel this job.',
        )
    if action is Action.REVERSE:
        if await _credited(services, adapted.name):
            # Reversing would credit the whole invoice again on top of the return's note.
            raise PermanentError(
                f"order {adapted.name} was cancelled in CCV Shop after a return was credited "
                "in Exact",
                hint="Credit what is left of the invoice in Exact by hand, then cancel this job.",
            )
        done = await reverse_export(services, adapted.id, adapted.name)
        return f"reversed {', '.join(done) or 'nothing left to reverse'}"
    plan = plan_order(adapted, facts, settings, services.settings.mapping)
    plan = replace(plan, documents=tuple(replace(d, shop="CCV Shop") for d in plan.documents))
    result = await export_plan(services, plan)
    return f"created {len(result.created)}, found {len(result.found)}"


async def run_product(services: Any, job: Job) -> None:
    from daemon.flows.ccvshop_orders.products import sync_ccv_product

    await sync_ccv_product(services, int(job.payload["product_id"]))


async def run_credit(services: Any, job: Job) -> None:
    await credit_ccv_invoice(
        services, int(job.payload["invoice_id"]), export_statuses=export_statuses_of(services)
    )


async def credit_ccv_invoice(
    services: Any, invoice_id: int, *, export_statuses: Collection[int] = EXPORT_STATUSES
) -> str:
    """Book one CCV credit invoice as an Exact credit note against its order's invoice."""
    if await services.links.get(CREDIT_ENTITY, f"ccvshop:invoice:{invoice_id}") is not None:
        return "already credited"
    client = services.ccvshop
    credit = await client.invoice(invoice_id)
    if not credit.is_credit:
        return "not a credit invoice"
    orders = [o async for o in client.orders(ordernumber=credit.ordernumber)]
    if not orders:
        return f"no order {credit.ordernumber} in CCV Shop: nothing to credit"
    order = orders[0]
    links = await order_links(services, ccv_order_id(order.id))
    if not links:
        if order.status in export_statuses:
            # Completed but not booked yet: book it first (the same key absorbs a pending one).
            await services.queue.enqueue(*export_job(order.id))
            raise TransientError(f"credit invoice {invoice_id} waits for its order's export")
        return "order not booked in Exact: nothing to credit"
    link = next(iter(links.values()))
    if link.data.get("reversed"):
        return "order already reversed in Exact: nothing left to credit"
    rows = await client.invoice_rows(invoice_id)
    plan = plan_ccv_credit(credit, rows, link.data, services.settings.orders)
    return f"credit note {await apply_ccv_credit(services, plan, link)}"


async def _credited(services: Any, order_name: str) -> bool:
    """Whether a CCV credit invoice of this order was booked as an Exact credit note."""
    links = await services.links.all(CREDIT_ENTITY)
    return any(link.data.get("order_name") == order_name for link in links)
