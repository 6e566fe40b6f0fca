"""Pure plan: neutral payout facts → one Exact bank entry, whatever paid the money out.

A payout source (Shopify Payments in `plan.py`, Pay. in `paynl_source.py`) maps its API into
`PayoutFacts`: the transfer (currency, bank date, the amount that reached the bank) and its
lines, each with a kind, a signed amount (positive: money into the bank) and, for a payment or
refund, the shop's order reference. This module turns them into bank entry lines:

- a `receipt` (payment, refund, chargeback) against the customer's open document when exactly
  that amount is open for the order (a 100 % match); else, when the source resolved a customer
  for it (`relations`), against that customer on the debtors account; else on the unassigned
  account;
- every other kind on the account the source's settings name for it;
- each line rounded to the currency's minor unit, what that leaves on the rounding account.

Invariant, checked before anything is posted: sum(lines) == the transfer, to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from connectors.errors import PermanentError

ZERO = Decimal(0)
# ISO 4217 minor units where they are not 2 (the currencies payouts are made in).
MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3}
DESCRIPTION_MAX = 60  # Exact's Description field length on entry lines


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))


def order_key(reference: str) -> str:
    """An order reference as both sides may write it: '#1001', '1001', '#1001/AMS' → '1001'."""
    return reference.split("/", 1)[0].strip().lstrip("#")


@dataclass(frozen=True)
class PayoutLine:
    """One movement inside a payout, in the source's own terms mapped to a booking kind."""

    # receipt | fees | costs_vat | dispute | reserve | fee | adjustment | failed | other | unknown
    kind: str
    amount: Decimal  # positive: money into the bank
    description: str
    order_ref: str | None = None  # the shop's order, for a receipt
    transaction_id: str | None = None


@dataclass(frozen=True)
class PayoutFacts:
    """A transfer from a payment provider to the merchant's bank, with what it is made of."""

    id: str
    reference: str  # the deterministic text every line's description opens with
    currency: str
    date: dt.date  # the shop-local day the money reached (or left) the bank
    amount: Decimal  # what the bank saw, signed
    lines: tuple[PayoutLine, ...]
    unknown_types: tuple[str, ...] = ()  # source types without a rule: booked unassigned


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
        # The orders flows write YourRef = "<order name>/<warehouse>" (one per location).
        return self.your_ref.split("/", 1)[0]


@dataclass(frozen=True)
class BankLine:
    # a PayoutLine kind, or unassigned (a receipt without a match), customer (one booked against
    # a customer the source resolved, without a document) or rounding
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
    # Source types with no rule: booked to the unassigned account, and flagged.
    unknown_types: tuple[str, ...] = field(default=())

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    def exact_body(self, gl_ids: dict[str, str], opening: Decimal = ZERO) -> dict[str, Any]:
        """The BankEntries POST body (lines inline: one call, however many lines).

        `opening` is the journal's last closing balance: Exact chains bank statements, each
        entry opening at the previous one's close and closing at opening + lines.
        """
        lines = []
        for ln in self.lines:
            body: dict[str, Any] = {
                "Date": self.date,  # the payout's local date; a date goes out zone-less
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


def plan_entry(
    facts: PayoutFacts,
    receivables: Iterable[Receivable],
    *,
    journal: str,
    debtors_account: str,
    accounts: Mapping[str, str],
    relations: Mapping[str, str] | None = None,
) -> BankEntryPlan:
    """The bank entry for one payout. `accounts` maps every other kind (and `unassigned`,
    `rounding`) to a GL account code; a kind it lacks is a bug in the source's mapping.
    `relations` maps a receipt's transaction id to the Exact account it books against when no
    open document matches it (booked as kind `customer`, no invoice)."""
    relations = relations or {}
    currency = facts.currency.upper()
    q = quantum(currency)
    open_by_order: dict[str, list[Receivable]] = defaultdict(list)
    for r in receivables:
        if r.currency.upper() == currency:
            open_by_order[order_key(r.your_ref)].append(r)

    lines: list[BankLine] = []
    matched: list[int] = []
    for pl in facts.lines:
        if not pl.amount:
            continue
        description = f"{facts.reference} {pl.description}"
        if pl.kind == "receipt":
            key = order_key(pl.order_ref or "")
            hits = _match(open_by_order.get(key, []), pl.amount) if key else []
            for r in hits:
                open_by_order[key].remove(r)
                matched.append(r.invoice_number)
                lines.append(
                    BankLine(
                        "receipt",
                        debtors_account,
                        r.amount,
                        f"{description} invoice {r.invoice_number}",
                        account_id=r.account_id,
                        invoice_number=r.invoice_number,
                        transaction_id=pl.transaction_id,
                    )
                )
            if not hits and pl.transaction_id in relations:
                lines.append(
                    BankLine(
                        "customer",
                        debtors_account,
                        pl.amount,
                        description,
                        account_id=relations[pl.transaction_id],
                        transaction_id=pl.transaction_id,
                    )
                )
            elif not hits:
                lines.append(
                    BankLine(
                        "unassigned",
                        accounts["unassigned"],
                        pl.amount,
                        description,
                        transaction_id=pl.transaction_id,
                    )
                )
            continue
        if pl.kind not in accounts:
            raise PermanentError(
                f"payout {facts.id}: no account for {pl.kind} lines",
                hint="A bug in the payout source's mapping: report it with the payout id.",
            )
        lines.append(
            BankLine(
                pl.kind, accounts[pl.kind], pl.amount, description, transaction_id=pl.transaction_id
            )
        )

    # A source's figures may carry more decimals than the currency has: round each line and
    # book what that leaves (never more than half a unit a line) to the rounding account.
    lines = [ln for ln in (_quantized(ln, q) for ln in lines) if ln.amount]
    net = facts.amount.quantize(q, ROUND_HALF_EVEN)
    residue = net - sum((ln.amount for ln in lines), ZERO)
    if residue:
        lines.append(
            BankLine("rounding", accounts["rounding"], residue, f"{facts.reference} rounding")
        )
    plan = BankEntryPlan(
        payout_id=facts.id,
        reference=facts.reference,
        journal=journal,
        currency=currency,
        date=facts.date,
        net=net,
        lines=tuple(lines),
        matched_invoices=tuple(matched),
        unknown_types=facts.unknown_types,
    )
    if plan.total != plan.net:  # the invariant, stated once more where it is relied on
        raise PermanentError(
            f"payout {facts.id}: the lines add up to {plan.total} {currency}, "
            f"the bank amount is {plan.net} {currency}",
            hint="A bug in the payout plan: report it with the payout id.",
        )
    return plan


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
    return line if amount == line.amount else replace(line, amount=amount)
