"""Shopify fulfilments → Exact goods deliveries on the exported sales orders (plan + apply).

A goods delivery has no YourRef, and DeliveryDate and lines are mandatory (Exact's contract,
connectors/exact/sandbox/contract/: picqer GoodsDelivery.php, Elmas goods_delivery.rb). So a
delivery is found again by our link first, then by a deterministic marker in its Description.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.exact.odata import Guid, eq
from daemon.logs import get_logger
from state.intents import create_once

log = get_logger("shopsync.orders")

DELIVERY_ENTITY = "fulfillment"  # links: "{fulfillment gid}:{warehouse}" → goods delivery
DELIVERIES = "salesorder/GoodsDeliveries"
DEFAULT_ZONE = "Europe/Amsterdam"  # daemon/schedule.py's default when the shop's is unknown


def delivery_marker(order_name: str, code: str, fulfillment_id: str) -> str:
    """The goods delivery's Description: unique per fulfilment and warehouse, so a retry after a
    lost answer finds the delivery Exact made instead of delivering twice."""
    number = fulfillment_id.rsplit("/", 1)[-1]
    return f"Shopify fulfilment {order_name}/{code}/F{number}"


def delivery_date(created_at: str | None, zone: dt.tzinfo, now: dt.datetime) -> dt.date:
    """The fulfilment's business date: its moment in the shop's time zone (now if unknown)."""
    moment = now
    if created_at:
        parsed = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
        moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).date()


def shop_zone(services: Any) -> dt.tzinfo:
    """The shop's time zone as the scheduler resolved it (Shopify's ianaTimezone)."""
    scheduler = services.extras.get("scheduler") if hasattr(services, "extras") else None
    if scheduler is not None:
        return scheduler.zone
    name = getattr(getattr(services.settings, "schedules", None), "timezone", DEFAULT_ZONE)
    return ZoneInfo(name if name and name != "shop" else DEFAULT_ZONE)


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
    created_at: str | None = None,
) -> list[str]:
    """Create the goods deliveries for one fulfilment (once each); answer their markers."""
    pending = {}
    for code, link in links.items():
        if link.data.get("document") != "salesorder" or link.data.get("reversed"):
            continue
        if await services.links.get(DELIVERY_ENTITY, f"{fulfillment_id}:{code}") is None:
            pending[code] = link
    if not pending:
        return []
    open_lines = {code: await open_lines_of(services, link) for code, link in pending.items()}
    day = delivery_date(created_at, shop_zone(services), dt.datetime.now(dt.UTC))
    made = []
    for code, lines in plan_delivery(shipped, open_lines, preferred).items():
        marker = delivery_marker(order_name, code, fulfillment_id)

        async def search(marker=marker) -> Any:
            found = await services.exact.get(
                DELIVERIES, filter=eq("Description", marker), select="EntryID", top=1
            )
            return found[0] if found else None

        async def create(marker=marker, lines=lines) -> Any:
            body = {
                "DeliveryDate": day,
                "Description": marker,
                "GoodsDeliveryLines": [
                    {"SalesOrderLineID": line_id, "QuantityDelivered": qty}
                    for line_id, qty in lines
                ],
            }
            return await services.exact.post(DELIVERIES, body)

        ref = f"{DELIVERIES}:{fulfillment_id}:{code}"
        made_now, existed = await create_once(services.intents, ref, ("EntryID",), search, create)
        entry = str(made_now["EntryID"])
        if not existed:
            log.info("orders.delivery_created", delivery=marker, date=day.isoformat())
        await services.links.put(
            DELIVERY_ENTITY,
            f"{fulfillment_id}:{code}",
            entry,
            exact_ref=marker,
            data={"order": order_name, "lines": [[lid, str(q)] for lid, q in lines]},
        )
        made.append(marker)
    return made
