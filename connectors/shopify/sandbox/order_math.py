"""Order arithmetic shared by GraphQL views and webhook payloads: taxes, totals, statuses."""

from __future__ import annotations

from decimal import Decimal

from connectors.shopify.sandbox.records import LineRec, OrderRec, RefundRec, ShippingRec
from connectors.shopify.sandbox.state import ShopState, cents

ZERO = Decimal(0)
PAID_KINDS = ("SALE", "CAPTURE")


def tax_in(amount: Decimal, rate: Decimal, included: bool) -> Decimal:
    """The tax part of `amount` at `rate` percent, whether prices include tax or not."""
    if not rate:
        return ZERO
    if included:
        return cents(amount * rate / (100 + rate))
    return cents(amount * rate / 100)


def edited(line: LineRec) -> int:
    """Units on the order after edits: LineItem.quantity keeps removed units, currentQuantity
    does not ("the line item's quantity, minus the removed quantity")."""
    return line.quantity - line.removed


def line_original_total(line: LineRec) -> Decimal:
    return line.unit_price * edited(line)


def line_discounted_total(line: LineRec) -> Decimal:
    return line_original_total(line) - line.discount


def line_tax(state: ShopState, line: LineRec) -> Decimal:
    return tax_in(line_discounted_total(line), line.tax_rate, state.taxes_included)


def line_unit_share(line: LineRec, quantity: int) -> tuple[Decimal, Decimal]:
    """Price (after discount) and the discount for `quantity` units of a line."""
    if not edited(line):
        return ZERO, ZERO
    discount = cents(line.discount * quantity / edited(line))
    return line.unit_price * quantity - discount, discount


def shipping_tax(state: ShopState, sl: ShippingRec) -> Decimal:
    return tax_in(sl.price, sl.tax_rate, state.taxes_included)


def subtotal(order: OrderRec) -> Decimal:
    return sum((line_discounted_total(x) for x in order.lines), ZERO)


def shipping_total(order: OrderRec) -> Decimal:
    return sum((s.price for s in order.shipping_lines), ZERO)


def total_tax(state: ShopState, order: OrderRec) -> Decimal:
    lines = sum((line_tax(state, x) for x in order.lines), ZERO)
    return lines + sum((shipping_tax(state, s) for s in order.shipping_lines), ZERO)


def total_price(state: ShopState, order: OrderRec) -> Decimal:
    """Lines after discounts, shipping, tax when not included, and the tip (as Shopify adds it)."""
    extra = ZERO if state.taxes_included else total_tax(state, order)
    return subtotal(order) + shipping_total(order) + extra + order.tip


def received(state: ShopState, order: OrderRec) -> Decimal:
    txs = (state.transactions[i] for i in order.transaction_ids)
    return sum((t.amount for t in txs if t.kind in PAID_KINDS and t.status == "SUCCESS"), ZERO)


def refunded(state: ShopState, order: OrderRec) -> Decimal:
    txs = (state.transactions[i] for i in order.transaction_ids)
    return sum((t.amount for t in txs if t.kind == "REFUND" and t.status == "SUCCESS"), ZERO)


def outstanding(state: ShopState, order: OrderRec) -> Decimal:
    if order.cancelled_at is not None:
        return ZERO
    return max(total_price(state, order) - received(state, order), ZERO)


def refund_amount(state: ShopState, refund: RefundRec) -> Decimal:
    return sum((state.transactions[i].amount for i in refund.transaction_ids), ZERO)


def financial_status(state: ShopState, order: OrderRec) -> str:
    got, back, total = received(state, order), refunded(state, order), total_price(state, order)
    if back and back >= got:
        return "REFUNDED"
    if back:
        return "PARTIALLY_REFUNDED"
    if order.cancelled_at is not None and not got:
        return "VOIDED"
    if got >= total:
        return "PAID"
    if got:
        return "PARTIALLY_PAID"
    return "PENDING"


def fulfillment_status(order: OrderRec) -> str:
    shippable = [x for x in order.lines if edited(x) - x.cancelled > 0]
    done = sum(x.fulfilled for x in shippable)
    want = sum(edited(x) - x.cancelled for x in shippable)
    if want and done >= want:
        return "FULFILLED"
    if done:
        return "PARTIALLY_FULFILLED"
    return "UNFULFILLED"


def unfulfilled(line: LineRec) -> int:
    return max(edited(line) - line.fulfilled - line.cancelled - _refunded_unfulfilled(line), 0)


def _refunded_unfulfilled(line: LineRec) -> int:
    # Units refunded before they shipped will never ship.
    return max(line.refunded - line.fulfilled, 0)


def current_quantity(line: LineRec) -> int:
    return edited(line) - line.refunded - line.cancelled
