"""Read both sides of one shop-local day for the tie-out: the shop's orders planned into the
documents they should be, and Exact's documents read from Exact itself (never from our links),
so a booking edited or deleted in Exact shows up.

Exact's cost: one paged read of the day's documents, plus one YourRef lookup per expected
document missing from that day (to tell "another day" from "deleted").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Any

import structlog

from connectors.errors import ConnectorError
from connectors.exact.odata import eq, parse_date
from daemon.flows.orders.apply import EXPORTED_ENTITY, ORDER_ENTITY, SALES_INVOICES, SALES_ORDERS
from daemon.flows.orders.decide import Action, decide
from daemon.flows.orders.edits import as_edited
from daemon.flows.orders.facts import read_order
from daemon.flows.orders.fulfilment import shop_zone
from daemon.flows.orders.jobs import order_key
from daemon.flows.orders.plan import plan_order
from daemon.tieout.compare import ZERO, Expected, Found, Unmapped, add_section, tie_out
from daemon.tieout.payouts import tie_out_payouts

log = structlog.get_logger(__name__)
WAITING = ("queued", "running", "retrying")
# An edit's difference document, a cancel's credit note (orders/edits.py, cancel.py), a refund's
# credit note (refunds/plan.py): not order documents of their own.
RELATED_REF = re.compile(r"(/E\d+[+-]|/C|/R\d+/[^/]+)$")


def _entity(settings: Any) -> tuple[str, str, str]:
    """(entity set, key, date field) of the documents orders book as."""
    if settings.orders.document == "invoice":
        return SALES_INVOICES, "InvoiceID", "InvoiceDate"
    return SALES_ORDERS, "OrderID", "OrderDate"


def _local_day(value: str) -> dt.date:
    # Exact keeps business dates zone-less as the shop's wall clock (connectors/exact/wire.py),
    # so the /Date(ms)/ instant read as UTC is the shop's day.
    moment = parse_date(value)
    assert moment is not None
    return moment.date()


def _found(row: dict[str, Any], key: str, date_field: str) -> Found:
    gross = Decimal(str(row.get("AmountFC") or 0)).quantize(ZERO)
    net = row.get("AmountFCExclVat")
    return Found(
        your_ref=str(row.get("YourRef") or ""),
        exact_id=str(row[key]),
        day=_local_day(row[date_field]),
        currency=str(row.get("Currency") or ""),
        gross=gross,
        net=gross if net is None else Decimal(str(net)).quantize(ZERO),
    )


async def read_exact_day(services: Any, day: dt.date) -> list[Found]:
    entity, key, date_field = _entity(services.settings)
    nxt = day + dt.timedelta(days=1)
    # A zone-less literal on purpose: Exact compares the stored wall-clock date.
    where = (
        f"{date_field} ge datetime'{day.isoformat()}T00:00:00' and "
        f"{date_field} lt datetime'{nxt.isoformat()}T00:00:00'"
    )
    select = [key, "YourRef", date_field, "Currency", "AmountFC", "AmountFCExclVat"]
    rows = await services.exact.get(entity, filter=where, select=select)
    return [_found(r, key, date_field) for r in rows if "/" in str(r.get("YourRef") or "")]


async def _lookup(services: Any, your_ref: str) -> Found | None:
    entity, key, date_field = _entity(services.settings)
    select = [key, "YourRef", date_field, "Currency", "AmountFC", "AmountFCExclVat"]
    rows = await services.exact.get(entity, filter=eq("YourRef", your_ref), select=select, top=1)
    return _found(rows[0], key, date_field) if rows else None


async def _job(services: Any, gid: str) -> str | None:
    row = await services.db.fetchone(
        "SELECT id, kind, state FROM jobs WHERE key = ? AND state IN (?, ?, ?)"
        " ORDER BY id DESC LIMIT 1",
        (order_key(gid), *WAITING),
    )
    return f"job {row[0]} ({row[1]}) {row[2]}" if row else None


async def read_shop_day(
    services: Any, day: dt.date, zone: dt.tzinfo
) -> tuple[list[Expected], list[Unmapped]]:
    """The day's orders (by their business moment in the shop's zone) as expected documents."""
    settings = services.settings
    start = dt.datetime.combine(day, dt.time(), zone)
    expected: list[Expected] = []
    unmapped: list[Unmapped] = []
    seen: set[str] = set()
    async for header in services.shopify.iter_order_headers(start.astimezone(dt.UTC)):
        if header.id in seen:
            continue
        seen.add(header.id)
        snapshot = await read_order(services.shopify, header.id)
        if snapshot is None:
            continue
        order, facts = snapshot
        order = await as_edited(services.shopify, order)  # as the orders flow books it
        moment = order.processed_at or order.created_at
        if moment.astimezone(zone).date() != day:
            continue
        exported = await services.links.get(EXPORTED_ENTITY, order.id) is not None
        action, _why = decide(order, settings.orders, exported=exported)
        if action is Action.REVERSE and settings.orders.document == "invoice":
            expected += await _reversed(services, order.name)
            continue
        if action not in (Action.EXPORT, Action.DONE):
            continue
        try:
            plan = plan_order(order, facts, settings.orders, settings.mapping)
        except ConnectorError as exc:
            unmapped.append(Unmapped(order.name, exc.hint or exc.message))
            continue
        job = await _job(services, order.id)
        for doc in plan.documents:
            link = await services.links.get(ORDER_ENTITY, doc.link_id)
            booked = None
            if link is not None:
                total = link.data.get("total")
                booked = Decimal(str(total)) if total else None
            vat: dict[str, Decimal] = {}
            for ln in doc.lines:
                rate = str(ln.vat_rate)
                vat[rate] = vat.get(rate, ZERO) + ln.exact_vat
            expected.append(
                Expected(
                    your_ref=doc.your_ref,
                    order=order.name,
                    currency=doc.currency,
                    gross=doc.total,
                    net=sum((ln.net for ln in doc.lines), ZERO).quantize(ZERO),
                    shipping=sum((ln.gross for ln in doc.lines if ln.kind == "shipping"), ZERO),
                    vat_by_rate=vat,
                    booked_id=link.exact_id if link is not None else None,
                    booked_total=booked,
                    job=job,
                    related=_edit_refs(doc.your_ref, link.data if link is not None else {}),
                )
            )
    return expected, unmapped


def _edit_refs(your_ref: str, data: dict[str, Any]) -> tuple[str, ...]:
    if data.get("document") != "invoice":
        return ()  # a sales order is edited in place
    n = int(data.get("edits") or 0)
    return tuple(f"{your_ref}/E{i}{sign}" for i in range(1, n + 1) for sign in "+-")


async def _reversed(services: Any, order_name: str) -> list[Expected]:
    """A cancelled order's invoices, expected to be credited to zero: each with its edits, the
    cancel's credit note and the refund notes against it."""
    rows = await services.db.fetchall(
        "SELECT shopify_id FROM links WHERE entity = ? AND json_extract(data, '$.order_name') = ?",
        (ORDER_ENTITY, order_name),
    )
    out = []
    for (shopify_id,) in rows:
        link = await services.links.get(ORDER_ENTITY, shopify_id)
        if link is None or link.data.get("document") != "invoice":
            continue
        ref = link.exact_ref or ""
        notes = await services.db.fetchall(
            "SELECT exact_ref FROM links WHERE entity = 'refund'"
            " AND json_extract(data, '$.credits') = ?",
            (ref,),
        )
        related = (*_edit_refs(ref, link.data), f"{ref}/C", *(r for (r,) in notes if r))
        currency = str(link.data.get("currency") or "EUR")
        out.append(
            Expected(ref, order_name, currency, ZERO, ZERO, booked_id=link.exact_id,
                     related=related)
        )  # fmt: skip
    return out


async def _with_related(services: Any, base: Found, refs: tuple[str, ...]) -> Found:
    """`base` plus the documents `refs` name (one YourRef look-up each)."""
    gross, net = base.gross, base.net
    for ref in refs:
        doc = await _lookup(services, ref)
        if doc is not None:
            gross, net = gross + doc.gross, net + doc.net
    return dataclasses.replace(base, gross=gross, net=net)


async def run_tieout(services: Any, day: dt.date) -> dict[str, Any]:
    """The day's tie-out report (see compare.tie_out for its shape)."""
    zone = shop_zone(services)
    expected, unmapped = await read_shop_day(services, day, zone)
    # Edit, cancel and refund documents count with their document, whatever day they carry.
    found = [f for f in await read_exact_day(services, day) if not RELATED_REF.search(f.your_ref)]
    on_day = {f.your_ref for f in found}
    elsewhere: dict[str, Found] = {}
    for e in expected:
        if e.your_ref not in on_day:
            other = await _lookup(services, e.your_ref)
            if other is not None:
                elsewhere[e.your_ref] = other
    for e in expected:
        if e.related:
            found = [
                await _with_related(services, f, e.related) if f.your_ref == e.your_ref else f
                for f in found
            ]
            if e.your_ref in elsewhere:
                other = elsewhere[e.your_ref]
                elsewhere[e.your_ref] = await _with_related(services, other, e.related)
    report = tie_out(
        day,
        expected,
        found,
        elsewhere,
        unmapped,
        rounding_cap=services.settings.orders.max_rounding,
    )
    report["timezone"] = str(zone)
    report["covers"] = ["orders"]
    add_section(report, "payouts", *await tie_out_payouts(services, day, zone))
    log.info(
        "tieout.done",
        date=report["date"],
        differences=len(report["differences"]),
        unexplained=report["unexplained"],
    )
    return report
