"""Access scopes the sandbox enforces per field: a field outside the grant gets ACCESS_DENIED.

The table comes from shopify.dev's reference pages, which say on each object "Requires `…`
access scope" (https://shopify.dev/docs/api/admin-graphql, e.g. objects/Order, objects/GiftCard,
objects/ShopifyPaymentsAccount: "Requires the `read_shopify_payments` or the
`read_shopify_payments_accounts` access scope", objects/StoreCreditAccountCreditTransaction:
"Requires `read_store_credit_account_transactions` access scope"), never from what shopsync
sends. A `write_x` scope includes `read_x` (https://shopify.dev/docs/api/usage/access-scopes).

Shopify answers a denied field with data null at that field and an error shaped like
  {"message": "Access denied for orders field. Required access: `read_orders` access scope.",
   "locations": [...], "path": [...], "extensions": {"code": "ACCESS_DENIED",
   "documentation": "https://shopify.dev/api/usage/access-scopes",
   "requiredAccess": "`read_orders` access scope."}}
(seen in answers quoted in public issues, e.g. Shopify/shopify-api-ruby#1415).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    visit,
)

DOCUMENTATION = "https://shopify.dev/api/usage/access-scopes"

_FULFILLMENT_ORDERS = (
    "read_merchant_managed_fulfillment_orders",
    "read_assigned_fulfillment_orders",
    "read_third_party_fulfillment_orders",
)
_STORE_CREDIT_TX = ("read_store_credit_account_transactions",)

# Object (or interface) type → scopes of which any one grants it.
TYPE_SCOPES: dict[str, tuple[str, ...]] = {
    "Order": ("read_orders",),
    "OrderConnection": ("read_orders",),
    "Refund": ("read_orders",),
    "OrderTransaction": ("read_orders",),
    "Fulfillment": ("read_orders",),
    "Return": ("read_returns",),
    "ReturnConnection": ("read_returns",),
    "FulfillmentOrder": _FULFILLMENT_ORDERS,
    "FulfillmentOrderConnection": _FULFILLMENT_ORDERS,
    "Customer": ("read_customers",),
    "CustomerConnection": ("read_customers",),
    "StoreCreditAccount": ("read_store_credit_accounts",),
    "StoreCreditAccountConnection": ("read_store_credit_accounts",),
    "StoreCreditAccountTransaction": _STORE_CREDIT_TX,
    "StoreCreditAccountTransactionConnection": _STORE_CREDIT_TX,
    "StoreCreditAccountCreditTransaction": _STORE_CREDIT_TX,
    "StoreCreditAccountDebitTransaction": _STORE_CREDIT_TX,
    "StoreCreditAccountDebitRevertTransaction": _STORE_CREDIT_TX,
    "StoreCreditAccountExpirationTransaction": _STORE_CREDIT_TX,
    "GiftCard": ("read_gift_cards",),
    "GiftCardConnection": ("read_gift_cards",),
    "ShopifyPaymentsAccount": ("read_shopify_payments_accounts", "read_shopify_payments"),
    "ShopifyPaymentsPayout": ("read_shopify_payments_payouts", "read_shopify_payments"),
    "ShopifyPaymentsPayoutConnection": ("read_shopify_payments_payouts", "read_shopify_payments"),
    "ShopifyPaymentsBalanceTransaction": ("read_shopify_payments_payouts", "read_shopify_payments"),
    "ShopifyPaymentsBalanceTransactionConnection": (
        "read_shopify_payments_payouts",
        "read_shopify_payments",
    ),
    "Location": ("read_locations",),
    "LocationConnection": ("read_locations",),
    "InventoryItem": ("read_inventory",),
    "InventoryItemConnection": ("read_inventory",),
    "InventoryLevel": ("read_inventory",),
    "InventoryLevelConnection": ("read_inventory",),
    "Product": ("read_products",),
    "ProductConnection": ("read_products",),
    "ProductVariant": ("read_products",),
    "ProductVariantConnection": ("read_products",),
}

# Mutations need the write scope of what they change (shopify.dev mutation pages).
MUTATION_SCOPES: dict[str, tuple[str, ...]] = {
    "inventorySetQuantities": ("write_inventory",),
    "inventoryAdjustQuantities": ("write_inventory",),
    "inventoryActivate": ("write_inventory",),
    "giftCardCreate": ("write_gift_cards",),
    "giftCardUpdate": ("write_gift_cards",),
    "orderUpdate": ("write_orders",),
    "productVariantsBulkUpdate": ("write_products",),
}


def covers(granted: frozenset[str], scope: str) -> bool:
    """Whether the grant includes `scope`; a write scope includes its read scope."""
    if scope in granted:
        return True
    return scope.startswith("read_") and "write_" + scope.removeprefix("read_") in granted


def required(parent: str, field: str, returns: str) -> tuple[str, ...]:
    """The scopes (any one) a field needs, or () when it needs none."""
    if parent == "Mutation":
        return MUTATION_SCOPES.get(field, ())
    return TYPE_SCOPES.get(returns, ())


def _missing(granted: frozenset[str], need: tuple[str, ...]) -> bool:
    return bool(need) and not any(covers(granted, s) for s in need)


def denial(field: str, need: Iterable[str]) -> GraphQLError:
    wanted = " or ".join(f"`{s}` access scope" for s in need)
    return GraphQLError(
        f"Access denied for {field} field. Required access: {wanted}.",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": DOCUMENTATION,
            "requiredAccess": f"{wanted}.",
        },
    )


@functools.lru_cache(maxsize=1024)
def any_denied(schema: GraphQLSchema, document: Any, granted: frozenset[str]) -> bool:
    """Whether any field of the document is outside the grant (cheap: then no middleware)."""
    type_info = TypeInfo(schema)
    found: list[bool] = []

    class Check(Visitor):
        def enter_field(self, node: Any, *_: Any) -> Any:
            parent = type_info.get_parent_type()
            returns = type_info.get_type()
            if parent is None or returns is None:
                return None
            need = required(parent.name, node.name.value, get_named_type(returns).name)
            if _missing(granted, need):
                found.append(True)
                return False  # BREAK is not needed: one is enough, the rest is skipped
            return None

    visit(document, TypeInfoVisitor(type_info, Check()))
    return bool(found)


def bulk_denied(schema: GraphQLSchema, query: str, granted: frozenset[str]) -> bool:
    """Whether a bulk operation's query reaches outside the grant."""
    try:
        document = parse(query)
    except GraphQLError:
        return False  # a bad document fails on its own terms
    return any_denied(schema, document, granted)


class ScopeMiddleware:
    """graphql-core middleware: refuses each field outside the grant where it is resolved, so
    the answer has Shopify's shape (null there, an error with its path, the rest intact)."""

    def __init__(self, granted: frozenset[str]) -> None:
        self.granted = granted

    def resolve(self, next_: Any, root: Any, info: Any, **args: Any) -> Any:
        returns = get_named_type(info.return_type).name
        need = required(info.parent_type.name, info.field_name, returns)
        if _missing(self.granted, need):
            raise denial(info.field_name, need)
        return next_(root, info, **args)
