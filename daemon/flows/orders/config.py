"""The `[orders]` settings: when an order is exported, to which document, with which codes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

# EU member states (ISO 3166-1 alpha-2, as Shopify's countryCodeV2 spells them).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


class _Strict(BaseModel):
    model_config = {"extra": "forbid"}


class VatCodeSettings(_Strict):
    """Exact VAT code per scenario; rates are written as percent strings ("21", "5.5")."""

    domestic: dict[str, str] = Field(default_factory=lambda: {"21": "1", "9": "2", "0": "0"})
    zero: str = "0"
    icp: str = "ICP"
    export: str = "EXP"
    # Destination country → rate → OSS code, for EU consumers abroad (One-Stop-Shop).
    oss: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            "BE": {"21": "OSS-BE-21", "6": "OSS-BE-6"},
            "DE": {"19": "OSS-DE-19", "7": "OSS-DE-7"},
            "FR": {"20": "OSS-FR-20", "5.5": "OSS-FR-5"},
        }
    )
    gift_card: str = "0"  # a gift card sold is a liability, outside VAT
    tip: str = "0"
    rounding: str = "0"


class ItemSettings(_Strict):
    shipping: str = "SHIPPING"
    # A missing shipping item is made on the first order with shipping costs (non-stock, the
    # standard rate's VAT code; daemon/flows/products/shipping.py) instead of failing.
    create_shipping: bool = True
    shipping_description: str = Field("Shipment", min_length=1, max_length=60)
    gift_card: str = "GIFTCARD"
    tip: str = "TIP"
    rounding: str = "ROUNDING"
    auto_create: bool = False  # create a missing item from the Shopify line instead of failing
    auto_create_group: str | None = None  # Exact item group code for auto-created items


class CustomerSettings(_Strict):
    # match_or_create: find by email, then VAT number, else create; standard_debtor: always book
    # to `standard_debtor`.
    mode: Literal["match_or_create", "standard_debtor"] = "match_or_create"
    standard_debtor: str | None = None  # Exact account code
    guests_to_standard_debtor: bool = False  # orders without a Shopify customer
    # Order attributes (custom attributes / note attributes) that may carry a VAT number.
    vat_number_attributes: list[str] = Field(
        default_factory=lambda: ["vat_number", "VAT number", "btw_nummer", "vat_id"]
    )
    languages: dict[str, str] = Field(
        default_factory=lambda: {"NL": "NL", "BE": "NL", "DE": "DE", "AT": "DE", "FR": "FR"}
    )
    default_language: str = "EN"


class OrdersSettings(_Strict):
    enabled: bool = True
    # The moment an order is exported: created, paid (default) or fulfilled.
    export_on: Literal["created", "paid", "fulfilled"] = "paid"
    start_date: dt.date | None = None  # orders created before this date are ignored
    document: Literal["salesorder", "invoice"] = "salesorder"
    sales_journal: str = "70"  # invoice mode: the Exact sales journal
    multi_location: bool = False  # one document per fulfilment location
    shop_country: str = "NL"
    oss: bool = True  # EU consumers abroad get the destination's OSS code (else domestic codes)
    eu_countries: list[str] = Field(default_factory=lambda: sorted(EU_COUNTRIES))
    poll_interval: float = Field(300.0, ge=5)
    # Cancelled after export: reverse (delete the open sales order / credit the invoice) or
    # flag (the job goes dead with the reason, for an operator to act on).
    on_cancel_after_export: Literal["reverse", "flag"] = "reverse"
    auto_delivery: bool = True  # fulfillments/create → an Exact goods delivery
    prepayments: bool = True  # book the Shopify payment against the customer (payments.py)
    payment_journal: str = "90"  # the general (memorial) journal prepayments are booked in
    debtors_gl: str = "1300"  # the receivables GL account payments are booked against
    clearing_gl: str = "1990"  # payments captured but not yet paid out (payouts clear it)
    max_rounding: Decimal = Field(Decimal("0.05"), ge=0)  # per document; more is an error
    vat: VatCodeSettings = Field(default_factory=VatCodeSettings)
    items: ItemSettings = Field(default_factory=ItemSettings)
    customers: CustomerSettings = Field(default_factory=CustomerSettings)

    @field_validator("shop_country")
    @classmethod
    def _country(cls, v: str) -> str:
        if len(v) != 2 or not v.isalpha():
            raise ValueError("must be a two-letter country code like NL")
        return v.upper()

    @model_validator(mode="after")
    def _coherent(self) -> OrdersSettings:
        if self.customers.mode == "standard_debtor" and not self.customers.standard_debtor:
            raise ValueError(
                "orders.customers.standard_debtor: give the Exact account code when "
                'mode = "standard_debtor"'
            )
        if self.customers.guests_to_standard_debtor and not self.customers.standard_debtor:
            raise ValueError(
                "orders.customers.standard_debtor: give the Exact account code when "
                "guests_to_standard_debtor = true"
            )
        return self
