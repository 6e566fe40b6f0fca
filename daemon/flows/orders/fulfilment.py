"""Shopify fulfilments → Exact goods deliveries on the exported sales orders (plan + apply)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connectors.exact.odata import Guid, eq
from daemon.logs import get_logger

log = get_logger("shopsync.orders")

DELIVERY_ENTITY = "fulfillment"  # links: "{fulfillment gid}:{warehouse}" → goods delivery
DELIVERIES = "salesorder/GoodsDeliveries"


@dataclass(frozen=True)
class OpenLine:
    """An Exact sales order line as it stands, tied back to its Shopify line."""

    exact_line_id: str
    shopify_line_id: str | None
    open_quantity: Decimal


def plan_delivery(
    shipped: Sequence[tuple[str, int]],
    open_lines: Mapping[str, Sequence[OpenLine]],
    preferred: str | None = None,
) -> dict[str, list[tuple[str, Decimal]]]:
    """Warehouse → [(Exact line id, quantity)] delivering `shipped` (Shopify line id, qty).

    A Shopify line split over documents is delivered from the preferred warehouse (the
    fulfilment's location) first, then wherever units are still open; never beyond what is open.
    """
    left = {
        code: {ln.exact_line_id: ln.open_quantity for ln in lines}
        for code, lines in open_lines.items()
    }
    codes = sorted(open_lines, key=lambda c: (c != preferred, c))
    out: dict[str, list[tuple[str, Decimal]]] = {}
    for line_id, quantity in shipped:
        want = Decimal(quantity)
        for code in codes:
            for ln in open_lines[code]:
                if want <= 0 or ln.shopify_line_id != line_id:
                    continue
                take = min(want, left[code][ln.exact_line_id])
                if take > 0:
                    out.setdefault(code, []).append((ln.exact_line_id, take))
                    left[code][ln.exact_line_id] -= take
                    want -= take
    return out


async def open_lines_of(services: Any, link: Any) -> list[OpenLine]:
    """The document's lines from Exact, matched to Shopify lines by their order in the plan."""
    rows = await services.exact.get(
        "salesorder/SalesOrderLines",
        filter=eq("OrderID", Guid(link.exact_id)),
        select="ID,LineNumber,Quantity,QuantityDelivered",
    )
    planned = link.data.get("lines") or []
    out = []
    for row in sorted(rows, key=lambda r: int(r["LineNumber"])):
        index = int(row["LineNumber"]) - 1
        source = planned[index] if 0 <= index < len(planned) else {}
        if source.get("kind") not in ("product",):
            continue  # shipping, gift cards, tips and rounding are not delivered
        open_qty = Decimal(str(row["Quantity"])) - Decimal(str(row.get("QuantityDelivered") or 0))
        out.append(OpenLine(str(row["ID"]), source.get("line_id"), open_qty))
    return out


async def deliver(
    services: Any,
    fulfillment_id: str,
    order_name: str,
    shipped: Sequence[tuple[str, int]],
    links: Mapping[str, Any],
    preferred: str | None,
) -> list[str]:
    """Create the goods deliveries for one fulfilment (once each); answer their YourRefs."""
    pending = {}
    for code, link in links.items():
        if link.data.get("document") != "salesorder" or link.data.get("reversed"):
            continue
        if await services.links.get(DELIVERY_ENTITY, f"{fulfillment_id}:{code}") is None:
            pending[code] = link
    if not pending:
        return []
    open_lines = {code: await open_lines_of(services, link) for code, link in pending.items()}
    number = fulfillment_id.rsplit("/", 1)[-1]
    made = []
    for code, lines in plan_delivery(shipped, open_lines, preferred).items():
        your_ref = f"{order_name}/{code}/F{number}"[:30]
        found = await services.exact.get(
            DELIVERIES, filter=eq("YourRef", your_ref), select="EntryID", top=1
        )
        if found:
            entry = str(found[0]["EntryID"])
        else:
            body = {
                "YourRef": your_ref,
                "Description": f"Shopify fulfilment {order_name}",
                "GoodsDeliveryLines": [
                    {"SalesOrderLineID": line_id, "QuantityDelivered": qty}
                    for line_id, qty in lines
                ],
            }
            entry = str((await services.exact.post(DELIVERIES, body))["EntryID"])
            log.info("orders.delivery_created", your_ref=your_ref)
        await services.links.put(
            DELIVERY_ENTITY,
            f"{fulfillment_id}:{code}",
            entry,
            exact_ref=your_ref,
            data={"order": order_name, "lines": [[lid, str(q)] for lid, q in lines]},
        )
        made.append(your_ref)
    return made
