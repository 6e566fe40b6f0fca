"""Shopify Payments as a payout source: a payout and its balance transactions → `PayoutFacts`.

Signs follow Shopify Payments (shopify.dev ShopifyPaymentsBalanceTransaction; the sandbox keeps
them): money in is a positive `amount` (charges), money out negative (refunds, disputes,
reserves); `fee` is positive and taken off, so `net = amount − fee`, and a payout's `net` is the
sum of its transactions' nets. The TRANSFER transaction is the payout itself (−net): skipped.
How each real transaction type is booked is the table in `types.py`; how facts become a bank
entry (matching, rounding, the invariant) is `entry.py`, shared with the other sources.

The facts have one line per transaction amount plus one for all fees together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from connectors.errors import PermanentError
from connectors.shopify.models import BalanceTransaction, Payout
from daemon.flows.payouts.config import PayoutsSettings
from daemon.flows.payouts.entry import (
    ZERO,
    BankEntryPlan,
    BankLine,
    PayoutFacts,
    PayoutLine,
    Receivable,
    plan_entry,
)
from daemon.flows.payouts.types import UNKNOWN, kind_of

__all__ = ["BankEntryPlan", "BankLine", "Receivable", "plan_bank_entry", "plan_reversal"]
REVERSIBLE_STATUSES = {"FAILED", "CANCELED"}


def reference(payout: Payout) -> str:
    """The deterministic text every line of the payout's entry starts with (the search key)."""
    return f"SP{payout.legacy_resource_id}:"


def reversal_reference(payout: Payout) -> str:
    return f"SP{payout.legacy_resource_id}R:"


def accounts(settings: PayoutsSettings) -> dict[str, str]:
    """Each booking kind's GL account code under `[payouts]`."""
    return {
        "unassigned": settings.unassigned_account,
        "fees": settings.payment_costs_account,
        "dispute": settings.dispute_account,
        "reserve": settings.reserve_account,
        "fee": settings.payment_costs_account,
        "adjustment": settings.rounding_account,
        "rounding": settings.rounding_account,
        "failed": settings.failed_payout_account,
        "other": settings.unassigned_account,
        UNKNOWN: settings.unassigned_account,
    }


def is_test_payout(transactions: Sequence[BalanceTransaction]) -> bool:
    """Shopify's test mode: a payout whose transactions are all test transactions."""
    real = [t for t in transactions if kind_of(t.type) != "transfer"]
    return bool(real) and all(t.test for t in real)


def wanted(payout: Payout, settings: PayoutsSettings) -> bool:
    """The currency filter (the analogue of revenue groups)."""
    return not settings.currencies or payout.net.currency_code.upper() in settings.currencies


def shopify_facts(
    payout: Payout, transactions: Sequence[BalanceTransaction], *, zone: dt.tzinfo = dt.UTC
) -> PayoutFacts:
    """The payout as neutral facts; PermanentError if its transactions do not add up."""
    currency = payout.net.currency_code.upper()
    txs = [t for t in transactions if kind_of(t.type) != "transfer" and not t.test]
    _check_sums(payout, txs, currency)
    lines: list[PayoutLine] = []
    unknown: set[str] = set()
    fees = ZERO
    for t in sorted(txs, key=lambda t: (t.transaction_date, t.id)):
        fees += t.fee.amount
        order = t.associated_order.name if t.associated_order else None
        what = f"{t.type.lower().replace('_', ' ')}{f' {order}' if order else ''}"
        kind = kind_of(t.type)
        if kind == UNKNOWN:  # a type a later API added: kept, on suspense, and flagged
            unknown.add(t.type)
        lines.append(PayoutLine(kind, t.amount.amount, what, order, t.id))
    if fees:
        lines.append(PayoutLine("fees", -fees, "fees"))
    return PayoutFacts(
        id=payout.id,
        reference=reference(payout),
        currency=currency,
        date=payout.issued_at.astimezone(zone).date(),
        amount=_bank_amount(payout),
        lines=tuple(lines),
        unknown_types=tuple(sorted(unknown)),
    )


def plan_bank_entry(
    payout: Payout,
    transactions: Sequence[BalanceTransaction],
    receivables: Iterable[Receivable],
    settings: PayoutsSettings,
    *,
    zone: dt.tzinfo = dt.UTC,
) -> BankEntryPlan:
    """The bank entry for one payout; PermanentError if its transactions do not add up."""
    facts = shopify_facts(payout, transactions, zone=zone)
    return plan_entry(
        facts,
        receivables,
        journal=settings.journal_for(facts.currency),
        debtors_account=settings.debtors_account,
        accounts=accounts(settings),
    )


def plan_reversal(
    payout: Payout, booked_net: Decimal, settings: PayoutsSettings, *, zone: dt.tzinfo = dt.UTC
) -> BankEntryPlan:
    """A booked payout that failed or was cancelled never reached the bank: take the amount
    back out, onto the failed-payout account, leaving the receipts and fees booked (Shopify
    holds the money and pays it out again with a TRANSFER_FAILURE line that clears the account)."""
    ref = reversal_reference(payout)
    status = payout.status.lower()
    line = BankLine("failed", settings.failed_payout_account, -booked_net, f"{ref} payout {status}")
    return BankEntryPlan(
        payout_id=payout.id,
        reference=ref,
        journal=settings.journal_for(payout.net.currency_code),
        currency=payout.net.currency_code.upper(),
        date=dt.datetime.now(dt.UTC).astimezone(zone).date(),
        net=-booked_net,
        lines=(line,),
    )


def _bank_amount(payout: Payout) -> Decimal:
    # A WITHDRAWAL takes money from the bank; Shopify may state its net unsigned.
    net = payout.net.amount
    if (payout.transaction_type or "").upper() == "WITHDRAWAL" and net > 0:
        return -net
    return net


def _check_sums(payout: Payout, txs: Sequence[BalanceTransaction], currency: str) -> None:
    """Each transaction's net is amount − fee; together they are the payout's net, exactly."""
    for t in txs:
        if t.amount.currency_code.upper() != currency or t.fee.currency_code.upper() != currency:
            raise PermanentError(
                f"payout {payout.id}: balance transaction {t.id} is in "
                f"{t.amount.currency_code}, the payout in {currency}",
                hint="Book this payout by hand; shopsync books one currency per bank entry.",
            )
        if t.amount.amount - t.fee.amount != t.net.amount:
            raise PermanentError(
                f"payout {payout.id}: balance transaction {t.id} ({t.type}) has amount "
                f"{t.amount.amount} − fee {t.fee.amount} ≠ net {t.net.amount}",
                hint="Shopify's figures disagree with themselves; check the payout in Shopify.",
            )
    total = sum((t.net.amount for t in txs), ZERO)
    expected = _bank_amount(payout)
    if total != expected:
        by_type: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for t in txs:
            by_type[t.type] += t.net.amount
        parts = ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())) or "none"
        raise PermanentError(
            f"payout {payout.id}: its balance transactions add up to {total} {currency} but "
            f"the payout is {expected} {currency} (off by {expected - total} {currency}); "
            f"net per type: {parts}",
            hint=(
                "Some transactions are missing from the payout's list (read again later with "
                "`shopsync jobs retry`) or Shopify changed the payout; book it by hand if it "
                "persists."
            ),
        )
