"""REST-shaped webhook bodies, as Shopify sends them per topic (money as strings, local times)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox.records import (
    BulkOperationRec,
    FulfillmentRec,
    LevelRec,
    LineRec,
    OrderRec,
    RefundRec,
    ReturnRec,
)
from connectors.shopify.sandbox.state import ShopState, cents, gid, iso

_FINANCIAL = {
    "PAID": "paid",
    "PENDING": "pending",
    "REFUNDED": "refunded",
    "PARTIALLY_REFUNDED": "partially_refunded",
    "PARTIALLY_PAID": "partially_paid",
    "VOIDED": "voided",
    "AUTHORIZED": "authorized",
}
_FULFILMENT = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial", "UNFULFILLED": None}


def local(state: ShopState, ts: datetime | None) -> str | None:
    """REST payloads give times in the shop's time zone with its offset."""
    if ts is None:
        return None
    return ts.astimezone(ZoneInfo(state.catalogue.timezone)).replace(microsecond=0).isoformat()


def text(value: Decimal) -> str:
    return str(cents(Decimal(value)))


def price_set(state: ShopState, value: Decimal) -> dict[str, Any]:
    m = {"amount": text(value), "currency_code": state.currency}
    return {"shop_money": m, "presentment_money": dict(m)}


def _tax_lines(rate: Decimal, amount: Decimal) -> list[dict[str, Any]]:
    if not rate:
        return []
    return [
        {"title": "VAT", "rate": float(rate) / 100, "price": text(amount), "channel_liable": False}
    ]


def _address(addr: dict[str, Any] | None) -> dict[str, Any] | None:
    if not addr:
        return None
    return {
        "first_name": addr.get("first_name"),
        "last_name": addr.get("last_name"),
        "company": addr.get("company"),
        "address1": addr.get("address1", "Main street 1"),
        "address2": addr.get("address2"),
        "city": addr.get("city", "Somewhere"),
        "zip": addr.get("zip", "1000 AA"),
        "province": addr.get("province"),
        "province_code": addr.get("province_code"),
        "country_code": addr["country"],
        "country": addr["country"],
        "phone": addr.get("phone"),
    }


def line_item(state: ShopState, line: LineRec) -> dict[str, Any]:
    variant = state.variants.get(line.variant_id) if line.variant_id else None
    return {
        "id": line.id,
        "admin_graphql_api_id": gid("LineItem", line.id),
        "variant_id": line.variant_id,
        "product_id": variant.product_id if variant else None,
        "sku": line.sku,
        "title": line.title,
        "name": line.title,
        "quantity": line.quantity,
        "current_quantity": om.current_quantity(line),
        "fulfillable_quantity": om.unfulfilled(line),
        "fulfillment_status": "fulfilled" if line.fulfilled >= om.edited(line) else None,
        "price": text(line.unit_price),
        "price_set": price_set(state, line.unit_price),
        "total_discount": text(Decimal(0)),
        "discount_allocations": [
            {
                "amount": text(line.discount),
                "discount_application_index": 0,
                "amount_set": price_set(state, line.discount),
            }
        ]
        if line.discount
        else [],
        "tax_lines": _tax_lines(line.tax_rate, om.line_tax(state, line)),
        "taxable": bool(line.tax_rate),
        "gift_card": line.is_gift_card,
        "requires_shipping": not line.is_gift_card,
        "location_id": line.location_id,
    }


def order(state: ShopState, o: OrderRec) -> dict[str, Any]:
    customer = state.customers.get(o.customer_id) if o.customer_id else None
    txs = [state.transactions[t] for t in o.transaction_ids]
    gateways = sorted({t.gateway for t in txs if t.kind in om.PAID_KINDS})
    return {
        "id": o.id,
        "admin_graphql_api_id": gid("Order", o.id),
        "name": o.name,
        "order_number": o.number,
        "number": o.number - 1000,
        "email": o.email,
        "contact_email": o.email,
        "created_at": local(state, o.created_at),
        "updated_at": local(state, o.updated_at),
        "processed_at": local(state, o.created_at),
        "cancelled_at": local(state, o.cancelled_at),
        "cancel_reason": o.cancel_reason.lower() if o.cancel_reason else None,
        "closed_at": local(state, o.closed_at),
        "currency": state.currency,
        "presentment_currency": state.currency,
        "taxes_included": state.taxes_included,
        "test": False,
        "source_name": "web",
        "financial_status": _FINANCIAL[om.financial_status(state, o)],
        "fulfillment_status": _FULFILMENT[om.fulfillment_status(o)],
        "total_price": text(om.total_price(state, o)),
        "subtotal_price": text(om.subtotal(o)),
        "total_line_items_price": text(
            sum((om.line_original_total(x) for x in o.lines), Decimal(0))
        ),
        "total_tax": text(om.total_tax(state, o)),
        "total_discounts": text(o.discount_total),
        "total_tip_received": text(o.tip),
        "total_outstanding": text(om.outstanding(state, o)),
        "total_shipping_price_set": price_set(state, om.shipping_total(o)),
        "total_price_set": price_set(state, om.total_price(state, o)),
        "payment_gateway_names": gateways,
        "gateway": gateways[0] if gateways else None,
        "note": o.note,
        "note_attributes": [{"name": a["key"], "value": a["value"]} for a in o.attributes],
        "customer": {
            "id": customer.id,
            "admin_graphql_api_id": gid("Customer", customer.id),
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
        }
        if customer
        else None,
        "billing_address": _address(o.billing_address),
        "shipping_address": _address(o.shipping_address),
        "line_items": [line_item(state, x) for x in o.lines],
        "shipping_lines": [
            {
                "id": s.id,
                "title": s.title,
                "code": s.title,
                "price": text(s.price),
                "price_set": price_set(state, s.price),
                "tax_lines": _tax_lines(s.tax_rate, om.shipping_tax(state, s)),
            }
            for s in o.shipping_lines
        ],
        "discount_applications": [
            {
                "type": "manual",
                "title": o.discount_title or "Discount",
                "value": text(o.discount_total),
                "value_type": "fixed_amount",
                "allocation_method": "across",
                "target_selection": "all",
                "target_type": "line_item",
            }
        ]
        if o.discount_total
        else [],
        "refunds": [refund(state, state.refunds[r]) for r in o.refund_ids],
        "fulfillments": [fulfillment(state, state.fulfillments[f]) for f in o.fulfillment_ids],
    }


def refund(state: ShopState, r: RefundRec) -> dict[str, Any]:
    lines = {x.id: x for o in [state.orders[r.order_id]] for x in o.lines}
    adjustments = []
    if r.shipping:
        adjustments.append(
            {
                "id": r.id * 10 + 1,
                "order_id": r.order_id,
                "refund_id": r.id,
                "amount": text(-(r.shipping - r.shipping_tax)),
                "tax_amount": text(-r.shipping_tax),
                "kind": "shipping_refund",
                "reason": "Shipping refund",
            }
        )
    return {
        "id": r.id,
        "admin_graphql_api_id": gid("Refund", r.id),
        "order_id": r.order_id,
        "created_at": local(state, r.created_at),
        "processed_at": local(state, r.created_at),
        "note": r.note,
        "restock": any(x.restock_type != "NO_RESTOCK" for x in r.lines),
        "refund_line_items": [
            {
                "id": x.id,
                "line_item_id": x.line_id,
                "quantity": x.quantity,
                "location_id": x.location_id,
                "restock_type": x.restock_type.lower(),
                "subtotal": text(x.subtotal),
                "total_tax": text(x.tax),
                "subtotal_set": price_set(state, x.subtotal),
                "total_tax_set": price_set(state, x.tax),
                "line_item": line_item(state, lines[x.line_id]),
            }
            for x in r.lines
        ],
        "transactions": [
            {
                "id": t.id,
                "admin_graphql_api_id": gid("OrderTransaction", t.id),
                "order_id": t.order_id,
                "kind": t.kind.lower(),
                "gateway": t.gateway,
                "status": t.status.lower(),
                "amount": text(t.amount),
                "currency": state.currency,
                "parent_id": t.parent_id,
                "created_at": local(state, t.created_at),
            }
            for t in (state.transactions[i] for i in r.transaction_ids)
        ],
        "order_adjustments": adjustments,
    }


def fulfillment(state: ShopState, f: FulfillmentRec) -> dict[str, Any]:
    o = state.orders[f.order_id]
    lines = {x.id: x for x in o.lines}
    items = []
    for _, line_id, qty in f.lines:
        item = line_item(state, lines[line_id])
        item["quantity"] = qty
        items.append(item)
    return {
        "id": f.id,
        "admin_graphql_api_id": gid("Fulfillment", f.id),
        "order_id": f.order_id,
        "name": f"{o.name}.{o.fulfillment_ids.index(f.id) + 1}",
        "status": "success",
        "service": "manual",
        "location_id": f.location_id,
        "created_at": local(state, f.created_at),
        "updated_at": local(state, f.created_at),
        "tracking_number": None,
        "line_items": items,
    }


def return_(state: ShopState, r: ReturnRec) -> dict[str, Any]:
    return {
        "id": r.id,
        "admin_graphql_api_id": gid("Return", r.id),
        "name": r.name,
        "status": r.status.lower(),
        "order": {"id": r.order_id, "admin_graphql_api_id": gid("Order", r.order_id)},
        "total_return_line_items": len(r.lines),
        "return_line_items": [
            {
                "id": x["id"],
                "admin_graphql_api_id": gid("ReturnLineItem", x["id"]),
                "quantity": x["quantity"],
                "return_reason": x["reason"].lower(),
                "return_reason_note": x.get("note") or "",
                "fulfillment_line_item": {
                    "id": x["fulfillment_line_id"],
                    "admin_graphql_api_id": gid("FulfillmentLineItem", x["fulfillment_line_id"]),
                    "line_item": {
                        "id": x["line_id"],
                        "admin_graphql_api_id": gid("LineItem", x["line_id"]),
                    },
                },
            }
            for x in r.lines
        ],
    }


def inventory_level(state: ShopState, level: LevelRec) -> dict[str, Any]:
    return {
        "inventory_item_id": level.item_id,
        "location_id": level.location_id,
        "available": level.quantities["available"],
        "updated_at": local(state, level.updated_at),
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{level.location_id}"
        f"?inventory_item_id={level.item_id}",
    }


def bulk_operation(op: BulkOperationRec) -> dict[str, Any]:
    return {
        "admin_graphql_api_id": gid("BulkOperation", op.id),
        "completed_at": iso(op.completed_at),
        "created_at": iso(op.created_at),
        "error_code": op.error_code.lower() if op.error_code else None,
        "status": op.status.lower(),
        "type": "query",
    }
