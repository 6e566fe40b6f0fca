"""Pure plan: a Shopify order (+ facts, config) → the Exact sales documents to create.

Amounts: each Shopify line's charge (after discounts, tax included as the shop shows it) is kept
to the cent; its net is that charge less Shopify's tax. Exact recomputes VAT per line from the
net, so any cent Exact's sum differs from Shopify's goes on a rounding line. With several
locations, lines are split by fulfilment location (by quantity), and shipping and tips by goods
value, each with largest-remainder so the documents add up to the order exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.errors import PermanentError
from connectors.shopify.models import LineItem, Order, ShippingLine, TaxLine
from daemon.flows.orders.config import OrdersSettings
from daemon.flows.orders.customers import CustomerPlan, plan_customer
from daemon.flows.orders.facts import OrderFacts
from daemon.flows.orders.money import ZERO, allocate, cents, exact_total
from daemon.flows.orders.vat import Scenario, VatCode, vat_code_for, vat_scenario

PRICE = Decimal("0.000001")  # unit prices go to Exact with 6 decimals so qty × price hits the cent


@dataclass(frozen=True)
class PlannedLine:
    kind: str  # product | shipping | gift_card | tip | rounding
    item_code: str
    description: str
    quantity: Decimal
    gross: Decimal  # what Shopify charged for these units, tax included
    tax: Decimal  # Shopify's tax in `gross`
    discount: Decimal  # discount given on these units (as Shopify states it)
    vat_code: str
    vat_rate: Decimal
    shopify_line_id: str | None = None
    sku: str | None = None
    discount_fraction: Decimal = ZERO  # discount ÷ undiscounted price (0.1 = 10 %)

    @property
    def net(self) -> Decimal:
        return self.gross - self.tax

    @property
    def exact_vat(self) -> Decimal:
        return cents(self.net * self.vat_rate)

    @property
    def net_price(self) -> Decimal:
        return (self.net / self.quantity).quantize(PRICE, rounding=ROUND_HALF_UP)

    def exact_body(self, item_id: str) -> dict[str, Any]:
        fraction = self.discount_fraction
        unit = self.net_price if fraction >= 1 else self.net_price / (1 - fraction)
        return {
            "Item": item_id,
            "Description": self.description[:60],
            "Quantity": self.quantity,
            "UnitPrice": unit.quantize(PRICE, rounding=ROUND_HALF_UP),
            "Discount": fraction,
            "NetPrice": self.net_price,
            "VATCode": self.vat_code,
        }

    def summary(self) -> dict[str, Any]:
        """What a later flow (refunds) needs to book against this line."""
        return {
            "kind": self.kind,
            "sku": self.sku,
            "item": self.item_code,
            "line_id": self.shopify_line_id,
            "quantity": str(self.quantity),
            "vat_code": self.vat_code,
            "vat_rate": str(self.vat_rate),
            "net": str(self.net),
            "vat": str(self.exact_vat),
            "gross": str(self.gross),
        }


@dataclass(frozen=True)
class PlannedDocument:
    order_id: str
    order_name: str
    location_code: str  # the Exact warehouse
    kind: str  # salesorder | invoice
    journal: str | None
    order_date: dt.datetime
    currency: str
    scenario: Scenario
    lines: tuple[PlannedLine, ...]
    shop: str = "Shopify"  # the platform the order came from, named in the document
    paid_in: str | None = None  # "USD 123.45": the order in the buyer's currency, when not ours

    @property
    def your_ref(self) -> str:
        return f"{self.order_name}/{self.location_code}"

    @property
    def link_id(self) -> str:
        return f"{self.order_id}:{self.location_code}"

    @property
    def total(self) -> Decimal:
        """The document's total as Exact will compute it (equal to Shopify's share)."""
        return sum((exact_total(ln.net, ln.vat_rate) for ln in self.lines), ZERO)

    @property
    def shopify_total(self) -> Decimal:
        """Shopify's charge for this document's share (a rounding line is not a charge)."""
        return sum((ln.gross for ln in self.lines if ln.kind != "rounding"), ZERO)

    def link_data(self) -> dict[str, Any]:
        return {
            "document": self.kind,
            "order_name": self.order_name,
            "warehouse": self.location_code,
            "scenario": str(self.scenario),
            "currency": self.currency,
            "total": str(self.total),
            "lines": [ln.summary() for ln in self.lines],
        }


@dataclass(frozen=True)
class OrderPlan:
    order_id: str
    order_name: str
    customer: CustomerPlan
    documents: tuple[PlannedDocument, ...] = field(default_factory=tuple)

    @property
    def total(self) -> Decimal:
        return sum((d.total for d in self.documents), ZERO)


def _money(bag: Any) -> Decimal:
    return bag.shop_money.amount


def _tax(lines: Sequence[TaxLine]) -> tuple[Decimal, Decimal]:
    """(tax amount, rate as a fraction) of a line's tax lines."""
    amount = sum((_money(t.price_set) for t in lines), ZERO)
    rate = sum((t.rate or ZERO for t in lines), ZERO)
    return amount, rate


def _destination(order: Order) -> str | None:
    for address in (order.shipping_address, order.billing_address):
        if address and address.country_code_v2:
            return address.country_code_v2.upper()
    return None


@dataclass(frozen=True)
class _Context:
    settings: OrdersSettings
    scenario: Scenario
    destination: str | None
    taxes_included: bool

    def code(self, kind: str, rate: Decimal) -> VatCode:
        vat = self.settings.vat
        fixed = {"gift_card": vat.gift_card, "tip": vat.tip, "rounding": vat.rounding}
        if kind in fixed:
            return VatCode(fixed[kind], ZERO)
        return vat_code_for(self.settings, self.scenario, self.destination, rate)

    def priced(self, charged: Decimal, tax: Decimal) -> tuple[Decimal, Decimal]:
        """(gross, tax): Shopify's charge for a line made tax-included either way."""
        return (charged, tax) if self.taxes_included else (charged + tax, tax)


def _product_line(ctx: _Context, line: LineItem, order: Order) -> PlannedLine:
    items = ctx.settings.items
    original = _money(line.original_unit_price_set) * line.quantity
    discount = sum((_money(d.allocated_amount_set) for d in line.discount_allocations), ZERO)
    tax, rate = _tax(line.tax_lines)
    gross, tax = ctx.priced(original - discount, tax)
    kind = "gift_card" if line.is_gift_card else "product"
    if kind == "product" and not line.sku:
        raise PermanentError(
            f"order {order.name}: line {line.name or line.id} has no SKU",
            hint="Give the variant a SKU equal to an Exact item code, then retry the job.",
        )
    code = ctx.code(kind, rate)
    return PlannedLine(
        kind=kind,
        item_code=items.gift_card if kind == "gift_card" else str(line.sku),
        description=line.name or str(line.sku),
        quantity=Decimal(line.quantity),
        gross=gross,
        tax=tax,
        discount=discount,
        vat_code=code.code,
        vat_rate=code.rate,
        shopify_line_id=line.id,
        sku=line.sku,
        discount_fraction=_fraction(discount, original),
    )


def _shipping_line(ctx: _Context, line: ShippingLine) -> PlannedLine:
    discount = sum((_money(d.allocated_amount_set) for d in line.discount_allocations), ZERO)
    tax, rate = _tax(line.tax_lines)
    gross, tax = ctx.priced(_money(line.original_price_set) - discount, tax)
    code = ctx.code("shipping", rate)
    return PlannedLine(
        kind="shipping",
        item_code=ctx.settings.items.shipping,
        description=line.title or "Shipping",
        quantity=Decimal(1),
        gross=gross,
        tax=tax,
        discount=discount,
        vat_code=code.code,
        vat_rate=code.rate,
        shopify_line_id=line.id,
        discount_fraction=_fraction(discount, _money(line.original_price_set)),
    )


def _fraction(discount: Decimal, original: Decimal) -> Decimal:
    return (discount / original).quantize(PRICE, rounding=ROUND_HALF_UP) if original else ZERO


def split_line(line: PlannedLine, quantities: Sequence[int]) -> list[PlannedLine]:
    """One line cut into parts of the given quantities; money split by quantity, exactly."""
    weights = [Decimal(q) for q in quantities]
    grosses = allocate(line.gross, weights)
    taxes = allocate(line.tax, weights)
    discounts = allocate(line.discount, weights)
    return [
        replace(line, quantity=Decimal(q), gross=g, tax=t, discount=d)
        for q, g, t, d in zip(quantities, grosses, taxes, discounts, strict=True)
    ]


def spread_line(line: PlannedLine, weights: Sequence[Decimal]) -> list[PlannedLine]:
    """A one-off charge (shipping, tip) spread over documents by weight; zero parts dropped."""
    grosses = allocate(line.gross, weights)
    taxes = allocate(line.tax, weights)
    discounts = allocate(line.discount, weights)
    return [
        replace(line, gross=g, tax=t, discount=d)
        for g, t, d in zip(grosses, taxes, discounts, strict=True)
    ]


def _warehouse(settings: Any, location_name: str) -> str:
    return settings.locations.get(location_name, settings.default_warehouse)


def _group_lines(
    lines: list[tuple[PlannedLine, LineItem]], facts: OrderFacts, mapping: Any, multi: bool
) -> dict[str, list[PlannedLine]]:
    default = mapping.default_warehouse
    groups: dict[str, list[PlannedLine]] = {}
    for planned, source in lines:
        places = list(facts.line_locations.get(source.id, ())) if multi else []
        by_code: dict[str, int] = {}
        for name, qty in places:
            code = _warehouse(mapping, name)
            by_code[code] = by_code.get(code, 0) + qty
        placed = sum(by_code.values())
        if placed < source.quantity:
            by_code[default] = by_code.get(default, 0) + source.quantity - placed
        elif placed > source.quantity:
            by_code = {default: source.quantity}  # facts disagree with the order: keep it whole
        codes = [c for c, q in by_code.items() if q > 0]
        parts = split_line(planned, [by_code[c] for c in codes]) if len(codes) > 1 else [planned]
        for code, part in zip(codes or [default], parts, strict=True):
            groups.setdefault(code, []).append(part)
    return groups


def _rounding_line(ctx: _Context, amount: Decimal) -> PlannedLine:
    return PlannedLine(
        kind="rounding",
        item_code=ctx.settings.items.rounding,
        description="Rounding difference",
        quantity=Decimal(1),
        gross=amount,
        tax=ZERO,
        discount=ZERO,
        vat_code=ctx.settings.vat.rounding,
        vat_rate=ZERO,
    )


def _balanced(
    ctx: _Context, lines: list[PlannedLine], order: Order, code: str
) -> list[PlannedLine]:
    """Lines plus, if Exact's VAT arithmetic lands off Shopify's charge, a rounding line."""
    shopify = sum((ln.gross for ln in lines), ZERO)
    exact = sum((exact_total(ln.net, ln.vat_rate) for ln in lines), ZERO)
    diff = shopify - exact
    if not diff:
        return lines
    # Exact and Shopify may each round a line's VAT their own way: up to a cent a line.
    allowed = max(ctx.settings.max_rounding, Decimal("0.01") * len(lines))
    if abs(diff) > allowed:
        raise PermanentError(
            f"order {order.name} ({code}): Exact's VAT would give {exact} where Shopify charged "
            f"{shopify} ({ctx.scenario} VAT)",
            hint="Check that Shopify's taxes match the VAT scenario (a VAT number on a taxed "
            "order, an export with VAT) and the [orders.vat] codes; then retry the job.",
        )
    return [*lines, _rounding_line(ctx, diff)]


def plan_order(
    order: Order, facts: OrderFacts, settings: OrdersSettings, mapping: Any
) -> OrderPlan:
    """The documents that book `order` in Exact (`mapping` = the [mapping] settings)."""
    customer = plan_customer(order, facts, settings)
    destination = _destination(order)
    scenario = vat_scenario(settings, destination, customer.vat_number)
    ctx = _Context(settings, scenario, destination, order.taxes_included)
    goods = [(_product_line(ctx, li, order), li) for li in order.line_items if li.quantity > 0]
    groups = _group_lines(goods, facts, mapping, settings.multi_location)
    if not groups:
        groups = {mapping.default_warehouse: []}
    codes = list(groups)
    weights = [sum((ln.gross for ln in groups[c]), ZERO) for c in codes]
    extras = [_shipping_line(ctx, s) for s in order.shipping_lines]
    if facts.tip:
        code = ctx.code("tip", ZERO)
        extras.append(
            PlannedLine(
                "tip",
                settings.items.tip,
                "Tip",
                Decimal(1),
                facts.tip,
                ZERO,
                ZERO,
                code.code,
                code.rate,
            )
        )
    for extra in extras:
        for c, part in zip(codes, spread_line(extra, weights), strict=True):
            if part.gross or part.discount:
                groups[c].append(part)
    groups = {c: _balanced(ctx, groups[c], order, c) for c in codes}
    _settle_order_total(ctx, order, groups)
    kind = settings.document
    documents = tuple(
        PlannedDocument(
            order_id=order.id,
            order_name=order.name,
            location_code=c,
            kind=kind,
            journal=settings.sales_journal if kind == "invoice" else None,
            order_date=order.processed_at or order.created_at,
            currency=order.currency_code,
            scenario=scenario,
            lines=tuple(groups[c]),
            paid_in=paid_in(order),
        )
        for c in codes
        if groups[c]
    )
    return OrderPlan(order.id, order.name, customer, documents)


def paid_in(order: Order) -> str | None:
    """The order's total in the buyer's currency when it is not the shop's ("USD 123.45").

    Documents are booked in the shop currency (Shopify's shopMoney, converted at Shopify's
    rate when the buyer paid); the buyer's amount goes in the description so the customer's
    own figure can be found again.
    """
    theirs = order.total_price_set.presentment_money if order.total_price_set else None
    if theirs is None or theirs.currency_code == order.currency_code:
        return None
    return f"{theirs.currency_code} {theirs.amount}"


def _settle_order_total(ctx: _Context, order: Order, groups: dict[str, list[PlannedLine]]) -> None:
    """Shopify's order total is the truth: a cent it adds up differently goes to rounding."""
    if order.total_price_set is None:
        return
    want = _money(order.total_price_set)
    have = sum(
        (ln.gross for lines in groups.values() for ln in lines if ln.kind != "rounding"), ZERO
    )
    diff = want - have
    if not diff:
        return
    if abs(diff) > ctx.settings.max_rounding:
        raise PermanentError(
            f"order {order.name}: its lines, shipping and tip add up to {have}, but Shopify's "
            f"total is {want}",
            hint="Something on the order is not modelled (duties? an edit?); book it by hand "
            "and cancel this job, or report it.",
        )
    biggest = max(groups, key=lambda code: sum((ln.gross for ln in groups[code]), ZERO))
    groups[biggest] = _balanced_with(ctx, groups[biggest], diff)


def _balanced_with(ctx: _Context, lines: list[PlannedLine], extra: Decimal) -> list[PlannedLine]:
    rounding = [ln for ln in lines if ln.kind == "rounding"]
    rest = [ln for ln in lines if ln.kind != "rounding"]
    amount = sum((ln.gross for ln in rounding), ZERO) + extra
    return rest + ([_rounding_line(ctx, amount)] if amount else [])
