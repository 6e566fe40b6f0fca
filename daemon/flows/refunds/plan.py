"""Pure plan: a Shopify refund + the order's booked documents → Exact credit notes and one entry.

Credit notes (SalesInvoices Type 8021) go against the document the refunded units were booked
on: per warehouse, the line's item, VAT code and price as on the original (its booked net, by
quantity). Refunded shipping is credited with the original shipping VAT code, spread over the
documents like the original. The money side is one memorial entry that sums to zero:

| line | GL | amount |
| --- | --- | --- |
| the credit note(s) settled for the customer | debtors 1300 (customer) | + credit notes' total |
| paid back to card / PayPal (through Shopify) | clearing 1990 | − paid back |
| paid back to a gift card | gift card liability 1800 | − paid back |
| paid as store credit | store credit liability 1810 | − credited |
| bonus on top of store credit | bonus 4600 / liability 1810 | + bonus / − bonus |
| order-level adjustment (discrepancy, restocking fee) | `[refunds.adjustments]` | + amount |
| cents between Exact's VAT arithmetic and Shopify | rounding 8990 | + cents |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.shopify.models import Refund
from daemon.flows.orders.config import OrdersSettings
from daemon.flows.orders.money import ZERO, allocate, cents, exact_total
from daemon.flows.refunds.config import RefundsSettings

PRICE = Decimal("0.000001")
RESTOCKED = ("RETURN", "CANCEL")
STORE_CREDIT = "shopify_store_credit"
GIFT_CARD = "gift_card"


def credit_line_body(
    item_id: str, description: str, quantity: Decimal, net: Decimal, vat_code: str
) -> dict[str, Any]:
    """A credit note line as Exact takes it: the quantity negative, the net unit price."""
    return {
        "Item": item_id,
        "Description": description[:60],
        "Quantity": -quantity,
        "NetPrice": (net / quantity).quantize(PRICE, rounding=ROUND_HALF_UP),
        "VATCode": vat_code,
    }


@dataclass(frozen=True)
class CreditLine:
    kind: str  # product | gift_card | shipping
    item_code: str
    description: str
    quantity: Decimal  # units given back (positive; the credit note books it negative)
    net: Decimal  # net amount credited (positive)
    vat_code: str
    vat_rate: Decimal
    restocked: bool = False
    sku: str | None = None
    line_id: str | None = None

    @property
    def total(self) -> Decimal:
        return exact_total(self.net, self.vat_rate)

    def exact_body(self, item_id: str) -> dict[str, Any]:
        return credit_line_body(item_id, self.description, self.quantity, self.net, self.vat_code)


@dataclass(frozen=True)
class CreditNote:
    refund_id: str
    order_name: str
    refund_number: str  # Shopify's legacy refund id
    warehouse: str
    account: str  # Exact account the original document was booked to
    currency: str
    journal: str
    invoice_number: Any  # the original invoice's number (invoice mode), else None
    original_ref: str  # the original document's YourRef
    lines: tuple[CreditLine, ...]
    paid_in: str | None = None  # "USD 12.34": the refund in the buyer's currency, if not ours

    @property
    def your_ref(self) -> str:
        return f"{self.order_name}/R{self.refund_number}/{self.warehouse}"

    @property
    def link_id(self) -> str:
        return f"{self.refund_id}:{self.warehouse}"

    @property
    def total(self) -> Decimal:
        return sum((ln.total for ln in self.lines), ZERO)


@dataclass(frozen=True)
class EntryLine:
    gl: str  # GL account code
    amount: Decimal  # debit positive, credit negative
    customer: bool = False  # on the customer's account (receivables)
    note: str = ""


@dataclass(frozen=True)
class RefundPlan:
    refund_id: str
    order_name: str
    refund_number: str
    date: dt.datetime
    currency: str
    account: str
    credit_notes: tuple[CreditNote, ...]
    entry: tuple[EntryLine, ...] = field(default_factory=tuple)

    @property
    def reference(self) -> str:
        """The memorial entry's Description, searched before booking (deterministic)."""
        return f"Shopify refund {self.order_name} R{self.refund_number}"

    @property
    def credited(self) -> Decimal:
        return sum((n.total for n in self.credit_notes), ZERO)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _booked_lines(
    documents: Mapping[str, Mapping[str, Any]], line_id: str
) -> list[tuple[str, dict]]:
    return [
        (code, ln)
        for code, data in documents.items()
        for ln in data.get("lines") or []
        if ln.get("line_id") == line_id and ln.get("kind") in ("product", "gift_card")
    ]


def _goods(
    refund: Refund,
    documents: Mapping[str, Mapping[str, Any]],
    warehouses: Mapping[str, str],
    settings: RefundsSettings,
) -> dict[str, list[CreditLine]]:
    out: dict[str, list[CreditLine]] = {}
    for rl in refund.refund_line_items:
        booked = _booked_lines(documents, rl.line_item.id)
        if not booked:
            raise PermanentError(
                f"refund {refund.id}: line {rl.line_item.sku or rl.line_item.id} is not on any "
                "Exact document of the order",
                hint="Was the order edited after export? Credit it in Exact by hand, then cancel "
                "this job.",
            )
        preferred = warehouses.get(rl.location.id) if rl.location else None
        booked.sort(key=lambda b: b[0] != preferred)  # the restock location's document first
        left = Decimal(rl.quantity)
        restocked = (rl.restock_type or "").upper() in RESTOCKED
        for i, (code, ln) in enumerate(booked):
            have = _d(ln["quantity"])
            take = left if i == len(booked) - 1 else min(left, have)
            if take <= 0:
                continue
            left -= take
            item = ln["item"]
            if not restocked and ln["kind"] == "product" and settings.no_restock_item:
                item = settings.no_restock_item
            out.setdefault(code, []).append(
                CreditLine(
                    kind=ln["kind"],
                    item_code=item,
                    description=f"Refund {ln.get('sku') or item}"
                    + ("" if restocked or ln["kind"] != "product" else " (not returned)"),
                    quantity=take,
                    net=cents(_d(ln["net"]) * take / have),
                    vat_code=ln["vat_code"],
                    vat_rate=_d(ln["vat_rate"]),
                    restocked=restocked,
                    sku=ln.get("sku"),
                    line_id=rl.line_item.id,
                )
            )
    return out


def _shipping(
    refund: Refund, documents: Mapping[str, Mapping[str, Any]], out: dict[str, list[CreditLine]]
) -> Decimal:
    """Credit refunded shipping like the original; answer what could not be placed (net)."""
    # Shopify reports refunded shipping only in refundShippingLines (real schema 2026-01).
    net = sum((s.subtotal_amount_set.shop_money.amount for s in refund.refund_shipping_lines), ZERO)
    if not net:
        return ZERO
    booked = [
        (code, ln)
        for code, data in documents.items()
        for ln in data.get("lines") or []
        if ln.get("kind") == "shipping"
    ]
    if not booked:
        return net
    parts = allocate(net, [_d(ln["net"]) for _, ln in booked])
    for (code, ln), part in zip(booked, parts, strict=True):
        if part:
            out.setdefault(code, []).append(
                CreditLine(
                    kind="shipping",
                    item_code=ln["item"],
                    description="Refund shipping",
                    quantity=Decimal(1),
                    net=part,
                    vat_code=ln["vat_code"],
                    vat_rate=_d(ln["vat_rate"]),
                )
            )
    return ZERO


def paid_back(refund: Refund) -> dict[str, Decimal]:
    """Money Shopify gave back, by where it went: store_credit | gift_card | original."""
    out: dict[str, Decimal] = {}
    for tx in refund.transactions:
        if tx.kind != "REFUND" or tx.status != "SUCCESS":
            continue
        where = {STORE_CREDIT: "store_credit", GIFT_CARD: "gift_card"}.get(tx.gateway or "")
        key = where or "original"
        out[key] = out.get(key, ZERO) + tx.amount_set.shop_money.amount
    return out


def _paid_in(refund: Refund, currency: str) -> str | None:
    """The refund in the buyer's currency, when the order was paid in another (follows the
    order: booked in the shop currency, the buyer's amount named)."""
    bag = refund.total_refunded_set
    theirs = bag.presentment_money if bag else None
    if theirs is None or theirs.currency_code == currency:
        return None
    return f"{theirs.currency_code} {theirs.amount}"


def plan_refund(
    refund: Refund,
    order_name: str,
    documents: Mapping[str, Mapping[str, Any]],
    warehouses: Mapping[str, str],
    settings: RefundsSettings,
    orders: OrdersSettings,
    *,
    bonus: Decimal = ZERO,
) -> RefundPlan:
    """Book `refund` against the order's `documents` (warehouse → its `order` link data).

    `warehouses` maps Shopify location gids to Exact warehouse codes; `bonus` is store credit
    given on top of this refund (read from the customer's store-credit account).
    """
    if not documents:
        raise ValueError("a refund is planned only once its order's documents exist")
    number = refund.id.rsplit("/", 1)[-1]
    first = documents[sorted(documents)[0]]
    account = str(first.get("account") or "")
    currency = str(first.get("currency") or "EUR")
    goods = _goods(refund, documents, warehouses, settings)
    unplaced = _shipping(refund, documents, goods)
    journal = settings.credit_journal or orders.sales_journal
    notes = tuple(
        CreditNote(
            refund_id=refund.id,
            order_name=order_name,
            refund_number=number,
            warehouse=code,
            account=str(documents[code].get("account") or account),
            currency=currency,
            journal=journal,
            invoice_number=documents[code].get("number")
            if documents[code].get("document") == "invoice"
            else None,
            original_ref=f"{order_name}/{code}",
            lines=tuple(goods[code]),
            paid_in=_paid_in(refund, currency),
        )
        for code in sorted(goods)
        if goods[code]
    )
    plan = RefundPlan(
        refund.id, order_name, number, refund.created_at, currency, account, notes, ()
    )
    entry = _entry(refund, plan, settings, orders, bonus, unplaced)
    return RefundPlan(
        refund.id, order_name, number, refund.created_at, currency, account, notes, entry
    )


def _entry(
    refund: Refund,
    plan: RefundPlan,
    settings: RefundsSettings,
    orders: OrdersSettings,
    bonus: Decimal,
    unplaced_shipping: Decimal,
) -> tuple[EntryLine, ...]:
    credited = plan.credited
    money = paid_back(refund)
    targets = {
        "original": orders.clearing_gl,
        "gift_card": settings.gift_card_gl,
        "store_credit": settings.store_credit_gl,
    }
    lines = (
        [EntryLine(orders.debtors_gl, credited, True, "credit note settled")] if credited else []
    )
    for where, amount in sorted(money.items()):
        if amount:
            lines.append(EntryLine(targets[where], -amount, note=f"paid back: {where}"))
    adjusted = ZERO
    for adj in refund.order_adjustments:
        reason = (adj.reason or "OTHER").upper()
        amount = adj.amount_set.shop_money.amount
        if adj.tax_amount_set is not None:
            amount += adj.tax_amount_set.shop_money.amount
        if amount:
            gl = settings.adjustments.get(reason, settings.adjustments_gl)
            lines.append(EntryLine(gl, amount, note=reason.lower()))
            adjusted += amount
    if unplaced_shipping:  # no shipping line booked to credit it against: an adjustment
        lines.append(EntryLine(settings.adjustments_gl, unplaced_shipping, note="shipping"))
        adjusted += unplaced_shipping
    rest = sum(money.values(), ZERO) - credited - adjusted
    if abs(rest) > settings.max_rounding:
        raise PermanentError(
            f"refund {plan.refund_number} of order {plan.order_name}: Shopify paid back "
            f"{sum(money.values(), ZERO)}, but the credited lines ({credited}) and adjustments "
            f"({adjusted}) add up to {credited + adjusted}",
            hint="Something on the refund is not modelled (duties? an edit?); book it by hand "
            "and cancel this job, or report it.",
        )
    if rest:
        lines.append(EntryLine(settings.rounding_gl, rest, note="rounding"))
    if bonus:
        lines.append(EntryLine(settings.bonus_gl, bonus, note="store credit bonus"))
        lines.append(EntryLine(settings.store_credit_gl, -bonus, note="store credit bonus"))
    return tuple(lines)
