"""Pure plan: a Shopify Payments payout and its balance transactions → one Exact bank entry.

Signs follow Shopify Payments (shopify.dev ShopifyPaymentsBalanceTransaction; the sandbox keeps
them): money in is a positive `amount` (charges), money out negative (refunds, disputes,
reserves); `fee` is positive and taken off, so `net = amount − fee`, and a payout's `net` is the
sum of its transactions' nets. The TRANSFER transaction is the payout itself (−net): skipped.
How each real transaction type is booked is the table in `types.py`.

The entry has one line per transaction amount — a charge or refund against the customer's open
invoice when exactly that amount is open for the order (a 100 % match), otherwise on the
unassigned account — plus one line for all fees on the payment-costs account. Invariant, checked
before anything is posted: sum(lines) == the payout's net, to the cent (else PermanentError).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.shopify.models import BalanceTransaction, Payout
from daemon.flows.payouts.config import PayoutsSettings
from daemon.flows.payouts.types import UNKNOWN, kind_of

ZERO = Decimal(0)
# ISO 4217 minor units where they are not 2 (the currencies Shopify Payments pays out in).
MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3}
REVERSIBLE_STATUSES = {"FAILED", "CANCELED"}
DESCRIPTION_MAX = 60  # Exact's Description field length on entry lines


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))


def reference(payout: Payout) -> str:
    """The deterministic text every line of the payout's entry starts with (the search key)."""
    return f"SP{payout.legacy_resource_id}:"


def reversal_reference(payout: Payout) -> str:
    return f"SP{payout.legacy_resource_id}R:"


@dataclass(frozen=True)
class Receivable:
    """One open invoice (or credit note, negative) in Exact, from the receivables list."""

    invoice_number: int
    account_id: str
    amount: Decimal
    currency: str
    your_ref: str

    @property
    def order_name(self) -> str:
        # The orders flow writes YourRef = "<order name>/<warehouse>" (one per location).
        return self.your_ref.split("/", 1)[0]


@dataclass(frozen=True)
class BankLine:
    # receipt | unassigned | fees | dispute | reserve | fee | adjustment | rounding | failed |
    # other | unknown (a type the table in types.py lacks: flagged for an operator)
    kind: str
    gl: str  # Exact GL account code
    amount: Decimal  # positive: money into the bank
    description: str
    account_id: str | None = None  # the customer, for a matched receipt
    invoice_number: int | None = None  # Exact's OurRef: the invoice this receipt settles
    transaction_id: str | None = None


@dataclass(frozen=True)
class BankEntryPlan:
    payout_id: str
    reference: str
    journal: str
    currency: str
    date: dt.date
    net: Decimal
    lines: tuple[BankLine, ...]
    matched_invoices: tuple[int, ...] = field(default=())
    # Transaction types types.py has no rule for: booked to the unassigned account, and flagged.
    unknown_types: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    def exact_body(self, gl_ids: dict[str, str], opening: Decimal = ZERO) -> dict[str, Any]:
        """The BankEntries POST body (lines inline: one call, however many lines).

        `opening` is the journal's last closing balance: Exact chains bank statements, each
        entry opening at the previous one's close and closing at opening + lines.
        """
        day = self.date  # the payout's local date; a date goes out as a zone-less day
        lines = []
        for ln in self.lines:
            body: dict[str, Any] = {
                "Date": day,
                "AmountFC": ln.amount,
                "GLAccount": gl_ids[ln.gl],
                "Description": ln.description[:DESCRIPTION_MAX],
            }
            if ln.account_id:
                body["Account"] = ln.account_id
            if ln.invoice_number is not None:
                body["OurRef"] = ln.invoice_number
            lines.append(body)
        return {
            "JournalCode": self.journal,
            "Currency": self.currency,
            "OpeningBalanceFC": opening,
            "ClosingBalanceFC": opening + self.total,
            "BankEntryLines": lines,
        }

    def summary(self) -> dict[str, Any]:
        by_kind: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for ln in self.lines:
            by_kind[ln.kind] += ln.amount
        return {
            "net": str(self.net),
            "currency": self.currency,
            "lines": len(self.lines),
            "by_kind": {k: str(v) for k, v in sorted(by_kind.items())},
            "matched_invoices": len(self.matched_invoices),
            **({"unknown_types": list(self.unknown_types)} if self.unknown_types else {}),
        }


def is_test_payout(transactions: Sequence[BalanceTransaction]) -> bool:
    """Shopify's test mode: a payout whose transactions are all test transactions."""
    real = [t for t in transactions if kind_of(t.type) != "transfer"]
    return bool(real) and all(t.test for t in real)


def wanted(payout: Payout, settings: PayoutsSettings) -> bool:
    """The currency filter (the analogue of revenue groups)."""
    return not settings.currencies or payout.net.currency_code.upper() in settings.currencies


def plan_bank_entry(
    payout: Payout,
    transactions: Sequence[BalanceTransaction],
    receivables: Iterable[Receivable],
    settings: PayoutsSettings,
    *,
    zone: dt.tzinfo = dt.UTC,
) -> BankEntryPlan:
    """The bank entry for one payout; PermanentError if its transactions do not add up."""
    currency = payout.net.currency_code.upper()
    q = quantum(currency)
    ref = reference(payout)
    txs = [t for t in transactions if kind_of(t.type) != "transfer" and not t.test]
    _check_sums(payout, txs, currency)
    expected = _bank_amount(payout)

    open_by_order: dict[str, list[Receivable]] = defaultdict(list)
    for r in receivables:
        if r.currency.upper() == currency:
            open_by_order[r.order_name].append(r)

    lines: list[BankLine] = []
    matched: list[int] = []
    unknown: set[str] = set()
    accounts = {
        "dispute": settings.dispute_account,
        "reserve": settings.reserve_account,
        "fee": settings.payment_costs_account,
        "adjustment": settings.rounding_account,
        "failed": settings.failed_payout_account,
        "other": settings.unassigned_account,
        UNKNOWN: settings.unassigned_account,
    }
    fees = ZERO
    for t in sorted(txs, key=lambda t: (t.transaction_date, t.id)):
        fees += t.fee.amount
        amount = t.amount.amount
        if not amount:
            continue
        order = t.associated_order.name if t.associated_order else None
        what = f"{t.type.lower().replace('_', ' ')}{f' {order}' if order else ''}"
        kind = kind_of(t.type)
        if kind == "receipt":
            hits = _match(open_by_order.get(order or "", []), amount)
            if hits:
                for r in hits:
                    open_by_order[r.order_name].remove(r)
                    matched.append(r.invoice_number)
                    lines.append(
                        BankLine(
                            "receipt",
                            settings.debtors_account,
                            r.amount,
                            f"{ref} {what} invoice {r.invoice_number}",
                            account_id=r.account_id,
                            invoice_number=r.invoice_number,
                            transaction_id=t.id,
                        )
                    )
                continue
            kind, gl = "unassigned", settings.unassigned_account
        else:
            gl = accounts[kind]
            if kind == UNKNOWN:  # a type a later API added: kept, on suspense, and flagged
                unknown.add(t.type)
        lines.append(BankLine(kind, gl, amount, f"{ref} {what}", transaction_id=t.id))
    if fees:
        lines.append(BankLine("fees", settings.payment_costs_account, -fees, f"{ref} fees"))

    # Shopify's figures may carry more decimals than the currency has: quantize each line and
    # book what that leaves (never more than half a unit a line) to the rounding account.
    lines = [ln for ln in (_quantized(ln, q) for ln in lines) if ln.amount]
    residue = expected.quantize(q, ROUND_HALF_EVEN) - sum((ln.amount for ln in lines), ZERO)
    if residue:
        lines.append(BankLine("rounding", settings.rounding_account, residue, f"{ref} rounding"))
    plan = BankEntryPlan(
        payout_id=payout.id,
        reference=ref,
        journal=settings.journal_for(currency),
        currency=currency,
        date=payout.issued_at.astimezone(zone).date(),
        net=expected.quantize(q, ROUND_HALF_EVEN),
        lines=tuple(lines),
        matched_invoices=tuple(matched),
        unknown_types=tuple(sorted(unknown)),
    )
    if plan.total != plan.net:  # the invariant, stated once more where it is relied on
        raise PermanentError(
            f"payout {payout.id}: the lines add up to {plan.total} {currency}, "
            f"the bank amount is {plan.net} {currency}",
            hint="A bug in the payout plan: report it with the payout id.",
        )
    return plan


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


def _match(candidates: list[Receivable], amount: Decimal) -> list[Receivable]:
    """The open documents this amount pays in full: one equal to it, or all of the order's
    documents (one per location) together. Anything else is not a 100 % match."""
    for r in candidates:
        if r.amount == amount:
            return [r]
    if len(candidates) > 1 and sum((r.amount for r in candidates), ZERO) == amount:
        return list(candidates)
    return []


def _quantized(line: BankLine, q: Decimal) -> BankLine:
    amount = line.amount.quantize(q, ROUND_HALF_EVEN)
    if amount == line.amount:
        return line
    return BankLine(
        line.kind,
        line.gl,
        amount,
        line.description,
        line.account_id,
        line.invoice_number,
        line.transaction_id,
    )
