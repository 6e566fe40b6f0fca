"""What one Pay. merchant holds: transactions, refunds, chargebacks, clearings, settlements, costs.

`clear` does what Pay. does each morning (../shared/api/ccv-pay.md §2.3): every transaction not
yet cleared goes into a clearing (one per turnover group when the merchant splits by group),
whose lines total each payment method per direction; the costs of those transactions are
invoiced apart and, when the merchant settles costs with the balance, taken off as one more
line; the settlement is the transfer of the clearings' total. Money is kept in cents.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .settings import Settings

MERCHANT = "M-1234-5678"
DEFAULT_GROUP = "CT-1000-0001"
METHODS = {"iDEAL": 10, "Visa Mastercard": 706, "Bancontact": 436, "PayPal": 138}
COSTS_TYPE = (900, "Invoice settlement")  # the costs line taken off a clearing


# The customer and address fields the sandbox keeps (a subset of Pay.'s transaction details;
# the company's names are the spec's, the person's and the address's our assumption).
CUSTOMER_FIELDS = ("firstName", "lastName", "email", "phone", "locale", "company")
COMPANY_FIELDS = ("name", "coc", "vat", "countryCode")
ADDRESS_FIELDS = ("firstName", "lastName", "street", "streetNumber", "zipCode", "city", "country")


class StoreError(ValueError):
    pass


def _only(given: dict, known: tuple[str, ...], what: str) -> dict:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise StoreError(f"{what}: no field {unknown[0]} (known: {', '.join(known)})")
    return dict(given)


@dataclass
class Transaction:
    id: str  # EX-####-####-####
    order_id: str
    reference: str
    description: str
    cents: int  # signed: refunds and chargebacks are negative
    currency: str
    method: str
    turnover_group: str
    kind: str  # payment, refund, chargeback
    day: date
    parent: str | None = None
    clearing_id: str | None = None
    refunded_cents: int = 0
    # What the shop passed when it started the payment (`GET /v2/transactions/{id}`'s
    # `customer` and `order.invoiceAddress`, ../shared/api/ccv-pay.md §2.5 E); empty if nothing.
    customer: dict = field(default_factory=dict)
    invoice_address: dict = field(default_factory=dict)


@dataclass
class Clearing:
    id: str
    turnover_group: str
    day: date
    lines: list[dict] = field(default_factory=list)  # (method, direction, cents) per line
    transactions: list[str] = field(default_factory=list)
    settlement: str = ""


@dataclass
class Settlement:
    code: str
    day: date
    cents: int
    currency: str
    clearings: list[str]


@dataclass
class CostLine:
    code: str
    invoice_id: str
    turnover_group: str
    method: str
    costs: Decimal  # excluding VAT, in euros
    vat_percentage: Decimal
    transactions: int
    day: date


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.groups: dict[str, str] = {DEFAULT_GROUP: "Webshop"}
        self.transactions: dict[str, Transaction] = {}
        self.clearings: dict[str, Clearing] = {}
        self.settlements: dict[str, Settlement] = {}
        self.costs: list[CostLine] = []
        self._ids = itertools.count(1)

    def _next(self) -> int:
        return next(self._ids)

    def add_group(self, name: str) -> str:
        code = f"CT-{1000 + len(self.groups) + 1}-{self._next():04d}"
        self.groups[code] = name
        return code

    def pay(
        self,
        *,
        reference: str,
        cents: int,
        currency: str,
        method: str,
        group: str | None,
        day: date,
        description: str = "",
        customer: dict | None = None,
        invoice_address: dict | None = None,
    ) -> Transaction:
        if cents <= 0:
            raise StoreError("a payment is more than 0")
        if method not in METHODS:
            raise StoreError(f"payment method is one of {sorted(METHODS)}")
        group = group or DEFAULT_GROUP
        if group not in self.groups:
            raise StoreError(f"no turnover group {group}")
        n = self._next()
        t = Transaction(
            id=f"EX-{n:04d}-{n * 7 % 10000:04d}-{n * 13 % 10000:04d}",
            order_id=f"{n:010d}X{n % 97:02d}",
            reference=reference,
            description=description or f"Order {reference}"[:32],
            cents=cents,
            currency=currency,
            method=method,
            turnover_group=group,
            kind="payment",
            day=day,
            customer=_only(customer or {}, CUSTOMER_FIELDS, "customer"),
            invoice_address=_only(invoice_address or {}, ADDRESS_FIELDS, "invoiceAddress"),
        )
        company = t.customer.get("company")
        if company is not None:
            if not isinstance(company, dict):
                raise StoreError("customer.company is an object")
            t.customer["company"] = _only(company, COMPANY_FIELDS, "customer.company")
        self.transactions[t.id] = t
        return t

    def take_back(self, transaction_id: str, cents: int, kind: str, day: date) -> Transaction:
        """A refund or chargeback of a payment: a negative transaction of its own."""
        paid = self.transactions.get(transaction_id)
        if paid is None or paid.kind != "payment":
            raise StoreError(f"no payment {transaction_id}")
        if cents <= 0 or cents > paid.cents - paid.refunded_cents:
            raise StoreError(f"{kind} must be more than 0 and at most what is left")
        paid.refunded_cents += cents
        n = self._next()
        t = Transaction(
            id=f"EX-{n:04d}-{n * 7 % 10000:04d}-{n * 13 % 10000:04d}",
            order_id=paid.order_id,
            reference=paid.reference,
            description=paid.description,
            cents=-cents,
            currency=paid.currency,
            method=paid.method,
            turnover_group=paid.turnover_group,
            kind=kind,
            day=day,
            parent=paid.id,
            customer=paid.customer,
            invoice_address=paid.invoice_address,
        )
        self.transactions[t.id] = t
        return t

    def clear(self, day: date, fee_cents: int, vat_percentage: Decimal) -> list[Settlement]:
        """Clear every transaction of `day` or before; one settlement per currency and split."""
        waiting = [t for t in self.transactions.values() if t.clearing_id is None and t.day <= day]
        bunches: dict[tuple[str, str], list[Transaction]] = defaultdict(list)
        for t in waiting:
            group = t.turnover_group if self.settings.split_by_turnover_group else ""
            bunches[(group, t.currency)].append(t)
        made = []
        for (group, currency), txs in sorted(bunches.items()):
            clearing = Clearing(f"CLEARING-{day:%Y%m%d}{self._next():05d}", group, day)
            totals: dict[tuple[str, str, str], int] = defaultdict(int)
            for t in txs:
                t.clearing_id = clearing.id
                clearing.transactions.append(t.id)
                direction = "CREDIT" if t.cents > 0 else "DEBIT"
                totals[(t.turnover_group, t.method, direction)] += t.cents
            clearing.lines = [
                {"group": g, "method": m, "direction": d, "cents": c}
                for (g, m, d), c in sorted(totals.items())
            ]
            costs = self._invoice_costs(txs, clearing.id, day, fee_cents, vat_percentage)
            if costs and self.settings.costs_settled_with_balance:
                clearing.lines.append(
                    {
                        "group": group or DEFAULT_GROUP,
                        "method": COSTS_TYPE[1],
                        "direction": "DEBIT",
                        "cents": -costs,
                    }
                )
            code = f"S{self._next():03d}Y-{day:%m%d}"
            cents = sum(line["cents"] for line in clearing.lines)
            clearing.settlement = code
            self.clearings[clearing.id] = clearing
            settlement = Settlement(code, day, cents, currency, [clearing.id])
            self.settlements[code] = settlement
            made.append(settlement)
        return made

    def _invoice_costs(
        self,
        txs: list[Transaction],
        clearing_id: str,
        day: date,
        fee_cents: int,
        vat_percentage: Decimal,
    ) -> int:
        """Invoice a fixed fee per payment; answer the invoice total with VAT, in cents."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for t in txs:
            if t.kind == "payment":
                counts[(t.turnover_group, t.method)] += 1
        total = Decimal(0)
        for (group, method), count in sorted(counts.items()):
            costs = Decimal(fee_cents * count) / 100
            line = CostLine(
                code=f"{day.isoformat()}_{group}-{METHODS[method]}",
                invoice_id=f"INVOICE-{clearing_id.removeprefix('CLEARING-')}",
                turnover_group=group,
                method=method,
                costs=costs,
                vat_percentage=vat_percentage,
                transactions=count,
                day=day,
            )
            self.costs.append(line)
            total += costs + (costs * vat_percentage / 100).quantize(Decimal("0.01"))
        return int(total * 100)
