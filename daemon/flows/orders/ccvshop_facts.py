"""A CCV Shop order (+ its rows) as the facts the order plan reads, so one plan books both shops.

The plan reads an order in the shape of `connectors.shopify.models.Order` plus `OrderFacts`;
this adapter fills that shape from CCV's order, so `plan_order` (customers, items, VAT
scenario, documents, rounding) runs unchanged and never learns which shop an order came from.
Every amount is handed over tax-included: CCV chooses per order whether row prices include
VAT (`order_row_taxes_included`) and separately for shipping (`shipping_taxes_included`), and
the plan takes one flag for both, so the adapter adds the VAT where CCV's prices are net.
CCV gives a VAT *percentage* per row, not an amount; the amount is worked out per row to the
cent, and the plan's total check against CCV's `total_price` catches any difference.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from connectors.ccvshop.models import Address as CcvAddress
from connectors.ccvshop.models import Order as CcvOrder
from connectors.ccvshop.models import OrderRow, OrderStatus
from connectors.errors import PermanentError
from connectors.shopify.models import Address, Customer, LineItem, Order, ShippingLine, TaxLine
from daemon.flows.orders.config import OrdersSettings
from daemon.flows.orders.facts import OrderFacts

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Statuses after which the goods have left: "Sent", "Delivered", "Completed".
SHIPPED = frozenset({OrderStatus.SENT, OrderStatus.DELIVERED, OrderStatus.COMPLETED})


def ccv_order_id(order_id: int) -> str:
    """The id the daemon's links and jobs use for a CCV order (never a Shopify gid)."""
    return f"ccvshop:order:{order_id}"


def order_from_ccv(
    order: CcvOrder, rows: list[OrderRow], settings: OrdersSettings
) -> tuple[Order, OrderFacts]:
    """The plan's view of a CCV order; PermanentError for what it cannot book faithfully."""
    name = order.ordernumber_full or (f"#{order.ordernumber}" if order.ordernumber else None)
    name = name or f"CCV {order.id}"
    if order.paymethod_costs or order.extra_costs:
        raise PermanentError(
            f"order {name} has payment-method costs or extra costs, which shopsync does not "
            "book yet",
            hint="Book this order in Exact by hand and cancel the job.",
        )
    zero_rated = order.is_intra_community_order or order.is_platform_sale
    lines = [_line(order, row, name, zero_rated=zero_rated) for row in rows if row.count]
    shipping = _shipping(order, zero_rated=zero_rated)
    person = order.customer
    billing = _address(person.billingaddress)
    delivery = _address(person.delivery)
    customer = None
    if order.user.id is not None:  # a registered account; guests have user.id null
        customer = Customer(
            id=f"ccvshop:user:{order.user.id}",
            email=person.email,
            first_name=person.billingaddress.first_name,
            last_name=person.billingaddress.last_name,
        )
    attributes = {}
    if person.btw and settings.customers.vat_number_attributes:
        attributes[settings.customers.vat_number_attributes[0]] = person.btw
    plan_order = Order(
        id=ccv_order_id(order.id),
        legacy_resource_id=order.id,
        name=name,
        email=person.email,
        created_at=order.create_date,
        processed_at=order.create_date,
        updated_at=order.create_date,
        # CCV keeps no cancel time; the plan only asks whether the order is cancelled.
        cancelled_at=order.create_date if order.status == OrderStatus.CANCELLED else None,
        currency_code=order.currency,
        taxes_included=True,
        display_financial_status="PAID" if order.paid else "PENDING",
        display_fulfillment_status="FULFILLED" if order.status in SHIPPED else "UNFULFILLED",
        total_price_set=_bag(order.total_price, order.currency),
        total_tax_set=_bag(order.total_tax, order.currency),
        customer=customer,
        billing_address=billing,
        shipping_address=delivery,
        line_items=lines,
        shipping_lines=[shipping] if shipping else [],
    )
    phone = person.billingaddress.telephone or person.billingaddress.mobile
    return plan_order, OrderFacts(attributes=attributes, phone=phone)


def _line(order: CcvOrder, row: OrderRow, name: str, *, zero_rated: bool) -> LineItem:
    if row.count != row.count.to_integral_value():
        raise PermanentError(
            f"order {name}: row {row.product_name or row.id} has a fractional quantity "
            f"({row.count}), which shopsync does not book yet",
            hint="Book this order in Exact by hand and cancel the job.",
        )
    if not row.sku:
        raise PermanentError(
            f"order {name}: row {row.product_name or row.id} has no product number",
            hint="Give the product (or its variant) a product number equal to an Exact item "
            "code, then retry the job.",
        )
    rate = Decimal(0) if zero_rated else row.tax
    net_or_gross = _cents(row.count * (row.price - row.discount))
    unit = row.price
    if order.order_row_taxes_included:
        gross = net_or_gross
        tax = _cents(gross * rate / (HUNDRED + rate))
    else:
        tax = _cents(net_or_gross * rate / HUNDRED)
        gross = net_or_gross + tax
        unit = row.price * (1 + rate / HUNDRED)
    original = unit * row.count
    discount = original - gross  # exact: the plan books `original − discount` = gross
    currency = order.currency
    return LineItem(
        id=f"ccvshop:orderrow:{row.id}",
        sku=row.sku,
        name=row.product_name or row.sku,
        quantity=int(row.count),
        original_unit_price_set=_bag(unit, currency),
        discount_allocations=[{"allocated_amount_set": _bag(discount, currency)}]
        if discount
        else [],
        tax_lines=[TaxLine(rate=rate / HUNDRED, price_set=_bag(tax, currency))],
    )


def _shipping(order: CcvOrder, *, zero_rated: bool) -> ShippingLine | None:
    if not order.total_shipping:
        return None
    rate = Decimal(0) if zero_rated else order.shipping_tax_percentage
    if order.shipping_taxes_included:
        gross = order.total_shipping
        tax = _cents(gross * rate / (HUNDRED + rate))
    else:
        tax = _cents(order.total_shipping * rate / HUNDRED)
        gross = order.total_shipping + tax
    return ShippingLine(
        id=f"ccvshop:shipping:{order.id}",
        title="Shipping",
        original_price_set=_bag(gross, order.currency),
        tax_lines=[TaxLine(rate=rate / HUNDRED, price_set=_bag(tax, order.currency))],
    )


def _address(address: CcvAddress) -> Address:
    return Address(
        first_name=address.first_name,
        last_name=address.last_name,
        company=address.company,
        address1=address.street_line or None,
        address2=address.address_line_2,
        zip=address.zipcode,
        city=address.city,
        country_code_v2=(address.country_code or "").upper() or None,
        phone=address.telephone or address.mobile,
    )


def _bag(amount: Decimal, currency: str) -> dict:
    return {"shop_money": {"amount": amount, "currency_code": currency}}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
