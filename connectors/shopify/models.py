"""Pydantic models of the Shopify objects flows read, parsed from our GraphQL answers.

Field names are snake_case; they are read from Shopify's camelCase by alias. Money is always a
`Money` (Decimal amount + currency), timestamps are timezone-aware UTC, and connections
(`{nodes: [...]}`) are flattened to plain lists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    model_validator,
)
from pydantic.alias_generators import to_camel


def _to_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _unwrap_nodes(value: Any) -> Any:
    if isinstance(value, dict):
        if "nodes" in value:
            return value["nodes"] or []
        if "edges" in value:
            return [edge["node"] for edge in value["edges"] or []]
    return [] if value is None else value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
T = TypeVar("T")
# A connection read as a list: `{nodes: [...]}` or `{edges: [{node}]}` becomes `[...]`.
Nodes = Annotated[list[T], BeforeValidator(_unwrap_nodes)]


class ShopifyModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )


class Money(ShopifyModel):
    amount: Decimal
    currency_code: str


class MoneyBag(ShopifyModel):
    """An amount in the shop's currency and in the currency the customer paid in."""

    shop_money: Money
    presentment_money: Money | None = None


class Ref(ShopifyModel):
    """Just an id (and a name where Shopify gives one), for links to other objects."""

    id: str
    name: str | None = None


class Shop(ShopifyModel):
    id: str
    name: str
    myshopify_domain: str
    currency_code: str
    iana_timezone: str | None = None
    taxes_included: bool = False
    country_code: str | None = None


class Location(ShopifyModel):
    id: str
    legacy_resource_id: int | None = None
    name: str
    is_active: bool = True
    country_code: str | None = None


class InventoryLevel(ShopifyModel):
    inventory_item_id: str
    location_id: str
    available: int
    sku: str | None = None


class TaxLine(ShopifyModel):
    title: str | None = None
    rate: Decimal | None = None  # a fraction: 0.21 for 21 %
    price_set: MoneyBag


class DiscountAllocation(ShopifyModel):
    allocated_amount_set: MoneyBag


class LineItem(ShopifyModel):
    id: str
    sku: str | None = None
    name: str | None = None
    quantity: int  # as ordered, removed units included
    current_quantity: int | None = None  # less units an edit removed, refunded or cancelled
    is_gift_card: bool = False
    original_unit_price_set: MoneyBag
    discount_allocations: list[DiscountAllocation] = []
    tax_lines: list[TaxLine] = []


class ShippingLine(ShopifyModel):
    id: str | None = None
    title: str | None = None
    code: str | None = None
    original_price_set: MoneyBag
    discount_allocations: list[DiscountAllocation] = []
    tax_lines: list[TaxLine] = []


class Address(ShopifyModel):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    zip: str | None = None
    city: str | None = None
    province_code: str | None = None
    country_code_v2: str | None = None
    phone: str | None = None


class Customer(ShopifyModel):
    id: str
    email: str | None = None  # read from defaultEmailAddress (Customer.email is deprecated)
    first_name: str | None = None
    last_name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_email(cls, data: Any) -> Any:
        if isinstance(data, dict) and "defaultEmailAddress" in data:
            email = (data.get("defaultEmailAddress") or {}).get("emailAddress")
            data = {**data, "email": email}
        return data


class AssignedLocation(ShopifyModel):
    name: str | None = None
    location: Ref | None = None


class FulfillmentOrder(ShopifyModel):
    id: str
    status: str
    assigned_location: AssignedLocation | None = None

    @property
    def location_id(self) -> str | None:
        loc = self.assigned_location
        return loc.location.id if loc and loc.location else None


class Transaction(ShopifyModel):
    id: str
    kind: str  # SALE, CAPTURE, AUTHORIZATION, REFUND, VOID, CHANGE, …
    gateway: str | None = None
    status: str  # SUCCESS, PENDING, FAILURE, ERROR, …
    processed_at: UtcDatetime | None = None
    amount_set: MoneyBag


class LineItemRef(ShopifyModel):
    id: str
    sku: str | None = None


class RefundLineItem(ShopifyModel):
    line_item: LineItemRef
    quantity: int
    restock_type: str | None = None
    location: Ref | None = None
    subtotal_set: MoneyBag
    total_tax_set: MoneyBag


class OrderAdjustment(ShopifyModel):
    id: str
    reason: str | None = None  # OrderAdjustmentDiscrepancyReason: REFUND_DISCREPANCY, RESTOCK, …
    amount_set: MoneyBag
    tax_amount_set: MoneyBag | None = None


class RefundShippingLine(ShopifyModel):
    """Shipping given back by a refund: the subtotal without tax, and the tax on it."""

    id: str
    subtotal_amount_set: MoneyBag
    tax_amount_set: MoneyBag


class RefundHeader(ShopifyModel):
    """A refund as listed on its order; read the whole `Refund` with `ShopifyAPI.get_refund`."""

    id: str
    created_at: UtcDatetime
    total_refunded_set: MoneyBag | None = None


class Refund(ShopifyModel):
    id: str
    created_at: UtcDatetime
    note: str | None = None
    order: Ref | None = None
    total_refunded_set: MoneyBag | None = None
    refund_line_items: Nodes[RefundLineItem] = []
    transactions: Nodes[Transaction] = []
    refund_shipping_lines: Nodes[RefundShippingLine] = []
    order_adjustments: Nodes[OrderAdjustment] = []


class Order(ShopifyModel):
    id: str
    legacy_resource_id: int
    name: str
    email: str | None = None
    created_at: UtcDatetime
    processed_at: UtcDatetime | None = None
    updated_at: UtcDatetime
    cancelled_at: UtcDatetime | None = None
    cancel_reason: str | None = None
    currency_code: str
    presentment_currency_code: str | None = None
    taxes_included: bool
    display_financial_status: str | None = None
    display_fulfillment_status: str | None = None
    total_price_set: MoneyBag | None = None
    total_tax_set: MoneyBag | None = None
    customer: Customer | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    line_items: Nodes[LineItem] = []
    shipping_lines: Nodes[ShippingLine] = []
    fulfillment_orders: Nodes[FulfillmentOrder] = []
    transactions: list[Transaction] = []
    refunds: list[RefundHeader] = []

    @property
    def company(self) -> str | None:
        """The buyer's company as typed on the billing (else shipping) address."""
        for address in (self.billing_address, self.shipping_address):
            if address and address.company:
                return address.company
        return None


class OrderHeader(ShopifyModel):
    """What a page of recently updated orders says about each: enough to decide to read it."""

    id: str
    name: str
    updated_at: UtcDatetime


class GiftCard(ShopifyModel):
    id: str
    last_characters: str | None = None
    enabled: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None
    expires_on: dt.date | None = None
    deactivated_at: UtcDatetime | None = None
    note: str | None = None
    initial_value: Money
    balance: Money
    order: Ref | None = None  # set when sold in an order; None when issued by the merchant
    customer: Customer | None = None


class PayoutSummary(ShopifyModel):
    charges_gross: Money
    charges_fee: Money
    refunds_fee_gross: Money
    refunds_fee: Money
    adjustments_gross: Money
    adjustments_fee: Money
    reserved_funds_gross: Money
    reserved_funds_fee: Money
    retried_payouts_gross: Money
    retried_payouts_fee: Money


class Payout(ShopifyModel):
    id: str
    legacy_resource_id: int
    issued_at: UtcDatetime
    status: str  # SCHEDULED, IN_TRANSIT, PAID, FAILED, CANCELED
    transaction_type: str | None = None  # DEPOSIT or WITHDRAWAL
    net: Money
    summary: PayoutSummary | None = None


class PayoutRef(ShopifyModel):
    id: str | None = None
    status: str | None = None


class BalanceTransaction(ShopifyModel):
    id: str
    type: str  # CHARGE, REFUND, DISPUTE, ADJUSTMENT, RESERVED_FUNDS, PAYOUT, …
    test: bool = False
    transaction_date: UtcDatetime
    source_order_transaction_id: int | None = None
    amount: Money
    fee: Money
    net: Money
    associated_order: Ref | None = None
    associated_payout: PayoutRef | None = None


def shop_from_graphql(node: dict[str, Any]) -> Shop:
    country = (node.get("shopAddress") or {}).get("countryCodeV2")
    return Shop.model_validate({**node, "countryCode": country})


def location_from_graphql(node: dict[str, Any]) -> Location:
    country = (node.get("address") or {}).get("countryCode")
    return Location.model_validate({**node, "countryCode": country})
