"""Pure decision: what to do with an order now (export, wait, skip, reverse, nothing)."""

from __future__ import annotations

from enum import StrEnum

from connectors.shopify.models import Order
from daemon.flows.orders.config import OrdersSettings

PAID = frozenset({"PAID", "PARTIALLY_REFUNDED", "REFUNDED"})
FULFILLED = frozenset({"FULFILLED", "PARTIALLY_FULFILLED"})


class Action(StrEnum):
    EXPORT = "export"
    WAIT = "wait"  # not yet at the configured moment; a later webhook or poll comes back
    SKIP = "skip"  # never to be exported (before the start date, cancelled first)
    REVERSE = "reverse"  # exported, then cancelled: undo in Exact
    FLAG = "flag"  # exported, then cancelled, and the config says an operator decides
    DONE = "done"  # exported already


def decide(
    order: Order, settings: OrdersSettings, *, exported: bool, backfill: bool = False
) -> tuple[Action, str]:
    """The action for `order` and a sentence saying why (a backfill ignores the start date)."""
    if order.cancelled_at is not None:
        if not exported:
            return Action.SKIP, "cancelled before export: nothing to book"
        if settings.on_cancel_after_export == "reverse":
            return Action.REVERSE, "cancelled after export: reversing in Exact"
        return Action.FLAG, "cancelled after export"
    if exported:
        return Action.DONE, "already exported"
    if not backfill and settings.start_date and order.created_at.date() < settings.start_date:
        return Action.SKIP, f"created before the integration start date {settings.start_date}"
    if settings.export_on == "paid" and order.display_financial_status not in PAID:
        return Action.WAIT, f"not paid yet ({order.display_financial_status})"
    if settings.export_on == "fulfilled" and order.display_fulfillment_status not in FULFILLED:
        return Action.WAIT, f"not fulfilled yet ({order.display_fulfillment_status})"
    return Action.EXPORT, f"exporting ({settings.export_on})"
