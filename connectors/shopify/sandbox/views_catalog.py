"""GraphQL views of the shop, its locations, products, variants and inventory levels."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from connectors.shopify.sandbox.records import LevelRec, LocationRec, ProductRec, VariantRec
from connectors.shopify.sandbox.search_syntax import filter_records
from connectors.shopify.sandbox.state import QUANTITY_NAMES, gid, iso, parse_id
from connectors.shopify.sandbox.views_common import View, money, page


class ShopView(View):
    typename = "Shop"

    def __init__(self, state: Any) -> None:
        super().__init__(state, None)
        cat = state.catalogue
        self.id = gid("Shop", 1)
        self.name = "Sandbox Shop"
        self.email = "owner@sandbox-shop.example"
        self.myshopifyDomain = state.shop_domain
        self.currencyCode = cat.currency
        self.enabledPresentmentCurrencies = [cat.currency]
        self.ianaTimezone = cat.timezone
        self.timezoneAbbreviation = "CET"
        self.taxesIncluded = cat.taxes_included
        self.taxShipping = True
        self.billingAddress = {
            "id": gid("ShopAddress", 1),
            "address1": "Keizersgracht 1",
            "city": "Amsterdam",
            "zip": "1015 CJ",
            "company": "Sandbox Shop B.V.",
            "country": "Netherlands",
            "countryCodeV2": cat.shop_country,
        }
        self.shopAddress = self.billingAddress  # the same address; billingAddress is deprecated


class LocationView(View):
    typename = "Location"
    rec: LocationRec

    @property
    def id(self) -> str:
        return gid("Location", self.rec.id)

    @property
    def legacyResourceId(self) -> str:
        return str(self.rec.id)

    name = property(lambda self: self.rec.name)
    isActive = True
    fulfillsOnlineOrders = True

    @property
    def address(self) -> dict[str, Any]:
        return {
            "address1": None,
            "city": None,
            "zip": None,
            "country": self.rec.country,
            "countryCode": self.rec.country,
        }

    def inventoryLevel(self, info: GraphQLResolveInfo, inventoryItemId: str) -> Any:
        level = self.s.levels.get((parse_id(inventoryItemId), self.rec.id))
        return LevelView(self.s, level) if level else None

    def inventoryLevels(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        levels = [lv for (_, lid), lv in self.s.levels.items() if lid == self.rec.id]
        return page(info, [LevelView(self.s, lv) for lv in levels], args, key=lambda v: v.key)


class ProductView(View):
    typename = "Product"
    rec: ProductRec

    id = property(lambda self: gid("Product", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    title = property(lambda self: self.rec.title)
    handle = property(lambda self: self.rec.handle)
    productType = property(lambda self: self.rec.product_type)
    status = "ACTIVE"
    vendor = "Sandbox Shop"
    isGiftCard = property(lambda self: self.rec.is_gift_card)
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.updated_at or self.rec.created_at))

    @property
    def totalInventory(self) -> int:
        items = {self.s.variants[v].inventory_item_id for v in self.rec.variant_ids}
        return sum(lv.quantities["available"] for (i, _), lv in self.s.levels.items() if i in items)

    def variants(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        views = [VariantView(self.s, self.s.variants[v]) for v in self.rec.variant_ids]
        return page(info, views, args)


class VariantView(View):
    typename = "ProductVariant"
    rec: VariantRec

    id = property(lambda self: gid("ProductVariant", self.rec.id))
    legacyResourceId = property(lambda self: str(self.rec.id))
    title = property(lambda self: self.rec.title)
    sku = property(lambda self: self.rec.sku)
    barcode = property(lambda self: self.rec.barcode)
    price = property(lambda self: str(self.rec.price))
    compareAtPrice = None
    taxable = property(lambda self: self.rec.taxable)
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.updated_at or self.rec.created_at))

    @property
    def displayName(self) -> str:
        return f"{self.s.products[self.rec.product_id].title} - {self.rec.title}"

    @property
    def inventoryQuantity(self) -> int:
        item = self.rec.inventory_item_id
        return sum(lv.quantities["available"] for (i, _), lv in self.s.levels.items() if i == item)

    @property
    def product(self) -> ProductView:
        return ProductView(self.s, self.s.products[self.rec.product_id])

    @property
    def inventoryItem(self) -> InventoryItemView:
        return InventoryItemView(self.s, self.rec)


class InventoryItemView(View):
    """An inventory item is one-to-one with a variant here, so it wraps the variant record."""

    typename = "InventoryItem"
    rec: VariantRec

    id = property(lambda self: gid("InventoryItem", self.rec.inventory_item_id))
    legacyResourceId = property(lambda self: str(self.rec.inventory_item_id))
    sku = property(lambda self: self.rec.sku)
    tracked = True
    requiresShipping = True
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.created_at))
    unitCost = property(lambda self: money(self.rec.price / 2, self.cur))
    variant = property(lambda self: VariantView(self.s, self.rec))

    def inventoryLevel(self, info: GraphQLResolveInfo, locationId: str) -> Any:
        level = self.s.levels.get((self.rec.inventory_item_id, parse_id(locationId)))
        return LevelView(self.s, level) if level else None

    def inventoryLevels(self, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        item = self.rec.inventory_item_id
        levels = [lv for (i, _), lv in self.s.levels.items() if i == item]
        return page(info, [LevelView(self.s, lv) for lv in levels], args, key=lambda v: v.key)


def level_gid(level: LevelRec) -> str:
    return f"gid://shopify/InventoryLevel/{level.location_id}?inventory_item_id={level.item_id}"


class LevelView(View):
    typename = "InventoryLevel"
    rec: LevelRec

    id = property(lambda self: level_gid(self.rec))
    key = property(lambda self: f"{self.rec.item_id}:{self.rec.location_id}")
    createdAt = property(lambda self: iso(self.rec.created_at))
    updatedAt = property(lambda self: iso(self.rec.updated_at))
    canDeactivate = False
    location = property(lambda self: LocationView(self.s, self.s.locations[self.rec.location_id]))

    @property
    def item(self) -> InventoryItemView:
        return InventoryItemView(self.s, self.s.variants[self.s.variant_by_item[self.rec.item_id]])

    def quantities(self, info: GraphQLResolveInfo, names: list[str]) -> list[dict[str, Any]]:
        out = []
        for name in names:
            if name not in QUANTITY_NAMES:
                continue  # Shopify answers only the names it knows
            out.append(
                {
                    "id": f"gid://shopify/InventoryQuantity/{self.rec.location_id}"
                    f"?inventory_item_id={self.rec.item_id}&name={name}",
                    "name": name,
                    "quantity": self.rec.quantities[name],
                    "updatedAt": iso(self.rec.updated_at),
                }
            )
        return out


def variant_fields() -> dict[str, Any]:
    """Search fields `productVariants(query:)` understands."""
    return {
        "sku": lambda v: v.sku,
        "id": lambda v: v.id,
        "product_id": lambda v: v.product_id,
        "title": lambda v: v.title,
        "inventory_item_id": lambda v: v.inventory_item_id,
    }


def find_variants(state: Any, query: str | None) -> list[VariantRec]:
    return filter_records(
        sorted(state.variants.values(), key=lambda v: v.id), query, variant_fields()
    )
