"""Prepayments: a paid order's payment booked against the customer and applied to its invoice.

How it books (journal `orders.payment_journal`, the bank journal of the Shopify balance):
each successful Shopify SALE/CAPTURE is one bank entry whose lines credit the receivables
account (`orders.debtors_gl`) for the customer. In invoice mode each line carries the invoice
number (OurRef), so the invoice is paid at once, split over the order's invoices by their totals.
In sales-order mode the payment stays a prepayment on the customer (no OurRef) until Exact
invoices the order: then `apply_prepayments` moves it onto the invoice (a −/+ pair of lines).
Payouts later move the money from this journal to the real bank; they must not book the same
charges as receipts again: the `order_payment` links name every charge booked here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors.exact.odata import eq
from connectors.shopify.models import Order, Transaction
from daemon.flows.orders.lookups import gl_account_id
from daemon.flows.orders.money import ZERO, allocate
from daemon.logs import get_logger

log = get_logger("shopsync.orders")

PAYMENT_ENTITY = "order_payment"  # links: Shopify transaction gid → Exact bank entry
PAID_KINDS = ("SALE", "CAPTURE")
# Gateways that are not money received: gift cards and store credit are liabilities released
# (the gift-card flow books those), not receipts.
NOT_CASH = ("gift_card", "shopify_store_credit")
BANK_LINES = "financialtransaction/BankEntryLines"


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
    """(amount, invoice number or None) per bank line: spread over invoices by their totals."""
    invoices = [d for d in documents if d.get("document") == "invoice" and d.get("number")]
    if not invoices:
        return [(amount, None)]
    weights = [Decimal(str(d.get("total") or 0)) for d in invoices]
    parts = allocate(amount, weights)
    return [(p, int(d["number"])) for p, d in zip(parts, invoices, strict=True) if p]


async def book_payments(services: Any, order: Order, documents: list[dict[str, Any]]) -> int:
    """Book every not-yet-booked payment of `order`; answer how many were booked now."""
    settings = services.settings.orders
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
        rows = await services.exact.get(
            BANK_LINES, filter=eq("Description", reference), select="ID,EntryID", top=1
        )
        if rows:
            entry_id = str(rows[0]["EntryID"])
        else:
            gl = await gl_account_id(services, settings.debtors_gl)
            when = tx.processed_at or order.processed_at or order.created_at
            body = {
                "JournalCode": settings.payment_journal,
                "Currency": tx.amount_set.shop_money.currency_code,
                "BankEntryLines": [
                    {
                        "Date": when.astimezone(dt.UTC),
                        "AmountFC": part,
                        "GLAccount": gl,
                        "Account": account,
                        "OurRef": number,
                        "Description": reference,
                    }
                    for part, number in lines
                ],
            }
            entry = await services.exact.post("financialtransaction/BankEntries", body)
            entry_id = str(entry["EntryID"])
            booked += 1
            log.info("orders.payment_booked", order=order.name, amount=str(amount))
        applied = sum((p for p, n in lines if n is not None), ZERO)
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
    return booked
