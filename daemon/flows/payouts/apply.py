"""Payout jobs: the daily import lists payouts, one job per payout books (or reverses) it.

Nothing twice: a payout's booking is found again by its link, else by searching Exact's bank
entry lines for the payout's reference (`SP<id>:` opens every line's description) before a
create, so a crash between "posted" and "linked" cannot book it twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import anyio

from connectors.exact.odata import eq, substringof
from connectors.shopify.bulk import run_bulk_query
from connectors.shopify.models import BalanceTransaction, Payout
from daemon.flows.payouts.config import PayoutsSettings
from daemon.flows.payouts.exact_refs import gl_account_ids
from daemon.flows.payouts.plan import (
    REVERSIBLE_STATUSES,
    BankEntryPlan,
    Receivable,
    is_test_payout,
    plan_bank_entry,
    plan_reversal,
    reference,
    reversal_reference,
    wanted,
)
from daemon.logs import get_logger
from state.intents import create_once
from state.queue import Job

log = get_logger("shopsync.payouts")

ENTITY = "payout"
CURSOR = "payouts.issued_at"
BANK_ENTRIES = "financialtransaction/BankEntries"
BANK_LINES = "financialtransaction/BankEntryLines"
RECEIVABLES = "read/financial/ReceivablesList"
RECEIVABLE_FIELDS = ["HID", "AccountId", "Amount", "CurrencyCode", "InvoiceNumber", "YourRef"]
# Past this many transactions a payout is read as one bulk operation: paging 10,000 of them
# costs ~50,000 query points, 8 minutes of a standard plan's 100 points/s (shopify.dev: "you can
# bulk query any connection field").
PAGED_MAX = 100
BULK_BALANCE_TRANSACTIONS = """
{ shopifyPaymentsAccount { balanceTransactions(query: "payout_id:%d") { edges { node {
  id type test transactionDate sourceOrderTransactionId
  amount { amount currencyCode } fee { amount currencyCode } net { amount currencyCode }
  associatedOrder { id name } associatedPayout { id status }
} } } } }
"""


def _settings(services: Any) -> PayoutsSettings:
    return getattr(services.settings, "payouts", None) or PayoutsSettings()


def payout_zone(services: Any) -> dt.tzinfo:
    scheduler = services.extras.get("scheduler")
    if scheduler is not None:
        return scheduler.zone
    schedules = getattr(services.settings, "schedules", None)
    name = getattr(schedules, "timezone", "Europe/Amsterdam")
    return ZoneInfo(name if name != "shop" else "Europe/Amsterdam")


def payout_key(payout: Payout) -> str:
    return f"payout:{payout.legacy_resource_id}"


async def import_payouts(services: Any, job: Job) -> None:
    """List payouts since the cursor; enqueue a booking for each new one and a reversal for
    each booked one that failed. The cursor moves only after the jobs are durable."""
    s = _settings(services)
    since = await _since(services, s)
    statuses = set(s.statuses) | REVERSIBLE_STATUSES
    newest: dt.datetime | None = None
    specs: list[tuple[str, str, dict[str, Any]]] = []
    async for payout in services.shopify.iter_payouts(since, statuses):
        newest = max(newest or payout.issued_at, payout.issued_at)
        if not wanted(payout, s):
            continue
        link = await services.links.get(ENTITY, payout.id)
        reversible = payout.status in REVERSIBLE_STATUSES
        if reversible and (link is None or not link.exact_id or link.data.get("reversal_id")):
            continue  # never booked (or a skipped test payout), or already reversed
        if not reversible and link is not None:
            continue  # booked already
        specs.append(
            ("payouts.book", payout_key(payout), {"payout": payout.model_dump(mode="json")})
        )
    async with services.db.transaction() as conn:
        for kind, key, payload in specs:
            await services.queue.enqueue_in(conn, kind, key, payload)
    for kind, key, _ in specs:
        services.queue.emit("enqueued", kind=kind, key=key)
    if newest is not None:
        await services.cursors.set(CURSOR, newest.isoformat())
    log.info("payouts listed", since=since.isoformat(), to_book=len(specs))


async def _since(services: Any, s: PayoutsSettings) -> dt.date:
    cursor = await services.cursors.get(CURSOR)
    back = dt.timedelta(days=s.lookback_days)
    if cursor:
        since = dt.datetime.fromisoformat(cursor).date() - back
    else:
        since = dt.datetime.now(dt.UTC).date() - back
    if s.start_date is not None:
        since = max(since, s.start_date) if cursor else s.start_date
    return since


async def book_payout(services: Any, job: Job) -> None:
    """Book one payout as a bank entry, or reverse its booking if it failed afterwards."""
    s = _settings(services)
    payout = Payout.model_validate(job.payload["payout"])
    link = await services.links.get(ENTITY, payout.id)
    if payout.status in REVERSIBLE_STATUSES:
        if link is not None and link.exact_id and not link.data.get("reversal_id"):
            await _reverse(services, s, payout, link)
        return
    if link is not None:
        return
    txs = await balance_transactions(services, payout.legacy_resource_id)
    if is_test_payout(txs):
        await services.links.put(ENTITY, payout.id, "", data={"skipped": "test payout"})
        log.info("test payout skipped", payout=payout.id)
        return
    summary: dict[str, Any] = {}

    async def search() -> dict[str, Any] | None:
        found = await find_entry(services, reference(payout))
        return {"EntryID": found[0], "EntryNumber": found[1]} if found else None

    async def create() -> dict[str, Any]:
        matched, receivables = await _matching(services, s)
        plan = plan_bank_entry(payout, txs, receivables, matched, zone=payout_zone(services))
        entry_id, number = await post_entry(services, plan)
        summary.update(plan.summary())
        if plan.unknown_types:  # booked on the unassigned account; someone must place them
            log.warning(
                "payout has transaction types shopsync does not know; booked as unassigned",
                payout=payout.id,
                types=list(plan.unknown_types),
            )
        return {"EntryID": entry_id, "EntryNumber": number}

    ref = f"{BANK_ENTRIES}:{reference(payout)}"
    entry, existed = await create_once(
        services.intents, ref, ("EntryID", "EntryNumber"), search, create
    )
    found = (entry["EntryID"], entry.get("EntryNumber"))
    if existed:
        log.info("payout found booked in Exact; linking", payout=payout.id, entry=found[1])
        data = {"net": str(payout.net.amount), "currency": payout.net.currency_code}
    else:
        log.info("payout booked", payout=payout.id, entry=found[1], **summary)
        data = summary
    await services.links.put(
        ENTITY, payout.id, found[0], exact_ref=str(found[1]), data={**data, "status": payout.status}
    )


async def balance_transactions(services: Any, legacy_id: int) -> list[BalanceTransaction]:
    """A payout's transactions: paged for the usual few, one bulk operation for a big one."""
    txs: list[BalanceTransaction] = []
    pages = services.shopify.iter_balance_transactions(legacy_id)
    try:
        async for t in pages:
            txs.append(t)
            if len(txs) > PAGED_MAX:
                break
        else:
            return txs
    finally:
        await pages.aclose()
    log.info("big payout: reading its transactions in bulk", payout=legacy_id)
    query = BULK_BALANCE_TRANSACTIONS % legacy_id
    return [
        BalanceTransaction.model_validate(row)
        async for row in run_bulk_query(services.shopify.client, query, poll_interval=1.0)
    ]


async def _reverse(services: Any, s: PayoutsSettings, payout: Payout, link: Any) -> None:
    found = await find_entry(services, reversal_reference(payout))
    if found is None:
        booked = Decimal(link.data.get("net", payout.net.amount))
        plan = plan_reversal(payout, booked, s, zone=payout_zone(services))
        found = await post_entry(services, plan)
        log.info("failed payout reversed", payout=payout.id, status=payout.status, entry=found[1])
    data = {**link.data, "status": payout.status, "reversal_id": found[0]}
    await services.links.put(ENTITY, payout.id, link.exact_id, exact_ref=link.exact_ref, data=data)


async def find_entry(services: Any, ref: str) -> tuple[str, Any] | None:
    """(EntryID, EntryNumber) of a bank entry whose lines carry `ref`, if Exact has one."""
    rows = await services.exact.get(
        BANK_LINES, filter=substringof(ref, "Description"), select=["EntryID"], top=1
    )
    if not rows:
        return None
    entry = await services.exact.get_one(
        BANK_ENTRIES, rows[0]["EntryID"], key="EntryID", select=["EntryID", "EntryNumber"]
    )
    return rows[0]["EntryID"], (entry or {}).get("EntryNumber")


async def _matching(services: Any, s: PayoutsSettings) -> tuple[PayoutsSettings, list[Receivable]]:
    """With the orders flow's prepayments on, each payment already settled its invoice from
    the clearing account: the payout's charges and refunds then clear that account instead of
    matching invoices (which would settle them twice)."""
    orders = getattr(services.settings, "orders", None)
    if orders is not None and orders.enabled and orders.prepayments:
        return s.model_copy(update={"unassigned_account": orders.clearing_gl}), []
    return s, await open_receivables(services)


async def open_receivables(services: Any) -> list[Receivable]:
    rows = await services.exact.get(RECEIVABLES, select=RECEIVABLE_FIELDS)
    out = []
    for r in rows:
        if r.get("InvoiceNumber") is None or not r.get("YourRef") or not r.get("AccountId"):
            continue
        out.append(
            Receivable(
                invoice_number=int(r["InvoiceNumber"]),
                account_id=r["AccountId"],
                amount=Decimal(str(r["Amount"])),
                currency=str(r.get("CurrencyCode") or ""),
                your_ref=str(r["YourRef"]),
            )
        )
    return out


async def post_entry(services: Any, plan: BankEntryPlan) -> tuple[str, Any]:
    """Post the entry opening at the journal's last closing balance, one journal at a time.

    Reading the balance and posting are serialised per journal (a lock per journal code in
    this process; the daemon is the only writer of payouts): two payouts booked at once would
    otherwise both open at the same balance, and Exact refuses the second.
    """
    gl_ids = await gl_account_ids(services, {ln.gl for ln in plan.lines})
    async with journal_lock(services, plan.journal):
        opening = await last_closing_balance(services, plan.journal)
        entry = await services.exact.post(BANK_ENTRIES, plan.exact_body(gl_ids, opening))
    return entry["EntryID"], entry.get("EntryNumber")


def journal_lock(services: Any, journal: str) -> anyio.Lock:
    locks = services.extras.setdefault("payouts.journal_locks", {})
    if journal not in locks:
        locks[journal] = anyio.Lock()
    return locks[journal]


async def last_closing_balance(services: Any, journal: str) -> Decimal:
    """ClosingBalanceFC of the newest bank entry in `journal` (0 when it has none)."""
    rows = await services.exact.get(
        BANK_ENTRIES,
        filter=eq("JournalCode", journal),
        select=["EntryNumber", "ClosingBalanceFC"],
        orderby="EntryNumber desc",
        top=1,
    )
    return Decimal(str(rows[0]["ClosingBalanceFC"] or 0)) if rows else Decimal(0)
