"""The QueryRoot: entry points that find records, filter them with search syntax and page them."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from connectors.shopify.sandbox import order_math as om
from connectors.shopify.sandbox.search_syntax import filter_records
from connectors.shopify.sandbox.state import ShopState, parse_id
from connectors.shopify.sandbox.views_admin import BulkOperationView, SubscriptionView
from connectors.shopify.sandbox.views_catalog import (
    InventoryItemView,
    LevelView,
    LocationView,
    ProductView,
    ShopView,
    VariantView,
    find_variants,
)
from connectors.shopify.sandbox.views_common import ctx, page
from connectors.shopify.sandbox.views_money import (
    GIFT_CARD_FIELDS,
    CustomerView,
    GiftCardView,
    PaymentsAccountView,
    StoreCreditAccountView,
)
from connectors.shopify.sandbox.views_orders import OrderView
from connectors.shopify.sandbox.views_refunds import RefundView, ReturnView

ORDER_FIELDS = {
    "id": lambda o: o.id,
    "name": lambda o: o.name,
    "created_at": lambda o: o.created_at,
    "updated_at": lambda o: o.updated_at,
    "processed_at": lambda o: o.created_at,
    "email": lambda o: o.email,
    "customer_id": lambda o: o.customer_id,
    "status": lambda o: [
        "any",
        "cancelled" if o.cancelled_at else ("closed" if o.closed_at else "open"),
    ],
    "cancelled_at": lambda o: o.cancelled_at,
}
ORDER_SORT = {
    "CREATED_AT": lambda o: (o.created_at, o.id),
    "PROCESSED_AT": lambda o: (o.created_at, o.id),
    "UPDATED_AT": lambda o: (o.updated_at, o.id),
    "ORDER_NUMBER": lambda o: o.number,
    "ID": lambda o: o.id,
}


class QueryRoot:
    """Root value for queries; graphql-core calls each method as `field(info, **args)`."""

    def __init__(self, state: ShopState, base_url: str = "") -> None:
        self.s = state
        self.base_url = base_url

    def shop(self, info: GraphQLResolveInfo) -> ShopView:
        return ShopView(self.s)

    def node(self, info: GraphQLResolveInfo, id: str) -> Any:
        kind = id.split("/")[3] if id.startswith("gid://shopify/") else ""
        finder = {
            "Order": self.order,
            "Location": self.location,
            "Product": self.product,
            "ProductVariant": self.productVariant,
            "InventoryItem": self.inventoryItem,
            "InventoryLevel": self.inventoryLevel,
            "Refund": self.refund,
            "Return": self.__return,
            "Customer": self.customer,
            "GiftCard": self.giftCard,
            "StoreCreditAccount": self.storeCreditAccount,
            "WebhookSubscription": self.webhookSubscription,
            "BulkOperation": self.bulkOperation,
        }.get(kind)
        try:
            return finder(info, id) if finder else None
        except (ValueError, KeyError):
            return None

    def nodes(self, info: GraphQLResolveInfo, ids: list[str]) -> list[Any]:
        return [self.node(info, i) for i in ids]

    def location(self, info: GraphQLResolveInfo, id: str | None = None) -> Any:
        loc = self.s.locations.get(parse_id(id)) if id else next(iter(self.s.locations.values()))
        return LocationView(self.s, loc) if loc else None

    def locations(self, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Any:
        fields = {"name": lambda x: x.name, "id": lambda x: x.id}
        rows = filter_records(self.s.locations.values(), query, fields)
        key = (lambda x: x.id) if args.get("sortKey") == "ID" else (lambda x: x.name)
        return page(
            info,
            [LocationView(self.s, x) for x in sorted(rows, key=key)],
            args,
            key=lambda v: v.rec.id,
        )

    def product(self, info: GraphQLResolveInfo, id: str) -> Any:
        p = self.s.products.get(parse_id(id))
        return ProductView(self.s, p) if p else None

    def products(self, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Any:
        fields = {
            "title": lambda p: p.title,
            "id": lambda p: p.id,
            "sku": lambda p: [self.s.variants[v].sku for v in p.variant_ids],
            "product_type": lambda p: p.product_type,
            "updated_at": lambda p: p.updated_at or p.created_at,
        }
        rows = filter_records(sorted(self.s.products.values(), key=lambda p: p.id), query, fields)
        return page(info, [ProductView(self.s, p) for p in rows], args, key=lambda v: v.rec.id)

    def productVariant(self, info: GraphQLResolveInfo, id: str) -> Any:
        v = self.s.variants.get(parse_id(id))
        return VariantView(self.s, v) if v else None

    def productVariants(
        self, info: GraphQLResolveInfo, query: str | None = None, **args: Any
    ) -> Any:
        views = [VariantView(self.s, v) for v in find_variants(self.s, query)]
        return page(info, views, args, key=lambda v: v.rec.id)

    def inventoryItem(self, info: GraphQLResolveInfo, id: str) -> Any:
        vid = self.s.variant_by_item.get(parse_id(id))
        return InventoryItemView(self.s, self.s.variants[vid]) if vid else None

    def inventoryItems(
        self, info: GraphQLResolveInfo, query: str | None = None, **args: Any
    ) -> Any:
        views = [InventoryItemView(self.s, v) for v in find_variants(self.s, query)]
        return page(info, views, args, key=lambda v: v.rec.inventory_item_id)

    def inventoryLevel(self, info: GraphQLResolveInfo, id: str) -> Any:
        location_part, _, item_part = id.partition("?inventory_item_id=")
        if not item_part:
            return None
        level = self.s.levels.get((int(item_part), parse_id(location_part)))
        return LevelView(self.s, level) if level else None

    def order(self, info: GraphQLResolveInfo, id: str) -> Any:
        o = self.s.orders.get(parse_id(id))
        return OrderView(self.s, o) if o else None

    def orders(
        self,
        info: GraphQLResolveInfo,
        query: str | None = None,
        sortKey: str = "PROCESSED_AT",
        **args: Any,
    ) -> Any:
        fields = dict(ORDER_FIELDS)
        fields["financial_status"] = lambda o: om.financial_status(self.s, o).lower()
        fields["fulfillment_status"] = lambda o: om.fulfillment_status(o).lower()
        rows = filter_records(self.s.orders.values(), query, fields)
        rows.sort(key=ORDER_SORT.get(sortKey, ORDER_SORT["ID"]))
        return page(info, [OrderView(self.s, o) for o in rows], args, key=lambda v: v.rec.id)

    def refund(self, info: GraphQLResolveInfo, id: str) -> Any:
        r = self.s.refunds.get(parse_id(id))
        return RefundView(self.s, r) if r else None

    def __return(self, info: GraphQLResolveInfo, id: str) -> Any:
        r = self.s.returns.get(parse_id(id))
        return ReturnView(self.s, r) if r else None

    def customer(self, info: GraphQLResolveInfo, id: str) -> Any:
        c = self.s.customers.get(parse_id(id))
        return CustomerView(self.s, c) if c else None

    def customers(self, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Any:
        fields = {
            "email": lambda c: c.email,
            "id": lambda c: c.id,
            "updated_at": lambda c: c.updated_at,
            "created_at": lambda c: c.created_at,
            "country": lambda c: c.country,
        }
        rows = filter_records(sorted(self.s.customers.values(), key=lambda c: c.id), query, fields)
        return page(info, [CustomerView(self.s, c) for c in rows], args, key=lambda v: v.rec.id)

    def storeCreditAccount(self, info: GraphQLResolveInfo, id: str) -> Any:
        acc = self.s.store_credit.get(parse_id(id))
        return StoreCreditAccountView(self.s, acc) if acc else None

    def giftCard(self, info: GraphQLResolveInfo, id: str) -> Any:
        g = self.s.gift_cards.get(parse_id(id))
        return GiftCardView(self.s, g) if g else None

    def giftCards(self, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Any:
        rows = filter_records(
            sorted(self.s.gift_cards.values(), key=lambda g: g.id), query, GIFT_CARD_FIELDS
        )
        return page(info, [GiftCardView(self.s, g) for g in rows], args, key=lambda v: v.rec.id)

    def shopifyPaymentsAccount(self, info: GraphQLResolveInfo) -> PaymentsAccountView:
        return PaymentsAccountView(self.s, None)

    def webhookSubscription(self, info: GraphQLResolveInfo, id: str) -> Any:
        sub = self.s.subscriptions.get(parse_id(id))
        return SubscriptionView(self.s, sub, ctx(info).api_version) if sub else None

    def webhookSubscriptions(
        self,
        info: GraphQLResolveInfo,
        topics: list[str] | None = None,
        uri: str | None = None,
        callbackUrl: str | None = None,
        format: str | None = None,
        query: str | None = None,
        **args: Any,
    ) -> Any:
        rows = sorted(self.s.subscriptions.values(), key=lambda x: x.id)
        rows = [
            x
            for x in rows
            if (not topics or x.topic in topics)
            and (uri or callbackUrl or x.uri) == x.uri
            and (not format or x.format == format)
        ]
        views = [SubscriptionView(self.s, x, ctx(info).api_version) for x in rows]
        return page(info, views, args, key=lambda v: v.rec.id)

    def bulkOperation(self, info: GraphQLResolveInfo, id: str) -> Any:
        op = self.s.bulk_operations.get(parse_id(id))
        return BulkOperationView(self.s, op, self.base_url) if op else None

    def currentBulkOperation(self, info: GraphQLResolveInfo, type: str = "QUERY") -> Any:
        if type != "QUERY" or not self.s.bulk_operations:
            return None
        op = self.s.bulk_operations[max(self.s.bulk_operations)]
        return BulkOperationView(self.s, op, self.base_url)


setattr(QueryRoot, "return", QueryRoot._QueryRoot__return)
