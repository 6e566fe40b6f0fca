"""Plain records of the sandbox shop: one dataclass per Shopify resource, keyed by numeric id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass
class LocationRec:
    id: int
    code: str
    name: str
    country: str


@dataclass
class ProductRec:
    id: int
    title: str
    handle: str
    product_type: str
    variant_ids: list[int]
    created_at: datetime
    updated_at: datetime | None = None  # None: never changed since created
    is_gift_card: bool = False


@dataclass
class VariantRec:
    id: int
    product_id: int
    sku: str
    title: str
    price: Decimal
    vat_rate: Decimal
    inventory_item_id: int
    created_at: datetime
    barcode: str | None = None
    taxable: bool = True
    updated_at: datetime | None = None


@dataclass
class LevelRec:
    item_id: int
    location_id: int
    quantities: dict[str, int]
    created_at: datetime
    updated_at: datetime


@dataclass
class CustomerRec:
    id: int
    email: str
    first_name: str
    last_name: str
    company: str | None
    country: str
    vat_number: str | None
    created_at: datetime
    updated_at: datetime
    store_credit_account_id: int | None = None
    # The address of the checkout that made the customer (Shopify keeps it as the default).
    default_address: dict[str, Any] | None = None


@dataclass
class LineRec:
    id: int
    sku: str | None
    title: str
    quantity: int
    unit_price: Decimal  # as charged before discounts; tax included when the shop says so
    tax_rate: Decimal  # percent; 0 when exempt or a gift card
    location_id: int
    discount: Decimal = Decimal(0)  # order-level discount allocated to this line (all units)
    variant_id: int | None = None
    is_gift_card: bool = False
    fulfilled: int = 0
    refunded: int = 0
    cancelled: int = 0
    removed: int = 0  # units an order edit took off (orderEditSetQuantity lower); in `quantity`


@dataclass
class ShippingRec:
    id: int
    title: str
    price: Decimal
    tax_rate: Decimal


@dataclass
class TransactionRec:
    id: int
    order_id: int
    kind: str  # SALE, CAPTURE, REFUND, ...
    gateway: str  # shopify_payments, gift_card, shopify_store_credit, manual
    amount: Decimal
    created_at: datetime
    status: str = "SUCCESS"
    parent_id: int | None = None
    gift_card_id: int | None = None


@dataclass
class FulfillmentRec:
    id: int
    order_id: int
    location_id: int
    lines: list[tuple[int, int, int]]  # (fulfillment line id, order line id, quantity)
    created_at: datetime


@dataclass
class RefundLineRec:
    id: int
    line_id: int
    quantity: int
    restock_type: str  # RETURN, CANCEL, NO_RESTOCK
    location_id: int | None
    subtotal: Decimal  # tax included when the shop's prices are
    tax: Decimal


@dataclass
class RefundRec:
    id: int
    order_id: int
    created_at: datetime
    note: str | None
    lines: list[RefundLineRec]
    shipping: Decimal = Decimal(0)
    shipping_tax: Decimal = Decimal(0)
    transaction_ids: list[int] = field(default_factory=list)
    discrepancy: Decimal = Decimal(0)
    return_id: int | None = None


@dataclass
class ReturnRec:
    id: int
    order_id: int
    name: str
    status: str  # REQUESTED, OPEN, CLOSED, DECLINED, CANCELED
    lines: list[dict[str, Any]]  # {id, fulfillment_line_id, line_id, quantity, reason, note}
    created_at: datetime
    closed_at: datetime | None = None
    refund_ids: list[int] = field(default_factory=list)


@dataclass
class OrderRec:
    id: int
    number: int
    email: str | None
    customer_id: int | None
    created_at: datetime
    updated_at: datetime
    lines: list[LineRec]
    shipping_lines: list[ShippingRec]
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    discount_title: str | None = None
    discount_total: Decimal = Decimal(0)
    tip: Decimal = Decimal(0)
    note: str | None = None
    attributes: list[dict[str, str]] = field(default_factory=list)
    transaction_ids: list[int] = field(default_factory=list)
    fulfillment_ids: list[int] = field(default_factory=list)
    refund_ids: list[int] = field(default_factory=list)
    return_ids: list[int] = field(default_factory=list)
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    presentment_currency: str | None = None  # what the buyer paid in, when not the shop's
    presentment_rate: Decimal | None = None  # presentment units per shop unit

    @property
    def name(self) -> str:
        return f"#{self.number}"


@dataclass
class GiftCardRec:
    id: int
    code: str
    initial_value: Decimal
    balance: Decimal
    created_at: datetime
    updated_at: datetime
    expires_on: date | None = None
    deactivated_at: datetime | None = None
    order_id: int | None = None
    line_id: int | None = None
    customer_id: int | None = None
    note: str | None = None
    transactions: list[dict[str, Any]] = field(default_factory=list)  # {id, amount, at, note}


@dataclass
class StoreCreditTxRec:
    id: int
    amount: Decimal  # positive credit, negative debit
    balance_after: Decimal
    created_at: datetime
    event: str
    origin_transaction_id: int | None = None
    expires_at: datetime | None = None


@dataclass
class StoreCreditAccountRec:
    id: int
    customer_id: int
    transactions: list[StoreCreditTxRec] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return sum((t.amount for t in self.transactions), Decimal(0))


@dataclass
class BalanceTxRec:
    id: int
    type: str
    amount: Decimal
    fee: Decimal
    created_at: datetime
    payout_id: int | None
    order_id: int | None = None
    order_transaction_id: int | None = None
    source_type: str | None = None
    adjustment_reason: str | None = None
    currency: str | None = None  # None: the shop's currency

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


@dataclass
class PayoutRec:
    id: int
    issued_at: datetime
    status: str
    net: Decimal
    transaction_ids: list[int]
    currency: str | None = None  # None: the shop's currency


@dataclass
class SubscriptionRec:
    id: int
    topic: str  # enum form, e.g. ORDERS_CREATE
    uri: str
    format: str
    include_fields: list[str]
    created_at: datetime
    updated_at: datetime
    filter: str | None = None


@dataclass
class BulkOperationRec:
    id: int
    query: str
    status: str
    created_at: datetime
    completed_at: datetime | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    error_code: str | None = None
    body: bytes | None = None
