"""Typed CCV Shop resources the flows read: orders with rows, customers, products, invoices.

Field names and meanings follow CCV's schemas as the official PHP SDK (ccvshop/ccvshop-api
`src/Resources/{Order,OrderRow,User,Product}.php`) and the docs-generated client
(jacobdekeizer/ccvshop-client `src/Models/Vnd/Verto/Webshop/…`) spell them. Money is Decimal,
parsed from the JSON number text; timestamps are aware UTC ("create_date (UTC)" in the docs).
Unknown fields are ignored: CCV adds fields over time and a reader must not break on them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import IntEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict


def _utc(value: dt.datetime) -> dt.datetime:
    # CCV documents its timestamps as UTC; a value without an offset is read as UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _decimal_or_zero(value: Any) -> Any:
    return Decimal(0) if value is None else value


UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]
Amount = Annotated[Decimal, BeforeValidator(_decimal_or_zero)]


class CcvModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class OrderStatus(IntEnum):
    """The order status enum (CCV docs, orders PATCH `status`)."""

    NEW = 1
    IN_PROCESS = 2
    WAIT_FOR_MANUFACTURER = 3
    WAIT_FOR_PAYMENT = 4
    SENT = 5
    DELIVERED = 6
    COMPLETED = 7
    CANCELLED = 8
    WAIT_FOR_SUPPLIER = 9
    BEING_PACKAGED = 10
    READY_TO_BE_COLLECTED = 11
    BEING_ASSEMBLED = 12
    BACKORDER = 13
    RESERVED = 14


class Link(CcvModel):
    href: str | None = None


class Address(CcvModel):
    """A billing or delivery address inside the personal-info entity."""

    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    company: str | None = None
    street: str | None = None
    housenumber: int | None = None
    housenumber_suffix: str | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    zipcode: str | None = None
    city: str | None = None
    province: str | None = None
    country: str | None = None
    country_code: str | None = None  # ISO 3166-1 alpha-2
    telephone: str | None = None
    mobile: str | None = None

    @property
    def street_line(self) -> str:
        """One address line: `address_line_1`, or street + number + suffix (CCV allows both)."""
        if self.address_line_1:
            return self.address_line_1
        number = f"{self.housenumber or ''}{self.housenumber_suffix or ''}"
        return " ".join(part for part in (self.street, number) if part)


class PersonalInfo(CcvModel):
    """The customer as an order carries it inline (`order.customer`, `user.userinfo`)."""

    email: str | None = None
    customertype: str | None = None  # "consumer (b2c) or business (b2b)"
    btw: str | None = None  # the VAT number
    kvk: str | None = None  # Chamber of Commerce number
    reference: str | None = None
    billingaddress: Address = Address()
    deliveryaddress: Address | None = None

    @property
    def delivery(self) -> Address:
        return self.deliveryaddress or self.billingaddress


class UserRef(CcvModel):
    id: int | None = None  # null for a guest order
    href: str | None = None
    discount: Amount = Decimal(0)


class User(CcvModel):
    """A registered customer account (`/users/`)."""

    id: int
    username: str | None = None
    status: bool | None = None
    userinfo: PersonalInfo = PersonalInfo()


class OrderRow(CcvModel):
    """One order row. `price` and `discount` are per unit; VAT basis is the order's choice."""

    id: int
    order_id: int | None = None
    product_id: int | None = None
    product_name: str = ""
    product_number: str | None = None
    sub_sku_number: str | None = None
    sub_ean_number: str | None = None
    count: Decimal
    price: Amount
    discount: Amount = Decimal(0)
    tax: Amount = Decimal(0)  # VAT percentage
    total_price: Amount = Decimal(0)
    product_type: str | None = None

    @property
    def sku(self) -> str | None:
        """The variant's SKU where the row has one, else the product number."""
        return self.sub_sku_number or self.product_number


class Order(CcvModel):
    id: int
    ordernumber: int | None = None
    ordernumber_full: str | None = None
    invoicenumber: int | None = None
    create_date: UtcDatetime
    status: int
    is_completed: bool = True
    paid: bool = False
    currency: str = "EUR"
    taxes_included: bool = True
    order_row_taxes_included: bool = True
    shipping_taxes_included: bool = True
    shipping_tax_percentage: Amount = Decimal(0)
    is_intra_community_order: bool = False
    is_platform_sale: bool = False
    total_orderrow_price: Amount = Decimal(0)
    total_shipping: Amount = Decimal(0)
    total_discounts: Amount = Decimal(0)
    total_tax: Amount = Decimal(0)
    total_price: Amount = Decimal(0)
    paymethod_costs: Amount = Decimal(0)
    extra_costs: Amount = Decimal(0)
    extra_costs_description: str | None = None
    paymethod: str | None = None
    user: UserRef = UserRef()
    customer: PersonalInfo = PersonalInfo()
    orderrows: Link = Link()

    @property
    def status_enum(self) -> OrderStatus | None:
        try:
            return OrderStatus(self.status)
        except ValueError:
            return None


class Product(CcvModel):
    id: int
    productnumber: str | None = None
    eannumber: str | None = None
    name: str = ""
    is_active: bool | None = None
    price: Amount = Decimal(0)
    discount: Amount = Decimal(0)
    vatrate: Amount | None = None  # deprecated, still served
    taxtariff: str | None = None
    stockenabled: bool | None = None
    stock: Decimal | None = None
    createdate: UtcDatetime | None = None
    modifydate: UtcDatetime | None = None


class InvoiceRow(CcvModel):
    id: int
    product_name: str = ""
    product_number: str | None = None
    sub_sku_number: str | None = None
    count: Decimal
    price: Amount
    discount: Amount = Decimal(0)
    tax: Amount = Decimal(0)
    total_price: Amount = Decimal(0)

    @property
    def sku(self) -> str | None:
        return self.sub_sku_number or self.product_number


class Invoice(CcvModel):
    """A debit invoice, or a credit invoice (`type == "credit"`) for a return."""

    id: int
    invoicenumber: int | None = None
    invoicenumber_full: str | None = None
    ordernumber: int | None = None
    create_date: UtcDatetime
    status: int | None = None  # 1 paid, 2 unpaid, 3 reimbursed
    type: str = "debit"
    currency: str = "EUR"
    invoice_row_taxes_included: bool = True
    shipping_taxes_included: bool = True
    shipping_tax_percentage: Amount = Decimal(0)
    is_intra_community_order: bool = False
    total_shipping: Amount = Decimal(0)
    total_price: Amount = Decimal(0)
    total_tax: Amount = Decimal(0)
    invoicerows: Link = Link()

    @property
    def is_credit(self) -> bool:
        return self.type == "credit"

    @property
    def credited_amount(self) -> Decimal:
        """A credit invoice's total as a positive amount, whichever sign CCV writes it with
        (the sign convention on credit invoices is not documented)."""
        return abs(self.total_price)
