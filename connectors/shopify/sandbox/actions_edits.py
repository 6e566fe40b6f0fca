"""Control action: an order edit committed (orderEditBegin → SetQuantity/AddVariant → Commit).

What Shopify's order edits do, as far as the flows read them (Admin API 2026-01 docs):
- orderEditSetQuantity "to increase, decrease, or remove items"; quantity zero removes the line,
  which "still exists as a data structure with zero quantity". `LineItem.quantity` keeps the
  removed units; `currentQuantity` is "the line item's quantity, minus the removed quantity".
- orderEditAddVariant adds a new line item; Shopify prices and taxes it like a new sale.
- Commit emits `orders/edited` (payload `order_edit` with the order id and the line changes)
  and `orders/updated`; the order's totals (totalPriceSet, currentTotalPriceSet) follow.
Not simulated (refused): editing a discounted line or a gift card, going below what shipped.
"""

from __future__ import annotations

from typing import Any

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox.actions_common import (
    ActionError,
    Emit,
    emit_level,
    emit_order,
    get_order,
    touch,
)
from connectors.shopify.sandbox.state import ShopState, gid, utcnow


def edit_order(state: ShopState, emit: Emit, order_ref: Any, data: dict[str, Any]) -> dict:
    """`{lines: [{sku, quantity}], restock?: true}`: set each SKU's quantity (new SKUs added)."""
    from connectors.shopify.sandbox.actions_orders import _country, _lines

    order = get_order(state, order_ref)
    if order.cancelled_at is not None:
        raise ActionError(f"order {order.name} is cancelled and cannot be edited")
    specs = data.get("lines")
    if not isinstance(specs, list) or not specs:
        raise ActionError("an edit needs lines: [{sku, quantity}]")
    restock = bool(data.get("restock", True))
    additions, removals = [], []
    for i, spec in enumerate(specs):
        try:
            qty = int(spec["quantity"])
        except (KeyError, TypeError, ValueError):
            raise ActionError(f"lines[{i}].quantity must be a whole number") from None
        if qty < 0:
            raise ActionError(f"lines[{i}].quantity cannot be negative")
        sku = str(spec.get("sku"))
        line = next((x for x in order.lines if x.sku == sku and not x.is_gift_card), None)
        if line is None:
            if qty == 0:
                raise ActionError(f"lines[{i}]: sku {sku} is not on order {order.name}")
            dest = (_country(order.shipping_address) or state.catalogue.shop_country).upper()
            customer = state.customers.get(order.customer_id) if order.customer_id else None
            (line,) = _lines(
                state,
                {"lines": [{"sku": sku, "quantity": qty}]},
                dest,
                bool(customer and customer.vat_number),
            )
            line.location_id = order.lines[0].location_id if order.lines else line.location_id
            order.lines.append(line)
            _commit(state, emit, line, qty)
            additions.append((line, qty))
            continue
        if line.discount:
            raise ActionError(f"lines[{i}]: editing a discounted line is not simulated")
        now = om.edited(line)
        floor = line.fulfilled + line.refunded + line.cancelled
        if qty < floor:
            raise ActionError(f"lines[{i}]: {floor} units of {sku} shipped or refunded already")
        if qty > now:
            line.quantity += qty - now
            _commit(state, emit, line, qty - now)
            additions.append((line, qty - now))
        elif qty < now:
            line.removed += now - qty
            _commit(state, emit, line, qty - now, restock=restock)
            removals.append((line, now - qty))
    touch(order)
    edit_id = state.new_id()
    emit(
        "orders/edited",
        {
            "order_edit": {
                "id": edit_id,
                "app_id": None,
                "created_at": utcnow().isoformat(),
                "notify_customer": False,
                "order_id": order.id,
                "staff_note": "",
                "user_id": None,
                "line_items": {
                    "additions": [{"id": x.id, "delta": n} for x, n in additions],
                    "removals": [{"id": x.id, "delta": n} for x, n in removals],
                },
            }
        },
    )
    emit_order(state, emit, order, "orders/updated")
    return {
        "order_id": gid("Order", order.id),
        "order_edit_id": edit_id,
        "line_ids": {x.sku: gid("LineItem", x.id) for x, _ in additions},
        "total": str(om.total_price(state, order)),
    }


def _commit(state: ShopState, emit: Emit, line: Any, delta: int, *, restock: bool = True) -> None:
    """Committed stock follows the edit: more units committed, fewer released (restocked)."""
    if line.variant_id is None:
        return
    level = state.levels[(state.variants[line.variant_id].inventory_item_id, line.location_id)]
    if delta > 0 or restock:
        state.move(level, available=-delta, committed=delta)
    else:
        state.move(level, committed=delta)
    emit_level(state, emit, level)
