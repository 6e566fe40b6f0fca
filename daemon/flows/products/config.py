"""The `[products]` settings: which variants become Exact items, which fields, owned by whom."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator

Owner = Literal["shop", "exact"]


class _Strict(BaseModel):
    model_config = {"extra": "forbid"}


class OwnerSettings(_Strict):
    """Which side owns a field: "shop" fields follow the shop, "exact" fields are never written
    after the item exists (an operator keeps them in Exact)."""

    description: Owner = "shop"
    price: Owner = "shop"
    item_group: Owner = "exact"


class ProductsSettings(_Strict):
    enabled: bool = False
    # Item code: "sku" (a variant without a SKU is reported once), "sku_or_ids" (the SKU, else
    # "{product id}-{variant id}"), "ids" (always the numeric ids).
    code_from: Literal["sku", "sku_or_ids", "ids"] = "sku"
    # Exact's item Description holds 60 characters (the orders flow cuts at the same length).
    description_length: int = Field(60, ge=10, le=60)
    # Places a net price keeps when the shop's prices include VAT (set Exact's price decimals
    # for sales prices to match): 4 places turn every gross cent back into itself.
    price_decimals: int = Field(4, ge=2, le=6)
    # Item group code by product type; unmapped types get `default_group` (none: no group).
    groups: dict[str, str] = Field(default_factory=dict)
    default_group: str | None = None
    # VAT rate (percent) by product type for the sales VAT code; others use `default_vat_rate`.
    # A variant Shopify does not tax gets orders.vat.zero, a gift card orders.vat.gift_card.
    vat_rates: dict[str, Decimal] = Field(default_factory=dict)
    default_vat_rate: Decimal = Decimal(21)
    # Product types sold as services (no stock kept); gift cards are never stock items either.
    service_types: list[str] = Field(default_factory=list)
    unit: str = "pc"
    # A deleted product (or a variant gone from it): "inactivate" sets the item's EndDate,
    # "nothing" leaves it. Items are never deleted (orders and stock refer to them).
    on_delete: Literal["inactivate", "nothing"] = "inactivate"
    owners: OwnerSettings = Field(default_factory=OwnerSettings)
    # Catch-up poll by updated_at (webhooks only make it sooner).
    poll_interval: float = Field(900.0, ge=30)

    @field_validator("vat_rates")
    @classmethod
    def _rates(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        wrong = [k for k, r in v.items() if not 0 <= r < 100]
        if wrong:
            raise ValueError(f"{wrong}: a VAT rate is a percent from 0 to 100")
        return v
