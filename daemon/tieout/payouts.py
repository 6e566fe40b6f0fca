"""The tie-out's payouts: each Shopify Payments payout issued on the shop-local day against the
bank entry Exact holds for it (found by its `SP{id}:` reference in Exact's bank entry lines,
read from Exact, never from our links). One read per payout; a shop has a few a day at most.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from connectors.exact.odata import parse_date, substringof
from daemon.flows.payouts.apply import BANK_LINES, ENTITY, payout_key
from daemon.flows.payouts.plan import reference, wanted
from daemon.tieout.compare import ZERO, Difference

WAITING = ("queued", "running", "retrying")


async def _job(services: Any, key: str) -> str | None:
    row = await services.db.fetchone(
        "SELECT id, kind, state FROM jobs WHERE key = ? AND state IN (?, ?, ?)"
        " ORDER BY id DESC LIMIT 1",
        (key, *WAITING),
    )
    return f"job {row[0]} ({row[1]}) {row[2]}" if row else None


async def tie_out_payouts(
    services: Any, day: dt.date, zone: dt.tzinfo
) -> tuple[dict[str, Any], list[Difference]]:
    """Per-currency totals of the day's payouts on both sides, and the differences."""
    settings = getattr(services.settings, "payouts", None)
    if settings is None or not settings.enabled or services.shopify is None:
        return {}, []
    shop: dict[str, Decimal] = defaultdict(lambda: ZERO)
    exact: dict[str, Decimal] = defaultdict(lambda: ZERO)
    diffs: list[Difference] = []
    count = 0
    since = day - dt.timedelta(days=1)
    async for payout in services.shopify.iter_payouts(since, settings.statuses):
        if payout.issued_at.astimezone(zone).date() != day or not wanted(payout, settings):
            continue
        link = await services.links.get(ENTITY, payout.id)
        if link is not None and link.data.get("skipped"):
            continue  # a test payout: never booked, on purpose
        count += 1
        ref = reference(payout)
        net = Decimal(str(payout.net.amount))
        shop[payout.net.currency_code.upper()] += net
        select = ["EntryID", "AmountFC", "Date"]
        rows = await services.exact.get(
            BANK_LINES, filter=substringof(ref, "Description"), select=select
        )
        booked = sum((Decimal(str(r.get("AmountFC") or 0)) for r in rows), ZERO)
        days = {d.date() for r in rows if (d := parse_date(r.get("Date"))) is not None}
        if rows and (not days or day in days):
            exact[payout.net.currency_code.upper()] += booked
        job = None if rows else await _job(services, payout_key(payout))
        found = _judge(payout, net, link, rows, booked, days, day, job)
        if found is not None:
            diffs.append(found)
    totals = {
        "payouts": count,
        "currencies": {
            c: {"shop": str(shop[c]), "exact": str(exact[c]), "difference": str(shop[c] - exact[c])}
            for c in sorted(set(shop) | set(exact))
        },
    }
    return totals, diffs


def _judge(
    payout: Any,
    net: Decimal,
    link: Any,
    rows: list[dict[str, Any]],
    booked: Decimal,
    days: set[dt.date],
    day: dt.date,
    job: str | None,
) -> Difference | None:
    currency = payout.net.currency_code.upper()
    ref = reference(payout).rstrip(":")

    def diff(exact: Decimal | None, reason: str, detail: str) -> Difference:
        return Difference("payout", ref, currency, net, exact, reason, detail)

    if not rows:
        if link is not None and link.exact_id:
            detail = f"bank entry {link.exact_ref} deleted in Exact after booking"
            return diff(None, "changed_in_exact", detail)
        return diff(None, "not_yet_booked", job or "the next payouts.import books it")
    if days and day not in days:
        return diff(None, "booked_on_another_day", f"Exact dates it {min(days)}, not {day}")
    if booked == net:
        return None
    reason = "changed_in_exact" if link is not None else "unexplained"
    return diff(booked, reason, f"the bank entry's lines add up to {booked}, the payout is {net}")
