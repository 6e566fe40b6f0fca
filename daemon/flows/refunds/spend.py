"""Store credit spent on a later order: the liability pays that order's receivable.

Each SALE on gateway shopify_store_credit of an exported order becomes one memorial entry:
debit the store-credit liability (1810), credit the customer on receivables (1300; in invoice
mode with the invoice number, so the invoice is settled). It is recorded as an
`order_payment` link like a card payment, so in sales-order mode the orders flow moves it
onto Exact's invoice later (`orders.apply_prepayment`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors.exact.odata import eq
from connectors.shopify.models import Order, Transaction
from daemon.flows.orders.lookups import gl_account_id
from daemon.flows.orders.money import ZERO
from daemon.flows.orders.payments import (
    JOURNAL_ENTRIES,
    JOURNAL_LINES,
    PAID_KINDS,
    PAYMENT_ENTITY,
    payment_lines,
    record_payment,
)
from daemon.flows.refunds.plan import STORE_CREDIT
from daemon.logs import get_logger

log = get_logger("shopsync.refunds")


def store_credit_spent(order: Order) -> list[Transaction]:
    return [
        t
        for t in order.transactions
        if t.kind in PAID_KINDS and t.status == "SUCCESS" and t.gateway == STORE_CREDIT
    ]


def spend_reference(order: Order, tx: Transaction) -> str:
    return f"Shopify store credit {order.name} {tx.id.rsplit('/', 1)[-1]}"


def spend_entry(
    amount: Decimal, documents: list[dict[str, Any]], liability_gl: str, debtors_gl: str
) -> list[tuple[str, Decimal, bool, int | None]]:
    """(GL code, amount, on the customer?, invoice number) lines of one spend; sums to zero."""
    lines: list[tuple[str, Decimal, bool, int | None]] = [(liability_gl, amount, False, None)]
    lines += [
        (debtors_gl, -part, True, number) for part, number in payment_lines(amount, documents)
    ]
    return lines


async def book_store_credit_spent(
    services: Any, order: Order, documents: list[dict[str, Any]]
) -> int:
    """Book each not-yet-booked store-credit payment of an exported order; answer how many."""
    account = next((d["account"] for d in documents if d.get("account")), None)
    if account is None:
        return 0
    booked = 0
    for tx in store_credit_spent(order):
        if await services.links.get(PAYMENT_ENTITY, tx.id) is not None:
            continue
        reference = spend_reference(order, tx)
        amount = tx.amount_set.shop_money.amount
        lines = spend_entry(
            amount,
            documents,
            services.settings.refunds.store_credit_gl,
            services.settings.orders.debtors_gl,
        )
        rows = await services.exact.get(
            JOURNAL_LINES, filter=eq("Description", reference), select="EntryID", top=1
        )
        if rows:
            entry_id = str(rows[0]["EntryID"])
        else:
            when = (tx.processed_at or order.processed_at or order.created_at).astimezone(dt.UTC)
            body_lines = []
            for gl, part, customer, number in lines:
                line: dict[str, Any] = {
                    "Date": when,
                    "AmountFC": part,
                    "GLAccount": await gl_account_id(services, gl),
                    "Description": reference,
                }
                if customer:
                    line |= {"Account": account, "OurRef": number}
                body_lines.append(line)
            body = {
                "JournalCode": services.settings.orders.payment_journal,
                "Currency": tx.amount_set.shop_money.currency_code,
                "GeneralJournalEntryLines": body_lines,
            }
            entry_id = str((await services.exact.post(JOURNAL_ENTRIES, body))["EntryID"])
            booked += 1
            log.info("refunds.store_credit_spent", order=order.name, amount=str(amount))
        applied = sum((-p for _, p, c, n in lines if c and n is not None), ZERO)
        await record_payment(services, order, tx, entry_id, reference, amount, account, applied)
    return booked
