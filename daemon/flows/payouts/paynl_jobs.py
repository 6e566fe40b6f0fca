"""Pay. settlement jobs: a daily import lists each day's settlements, one job books each one.

The import reads every day from the last one it finished through today, so a day missed
while the daemon was down is caught up; today is read again tomorrow, since Pay. makes
clearings in the morning. Nothing twice: a settlement's booking is found again by its link,
else (after a crash or a lost answer) by searching Exact's bank entry lines for `PAY<code>:`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.paynl.models import InvoiceLine, Settlement, SettlementDetail, UnitMismatch
from daemon.flows.payouts.apply import (
    BANK_ENTRIES,
    find_entry,
    open_receivables,
    payout_zone,
    post_entry,
)
from daemon.flows.payouts.config import PaynlSettings
from daemon.flows.payouts.entry import plan_entry
from daemon.flows.payouts.paynl_relations import resolve_relations
from daemon.flows.payouts.paynl_source import accounts, paynl_facts, reference
from daemon.logs import get_logger
from state.intents import create_once
from state.queue import Job

log = get_logger("shopsync.paynl")

ENTITY = "paynl_settlement"
CURSOR = "paynl.listed_through"  # the last day whose settlements are all queued


def _settings(services: Any) -> PaynlSettings:
    s = services.settings.paynl
    if s is None or services.paynl is None:
        raise PermanentError(
            "Pay. is not configured", hint="Add a [paynl] section (see shopsync.example.toml)."
        )
    return s


async def import_settlements(services: Any, job: Job) -> None:
    """Queue a booking for every settlement not booked yet, day by day, then move the cursor."""
    s = _settings(services)
    today = dt.datetime.now(dt.UTC).astimezone(payout_zone(services)).date()
    cursor = await services.cursors.get(CURSOR)
    first = (
        dt.date.fromisoformat(cursor) + dt.timedelta(days=1)
        if cursor
        else today - dt.timedelta(days=s.lookback_days)
    )
    if s.start_date is not None:
        first = max(first, s.start_date)
    specs: list[tuple[str, str, dict[str, Any]]] = []
    day = first
    while day <= today:
        for group in s.turnover_groups or [None]:
            for settlement in await services.paynl.settlements_on(day, turnover_group=group):
                if await services.links.get(ENTITY, settlement.code) is not None:
                    continue
                payload = {"code": settlement.code, "day": day.isoformat(), "group": group}
                specs.append(("paynl.book", f"paynl:{settlement.code}", payload))
        day += dt.timedelta(days=1)
    async with services.db.transaction() as conn:
        for kind, key, payload in specs:
            await services.queue.enqueue_in(conn, kind, key, payload)
    for kind, key, _ in specs:
        services.queue.emit("enqueued", kind=kind, key=key)
    if first <= today - dt.timedelta(days=1):
        await services.cursors.set(CURSOR, (today - dt.timedelta(days=1)).isoformat())
    log.info("Pay. settlements listed", first=first.isoformat(), to_book=len(specs))


async def book_settlement(services: Any, job: Job) -> None:
    """Book one settlement as a bank entry equal to the transfer, once."""
    s = _settings(services)
    code = job.payload["code"]
    if await services.links.get(ENTITY, code) is not None:
        return
    settlement = await _settlement(services, code, job.payload)
    try:
        detail = await services.paynl.settlement_detail(settlement)
    except UnitMismatch as exc:
        raise PermanentError(
            f"Pay. settlement {code}: {exc}",
            hint="Pay.'s figures disagree with themselves; book this settlement by hand.",
        ) from None
    chargebacks = await _chargebacks(services, detail)
    costs = await _costs(services, detail)
    facts = paynl_facts(detail, costs, chargebacks=chargebacks)
    summary: dict[str, Any] = {}

    async def search() -> dict[str, Any] | None:
        found = await find_entry(services, reference(code))
        return {"EntryID": found[0], "EntryNumber": found[1]} if found else None

    async def create() -> dict[str, Any]:
        booked_to, receivables = await _matching(services, s)

        def plan_with(relations: dict[str, str] | None = None) -> Any:
            return plan_entry(
                facts,
                receivables,
                journal=s.bank_journal,
                debtors_account=s.debtors_account,
                accounts=booked_to,
                relations=relations,
            )

        plan = plan_with()
        if (s.standard_debtor or s.create_relations) and not _prepaid(services):
            # The receipts no open document matched: a customer for them, if the settings say.
            left = {ln.transaction_id for ln in plan.lines if ln.kind == "unassigned"}
            unmatched = [
                pl for pl in facts.lines if pl.kind == "receipt" and pl.transaction_id in left
            ]
            relations = await resolve_relations(services, s, unmatched)
            if relations:
                plan = plan_with(relations)
        entry_id, number = await post_entry(services, plan)
        summary.update(plan.summary())
        if plan.unknown_types:
            log.warning(
                "Pay. settlement has a deduction no Pay. invoice explains; booked as unassigned",
                settlement=code,
            )
        return {"EntryID": entry_id, "EntryNumber": number}

    entry, existed = await create_once(
        services.intents,
        f"{BANK_ENTRIES}:{reference(code)}",
        ("EntryID", "EntryNumber"),
        search,
        create,
    )
    data = summary or {"net": str(detail.amount), "currency": settlement.currency}
    await services.links.put(
        ENTITY, code, entry["EntryID"], exact_ref=str(entry.get("EntryNumber")), data=data
    )
    log.info(
        "Pay. settlement booked" if not existed else "Pay. settlement found booked; linked",
        settlement=code,
        entry=entry.get("EntryNumber"),
        **summary,
    )


async def _matching(services: Any, s: PaynlSettings) -> tuple[dict[str, str], list[Any]]:
    """As for Shopify Payments: when a Shopify shop's orders flow already applied each payment
    to its invoice from the clearing account, Pay.'s receipts clear that account instead."""
    booked_to = accounts(s)
    if _prepaid(services):
        return booked_to | {"unassigned": services.settings.orders.clearing_gl}, []
    return booked_to, await open_receivables(services)


def _prepaid(services: Any) -> bool:
    orders = services.settings.orders
    return services.settings.shop.platform == "shopify" and orders.enabled and orders.prepayments


async def _settlement(services: Any, code: str, payload: dict[str, Any]) -> Settlement:
    day = dt.date.fromisoformat(payload["day"])
    listed = await services.paynl.settlements_on(day, turnover_group=payload.get("group"))
    for settlement in listed:
        if settlement.code == code:
            return settlement
    raise PermanentError(
        f"Pay. no longer lists settlement {code} on {day}",
        hint="Check the settlement in My.pay.nl; cancel this job if it was withdrawn.",
    )


async def _chargebacks(services: Any, detail: SettlementDetail) -> set[str]:
    """Reporting ids of the negative records that are chargebacks (a record does not say)."""
    out = set()
    for r in detail.records:
        if r.amount < 0:
            status = (await services.paynl.transaction(r.reporting_id)).get("status") or {}
            if str(status.get("action", "")).upper() == "CHARGEBACK":
                out.add(r.reporting_id)
    return out


async def _costs(services: Any, detail: SettlementDetail) -> list[InvoiceLine]:
    """Pay.'s invoiced costs processed on the settlement's day for its revenue groups, when it
    kept anything back. Which invoice a deduction settles is not published: the plan books
    them as costs only when they account for the deduction to the cent."""
    kept = detail.amount - sum((r.amount for r in detail.records), Decimal(0))
    if not kept:
        return []
    s = detail.settlement
    lines = await services.paynl.invoice_lines(s.settlement_date, s.settlement_date)
    groups = set(s.turnover_groups)
    return [x for x in lines if not groups or x.turnover_group in groups]
