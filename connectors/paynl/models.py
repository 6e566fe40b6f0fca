"""Typed views of Pay.'s clearing data, with every amount a `Decimal` in the currency's units.

Which unit Pay. uses is not settled for every endpoint (../shared/api/ccv-pay.md §2.5): the GMS
`Amount` schema says cents, the Settlements example shows `value: 250` beside "Funds: 250.00",
and invoice lines carry decimals. Clearing lines are documented in cents (`value`, min 1), so
they are the anchor `units_of` measures the others against.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

Unit = Literal["cents", "decimal"]
CENT = Decimal("0.01")


class UnitMismatch(ValueError):
    """A settlement whose amount matches its clearing lines in no known unit."""


def amount(value: Any, unit: Unit) -> Decimal:
    number = Decimal(str(value))
    return (number * CENT) if unit == "cents" else number


def units_of(raw_total: Any, lines_total: Decimal) -> Unit:
    """The unit `raw_total` is written in, given the same money from clearing lines in units."""
    number = Decimal(str(raw_total))
    if number * CENT == lines_total:
        return "cents"
    if number == lines_total:
        return "decimal"
    raise UnitMismatch(
        f"settlement amount {number} matches its clearing lines ({lines_total}) neither in"
        " cents nor in units"
    )


def _day(text: Any) -> date | None:
    return date.fromisoformat(str(text)[:10]) if text else None


def _group(raw: Any) -> str | None:
    return raw.get("code") if isinstance(raw, dict) else None


@dataclass(frozen=True)
class ClearingLine:
    """One line of a clearing: a payment method's total in a turnover group (not a payment)."""

    code: str
    clearing_id: str | None
    type_id: int | None
    type_name: str
    amount: Decimal  # signed: money to the merchant is positive
    currency: str
    turnover_group: str | None
    state: str

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> ClearingLine:
        kind = raw.get("clearingLineType") or {}
        value = amount(raw["amount"]["value"], "cents")
        # Refunds and chargebacks may come as negative values or as DEBIT lines (unconfirmed).
        if str(kind.get("direction", "")).upper() == "DEBIT" and value > 0:
            value = -value
        return cls(
            code=str(raw["code"]),
            clearing_id=raw.get("clearingID") or raw.get("clearingId"),
            type_id=kind.get("id"),
            type_name=str(kind.get("name", "")),
            amount=value,
            currency=str(raw["amount"].get("currency", "EUR")),
            turnover_group=_group(raw.get("turnoverGroup")),
            state=str(raw.get("state", "")),
        )


@dataclass(frozen=True)
class ClearingRecord:
    """One payment, refund or chargeback inside a clearing."""

    reporting_id: str
    order_id: str
    reference: str
    description: str
    amount: Decimal  # signed: a refund or chargeback is negative
    currency: str
    method: str
    turnover_group: str | None
    transaction_date: date | None

    @classmethod
    def from_api(cls, raw: dict[str, Any], unit: Unit) -> ClearingRecord:
        return cls(
            reporting_id=str(raw.get("reportingId", "")),
            order_id=str(raw.get("orderId", "")),
            reference=str(raw.get("reference") or ""),
            description=str(raw.get("description") or ""),
            amount=amount(raw["amount"]["value"], unit),
            currency=str(raw["amount"].get("currency", "EUR")),
            method=str((raw.get("paymentMethod") or {}).get("name", "")),
            turnover_group=_group(raw.get("turnoverGroup")),
            transaction_date=_day(raw.get("transactionDate")),
        )


@dataclass(frozen=True)
class Settlement:
    """One transfer from Pay. to the merchant's bank, as its bank statement shows it."""

    code: str  # e.g. SK6Y-7PBP, the text on the bank statement
    description: str
    settlement_date: date
    raw_amount: Any  # as Pay. wrote it; `amount` needs the unit
    currency: str
    clearing_ids: tuple[str, ...]
    turnover_groups: tuple[str, ...]

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> Settlement:
        clearings = raw.get("clearings") or []
        groups = {
            _group(line.get("turnoverGroup"))
            for c in clearings
            for line in c.get("clearingLines") or []
        }
        settled = _day(raw.get("settlementDate"))
        if settled is None:
            raise ValueError(f"settlement {raw.get('code')} has no settlementDate")
        return cls(
            code=str(raw["code"]),
            description=str(raw.get("description") or ""),
            settlement_date=settled,
            raw_amount=raw["amount"]["value"],
            currency=str(raw["amount"].get("currency", "EUR")),
            clearing_ids=tuple(str(c["clearingId"]) for c in clearings),
            turnover_groups=tuple(sorted(g for g in groups if g)),
        )


@dataclass(frozen=True)
class InvoiceLine:
    """Pay.'s costs for a period, payment method and turnover group (invoiced apart)."""

    code: str
    invoice_id: str | None
    turnover_group: str | None
    billing_type: str
    costs: Decimal  # excluding VAT, in units (this endpoint writes decimals)
    vat_percentage: Decimal
    currency: str
    transactions: int
    processed_date: date | None

    @property
    def vat(self) -> Decimal:
        return (self.costs * self.vat_percentage / 100).quantize(CENT)

    @classmethod
    def from_api(cls, raw: dict[str, Any]) -> InvoiceLine:
        total = raw.get("totalCosts") or {}
        return cls(
            code=str(raw["code"]),
            invoice_id=raw.get("invoiceID"),
            turnover_group=_group(raw.get("turnoverGroup")),
            billing_type=str((raw.get("billingLineType") or {}).get("name", "")),
            costs=amount(total.get("totalCosts", 0), "decimal"),
            vat_percentage=Decimal(str(raw.get("vatPercentage", 0))),
            currency=str(total.get("currency", "EUR")),
            transactions=int(raw.get("transactions", 0)),
            processed_date=_day(raw.get("processedDate")),
        )


@dataclass(frozen=True)
class SettlementDetail:
    """A settlement with everything in it, every amount in units."""

    settlement: Settlement
    unit: Unit
    amount: Decimal
    lines: tuple[ClearingLine, ...]
    records: tuple[ClearingRecord, ...]
