"""Reversal of an exported order that Shopify cancelled: credit only what no refund credited yet.

Invoice mode: one credit note per invoice (`YourRef` `#1001/AMS/C`) with each booked line less
what the order's refund credit notes already gave back (same kind, SKU or item, VAT code), so a
cancel after a partial refund credits the rest, not the whole order again; a cent Exact's VAT
arithmetic lands off (invoice total − notes so far) goes on a rounding line. Sales-order mode: an
open sales order is deleted (Exact allows DELETE on SalesOrders); one with deliveries is an
operator's case. Refund credit notes already booked against a sales order that will now never be
invoiced are offset by one invoice of the same lines (`#1001/AMS/C`, direct 8023 where a note
put goods back, so the stock it added leaves again), so revenue, receivables and stock net out.
The money Shopify paid back at the cancel is the refunds flow's entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import Guid, eq
from daemon.flows.orders.apply import (
    DIRECT_CREDIT_NOTE,
    DIRECT_INVOICE,
    ORDER_ENTITY,
    SALES_INVOICES,
    SALES_ORDERS,
    order_links,
)
from daemon.flows.orders.lookups import first_id, item_ids, warehouse_id
from daemon.flows.orders.money import ZERO, cents, exact_total
from daemon.flows.refunds.plan import CreditLine

REFUND_ENTITY = "refund"  # the refunds flow's credit-note links (data.credits = "#1001/AMS")
AMOUNT_KINDS = frozenset({"shipping", "tip", "rounding"})  # booked as one amount, quantity 1


def _d(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def _key(line: Mapping[str, Any]) -> tuple[str, str, str]:
    # A refund may book kept units to refunds.no_restock_item: the SKU still names the line.
    kind = str(line.get("kind") or "product")
    name = line.get("sku") if kind in ("product", "gift_card") and line.get("sku") else None
    return kind, str(name or line.get("item")), str(line.get("vat_code"))


def remaining_lines(
    booked: Sequence[Mapping[str, Any]],
    credited: Iterable[Mapping[str, Any]],
    *,
    target: Decimal,
    rounding_item: str,
    rounding_vat: str,
    max_rounding: Decimal,
) -> list[CreditLine]:
    """The document's `booked` lines less the `credited` refund lines: what a cancel credits.

    `target` is what is left to credit (document total − refund notes' totals); a difference
    to Exact's arithmetic of the lines goes on a rounding line, up to `max_rounding`.
    """
    pool: dict[tuple[str, str, str], list[Decimal]] = {}
    for ln in credited:
        got = pool.setdefault(_key(ln), [ZERO, ZERO])
        got[0] += _d(ln.get("quantity"))
        got[1] += _d(ln.get("net"))
    out: list[CreditLine] = []
    for ln in booked:
        qty, net = _d(ln.get("quantity")), _d(ln.get("net"))
        got = pool.get(_key(ln))
        taken_q, taken_n = ZERO, ZERO
        if got and (got[0] > 0 or got[1]):
            taken_q = min(got[0], qty)
            share = got[1] if taken_q == got[0] else cents(got[1] * taken_q / got[0])
            taken_n = share if ln.get("kind") in AMOUNT_KINDS else min(share, net)
            got[0] -= taken_q
            got[1] -= taken_n
        rest_q, rest_n = qty - taken_q, net - taken_n
        kind = str(ln.get("kind") or "product")
        if kind in AMOUNT_KINDS or rest_q <= 0:
            if not rest_n:
                continue
            rest_q = Decimal(1)
        out.append(
            CreditLine(
                kind=kind,
                item_code=str(ln["item"]),
                description=f"Cancelled {ln.get('sku') or ln['item']}",
                quantity=rest_q,
                net=rest_n,
                vat_code=str(ln["vat_code"]),
                vat_rate=_d(ln.get("vat_rate")),
                restocked=kind == "product",
                sku=ln.get("sku"),
                line_id=ln.get("line_id"),
            )
        )
    diff = target - sum((exact_total(c.net, c.vat_rate) for c in out), ZERO)
    if abs(diff) > max_rounding:
        raise PermanentError(
            f"what is left to credit ({target}) is {diff} off the lines left on the document",
            hint="The refunds credited something the order did not book (an edit?). Credit the "
            "rest in Exact by hand, then cancel this job.",
        )
    if diff:
        out.append(
            CreditLine(
                "rounding",
                rounding_item,
                "Rounding difference",
                Decimal(1),
                diff,
                rounding_vat,
                ZERO,
            )
        )
    return out


async def credited_by_refunds(services: Any, original_ref: str) -> list[dict[str, Any]]:
    """Data of the refund credit notes booked against the document `original_ref`."""
    rows = await services.db.fetchall(
        "SELECT data FROM links WHERE entity = ? AND json_extract(data, '$.credits') = ?",
        (REFUND_ENTITY, original_ref),
    )
    return [json.loads(data) for (data,) in rows]


async def reverse_export(services: Any, order_id: str, order_name: str) -> list[str]:
    """Undo an exported order that Shopify cancelled: delete open sales orders, credit the rest
    of invoices; answer the documents reversed now."""
    done = []
    for code, link in (await order_links(services, order_id)).items():
        if link.data.get("reversed"):
            continue
        if link.data.get("document") == "invoice":
            await _credit_rest(services, link, order_name, code)
        else:
            await _delete_sales_order(services, link, order_name)
            await _offset_refund_notes(services, link, order_name, code)
        await services.links.put(
            ORDER_ENTITY,
            link.shopify_id,
            link.exact_id,
            exact_ref=link.exact_ref,
            data=link.data | {"reversed": True},
        )
        done.append(link.exact_ref or code)
    return done


async def _delete_sales_order(services: Any, link: Any, order_name: str) -> None:
    rows = await services.exact.get(
        "salesorder/SalesOrderLines",
        filter=eq("OrderID", Guid(link.exact_id)),
        select="ID,QuantityDelivered",
    )
    if any(r.get("QuantityDelivered") for r in rows):
        raise PermanentError(
            f"order {order_name} was cancelled in Shopify, but Exact sales order "
            f"{link.exact_ref} already has deliveries",
            hint="Return the goods and credit the order in Exact by hand, then cancel this job.",
        )
    if rows:
        await services.exact.delete(SALES_ORDERS, link.exact_id)


async def _credit_rest(services: Any, link: Any, order_name: str, code: str) -> None:
    your_ref = f"{order_name}/{code}/C"
    if await first_id(services, SALES_INVOICES, "InvoiceID", "YourRef", your_ref):
        return  # made before a crash lost the link
    invoice = await services.exact.get_one(SALES_INVOICES, link.exact_id, key="InvoiceID")
    if invoice is None:
        raise PermanentError(
            f"Exact invoice {link.exact_ref} is gone; cannot credit it",
            hint="Check the invoice in Exact; cancel this job when done by hand.",
        )
    notes = await credited_by_refunds(services, f"{order_name}/{code}")
    orders = services.settings.orders
    lines = remaining_lines(
        link.data.get("lines") or [],
        [ln for note in notes for ln in note.get("lines") or []],
        target=_d(link.data.get("total")) - sum((_d(n.get("total")) for n in notes), ZERO),
        rounding_item=orders.items.rounding,
        rounding_vat=orders.vat.rounding,
        max_rounding=services.settings.refunds.max_rounding,
    )
    if not lines:
        return  # the refunds credited everything already
    items = await item_ids(services, orders, lines)
    body = {
        "Journal": invoice["Journal"],
        "OrderedBy": invoice["OrderedBy"],
        "YourRef": your_ref,
        "Description": f"Cancelled: {invoice.get('Description') or link.exact_ref}",
        "Remarks": f"Credits {order_name}/{code} (invoice {link.data.get('number')})",
        "Currency": invoice.get("Currency") or link.data.get("currency"),
        "SalesInvoiceLines": [ln.exact_body(items[ln.item_code]) for ln in lines],
    }
    if invoice.get("Warehouse"):
        # A direct invoice took the goods out; its direct credit note puts them back, once.
        body |= {"Type": DIRECT_CREDIT_NOTE, "Warehouse": invoice["Warehouse"]}
    else:
        body["Type"] = 8021  # an invoice that moved no stock gets a normal credit note
    await services.exact.post(SALES_INVOICES, body)


async def _offset_refund_notes(services: Any, link: Any, order_name: str, code: str) -> None:
    notes = await credited_by_refunds(services, f"{order_name}/{code}")
    lines = [ln for note in notes for ln in note.get("lines") or []]
    if not lines:
        return
    your_ref = f"{order_name}/{code}/C"
    if await first_id(services, SALES_INVOICES, "InvoiceID", "YourRef", your_ref):
        return
    orders = services.settings.orders
    planned = [
        CreditLine(
            kind=str(ln.get("kind") or "product"),
            item_code=str(ln["item"]),
            description=f"Cancelled {ln.get('sku') or ln['item']} (refunded before)",
            quantity=_d(ln.get("quantity")) or Decimal(1),
            net=_d(ln.get("net")),
            vat_code=str(ln["vat_code"]),
            vat_rate=ZERO,
            restocked=bool(ln.get("restocked")),
        )
        for ln in lines
    ]
    items = await item_ids(services, orders, planned)
    body: dict[str, Any] = {
        "Journal": orders.sales_journal,
        "OrderedBy": link.data.get("account"),
        "YourRef": your_ref,
        "Description": f"Cancelled order {order_name}: offsets its refunds",
        "Remarks": f"Offsets the credit notes of {order_name}/{code}; the order was cancelled",
        "Currency": link.data.get("currency") or "EUR",
        "SalesInvoiceLines": [
            ln.exact_body(items[ln.item_code]) | {"Quantity": ln.quantity} for ln in planned
        ],
    }
    if any(ln.kind == "product" and ln.restocked for ln in planned):
        # The notes put goods back that never left (the order was not delivered): take them out.
        body |= {"Type": DIRECT_INVOICE, "Warehouse": await warehouse_id(services, code)}
    else:
        body["Type"] = 8020
    await services.exact.post(SALES_INVOICES, body)
