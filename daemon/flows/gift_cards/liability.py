"""The gift card liability check: Shopify's outstanding balances against Exact's ledger, with
every difference that is only timing named (a sold card on a sales order not invoiced yet).

When a card's liability is in Exact's ledger (the liability account, 1800):
- issued by the merchant: at issue, by our memorial entry (issue account → liability);
- sold in an order, invoice mode: at once, by the sales invoice's GIFTCARD line (the item's
  revenue account must be the liability account);
- sold in an order, sales-order mode: only when Exact invoices the sales order. Until then the
  shop owes the card (Shopify shows its balance) but a sales order posts nothing: the buyer's
  payment sits as a prepayment on the customer (1300), not on 1800. That is timing, reported
  by name ("50.00 EUR on sales order 7 (#1002/AMS) not yet invoiced"), not a difference;
- sold in an order not in Exact yet: timing too ("sold in order #1002, not in Exact yet");
- redeemed (our redemption entries) and expired or disabled (our release entries): out of it.

So: Shopify outstanding = ledger + timing; anything else is a difference (a failed or missing
booking) and is logged as a warning. The check runs as its own job once the card syncs and
redemptions that the import enqueued are done, so it never compares half-updated links.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.exact.odata import eq
from daemon.logs import get_logger
from state.queue import Job

log = get_logger("shopsync.gift_cards")

ZERO = Decimal(0)
CARD = "gift_card"  # links: card gid → what we booked for it (apply.py writes them)
REDEMPTION = "gift_card_redemption"
INVOICED = "gift_card_invoiced"  # links: a sales order's YourRef → the invoice Exact made of it
APPLIED = "prepayment_applied"  # the orders flow's: invoice id → its sales order's YourRef
REPORT = "gift_cards_report"  # services.extras: the last check
KIND = "gift_cards.reconcile"
KEY = "gift_cards:reconcile"
# While card jobs are pending the check looks again after 1, 2, 3 … (at most 30) seconds; after
# MAX_WAITS looks (about a quarter of an hour) it checks anyway and says how many were pending.
MAX_WAITS = 40
CARD_JOBS = ("gift_cards.sync", "gift_cards.redeem")
CREDIT_NOTES = (8021, 8024)  # Exact's SalesInvoice.Type: credit note, direct credit note


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ZERO


@dataclass(frozen=True)
class Document:
    """One of the orders flow's documents for an order (its `order` link)."""

    kind: str  # salesorder | invoice
    ref: str  # YourRef, e.g. #1002/AMS
    number: str  # Exact's order or invoice number
    gift_cards: bool  # holds gift card lines


@dataclass(frozen=True)
class Timing:
    card: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class LiabilityReport:
    cards: int
    shopify_outstanding: Decimal
    ledger: Decimal
    timing: tuple[Timing, ...]
    pending_jobs: int = 0

    @property
    def difference(self) -> Decimal:
        return self.shopify_outstanding - self.ledger - sum((t.amount for t in self.timing), ZERO)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cards": self.cards,
            "shopify_outstanding": str(self.shopify_outstanding),
            "ledger_liability": str(self.ledger),
            "not_in_ledger_yet": str(sum((t.amount for t in self.timing), ZERO)),
            "timing": [t.reason for t in self.timing],
            "difference": str(self.difference),
            "pending_jobs": self.pending_jobs,
        }


def plan_liability(
    cards: list[dict[str, Any]],
    redeemed: Decimal,
    documents: dict[str, list[Document]],
    invoiced: set[str],
) -> LiabilityReport:
    """Pure: card links (data + `id`), the redemptions booked, each sold card's order documents
    (by card id) and the YourRefs of sales orders Exact has invoiced → the report."""
    outstanding = ledger = ZERO
    timing: list[Timing] = []
    for d in cards:
        initial, currency = _dec(d.get("initial")), d.get("currency") or ""
        ledger -= _dec(d.get("released"))
        if d.get("state") == "enabled":
            outstanding += _dec(d.get("balance"))
        if d.get("origin") != "order":
            if d.get("issued_entry"):
                ledger += initial
            continue
        docs = [doc for doc in documents.get(d["id"], []) if doc.gift_cards]
        waiting = [doc for doc in docs if doc.kind == "salesorder" and doc.ref not in invoiced]
        if not docs:
            name = d.get("order_name") or d.get("order") or "an order"
            timing.append(
                Timing(
                    d["id"], initial, f"{initial} {currency} sold in order {name}, not in Exact yet"
                )
            )
        elif waiting:
            doc = waiting[0]
            timing.append(
                Timing(
                    d["id"],
                    initial,
                    f"{initial} {currency} on sales order {doc.number} ({doc.ref}) not yet "
                    "invoiced",
                )
            )
        else:
            ledger += initial
    return LiabilityReport(len(cards), outstanding, ledger - redeemed, tuple(timing))


def documents_of(order_links: list[tuple[str, str]]) -> list[Document]:
    """`order` link rows (exact_ref, data JSON) → documents."""
    out = []
    for ref, raw in order_links:
        data = json.loads(raw)
        out.append(
            Document(
                kind=data.get("document") or "salesorder",
                ref=ref or "",
                number=str(data.get("number") or ""),
                gift_cards=any(ln.get("kind") == "gift_card" for ln in data.get("lines", [])),
            )
        )
    return out


async def enqueue_reconcile(services: Any, waits: int = 0) -> None:
    await services.queue.enqueue(KIND, KEY, {"waits": waits}, delay=float(min(waits, 30)))


async def _pending_card_jobs(services: Any) -> int:
    marks = ",".join("?" for _ in CARD_JOBS)
    [n] = await services.db.fetchone(
        "SELECT count(*) FROM jobs WHERE state IN ('queued', 'retrying', 'running')"
        f" AND kind IN ({marks})",
        CARD_JOBS,
    )
    return int(n)


async def reconcile_job(services: Any, job: Job) -> None:
    """Check once the card jobs are done (look again in a second while any is pending)."""
    waits = int(job.payload.get("waits") or 0)
    pending = await _pending_card_jobs(services)
    if pending and waits < MAX_WAITS:
        await enqueue_reconcile(services, waits + 1)
        return
    await reconcile_liability(services, pending_jobs=pending)


async def reconcile_liability(services: Any, *, pending_jobs: int = 0) -> dict[str, Any]:
    """Read the links, ask Exact which of our sales orders with gift cards are invoiced now,
    report (log, `services.extras`, the flow's status stats) and answer the report."""
    cards = []
    for link in await services.links.all(CARD):
        cards.append({**link.data, "id": link.shopify_id})
    redeemed = sum(
        (_dec(link.data.get("amount")) for link in await services.links.all(REDEMPTION)), ZERO
    )
    documents: dict[str, list[Document]] = {}
    for d in cards:
        if d.get("origin") == "order":
            documents[d["id"]] = await _order_documents(services, d)
    invoiced = await _invoiced(services, documents)
    report = plan_liability(cards, redeemed, documents, invoiced)
    report = LiabilityReport(
        report.cards, report.shopify_outstanding, report.ledger, report.timing, pending_jobs
    )
    out = report.as_dict()
    services.extras[REPORT] = out
    stats = services.extras.setdefault("stats", {}).setdefault("gift_cards", {})
    stats["liability"] = {k: v for k, v in out.items() if k != "timing"}
    stats["liability_timing"] = "; ".join(out["timing"]) or "none"
    stats["liability_checked_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if report.difference:
        log.warning("gift card liability differs from Shopify's balances", **out)
    else:
        log.info("gift card liability agrees with Shopify's balances", **out)
    return out


async def _order_documents(services: Any, card: dict[str, Any]) -> list[Document]:
    """The sold card's order documents: by the order gid (recorded since #23), else by the
    Exact ids the card was linked to."""
    if card.get("order"):
        order = str(card["order"])
        rows = await services.db.fetchall(
            "SELECT exact_ref, data FROM links WHERE entity = 'order'"
            " AND substr(shopify_id, 1, ?) = ?",
            (len(order) + 1, f"{order}:"),
        )
    else:
        ids = list(card.get("order_link") or [])
        if not ids:
            return []
        marks = ",".join("?" for _ in ids)
        rows = await services.db.fetchall(
            f"SELECT exact_ref, data FROM links WHERE entity = 'order' AND exact_id IN ({marks})",
            tuple(ids),
        )
    return documents_of([(r[0], r[1]) for r in rows])


async def _invoiced(services: Any, documents: dict[str, list[Document]]) -> set[str]:
    """YourRefs of our sales orders (with gift cards) that Exact has invoiced: remembered
    links, the orders flow's prepayment step, else one look in Exact per sales order."""
    refs = {
        doc.ref
        for docs in documents.values()
        for doc in docs
        if doc.kind == "salesorder" and doc.gift_cards and doc.ref
    }
    found: set[str] = set()
    applied = {link.exact_ref for link in await services.links.all(APPLIED)}
    for ref in sorted(refs):
        if await services.links.get(INVOICED, ref) is not None:
            found.add(ref)
            continue
        number = None
        if ref in applied:
            number = "applied"
        else:
            rows = await services.exact.get(
                "salesinvoice/SalesInvoices",
                filter=eq("YourRef", ref),
                select="InvoiceID,InvoiceNumber,Type",
            )
            sales = [r for r in rows if r.get("Type") not in CREDIT_NOTES]
            if sales:
                number = str(sales[0].get("InvoiceNumber"))
        if number is not None:
            await services.links.put(INVOICED, ref, number, exact_ref=number, data={})
            found.add(ref)
    return found
