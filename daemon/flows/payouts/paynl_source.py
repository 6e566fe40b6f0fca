"""Pay. as a payout source: a settlement with its records and costs → `PayoutFacts`.

A settlement is one transfer to the bank (its code is on the bank statement). Its records are
the payments (positive) and refunds and chargebacks (negative) it pays out, each with the
shop's order reference; they book as receipts, matched in full to an open invoice or credit
note, else unassigned (entry.py). What Pay. kept back is the settlement's amount minus its
records: the transaction costs it invoiced, when the merchant settles costs with the balance.
When that difference equals the invoice lines' costs plus VAT, they book as costs and VAT;
anything else is booked unassigned and flagged, never guessed (../shared/api/ccv-pay.md §2.5 D).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from connectors.paynl.models import InvoiceLine, SettlementDetail
from daemon.flows.payouts.config import PaynlSettings
from daemon.flows.payouts.entry import ZERO, PayoutFacts, PayoutLine

UNEXPLAINED = "deduction not on a Pay. invoice"


def reference(code: str) -> str:
    """The deterministic text every line of the settlement's entry starts with."""
    return f"PAY{code}:"


def paynl_facts(
    detail: SettlementDetail,
    costs: Sequence[InvoiceLine],
    *,
    chargebacks: Collection[str] = (),
) -> PayoutFacts:
    """The settlement as neutral facts. `costs` are the invoice lines Pay. may have taken off;
    `chargebacks` the reporting ids of negative records that are chargebacks, not refunds."""
    s = detail.settlement
    lines: list[PayoutLine] = []
    for r in sorted(
        detail.records, key=lambda r: (r.transaction_date or s.settlement_date, r.reporting_id)
    ):
        if r.amount > 0:
            what = f"{r.method} {r.reference}"
        else:
            what = f"{'chargeback' if r.reporting_id in chargebacks else 'refund'} {r.reference}"
        lines.append(PayoutLine("receipt", r.amount, what, r.reference, r.reporting_id))
    flags: tuple[str, ...] = ()
    kept = detail.amount - sum((r.amount for r in detail.records), ZERO)
    if kept:
        net = sum((c.costs for c in costs), ZERO)
        vat = sum((c.vat for c in costs), ZERO)
        if costs and kept == -(net + vat):
            lines.append(PayoutLine("fees", -net, "Pay. costs"))
            if vat:
                lines.append(PayoutLine("costs_vat", -vat, "Pay. costs VAT"))
        else:
            lines.append(PayoutLine("other", kept, UNEXPLAINED))
            flags = (UNEXPLAINED,)
    return PayoutFacts(
        id=s.code,
        reference=reference(s.code),
        currency=s.currency,
        date=s.settlement_date,
        amount=detail.amount,
        lines=tuple(lines),
        unknown_types=flags,
    )


def accounts(settings: PaynlSettings) -> dict[str, str]:
    """Each booking kind's GL account code under `[paynl]`."""
    return {
        "unassigned": settings.unassigned_account,
        "other": settings.unassigned_account,
        "fees": settings.payment_costs_account,
        "costs_vat": settings.costs_vat_account,
        "rounding": settings.rounding_account,
    }
