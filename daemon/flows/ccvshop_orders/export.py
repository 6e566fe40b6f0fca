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
from connectors.errors import PermanentError
from daemon.flows.orders.apply import export_plan, is_exported, reverse_export
from daemon.flows.orders.ccvshop_facts import ccv_order_id, order_from_ccv
from daemon.flows.orders.decide import Action, decide
from daemon.flows.orders.plan import plan_order
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.ccvshop")

EXPORT_KIND = "ccvshop.order_export"
EXPORT_STATUSES = frozenset({OrderStatus.COMPLETED})


def export_job(order_id: int) -> tuple[str, str, dict[str, Any]]:
    return EXPORT_KIND, f"ccvshop-order:{order_id}", {"order_id": order_id}


async def run_export(services: Any, job: Job) -> None:
    await sync_ccv_order(
        services, int(job.payload["order_id"]), backfill=job.payload.get("backfill", False)
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
        done = await reverse_export(services, adapted.id, adapted.name)
        return f"reversed {', '.join(done) or 'nothing left to reverse'}"
    plan = plan_order(adapted, facts, settings, services.settings.mapping)
    plan = replace(plan, documents=tuple(replace(d, shop="CCV Shop") for d in plan.documents))
    result = await export_plan(services, plan)
    return f"created {len(result.created)}, found {len(result.found)}"
