"""The item plan: a product's variants → the Exact items to create, update or end (pure, no I/O).

Each variant with a code becomes one Exact item. The plan compares what the shop says with the
item Exact has and asks only for the fields that differ and that the shop owns
(`[products.owners]`): an Exact-owned field is set when the item is made and never written after,
and an item shopsync did not make is only ever touched in its owned fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from daemon.flows.orders.config import VatCodeSettings
from daemon.flows.orders.vat import rate_key
from daemon.flows.products.config import ProductsSettings
from daemon.flows.products.facts import ExactItem, ProductFacts, VariantFacts

DEFAULT_TITLE = "Default Title"  # Shopify's variant title for a product without options


@dataclass(frozen=True)
class ItemChange:
    code: str
    action: Literal["create", "update", "inactivate"]
    # Exact logistics/Items fields to send; the item group goes as a code in `group_code`
    # (apply turns it into Exact's GUID).
    fields: dict[str, Any]
    group_code: str | None = None
    variant_id: str | None = None
    item_id: str | None = None  # the existing item (update, inactivate)


@dataclass(frozen=True)
class Unmapped:
    """A variant that cannot become an item, with the sentence an operator reads once."""

    variant_id: str
    reason: str


@dataclass
class ProductPlan:
    product_id: str
    changes: list[ItemChange] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # every code the product now has

    @property
    def calls(self) -> int:
        """Exact writes the plan costs (one per change; lookups are batched by the apply)."""
        return len(self.changes)


def item_code(settings: ProductsSettings, product: ProductFacts, v: VariantFacts) -> str | None:
    sku = (v.sku or "").strip()
    if settings.code_from == "sku":
        return sku or None
    if settings.code_from == "sku_or_ids" and sku:
        return sku
    return f"{product.id}-{v.id}" if product.id and v.id else None


def description(settings: ProductsSettings, product: ProductFacts, v: VariantFacts) -> str:
    """Title and variant title, cut to Exact's length (no trailing space left by the cut)."""
    title = product.title.strip()
    if v.title and v.title != DEFAULT_TITLE:
        title = f"{title} - {v.title.strip()}"
    return title[: settings.description_length].rstrip()


def vat_rate(settings: ProductsSettings, product: ProductFacts) -> Decimal:
    """The product's VAT rate as a fraction (0.21): the platform's own, else by type or default."""
    if product.vat_rate is not None:
        return product.vat_rate / 100
    return settings.vat_rates.get(product.product_type, settings.default_vat_rate) / 100


def vat_code(
    settings: ProductsSettings, vat: VatCodeSettings, product: ProductFacts, v: VariantFacts
) -> str | None:
    """The sales VAT code; None when the config has no code for the rate (reported)."""
    if product.is_gift_card:
        return vat.gift_card
    if not v.taxable:
        return vat.zero
    rate = vat_rate(settings, product)
    if not rate:
        return vat.zero
    want = rate_key(rate)
    for key, code in vat.domestic.items():
        if rate_key(Decimal(key) / 100) == want:
            return code
    return None


def net_price(gross: Decimal, rate: Decimal, decimals: int = 4) -> Decimal:
    """The price excl. VAT that is `gross` incl. VAT at `rate`, to `decimals` places.

    Exact keeps sales prices excl. VAT; a shop showing prices incl. VAT gives the gross. In whole
    cents about one gross in six at 21 % has no net (each net cent adds 1.21 cents), so the net
    keeps `decimals` places (Exact's price decimals, `products.price_decimals`): from 4 places on,
    net x (1 + rate) rounds back to the gross for every cent.
    """
    quantum = Decimal(1).scaleb(-decimals)
    return (gross / (1 + rate)).quantize(quantum, rounding=ROUND_HALF_UP)


def sales_price(settings: ProductsSettings, product: ProductFacts, v: VariantFacts) -> Decimal:
    if product.prices_include_tax and v.taxable and not product.is_gift_card:
        return net_price(v.price, vat_rate(settings, product), settings.price_decimals)
    return v.price


def item_group(settings: ProductsSettings, product: ProductFacts) -> str | None:
    return settings.groups.get(product.product_type, settings.default_group)


def is_stock_item(settings: ProductsSettings, product: ProductFacts) -> bool:
    return not product.is_gift_card and product.product_type not in settings.service_types


def plan_product(
    settings: ProductsSettings,
    vat: VatCodeSettings,
    product: ProductFacts,
    existing: dict[str, ExactItem],
    linked_codes: set[str],
    today: dt.date,
) -> ProductPlan:
    """The changes that make Exact's items match `product`.

    `existing`: Exact's items by code (those of the product's codes and `linked_codes`);
    `linked_codes`: codes our links tie to this product (a variant removed or the product deleted
    leaves its codes there, and their items are ended per `on_delete`); `today`: the shop's date.
    """
    plan = ProductPlan(product.id)
    if not product.deleted:
        seen: set[str] = set()
        for v in product.variants:
            code = item_code(settings, product, v)
            if code is None:
                plan.unmapped.append(Unmapped(v.id, _no_code(settings, product, v)))
                continue
            if code in seen:
                plan.unmapped.append(
                    Unmapped(v.id, f"SKU {code!r} is used by two variants of {product.title!r}")
                )
                continue
            seen.add(code)
            plan.codes.append(code)
            change = _variant_change(settings, vat, product, v, code, existing.get(code), plan)
            if change is not None:
                plan.changes.append(change)
    if settings.on_delete == "inactivate":
        for code in sorted(linked_codes - set(plan.codes)):
            item = existing.get(code)
            if item is not None and item.end_date is None:
                plan.changes.append(
                    ItemChange(code, "inactivate", {"EndDate": today}, item_id=item.id)
                )
    return plan


def _no_code(settings: ProductsSettings, product: ProductFacts, v: VariantFacts) -> str:
    name = description(settings, product, v)
    if settings.code_from == "sku":
        return (
            f"variant {v.id} ({name}) has no SKU, so it has no Exact item; give it a SKU, or set "
            'products.code_from = "sku_or_ids"'
        )
    return f"variant {v.id} ({name}) has no SKU and no id to make an item code from"


def _variant_change(
    settings: ProductsSettings,
    vat: VatCodeSettings,
    product: ProductFacts,
    v: VariantFacts,
    code: str,
    item: ExactItem | None,
    plan: ProductPlan,
) -> ItemChange | None:
    want_vat = vat_code(settings, vat, product, v)
    if want_vat is None:
        rate = rate_key(vat_rate(settings, product))
        plan.unmapped.append(
            Unmapped(
                v.id,
                f"no Exact VAT code for {rate}% ({product.product_type or 'no type'}); add "
                f'"{rate}" = "<code>" under [orders.vat.domestic]',
            )
        )
        return None
    desc = description(settings, product, v)
    price = sales_price(settings, product, v)
    group = item_group(settings, product)
    if item is None:
        fields: dict[str, Any] = {
            "Code": code,
            "Description": desc,
            "IsSalesItem": True,
            "IsStockItem": is_stock_item(settings, product),
            "StandardSalesPrice": price,
            "SalesVatCode": want_vat,
            "Unit": settings.unit,
        }
        if v.barcode:
            fields["Barcode"] = v.barcode
        return ItemChange(code, "create", fields, group_code=group, variant_id=v.id)
    owners = settings.owners
    fields = {}
    if owners.description == "shop" and item.description != desc:
        fields["Description"] = desc
    if owners.price == "shop" and item.price != price:
        fields["StandardSalesPrice"] = price
    group_change = owners.item_group == "shop" and group is not None and item.group_code != group
    if item.created_by_us:
        # Fields outside the ownership table are the shop's only on items shopsync made.
        if item.vat_code != want_vat:
            fields["SalesVatCode"] = want_vat
        if v.barcode and item.barcode != v.barcode:
            fields["Barcode"] = v.barcode
        if item.end_date is not None:
            fields["EndDate"] = None  # the product is back: the item is active again
    if not fields and not group_change:
        return None
    return ItemChange(
        code,
        "update",
        fields,
        group_code=group if group_change else None,
        variant_id=v.id,
        item_id=item.id,
    )
