"""Pure plan: the money a cancellation gave back → one memorial entry (no credit note).

The order flow credits a cancelled order's documents (`orders/cancel.py`, only what earlier
refunds left). The refund Shopify makes at the cancel still moved money, so it is booked like
any refund's money side: + on receivables for the customer (settling the cancel's credit note,
or in sales-order mode the prepayment), − per destination (card → clearing, gift card, store
credit). Description `Shopify refund #1001 R{id}`, as every refund entry, so a retry finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.shopify.models import Refund
from daemon.flows.orders.config import OrdersSettings
from daemon.flows.orders.money import ZERO
from daemon.flows.refunds.config import RefundsSettings
from daemon.flows.refunds.plan import EntryLine, RefundPlan, paid_back


def cancellation_plan(
    refund: Refund,
    order_name: str,
    documents: Sequence[dict[str, Any]],
    orders: OrdersSettings,
    settings: RefundsSettings,
) -> RefundPlan:
    """The entry for the cancellation `refund` of an order booked as `documents` (link data)."""
    first = documents[0] if documents else {}
    money = paid_back(refund)
    targets = {
        "original": orders.clearing_gl,
        "gift_card": settings.gift_card_gl,
        "store_credit": settings.store_credit_gl,
    }
    total = sum(money.values(), ZERO)
    lines = [EntryLine(orders.debtors_gl, total, True, "cancellation settled")] if total else []
    lines += [
        EntryLine(targets[where], -amount, note=f"paid back: {where}")
        for where, amount in sorted(money.items())
        if amount
    ]
    number = refund.id.rsplit("/", 1)[-1]
    return RefundPlan(
        refund.id,
        order_name,
        number,
        refund.created_at,
        str(first.get("currency") or "EUR"),
        str(first.get("account") or ""),
        (),
        tuple(lines),
    )
