"""Prepayments: a paid order's payment booked against the customer and applied to its invoice.

How it books: each successful Shopify SALE/CAPTURE becomes one entry in the general journal
`orders.payment_journal` (memorial, 90): debit `orders.clearing_gl` (1990, money captured by
Shopify but not yet paid out), credit the receivables account `orders.debtors_gl` (1300) for the
customer. In invoice mode the credit carries the invoice number (OurRef), so it settles the
invoice at once (split over the order's invoices by their totals). In sales-order mode it stays
a prepayment on the customer until Exact invoices the order. When Shopify pays out, the payouts
flow books the charge from the bank against 1990 (it finds no open invoice), which clears it.
`order_payment` links (Shopify transaction gid → entry) name every payment booked here.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.exact.odata import eq
from connectors.shopify.models import Order, Transaction
from daemon.flows.orders.lookups import gl_account_id
from daemon.flows.orders.money import ZERO, allocate
from daemon.logs import get_logger
from state.intents import create_once

log = get_logger("shopsync.orders")

PAYMENT_ENTITY = "order_payment"  # links: Shopify transaction gid → Exact bank entry
PAID_KINDS = ("SALE", "CAPTURE")
# Gateways that are not money received: gift cards and store credit are liabilities released
# (the gift-card flow books those), not receipts.
NOT_CASH = ("gift_card", "shopify_store_credit")
JOURNAL_LINES = "generaljournalentry/GeneralJournalEntryLines"
JOURNAL_ENTRIES = "generaljournalentry/GeneralJournalEntries"


def payments_of(order: Order) -> list[Transaction]:
    return [
        t
        for t in order.transactions
        if t.kind in PAID_KINDS and t.status == "SUCCESS" and (t.gateway or "") not in NOT_CASH
    ]


def payment_reference(order: Order, tx: Transaction) -> str:
    """The bank line's Description, searched before booking: deterministic per transaction."""
    return f"Shopify payment {order.name} {tx.id.rsplit('/', 1)[-1]}"


def payment_lines(
    amount: Decimal, documents: list[dict[str, Any]]
) -> list[tuple[Decimal, int | None]]:
    """(amount, invoice number or None) per credit line: spread over invoices by their totals."""
    invoices = [d for d in documents if d.get("document") == "invoice" and d.get("number")]
    if not invoices:
        return [(amount, None)]
    weights = [Decimal(str(d.get("total") or 0)) for d in invoices]
    parts = allocate(amount, weights)
    return [(p, int(d["number"])) for p, d in zip(parts, invoices, strict=True) if p]


async def book_payments(services: Any, order: Order, documents: list[dict[str, Any]]) -> int:
    """Book every not-yet-booked payment of `order`; answer how many were booked now."""
    booked = 0
    account = next((d["account"] for d in documents if d.get("account")), None)
    if account is None:
        return 0
    for tx in payments_of(order):
        if await services.links.get(PAYMENT_ENTITY, tx.id) is not None:
            continue
        reference = payment_reference(order, tx)
        amount = tx.amount_set.shop_money.amount
        lines = payment_lines(amount, documents)

        async def search(reference=reference) -> Any:
            rows = await services.exact.get(
                JOURNAL_LINES, filter=eq("Description", reference), select="ID,EntryID", top=1
            )
            return rows[0] if rows else None

        async def create(tx=tx, reference=reference, lines=lines) -> Any:
            entry = await _post_entry(services, order, tx, account, reference, lines)
            return {"EntryID": entry}

        found, existed = await create_once(
            services.intents, f"{JOURNAL_ENTRIES}:{reference}", ("EntryID",), search, create
        )
        entry_id = str(found["EntryID"])
        if not existed:
            booked += 1
            log.info("orders.payment_booked", order=order.name, amount=str(amount))
        applied = sum((p for p, n in lines if n is not None), ZERO)
        await record_payment(services, order, tx, entry_id, reference, amount, account, applied)
    return booked


async def _post_entry(
    services: Any,
    order: Order,
    tx: Transaction,
    account: str,
    reference: str,
    lines: list[tuple[Decimal, int | None]],
) -> str:
    settings = services.settings.orders
    debtors = await gl_account_id(services, settings.debtors_gl)
    clearing = await gl_account_id(services, settings.clearing_gl)
    when = (tx.processed_at or order.processed_at or order.created_at).astimezone(dt.UTC)
    amount = sum((part for part, _ in lines), ZERO)
    body = {
        "JournalCode": settings.payment_journal,
        "Currency": tx.amount_set.shop_money.currency_code,
        "GeneralJournalEntryLines": [
            {"Date": when, "AmountFC": amount, "GLAccount": clearing, "Description": reference},
            *(
                {
                    "Date": when,
                    "AmountFC": -part,
                    "GLAccount": debtors,
                    "Account": account,
                    "OurRef": number,
                    "Description": reference,
                }
                for part, number in lines
            ),
        ],
    }
    return str((await services.exact.post(JOURNAL_ENTRIES, body))["EntryID"])


APPLIED_ENTITY = "prepayment_applied"  # links: Exact invoice ID → the entry applying prepayments
APPLY_KIND = "orders.apply_prepayment"


def route_exact_invoice(content: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Exact's SalesInvoices webhook: maybe an invoice of a sales order we exported."""
    if str(content.get("Action", "Create")).lower() == "delete":
        return []
    key = content.get("Key")
    if not isinstance(key, str) or not key.strip():
        raise PermanentError("Exact SalesInvoices webhook has no Key (the invoice id)")
    return [(APPLY_KIND, f"exact_invoice:{key}", {"invoice_id": key})]


async def run_apply_prepayment(services: Any, job: Any) -> None:
    await apply_prepayments(services, job.payload["invoice_id"])


async def apply_prepayments(services: Any, invoice_id: str) -> Decimal:
    """Move an order's unapplied prepayments onto the invoice Exact made of its sales order.

    The invoice is ours when its YourRef is one of our sales orders' (Exact copies it over).
    Books a −/+ pair on the customer in the memorial journal; answers the amount applied.
    """
    if await services.links.get(APPLIED_ENTITY, invoice_id) is not None:
        return ZERO
    invoice = await services.exact.get_one(
        "salesinvoice/SalesInvoices",
        invoice_id,
        key="InvoiceID",
        select="InvoiceID,InvoiceNumber,YourRef,OrderedBy,AmountFC,Type,Currency",
    )
    if invoice is None or invoice.get("Type") != 8020 or not invoice.get("YourRef"):
        return ZERO
    row = await services.db.fetchone(
        "SELECT shopify_id, data FROM links WHERE entity = 'order' AND exact_ref = ?",
        (invoice["YourRef"],),
    )
    if row is None or json.loads(row[1]).get("document") != "salesorder":
        return ZERO  # not from one of our sales orders (our invoices carry the payment already)
    order_id = row[0].rsplit(":", 1)[0]
    payments = [
        p
        for p in await services.links.all(PAYMENT_ENTITY)
        if p.data.get("order") == order_id and p.data.get("account") == invoice["OrderedBy"]
    ]
    open_total = Decimal(str(invoice["AmountFC"]))
    todo: list[tuple[Any, Decimal]] = []
    for p in payments:
        left = Decimal(p.data["amount"]) - Decimal(p.data.get("applied") or 0)
        take = min(left, open_total - sum((t for _, t in todo), ZERO))
        if take > 0:
            todo.append((p, take))
    amount = sum((t for _, t in todo), ZERO)
    if amount:
        reference = f"Prepayment to invoice {invoice['InvoiceNumber']}"
        found = await services.exact.get(
            JOURNAL_LINES, filter=eq("Description", reference), select="EntryID", top=1
        )
        if not found:
            debtors = await gl_account_id(services, services.settings.orders.debtors_gl)
            when = dt.datetime.now(dt.UTC)
            common = {"Date": when, "GLAccount": debtors, "Account": invoice["OrderedBy"]}
            body = {
                "JournalCode": services.settings.orders.payment_journal,
                "Currency": invoice.get("Currency") or "EUR",
                "GeneralJournalEntryLines": [
                    common | {"AmountFC": amount, "Description": reference},
                    common
                    | {
                        "AmountFC": -amount,
                        "OurRef": int(invoice["InvoiceNumber"]),
                        "Description": reference,
                    },
                ],
            }
            await services.exact.post(JOURNAL_ENTRIES, body)
        for p, take in todo:
            applied = Decimal(p.data.get("applied") or 0) + take
            await services.links.put(
                PAYMENT_ENTITY,
                p.shopify_id,
                p.exact_id,
                exact_ref=p.exact_ref,
                data=p.data | {"applied": str(applied)},
            )
    await services.links.put(
        APPLIED_ENTITY,
        invoice_id,
        invoice_id,
        exact_ref=invoice["YourRef"],
        data={"amount": str(amount), "invoice": invoice["InvoiceNumber"]},
    )
    return amount


async def record_payment(
    services: Any,
    order: Any,
    tx: Any,
    entry_id: str,
    reference: str,
    amount: Any,
    account: str,
    applied: Any,
) -> None:
    """The `order_payment` link: which entry booked a Shopify transaction, and how much of it
    is already applied to documents (the sales-order-mode invoice step reads it)."""
    await services.links.put(
        PAYMENT_ENTITY,
        tx.id,
        entry_id,
        exact_ref=reference,
        data={
            "order": order.id,
            "amount": str(amount),
            "account": account,
            "applied": str(applied),
            "gateway": tx.gateway,
        },
    )
