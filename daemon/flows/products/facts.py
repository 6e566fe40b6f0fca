"""Neutral product facts a platform hands the item plan, and the Exact item it is compared to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class VariantFacts:
    id: str  # the platform's numeric id, as text
    title: str  # "Default Title" for a product without options
    sku: str | None
    barcode: str | None
    price: Decimal  # the shop's selling price, incl. or excl. VAT per ProductFacts
    taxable: bool = True


@dataclass(frozen=True)
class ProductFacts:
    id: str
    title: str
    product_type: str
    variants: tuple[VariantFacts, ...]
    prices_include_tax: bool
    is_gift_card: bool = False
    deleted: bool = False
    # The VAT rate in percent when the platform states it per product (CCV's `vatrate`);
    # None (Shopify) takes it from [products.vat_rates] by product type.
    vat_rate: Decimal | None = None


@dataclass(frozen=True)
class ExactItem:
    """An item as Exact has it (the fields the plan compares), found by code."""

    id: str
    code: str
    description: str
    price: Decimal
    group_code: str | None
    vat_code: str | None
    barcode: str | None
    end_date: dt.date | None = None
    created_by_us: bool = False  # shopsync made it (its link says so)
    extra: dict[str, object] = field(default_factory=dict)
