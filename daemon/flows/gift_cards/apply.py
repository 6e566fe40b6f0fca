"""Gift card jobs: the daily import and webhooks enqueue one sync per card; the sync books.

One key per card (`gift_card:{id}:sync`) for every trigger — create, update, the daily import —
so two events of one card coalesce and never run at once; each run books only what the card's
link says is still missing, after searching Exact for the entry's reference (`GC<id>I:` issue,
`GC<id>X:` release) so a crash between posting and linking cannot book twice.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import substringof
from connectors.shopify.models import GiftCard
from daemon.flows.gift_cards.config import GiftCardsSettings
from daemon.flows.gift_cards.liability import enqueue_reconcile
from daemon.flows.gift_cards.plan import (
    ZERO,
    JournalPlan,
    Ledger,
    OrderBooking,
    card_number,
    plan_gift_card,
    plan_redemption,
)
from daemon.flows.orders.jobs import EXPORT_KIND, order_key
from daemon.flows.payouts.exact_refs import gl_account_ids
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.gift_cards")

ENTITY = "gift_card"
CURSOR = "gift_cards.updated_at"
ENTRIES = "generaljournalentry/GeneralJournalEntries"
ENTRY_LINES = "generaljournalentry/GeneralJournalEntryLines"
OVERLAP = dt.timedelta(minutes=10)  # re-read a little before the cursor: clocks and paging
REDEMPTION = "gift_card_redemption"  # links: Shopify order transaction gid → Exact entry
ORDERS_SEEN = "gift_cards.orders_exported"  # cursor: links.created_at of the last order seen
STARTED = "gift_cards.start_date"  # cursor: the first day shopsync looked at gift cards
PAYMENT_ENTITY = "order_payment"  # the orders flow's payments (see daemon/flows/orders/README)

# The same fields as connectors/shopify/queries/gift_cards.graphql, for one card by id (the
# client has no single-card read yet; documents are accepted as well as query file names).
GIFT_CARD_QUERY = """
query gift_card($id: ID!) {
  giftCard(id: $id) {
    id lastCharacters enabled createdAt updatedAt expiresOn deactivatedAt note
    initialValue { amount currencyCode }
    balance { amount currencyCode }
    order { id name }
    customer { id defaultEmailAddress { emailAddress } }
  }
}
"""


def _settings(services: Any) -> GiftCardsSettings:
    return getattr(services.settings, "gift_cards", None) or GiftCardsSettings()


def card_key(card_id: str | int) -> str:
    return f"gift_card:{str(card_id).rsplit('/', 1)[-1]}:sync"


async def import_gift_cards(services: Any, job: Job) -> None:
    """Every card changed since the cursor gets a sync job; totals are reconciled on the way."""
    start = await start_date(services)
    cursor = await services.cursors.get(CURSOR)
    if cursor:
        since = dt.datetime.fromisoformat(cursor) - OVERLAP
    else:
        since = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    newest = None
    keys: list[tuple[str, dict[str, Any]]] = []
    async for card in services.shopify.iter_gift_cards(since):
        newest = max(newest or _changed(card), _changed(card))
        if card.created_at.date() < start:
            continue
        keys.append((card_key(card.id), {"id": card.id}))
    async with services.db.transaction() as conn:
        for key, payload in keys:
            await services.queue.enqueue_in(conn, "gift_cards.sync", key, payload)
    for key, _ in keys:
        services.queue.emit("enqueued", kind="gift_cards.sync", key=key)
    if newest is not None:
        await services.cursors.set(CURSOR, newest.isoformat())
    await enqueue_redemptions(services)
    await enqueue_reconcile(services)  # checks once the syncs and redemptions above are done
    log.info("gift cards listed", since=since.isoformat(), to_sync=len(keys))


async def start_date(services: Any) -> dt.date:
    """[gift_cards] start_date, else the day shopsync first looked at gift cards (remembered):
    older cards were booked before shopsync, if at all, and are never booked again."""
    configured = _settings(services).start_date
    if configured is not None:
        return configured
    stored = await services.cursors.get(STARTED)
    if stored:
        return dt.date.fromisoformat(stored)
    today = dt.datetime.now(dt.UTC).date()
    await services.cursors.set(STARTED, today.isoformat())
    return today


def _changed(card: GiftCard) -> dt.datetime:
    return card.updated_at or card.created_at


async def sync_gift_card(services: Any, job: Job) -> None:
    """Book what is due for one card: issue, link to its order, release on expiry, book back a
    released balance when the card is valid again; record."""
    s = _settings(services)
    data = await services.shopify.client.execute(GIFT_CARD_QUERY, {"id": job.payload["id"]})
    if not data.get("giftCard"):
        raise PermanentError(
            f"Shopify has no gift card {job.payload['id']}", hint="Nothing to book; cancel the job."
        )
    card = GiftCard.model_validate(data["giftCard"])
    if card.created_at.date() < await start_date(services):
        return  # older than the integration: its liability was booked before shopsync
    link = await services.links.get(ENTITY, card.id)
    if link is not None:
        ledger = Ledger.from_link(link.data)
    else:  # first sight, or our record was lost: what Exact holds for the card is the ledger
        ledger = await _ledger_in_exact(services, card)
    order = await _order_booking(services, card) if card.order else None
    plan = plan_gift_card(card, ledger, order, s, today=dt.datetime.now(dt.UTC).date())
    booked: dict[str, str] = {}
    for entry in plan.entries:
        booked[entry.kind] = await _find_or_post(services, entry)
    record = {
        **(link.data if link else {}),
        "origin": plan.origin,
        "state": plan.state,
        "initial": str(card.initial_value.amount),
        "balance": str(plan.balance),
        "redeemed": str(plan.redeemed),
        "currency": card.initial_value.currency_code,
        "releases": ledger.releases,
        "reinstates": ledger.reinstates,
    }
    if ledger.issued_entry:
        record["issued_entry"] = ledger.issued_entry
    if ledger.released_entry:
        record["released_entry"] = ledger.released_entry
    if ledger.released is not None:
        record["released"] = str(ledger.released)
    if "issue" in booked:
        record["issued_entry"] = booked["issue"]
    if "reinstate" in booked:  # the released balance is a liability again
        record["reinstated_entry"] = booked["reinstate"]
        record["reinstates"] = ledger.reinstates + 1
        record["released"] = "0.00"
    if "release" in booked:
        record["released_entry"] = booked["release"]
        record["releases"] = ledger.releases + 1
        record["released"] = str(plan.balance)
    if plan.link_order:
        record["order_link"] = list(plan.link_order)
    if card.order is not None:  # the liability check finds the order's documents by it
        record["order"], record["order_name"] = card.order.id, card.order.name
    exact_id = record.get("issued_entry") or (record.get("order_link") or [""])[0]
    await services.links.put(
        ENTITY, card.id, exact_id or "", exact_ref=card.last_characters, data=record
    )
    if plan.waiting_for_order:
        log.info("gift card sold in an order not in Exact yet; checked next run", card=card.id)
    if plan.problems:
        raise PermanentError(
            f"gift card {card.id}: " + "; ".join(plan.problems),
            hint="Compare the order's gift card lines in Exact with the card in Shopify and "
            "correct the booking by hand; then retry this job.",
        )


async def _ledger_in_exact(services: Any, card: GiftCard) -> Ledger:
    """Rebuild the card's ledger from the entries carrying its references (`GC<id>I:`, `X…:`,
    `E…:`), so a card released, made valid again and released again is never booked twice
    after a lost record. One read per card we hold no record of."""
    prefix = f"GC{card_number(card)}"
    rows = await services.exact.get(
        ENTRY_LINES,
        filter=substringof(prefix, "Description"),
        select=["EntryID", "Description", "AmountFC"],
    )
    pattern = re.compile(rf"^{prefix}([IXE])(\d*):")
    entries: dict[str, tuple[str, str, Decimal]] = {}  # reference → (kind, entry, amount)
    for row in rows:
        found = pattern.match(str(row.get("Description") or ""))
        if found is None:
            continue  # another card whose number starts with ours
        ref = found.group(0)
        kind, entry, amount = entries.get(ref, (found.group(1), str(row["EntryID"]), ZERO))
        entries[ref] = (kind, entry, amount + max(_dec(row.get("AmountFC")), ZERO))
    issued = next((e for k, e, _ in entries.values() if k == "I"), None)
    releases = [(e, a) for k, e, a in entries.values() if k == "X"]
    back = [a for k, _, a in entries.values() if k == "E"]
    out = sum((a for _, a in releases), ZERO) - sum(back, ZERO)
    return Ledger(
        issued_entry=issued,
        released_entry=releases[-1][0] if releases else None,
        released=out,
        releases=len(releases),
        reinstates=len(back),
    )


async def _order_booking(services: Any, card: GiftCard) -> OrderBooking | None:
    """The orders flow's links for the order that sold the card (any location); None while
    the order is not in Exact yet, or its export is still under way: a multi-location order
    books one document per location, and between the first and the last one the card's order
    shows too little gift card, which is timing, not a wrong booking."""
    assert card.order is not None
    number = card.order.id.rsplit("/", 1)[-1]
    exporting = await services.db.fetchone(
        "SELECT 1 FROM jobs WHERE kind = ? AND key = ?"
        " AND state IN ('queued', 'retrying', 'running')",
        (EXPORT_KIND, order_key(card.order.id)),
    )
    if exporting is not None:
        return None
    rows = await services.db.fetchall(
        "SELECT exact_id, data FROM links WHERE entity = 'order'"
        " AND (substr(shopify_id, 1, ?) = ? OR substr(shopify_id, 1, ?) = ?)",
        (len(card.order.id) + 1, f"{card.order.id}:", len(number) + 1, f"{number}:"),
    )
    if not rows:
        return None
    total = ZERO
    for _, raw in rows:
        for line in json.loads(raw).get("lines", []):
            if line.get("kind") == "gift_card":
                total += _dec(line.get("gross"))
    return OrderBooking(tuple(r[0] for r in rows), total)


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return ZERO


async def _find_or_post(services: Any, entry: JournalPlan) -> str:
    rows = await services.exact.get(
        ENTRY_LINES, filter=substringof(entry.reference, "Description"), select=["EntryID"], top=1
    )
    if rows:
        log.info("gift card entry found in Exact; linking", reference=entry.reference)
        return rows[0]["EntryID"]
    gl_ids = await gl_account_ids(services, {ln.gl for ln in entry.lines})
    created = await services.exact.post(ENTRIES, entry.exact_body(gl_ids))
    log.info("gift card entry booked", kind=entry.kind, reference=entry.reference)
    return created["EntryID"]


def redeem_key(order_id: str) -> str:
    return f"gift_card_redeem:{order_id.rsplit('/', 1)[-1]}"


async def enqueue_redemptions(services: Any) -> int:
    """Orders the orders flow exported since last time: each gets a look for gift card payments."""
    seen = float(await services.cursors.get(ORDERS_SEEN) or 0)
    rows = await services.db.fetchall(
        "SELECT shopify_id, created_at FROM links WHERE entity = 'order_export'"
        " AND created_at > ? ORDER BY created_at",
        (seen,),
    )
    if not rows:
        return 0
    async with services.db.transaction() as conn:
        for order_id, _ in rows:
            payload = {"order_id": order_id}
            await services.queue.enqueue_in(
                conn, "gift_cards.redeem", redeem_key(order_id), payload
            )
    await services.cursors.set(ORDERS_SEEN, repr(rows[-1][1]))
    return len(rows)


async def redeem_gift_cards(services: Any, job: Job) -> None:
    """Book each gift card payment of one exported order: liability → the customer's invoice."""
    from daemon.flows.orders.payments import payment_lines  # the prepayments' invoice split

    s = _settings(services)
    order_id = job.payload["order_id"]
    rows = await services.db.fetchall(
        "SELECT data FROM links WHERE entity = 'order' AND substr(shopify_id, 1, ?) = ?",
        (len(order_id) + 1, f"{order_id}:"),
    )
    documents = [json.loads(r[0]) for r in rows]
    account = next((d["account"] for d in documents if d.get("account")), None)
    if account is None:
        return  # not exported yet: the import looks again once the orders flow has
    order = await services.shopify.get_order(order_id)
    if order is None:
        raise PermanentError(f"Shopify has no order {order_id}", hint="Cancel this job.")
    debtors = services.settings.orders.debtors_gl
    for tx in order.transactions:
        if not _gift_card_payment(tx) or await services.links.get(REDEMPTION, tx.id):
            continue
        money = tx.amount_set.shop_money
        plan = plan_redemption(
            order_name=order.name,
            transaction_id=tx.id,
            parts=payment_lines(money.amount, documents),
            currency=money.currency_code,
            account_id=account,
            when=(tx.processed_at or order.created_at).date(),
            settings=s,
            debtors_gl=debtors,
        )
        entry = await _find_or_post(services, plan)
        await services.links.put(
            REDEMPTION, tx.id, entry, exact_ref=order.name, data={"amount": str(money.amount)}
        )
        await _share_with_prepayments(services, order.id, tx.id, entry, plan, account)


async def _share_with_prepayments(
    services: Any, order_id: str, tx_id: str, entry: str, plan: JournalPlan, account: str
) -> None:
    """Record the credit as one of the order's payments (the orders flow's `order_payment`
    link), so in sales-order mode its prepayment step moves it onto Exact's invoice later,
    exactly like a card payment. Never overwrite: that step keeps `applied` up to date."""
    if await services.links.get(PAYMENT_ENTITY, tx_id) is not None:
        return
    credits = [ln for ln in plan.lines if ln.account_id]
    amount = -sum((ln.amount for ln in credits), ZERO)
    applied = -sum((ln.amount for ln in credits if ln.invoice_number is not None), ZERO)
    data = {
        "order": order_id,
        "amount": str(amount),
        "account": account,
        "applied": str(applied),
        "gateway": "gift_card",
    }
    await services.links.put(PAYMENT_ENTITY, tx_id, entry, exact_ref=plan.reference, data=data)


def _gift_card_payment(tx: Any) -> bool:
    return tx.kind in ("SALE", "CAPTURE") and tx.status == "SUCCESS" and tx.gateway == "gift_card"
