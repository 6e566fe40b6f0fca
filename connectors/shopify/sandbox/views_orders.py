"""GraphQL views of orders and what hangs off them: lines, shipping, payments, fulfilments."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox.addresses import COUNTRY_NAMES
from connectors.shopify.sandbox.records import (
    FulfillmentRec,
    LineRec,
    OrderRec,
    ShippingRec,
    TransactionRec,
)
from connectors.shopify.sandbox.state import gid, iso
from connectors.shopify.sandbox.views_catalog import LocationView, ProductView, VariantView
from connectors.shopify.sandbox.views_common import View, bag, first_n, money, order_cur, page


def address_view(addr: dict[str, Any] | None, num: int) -> dict[str, Any] | None:
    if not addr:
        return None
    first, last = addr.get("first_name"), addr.get("last_name")
    return {
        "id": gid("MailingAddress", num),
        "firstName": first,
        "lastName": last,
        "name": " ".join(x for x in (first, last) if x) or None,
        "company": addr.get("company"),
        "address1": addr.get("address1", "Main street 1"),
        "address2": addr.get("address2"),
        "city": addr.get("city", "Somewhere"),
        "zip": addr.get("zip", "1000 AA"),
        "province": addr.get("province"),
        "provinceCode": addr.get("province_code"),
        "country": COUNTRY_NAMES.get(addr["country"], addr["country"]),
        "countryCodeV2": addr["country"],
        "phone": addr.get("phone"),
    }


def tax_lines(rate: Any, amount: Any, cur: str) -> list[dict[str, Any]]:
    if not rate:
        return []
    return [
        {
            "title": "VAT",
            "rate": float(rate) / 100,
            "ratePercentage": float(rate),
            "channelLiable": False,
            "priceSet": bag(amount, cur),
        }
    ]


def discount_application(order: OrderRec, currency: str) -> dict[str, Any]:
    return {
        "__typename": "ManualDiscountApplication",
        "index": 0,
        "allocationMethod": "ACROSS",
        "targetSelection": "ALL",
        "targetType": "LINE_ITEM",
        "value": money(order.discount_total, currency),
        "title": order.discount_title or "Discount",
        "description": None,
    }


class OrderView(View):
    typename = "Order"
    rec: OrderRec

    @property
    def cur(self) -> str:
        return order_cur(self.s, self.rec)

    id = property(lambda self: gid("Order", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    name = property(lambda self: self.rec.name)
    email = property(lambda self: self.rec.email)
    phone = None
    note = property(lambda self: self.rec.note)
    tags: list[str] = []  # noqa: RUF012 - shared read-only default
    sourceName = "web"
    test = False
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.updated_at))
    processedAt = property(lambda self: iso(self.rec.created_at))
    closedAt = property(lambda self: iso(self.rec.closed_at))
    cancelledAt = property(lambda self: iso(self.rec.cancelled_at))
    cancelReason = property(lambda self: self.rec.cancel_reason)
    closed = property(lambda self: self.rec.closed_at is not None)
    confirmed = True
    fullyPaid = property(lambda self: om.outstanding(self.s, self.rec) == 0)
    unpaid = property(lambda self: om.received(self.s, self.rec) == 0)
    currencyCode = property(lambda self: self.cur)
    presentmentCurrencyCode = property(lambda self: self.rec.presentment_currency or self.cur)
    taxesIncluded = property(lambda self: self.s.taxes_included)
    displayFinancialStatus = property(lambda self: om.financial_status(self.s, self.rec))
    displayFulfillmentStatus = property(lambda self: om.fulfillment_status(self.rec))
    customAttributes = property(lambda self: self.rec.attributes)
    shippingAddress = property(lambda self: address_view(self.rec.shipping_address, self.rec.id))
    billingAddress = property(lambda self: address_view(self.rec.billing_address, self.rec.id + 1))
    subtotalPriceSet = property(lambda self: bag(om.subtotal(self.rec), self.cur))
    totalPriceSet = property(lambda self: bag(om.total_price(self.s, self.rec), self.cur))
    totalTaxSet = property(lambda self: bag(om.total_tax(self.s, self.rec), self.cur))
    totalDiscountsSet = property(lambda self: bag(self.rec.discount_total, self.cur))
    totalShippingPriceSet = property(lambda self: bag(om.shipping_total(self.rec), self.cur))
    totalTipReceivedSet = property(lambda self: bag(self.rec.tip, self.cur))
    totalReceivedSet = property(lambda self: bag(om.received(self.s, self.rec), self.cur))
    totalRefundedSet = property(lambda self: bag(om.refunded(self.s, self.rec), self.cur))
    totalOutstandingSet = property(lambda self: bag(om.outstanding(self.s, self.rec), self.cur))

    @property
    def currentTotalPriceSet(self) -> dict[str, Any]:
        refunds = (self.s.refunds[r] for r in self.rec.refund_ids)
        back = sum((sum(x.subtotal for x in r.lines) + r.shipping for r in refunds), om.ZERO)
        return bag(om.total_price(self.s, self.rec) - back, self.cur)

    @property
    def paymentGatewayNames(self) -> list[str]:
        txs = (self.s.transactions[t] for t in self.rec.transaction_ids)
        return sorted({t.gateway for t in txs if t.kind in om.PAID_KINDS})

    @property
    def customer(self) -> Any:
        from connectors.shopify.sandbox.views_money import CustomerView

        c = self.s.customers.get(self.rec.customer_id) if self.rec.customer_id else None
        return CustomerView(self.s, c) if c else None

    @property
    def taxLines(self) -> list[dict[str, Any]]:
        rates: dict[Any, Any] = {}
        for line in self.rec.lines:
            rates[line.tax_rate] = rates.get(line.tax_rate, om.ZERO) + om.line_tax(self.s, line)
        for sl in self.rec.shipping_lines:
            rates[sl.tax_rate] = rates.get(sl.tax_rate, om.ZERO) + om.shipping_tax(self.s, sl)
        return [t for r, amt in sorted(rates.items()) for t in tax_lines(r, amt, self.cur)]

    def discountApplications(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        apps = [discount_application(self.rec, self.cur)] if self.rec.discount_total else []
        return page(info, apps, args, key=lambda a: a["index"])

    def lineItems(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        return page(info, [LineItemView(self.s, x, self.rec) for x in self.rec.lines], args)

    def shippingLines(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = [ShippingLineView(self.s, x, self.rec) for x in self.rec.shipping_lines]
        return page(info, views, args, key=lambda v: v.rec.id)

    def transactions(self, info: GraphQLResolveInfo, first: int | None = None, **_: Any) -> list:
        txs = [TransactionView(self.s, self.s.transactions[t]) for t in self.rec.transaction_ids]
        return first_n(txs, first)

    def fulfillmentOrders(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        by_loc: dict[int, list[LineRec]] = {}
        for line in self.rec.lines:
            if not line.is_gift_card:
                by_loc.setdefault(line.location_id, []).append(line)
        views = [FulfillmentOrderView(self.s, (self.rec, lid, ls)) for lid, ls in by_loc.items()]
        return page(info, views, args, key=lambda v: v.num)

    def fulfillments(self, info: GraphQLResolveInfo, first: int | None = None) -> list:
        views = [FulfillmentView(self.s, self.s.fulfillments[f]) for f in self.rec.fulfillment_ids]
        return first_n(views, first)

    def refunds(self, info: GraphQLResolveInfo, first: int | None = None) -> list:
        from connectors.shopify.sandbox.views_refunds import RefundView

        return first_n([RefundView(self.s, self.s.refunds[r]) for r in self.rec.refund_ids], first)

    def returns(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        from connectors.shopify.sandbox.views_refunds import ReturnView

        return page(
            info, [ReturnView(self.s, self.s.returns[r]) for r in self.rec.return_ids], args
        )


class LineItemView(View):
    typename = "LineItem"
    rec: LineRec

    def __init__(self, state: Any, rec: LineRec, order: OrderRec | None = None) -> None:
        super().__init__(state, rec)
        self.order = order

    @property
    def cur(self) -> str:
        return order_cur(self.s, self.order)

    id = property(lambda self: gid("LineItem", self.rec.id))
    sku = property(lambda self: self.rec.sku)
    name = property(lambda self: self.rec.title)
    title = property(lambda self: self.rec.title)
    variantTitle = None
    vendor = "Sandbox Shop"
    quantity = property(lambda self: self.rec.quantity)
    currentQuantity = property(lambda self: om.current_quantity(self.rec))
    refundableQuantity = property(lambda self: om.current_quantity(self.rec))
    unfulfilledQuantity = property(lambda self: om.unfulfilled(self.rec))
    isGiftCard = property(lambda self: self.rec.is_gift_card)
    requiresShipping = property(lambda self: not self.rec.is_gift_card)
    taxable = property(lambda self: bool(self.rec.tax_rate))
    originalUnitPriceSet = property(lambda self: bag(self.rec.unit_price, self.cur))
    originalTotalSet = property(lambda self: bag(om.line_original_total(self.rec), self.cur))
    discountedTotalSet = property(lambda self: bag(om.line_original_total(self.rec), self.cur))
    totalDiscountSet = property(lambda self: bag(self.rec.discount, self.cur))

    @property
    def discountedUnitPriceAfterAllDiscountsSet(self) -> dict[str, Any]:
        left = om.edited(self.rec)
        unit = om.line_discounted_total(self.rec) / left if left else 0
        return bag(unit, self.cur)

    @property
    def discountAllocations(self) -> list[dict[str, Any]]:
        if not self.rec.discount or self.order is None:
            return []
        return [
            {
                "allocatedAmountSet": bag(self.rec.discount, self.cur),
                "discountApplication": discount_application(self.order, self.cur),
            }
        ]

    def taxLines(self, info: GraphQLResolveInfo, first: int | None = None) -> list:
        return tax_lines(self.rec.tax_rate, om.line_tax(self.s, self.rec), self.cur)

    @property
    def variant(self) -> Any:
        v = self.s.variants.get(self.rec.variant_id) if self.rec.variant_id else None
        return VariantView(self.s, v) if v else None

    @property
    def product(self) -> Any:
        v = self.s.variants.get(self.rec.variant_id) if self.rec.variant_id else None
        return ProductView(self.s, self.s.products[v.product_id]) if v else None


class ShippingLineView(View):
    typename = "ShippingLine"
    rec: ShippingRec

    def __init__(self, state: Any, rec: ShippingRec, order: OrderRec | None = None) -> None:
        super().__init__(state, rec)
        self.order = order

    @property
    def cur(self) -> str:
        return order_cur(self.s, self.order)

    id = property(lambda self: gid("ShippingLine", self.rec.id))
    title = property(lambda self: self.rec.title)
    code = property(lambda self: self.rec.title)
    source = "shopify"
    isRemoved = False
    originalPriceSet = property(lambda self: bag(self.rec.price, self.cur))
    discountedPriceSet = property(lambda self: bag(self.rec.price, self.cur))
    discountAllocations: list[Any] = []  # noqa: RUF012 - no shipping discounts in the sandbox

    @property
    def taxLines(self) -> list[dict[str, Any]]:
        return tax_lines(self.rec.tax_rate, om.shipping_tax(self.s, self.rec), self.cur)


class TransactionView(View):
    typename = "OrderTransaction"
    rec: TransactionRec

    @property
    def cur(self) -> str:
        return order_cur(self.s, self.s.orders.get(self.rec.order_id))

    id = property(lambda self: gid("OrderTransaction", self.rec.id))
    kind = property(lambda self: self.rec.kind)
    status = property(lambda self: self.rec.status)
    gateway = property(lambda self: self.rec.gateway)
    formattedGateway = property(lambda self: self.rec.gateway.replace("_", " ").title())
    test = False
    amountSet = property(lambda self: bag(self.rec.amount, self.cur))
    createdAt = property(lambda self: iso(self.rec.created_at))
    processedAt = property(lambda self: iso(self.rec.created_at))
    paymentId = property(lambda self: f"p{self.rec.id}")

    @property
    def parentTransaction(self) -> Any:
        p = self.s.transactions.get(self.rec.parent_id) if self.rec.parent_id else None
        return TransactionView(self.s, p) if p else None

    @property
    def order(self) -> OrderView:
        return OrderView(self.s, self.s.orders[self.rec.order_id])


class FulfillmentOrderView(View):
    """One fulfilment order per (order, assigned location), derived from the order's lines."""

    typename = "FulfillmentOrder"

    def __init__(self, state: Any, rec: tuple[OrderRec, int, list[LineRec]]) -> None:
        super().__init__(state, rec)
        self.order, self.location_id, self.lines = rec
        self.num = self.order.id * 100 + self.location_id % 100

    id = property(lambda self: gid("FulfillmentOrder", self.num))
    createdAt = property(lambda self: iso(self.order.created_at))
    updatedAt = property(lambda self: iso(self.order.updated_at))

    @property
    def status(self) -> str:
        if self.order.cancelled_at is not None:
            return "CANCELLED" if not any(x.fulfilled for x in self.lines) else "CLOSED"
        left = sum(om.unfulfilled(x) for x in self.lines)
        if not left:
            return "CLOSED"
        return "IN_PROGRESS" if any(x.fulfilled for x in self.lines) else "OPEN"

    @property
    def assignedLocation(self) -> dict[str, Any]:
        loc = self.s.locations[self.location_id]
        return {"name": loc.name, "countryCode": loc.country, "location": LocationView(self.s, loc)}

    def lineItems(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = [
            {
                "id": gid("FulfillmentOrderLineItem", x.id),
                "sku": x.sku,
                "totalQuantity": om.edited(x) - x.cancelled,
                "remainingQuantity": om.unfulfilled(x),
                "lineItem": LineItemView(self.s, x, self.order),
                "key": x.id,
            }
            for x in self.lines
        ]
        return page(info, views, args, key=lambda v: v["key"])


class FulfillmentView(View):
    typename = "Fulfillment"
    rec: FulfillmentRec

    id = property(lambda self: gid("Fulfillment", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    status = "SUCCESS"
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.created_at))
    location = property(lambda self: LocationView(self.s, self.s.locations[self.rec.location_id]))

    @property
    def name(self) -> str:
        order = self.s.orders[self.rec.order_id]
        return f"{order.name}-F{order.fulfillment_ids.index(self.rec.id) + 1}"

    def fulfillmentLineItems(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        return page(
            info,
            [fulfillment_line(self.s, f) for f in self.rec.lines],
            args,
            key=lambda v: v["key"],
        )


def fulfillment_line(state: Any, fl: tuple[int, int, int]) -> dict[str, Any]:
    fid, line_id, qty = fl
    order, line = find_line(state, line_id)
    return {
        "id": gid("FulfillmentLineItem", fid),
        "quantity": qty,
        "key": fid,
        "lineItem": LineItemView(state, line, order),
    }


def find_line(state: Any, line_id: int) -> tuple[OrderRec, LineRec]:
    for order in state.orders.values():
        for line in order.lines:
            if line.id == line_id:
                return order, line
    raise KeyError(line_id)
