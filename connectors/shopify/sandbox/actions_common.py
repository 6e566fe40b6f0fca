"""What every control action shares: input parsing, errors, payments and webhook emission."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.shopify.sandbox import webhook_payloads as wp
from connectors.shopify.sandbox.records import BalanceTxRec, LevelRec, OrderRec, TransactionRec
from connectors.shopify.sandbox.state import ShopState, cents, gid, parse_id, utcnow

Emit = Callable[[str, dict[str, Any]], Any]
# Shopify Payments' fee in the sandbox: 1.8 % + EUR 0.25 per charge (a plausible EU card rate).
FEE_RATE, FEE_FIXED = Decimal("0.018"), Decimal("0.25")


class ActionError(Exception):
    """Bad input to a control action; the control surface answers 422 with this message."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def dec(value: Any, name: str) -> Decimal:
    try:
        return cents(Decimal(str(value)))
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(f"{name} must be a decimal amount, got {value!r}") from exc


def get_order(state: ShopState, ref: Any) -> OrderRec:
    try:
        order = state.orders.get(parse_id(ref))
    except ValueError:
        order = None
    if order is None:
        raise ActionError(f"order {ref} not found", status=404)
    return order


def touch(order: OrderRec) -> None:
    order.updated_at = utcnow()


def emit_order(state: ShopState, emit: Emit, order: OrderRec, *topics: str) -> None:
    for topic in topics:
        emit(topic, wp.order(state, order))


def emit_level(state: ShopState, emit: Emit, level: LevelRec) -> None:
    emit("inventory_levels/update", wp.inventory_level(state, level))


def add_transaction(
    state: ShopState,
    order: OrderRec,
    kind: str,
    gateway: str,
    amount: Decimal,
    parent_id: int | None = None,
) -> TransactionRec:
    tx = TransactionRec(
        state.new_id(), order.id, kind, gateway, cents(amount), utcnow(), parent_id=parent_id
    )
    state.transactions[tx.id] = tx
    order.transaction_ids.append(tx.id)
    if gateway == "shopify_payments":
        # Card money passes through the Shopify Payments balance until a payout takes it.
        charge = kind in ("SALE", "CAPTURE")
        fee = cents(tx.amount * FEE_RATE + FEE_FIXED) if charge else Decimal(0)
        btx = BalanceTxRec(
            state.new_id(),
            "CHARGE" if charge else "REFUND",
            tx.amount if charge else -tx.amount,
            fee,
            utcnow(),
            None,
            order_id=order.id,
            order_transaction_id=tx.id,
            source_type="CHARGE" if charge else "REFUND",
        )
        state.balance_txs[btx.id] = btx
    return tx


def ids(kind: str, nums: list[int]) -> list[str]:
    return [gid(kind, n) for n in nums]
