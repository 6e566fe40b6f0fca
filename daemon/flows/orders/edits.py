"""Orders edited in Shopify after export: Exact's documents brought to the order's current lines.

Shopify keeps removed units in `LineItem.quantity` and leaves them out of `currentQuantity`
(which also drops refunded and cancelled units). An order is booked as sold less what an edit
removed: `currentQuantity` + the units its refunds gave back (refunds are credited on their own).

After export the current plan is compared with what each document booked (its link's lines,
keyed by kind, Shopify line and VAT code):
- invoice (invoice mode): what went down is credited (`#1001/AMS/E1-`), what went up or was
  added is invoiced (`#1001/AMS/E1+`), direct types with the warehouse so stock follows; a cent
  Exact's VAT arithmetic lands off the new total goes on a rounding line; Exact's documents
  then add up to Shopify's current order to the cent.
- sales order (nothing delivered): its lines changed in place (SalesOrderLines POST for an
  added line, PUT for a changed quantity or price, DELETE for a removed one; the contract allows
  all three): same order, same number, PlanningOut follows the edit. A sales order with
  deliveries is an operator's case (a dead job that says so). Each current line records the
  Exact line it is on (`exact_line`); a line posted before a crash lost that record is adopted
  (same item, quantity, VAT code), not posted again.
Each difference document is searched by its `YourRef` before it is made, and the link is only
rewritten after, so a retry after a crash finds what was made and books nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import Guid, eq
from connectors.shopify.models import Order
from daemon.flows.orders.apply import (
    DIRECT_CREDIT_NOTE,
    DIRECT_INVOICE,
    ORDER_ENTITY,
    SALES_INVOICES,
    order_links,
)
from daemon.flows.orders.lookups import first_id, item_ids, warehouse_id
from daemon.flows.orders.money import ZERO, exact_total
from daemon.flows.orders.plan import PRICE, OrderPlan, PlannedDocument
from daemon.logs import get_logger

log = get_logger("shopsync.orders")

AMOUNT_KINDS = frozenset({"shipping", "tip", "rounding"})
ORDER_LINES = "salesorder/SalesOrderLines"


async def as_edited(shopify: Any, order: Order) -> Order:
    """`order` with each line's quantity as sold less what an edit removed."""
    if all(li.current_quantity in (None, li.quantity) for li in order.line_items):
        return order  # nothing removed, refunded or cancelled: the common case costs nothing
    refunded: dict[str, int] = {}
    for header in order.refunds:
        refund = await shopify.get_refund(header.id)
        for rl in refund.refund_line_items if refund else ():
            refunded[rl.line_item.id] = refunded.get(rl.line_item.id, 0) + rl.quantity
    lines = []
    for li in order.line_items:
        if li.current_quantity is None:
            lines.append(li)
            continue
        kept = min(li.quantity, li.current_quantity + refunded.get(li.id, 0))
        lines.append(li if kept == li.quantity else li.model_copy(update={"quantity": kept}))
    return order.model_copy(update={"line_items": lines})


@dataclass(frozen=True)
class DiffLine:
    kind: str
    item_code: str
    description: str
    quantity: Decimal  # positive
    net: Decimal  # positive
    vat_code: str
    vat_rate: Decimal
    sku: str | None = None
    line_id: str | None = None

    @property
    def total(self) -> Decimal:
        return exact_total(self.net, self.vat_rate)

    def exact_body(self, item_id: str, sign: int) -> dict[str, Any]:
        return {
            "Item": item_id,
            "Description": self.description[:60],
            "Quantity": sign * self.quantity,
            "NetPrice": (self.net / self.quantity).quantize(PRICE, rounding=ROUND_HALF_UP),
            "VATCode": self.vat_code,
        }


def _key(line: Mapping[str, Any]) -> tuple[str, str, str]:
    kind = str(line.get("kind") or "product")
    return kind, str(line.get("line_id") or line.get("item")), str(line.get("vat_code"))


def _d(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def difference(
    booked: Sequence[Mapping[str, Any]],
    current: Sequence[Mapping[str, Any]],
    *,
    rounding_item: str,
    rounding_vat: str,
) -> tuple[list[DiffLine], list[DiffLine]]:
    """(lines to credit, lines to invoice) that take `booked` to `current` (link line dicts).

    The credited and invoiced totals differ by exactly the documents' totals' difference: a
    cent Exact's per-line VAT lands off goes on a rounding line.
    """
    was: dict[tuple[str, str, str], Mapping[str, Any]] = {_key(ln): ln for ln in booked}
    now: dict[tuple[str, str, str], Mapping[str, Any]] = {_key(ln): ln for ln in current}
    down: list[DiffLine] = []
    up: list[DiffLine] = []
    for key in [*was, *(k for k in now if k not in was)]:
        if key[0] == "rounding":
            continue  # settled below, against the totals
        old, new = was.get(key), now.get(key)
        ref = new or old
        assert ref is not None
        dq = _d(new and new.get("quantity")) - _d(old and old.get("quantity"))
        dn = _d(new and new.get("net")) - _d(old and old.get("net"))
        if not dq and not dn:
            continue
        qty = Decimal(1) if key[0] in AMOUNT_KINDS or not dq else abs(dq)
        line = DiffLine(
            kind=key[0],
            item_code=str(ref["item"]),
            description=f"Edit {ref.get('sku') or ref['item']}",
            quantity=qty,
            net=abs(dn),
            vat_code=str(ref["vat_code"]),
            vat_rate=_d(ref.get("vat_rate")),
            sku=ref.get("sku"),
            line_id=ref.get("line_id"),
        )
        (up if dn > 0 or (not dn and dq > 0) else down).append(line)
    target = sum((_total(ln) for ln in current), ZERO) - sum((_total(ln) for ln in booked), ZERO)
    rest = target - (sum((x.total for x in up), ZERO) - sum((x.total for x in down), ZERO))
    if rest:
        extra = DiffLine(
            "rounding", rounding_item, "Rounding difference", Decimal(1), abs(rest),
            rounding_vat, ZERO,
        )  # fmt: skip
        (up if rest > 0 else down).append(extra)
    return down, up


def _total(line: Mapping[str, Any]) -> Decimal:
    return exact_total(_d(line.get("net")), _d(line.get("vat_rate")))


async def book_edits(services: Any, plan: OrderPlan) -> list[str]:
    """Bring each exported document of `plan`'s order to the plan; answer what was booked."""
    links = await order_links(services, plan.order_id)
    live = [ln for ln in links.values() if not ln.data.get("reversed")]
    booked_all = [x for ln in live for x in ln.data.get("lines") or []]
    if _same(booked_all, [ln.summary() for d in plan.documents for ln in d.lines]):
        return []  # the order as a whole is unchanged (a rerouted location is not an edit)
    done: list[str] = []
    planned = {doc.location_code: doc for doc in plan.documents}
    for code, link in sorted(links.items()):
        if link.data.get("reversed"):
            continue
        doc = planned.get(code)
        current = [ln.summary() for ln in doc.lines] if doc else []
        booked = link.data.get("lines") or []
        if _same(booked, current):
            continue
        extra: dict[str, Any] = {}
        if link.data.get("document") == "invoice":
            made, credited = await _invoice_difference(services, link, code, booked, current)
            done += made
            extra["edit_credited"] = str(_d(link.data.get("edit_credited")) + credited)
        elif doc is None:
            raise PermanentError(
                f"order {plan.order_name}: an edit left nothing on sales order {link.exact_ref}",
                hint="Delete the sales order in Exact by hand, then retry this job.",
            )
        else:
            current = await _update_sales_order(services, link, doc)
            done.append(doc.your_ref)
        total = sum((_total(ln) for ln in current), ZERO)
        await services.links.put(
            ORDER_ENTITY,
            link.shopify_id,
            link.exact_id,
            exact_ref=link.exact_ref,
            data=link.data
            | extra
            | {"lines": current, "total": str(total), "edits": int(link.data.get("edits", 0)) + 1},
        )
    return done


def _same(booked: Sequence[Mapping[str, Any]], current: Sequence[Mapping[str, Any]]) -> bool:
    def norm(lines: Sequence[Mapping[str, Any]]) -> dict:
        out: dict[tuple[str, str, str], tuple[Decimal, Decimal]] = {}
        for ln in lines:
            q, n = out.get(_key(ln), (ZERO, ZERO))
            out[_key(ln)] = (q + _d(ln.get("quantity")), n + _d(ln.get("net")))
        return out

    return norm(booked) == norm(current)


async def _invoice_difference(
    services: Any, link: Any, code: str, booked: list, current: list
) -> tuple[list[str], Decimal]:
    """Book the credit and the extra invoice; answer their YourRefs and the total credited."""
    orders = services.settings.orders
    down, up = difference(
        booked, current, rounding_item=orders.items.rounding, rounding_vat=orders.vat.rounding
    )
    n = int(link.data.get("edits", 0)) + 1
    name = link.data.get("order_name") or link.exact_ref
    warehouse = await warehouse_id(services, code)
    made = []
    for lines, sign, suffix in ((down, -1, "-"), (up, 1, "+")):
        if not lines:
            continue
        your_ref = f"{name}/{code}/E{n}{suffix}"
        made.append(your_ref)
        if await first_id(services, SALES_INVOICES, "InvoiceID", "YourRef", your_ref):
            continue  # made before a crash lost our record
        items = await item_ids(services, orders, lines)
        moves = any(ln.kind == "product" for ln in lines)
        body: dict[str, Any] = {
            "Journal": orders.sales_journal,
            "OrderedBy": link.data.get("account"),
            "YourRef": your_ref,
            "Description": f"Shopify order {name} edited ({'credit' if sign < 0 else 'extra'})",
            "Remarks": f"Edit {n} of {name}/{code} (invoice {link.data.get('number')})",
            "Currency": link.data.get("currency") or "EUR",
            "SalesInvoiceLines": [ln.exact_body(items[ln.item_code], sign) for ln in lines],
        }
        if moves:  # units leave (extra) or come back (credit) through the warehouse, once
            body |= {"Type": DIRECT_INVOICE if sign > 0 else DIRECT_CREDIT_NOTE}
            body["Warehouse"] = warehouse
        else:
            body["Type"] = 8020 if sign > 0 else 8021
        await services.exact.post(SALES_INVOICES, body)
        log.info("orders.edit_booked", your_ref=your_ref, lines=len(lines))
    return made, sum((ln.total for ln in down), ZERO)


async def _update_sales_order(services: Any, link: Any, doc: PlannedDocument) -> list[dict]:
    """Change the open sales order's lines in place: add, change, remove (SalesOrderLines
    POST/PUT/DELETE); answer the current lines with the Exact line each is on."""
    rows = await services.exact.get(
        ORDER_LINES,
        filter=eq("OrderID", Guid(link.exact_id)),
        select="ID,Item,Quantity,NetPrice,VATCode,QuantityDelivered,LineNumber",
    )
    if any(r.get("QuantityDelivered") for r in rows):
        raise PermanentError(
            f"order {doc.order_name} was edited in Shopify after Exact sales order "
            f"{link.exact_ref} had deliveries",
            hint="Change the sales order in Exact by hand (or credit the difference), then "
            "cancel this job.",
        )
    rows.sort(key=lambda r: r.get("LineNumber") or 0)
    in_exact = {str(r["ID"]): r for r in rows}
    booked = link.data.get("lines") or []
    # Lines exported before any edit carry no Exact line id: they are in export order.
    on: dict[tuple[str, str, str], str] = {}
    for i, ln in enumerate(booked):
        line_id = ln.get("exact_line") or (str(rows[i]["ID"]) if i < len(rows) else None)
        if line_id in in_exact:
            on[_key(ln)] = line_id
    items = await item_ids(services, services.settings.orders, doc.lines)
    current, mapped, kept = [], set(on.values()), set()
    for pl in doc.lines:
        body = pl.exact_body(items[pl.item_code])
        summary = pl.summary()
        line_id = on.get(_key(summary))
        if line_id is None:  # new: one made before a crash lost our record is adopted
            line_id = next(
                (
                    i
                    for i, r in in_exact.items()
                    if i not in mapped
                    and i not in kept
                    and str(r["Item"]).lower() == items[pl.item_code].lower()
                    and _d(r["Quantity"]) == pl.quantity
                    and r.get("VATCode") == pl.vat_code
                ),
                None,
            )
            if line_id is None:
                made = await services.exact.post(ORDER_LINES, body | {"OrderID": link.exact_id})
                line_id = str(made["ID"])
        else:
            row = in_exact[line_id]
            if _d(row["Quantity"]) != pl.quantity or _d(row["NetPrice"]) != body["NetPrice"]:
                change = {k: body[k] for k in ("Quantity", "UnitPrice", "Discount", "NetPrice")}
                await services.exact.put(ORDER_LINES, line_id, change)
        kept.add(line_id)
        current.append(summary | {"exact_line": line_id})
    for line_id in in_exact:
        if line_id not in kept:  # removed by the edit (added and removed before: never)
            await services.exact.delete(ORDER_LINES, line_id)
    log.info("orders.sales_order_edited", your_ref=doc.your_ref, lines=len(current))
    return current
