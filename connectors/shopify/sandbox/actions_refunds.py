"""Control actions for money going back: refunds (original payment or store credit) and returns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox import webhook_payloads as wp
from connectors.shopify.sandbox.actions_common import (
    ActionError,
    Emit,
    add_transaction,
    dec,
    emit_level,
    emit_order,
    get_order,
    ids,
    touch,
)
from connectors.shopify.sandbox.records import (
    LineRec,
    OrderRec,
    RefundLineRec,
    RefundRec,
    ReturnRec,
    StoreCreditTxRec,
)
from connectors.shopify.sandbox.state import ShopState, gid, parse_id, utcnow

ZERO = Decimal(0)


def _line(order: OrderRec, spec: dict[str, Any]) -> LineRec:
    for line in order.lines:
        if ("line_item_id" in spec and line.id == parse_id(spec["line_item_id"])) or (
            "sku" in spec and line.sku == spec["sku"]
        ):
            return line
    raise ActionError(f"order {order.name} has no line {spec}")


def _pay_back(state: ShopState, order: OrderRec, amount: Decimal, to: str) -> list[int]:
    """REFUND transactions: card first, then gift card; or all of it to store credit."""
    if to == "store_credit":
        return [add_transaction(state, order, "REFUND", "shopify_store_credit", amount).id]
    made, left = [], amount
    sales = [state.transactions[t] for t in order.transaction_ids]
    for gateway in ("shopify_payments", "gift_card", "manual"):
        paid = sum((t.amount for t in sales if t.gateway == gateway and t.kind == "SALE"), ZERO)
        back = sum((t.amount for t in sales if t.gateway == gateway and t.kind == "REFUND"), ZERO)
        take = min(left, paid - back)
        if take > 0:
            parent = next(t.id for t in sales if t.gateway == gateway and t.kind == "SALE")
            tx = add_transaction(state, order, "REFUND", gateway, take, parent_id=parent)
            made.append(tx.id)
            left -= take
            if gateway == "gift_card":
                card = state.gift_cards[state.transactions[parent].gift_card_id or 0]
                card.balance += take
                card.updated_at = utcnow()
                card.transactions.append(
                    {
                        "id": state.new_id(),
                        "amount": take,
                        "at": utcnow(),
                        "note": f"refund {order.name}",
                    }
                )
    return made


def _credit(
    state: ShopState, order: OrderRec, amount: Decimal, event: str, origin: int | None
) -> int:
    customer = state.customers.get(order.customer_id or 0)
    if customer is None:
        raise ActionError("store credit needs an order with a customer")
    account = state.store_credit_account_for(customer)
    tx = StoreCreditTxRec(
        state.new_id(),
        amount,
        account.balance + amount,
        utcnow(),
        event,
        origin_transaction_id=origin,
    )
    account.transactions.append(tx)
    return account.id


def refund(state: ShopState, emit: Emit, order_ref: Any, data: dict[str, Any]) -> dict:
    order = get_order(state, order_ref)
    to = data.get("to", "original")
    if to not in ("original", "store_credit"):
        raise ActionError("to must be 'original' or 'store_credit'")
    if to == "store_credit" and not order.customer_id:
        raise ActionError("store credit needs an order with a customer")
    rlines, restocked = [], []
    for spec in data.get("lines") or []:
        line = _line(order, spec)
        qty = int(spec.get("quantity", 1))
        if qty <= 0 or qty > om.current_quantity(line):
            raise ActionError(f"line {line.sku}: can refund at most {om.current_quantity(line)}")
        subtotal, _ = om.line_unit_share(line, qty)
        tax = om.tax_in(subtotal, line.tax_rate, state.taxes_included)
        loc = state.location_by_code(spec["location"]) if spec.get("location") else None
        location_id = loc.id if loc else line.location_id
        kind = "NO_RESTOCK"
        if spec.get("restock", data.get("restock", False)) and not line.is_gift_card:
            kind = "RETURN" if line.fulfilled else "CANCEL"
            level = state.levels[(state.variants[line.variant_id].inventory_item_id, location_id)]
            if kind == "RETURN":
                state.move(level, available=qty)
            else:
                state.move(level, available=qty, committed=-qty)
            restocked.append(level)
        line.refunded += qty
        total = subtotal if state.taxes_included else subtotal + tax
        rlines.append(RefundLineRec(state.new_id(), line.id, qty, kind, location_id, total, tax))
    shipping = ZERO
    if data.get("shipping"):
        full = om.shipping_total(order) - sum(
            (state.refunds[r].shipping for r in order.refund_ids), ZERO
        )
        shipping = full if data["shipping"] is True else dec(data["shipping"], "shipping")
    rate = order.shipping_lines[0].tax_rate if order.shipping_lines else ZERO
    amount = sum((x.subtotal for x in rlines), ZERO) + shipping
    if "amount" in data:  # a refund of a different amount than the lines add up to
        amount = dec(data["amount"], "amount")
    room = om.received(state, order) - om.refunded(state, order)
    if amount > room:
        raise ActionError(f"refund of {amount} exceeds the {room} left to refund")
    r = RefundRec(
        state.new_id(),
        order.id,
        utcnow(),
        data.get("note"),
        rlines,
        shipping,
        om.tax_in(shipping, rate, state.taxes_included),
    )
    r.discrepancy = amount - sum((x.subtotal for x in rlines), ZERO) - shipping
    r.transaction_ids = _pay_back(state, order, amount, to) if amount else []
    result: dict[str, Any] = {
        "order_id": gid("Order", order.id),
        "refund_id": gid("Refund", r.id),
        "transaction_ids": ids("OrderTransaction", r.transaction_ids),
    }
    if to == "store_credit" and amount:
        acc = _credit(state, order, amount, "ORDER_REFUND", r.transaction_ids[0])
        result["store_credit_account_id"] = gid("StoreCreditAccount", acc)
    if data.get("bonus"):
        if to != "store_credit":
            raise ActionError("a bonus is only given on refunds to store credit")
        _credit(state, order, dec(data["bonus"], "bonus"), "ADJUSTMENT", None)
    if data.get("return_id"):
        ret = state.returns.get(parse_id(data["return_id"]))
        if ret is None or ret.order_id != order.id:
            raise ActionError(f"return {data['return_id']} is not on order {order.name}")
        r.return_id = ret.id
        ret.refund_ids.append(r.id)
    state.refunds[r.id] = r
    order.refund_ids.append(r.id)
    touch(order)
    emit("refunds/create", wp.refund(state, r))
    for level in restocked:
        emit_level(state, emit, level)
    emit_order(state, emit, order, "orders/updated")
    return result


def refund_remaining(state: ShopState, emit: Emit, order: OrderRec, restock: bool) -> dict:
    """The refund a cancellation makes: everything paid goes back; stock moves in cancel()."""
    amount = om.received(state, order) - om.refunded(state, order)
    rlines = [
        RefundLineRec(
            state.new_id(),
            x.id,
            om.unfulfilled(x),
            "CANCEL" if restock else "NO_RESTOCK",
            x.location_id,
            om.line_unit_share(x, om.unfulfilled(x))[0],
            om.tax_in(
                om.line_unit_share(x, om.unfulfilled(x))[0], x.tax_rate, state.taxes_included
            ),
        )
        for x in order.lines
        if om.unfulfilled(x) and not x.is_gift_card
    ]
    shipping = om.shipping_total(order)
    rate = order.shipping_lines[0].tax_rate if order.shipping_lines else ZERO
    r = RefundRec(
        state.new_id(),
        order.id,
        utcnow(),
        "Order cancelled",
        rlines,
        shipping,
        om.tax_in(shipping, rate, state.taxes_included),
    )
    r.transaction_ids = _pay_back(state, order, amount, "original")
    r.discrepancy = amount - sum((x.subtotal for x in rlines), ZERO) - shipping
    state.refunds[r.id] = r
    order.refund_ids.append(r.id)
    emit("refunds/create", wp.refund(state, r))
    return {
        "refund_id": gid("Refund", r.id),
        "transaction_ids": ids("OrderTransaction", r.transaction_ids),
    }


def request_return(state: ShopState, emit: Emit, order_ref: Any, data: dict[str, Any]) -> dict:
    order = get_order(state, order_ref)
    lines = []
    for spec in data.get("lines") or []:
        line = _line(order, spec)
        qty = int(spec.get("quantity", 1))
        fl = next(
            (
                f
                for fid in order.fulfillment_ids
                for f in state.fulfillments[fid].lines
                if f[1] == line.id
            ),
            None,
        )
        if fl is None or qty <= 0 or qty > line.fulfilled:
            raise ActionError(f"line {line.sku}: only fulfilled units can be returned")
        lines.append(
            {
                "id": state.new_id(),
                "fulfillment_line_id": fl[0],
                "line_id": line.id,
                "quantity": qty,
                "reason": str(spec.get("reason", "UNKNOWN")).upper(),
                "note": spec.get("note"),
            }
        )
    if not lines:
        raise ActionError("a return needs at least one line")
    ret = ReturnRec(
        state.new_id(), order.id, state.next_return_name(order), "REQUESTED", lines, utcnow()
    )
    state.returns[ret.id] = ret
    order.return_ids.append(ret.id)
    touch(order)
    emit("returns/request", wp.return_(state, ret))
    return {
        "order_id": gid("Order", order.id),
        "return_id": gid("Return", ret.id),
        "return_line_item_ids": ids("ReturnLineItem", [x["id"] for x in lines]),
    }


def move_return(state: ShopState, emit: Emit, return_ref: Any, action: str) -> dict:
    ret = state.returns.get(parse_id(return_ref))
    if ret is None:
        raise ActionError(f"return {return_ref} not found", status=404)
    allowed = {
        "approve": ("REQUESTED", "OPEN"),
        "close": ("OPEN", "CLOSED"),
        "decline": ("REQUESTED", "DECLINED"),
    }
    if action not in allowed:
        raise ActionError(f"unknown return action {action!r}", status=404)
    before, after = allowed[action]
    if ret.status != before:
        raise ActionError(f"return {ret.name} is {ret.status}, not {before}")
    ret.status = after
    if after == "CLOSED":
        ret.closed_at = utcnow()
    emit(f"returns/{action}", wp.return_(state, ret))
    return {"return_id": gid("Return", ret.id), "status": ret.status}
