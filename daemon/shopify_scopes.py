"""Which Shopify access scopes each enabled flow needs, and which of them the app lacks.

The list is README "Access scopes"; `shopsync config check` compares it with what Shopify says
the app holds (`currentAppInstallation { accessScopes { handle } }`). Sources: the "Requires …
access scope" line of each object and webhook topic on https://shopify.dev/docs/api/admin-graphql
and https://shopify.dev/docs/api/usage/access-scopes (a `write_` scope includes its `read_`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# flow → (scope, why); webhook subscriptions need the scope of their topic's resource, which
# the flow that routes the topic already lists.
FLOW_SCOPES: dict[str, list[tuple[str, str]]] = {
    "stock": [
        ("read_products", "find variants by SKU"),
        ("write_inventory", "set `available` (includes read_inventory)"),
        ("read_locations", "map locations to warehouses"),
    ],
    "orders": [
        ("read_orders", "read orders and their transactions"),
        ("read_customers", "the order's customer for the Exact account"),
        ("read_products", "line items' variants"),
        ("read_locations", "where lines ship from"),
        ("read_merchant_managed_fulfillment_orders", "which location ships each line"),
        ("read_fulfillments", "the fulfillments/create webhook for goods deliveries"),
    ],
    "refunds": [
        ("read_orders", "refunds and their transactions"),
        ("read_returns", "returns and their webhooks"),
        ("read_customers", "the customer holding store credit"),
        ("read_store_credit_accounts", "refunds to store credit"),
        ("read_store_credit_account_transactions", "store credit bonuses"),
    ],
    "payouts": [
        ("read_shopify_payments_accounts", "the Shopify Payments account"),
        ("read_shopify_payments_payouts", "payouts and balance transactions"),
    ],
    "products": [
        ("read_products", "products, variants and the products/* webhooks"),
    ],
    "gift_cards": [
        ("read_gift_cards", "gift cards and their webhooks"),
        ("read_orders", "the orders that sold or redeemed them"),
    ],
}
BACKFILL_SCOPE = ("read_all_orders", "orders older than 60 days (orders.start_date)")
# Without read_all_orders Shopify shows only the last 60 days of orders.
# https://shopify.dev/docs/api/usage/access-scopes#orders-permissions
ORDER_WINDOW = dt.timedelta(days=60)


def enabled_flows(settings: Any) -> list[str]:
    out = []
    for flow in FLOW_SCOPES:
        section = getattr(settings, flow, None)
        if section is None or getattr(section, "enabled", True):
            out.append(flow)
    return out


def needed(settings: Any, today: dt.date | None = None) -> dict[str, list[str]]:
    """scope → the enabled flows (or uses) that need it."""
    out: dict[str, list[str]] = {}
    for flow in enabled_flows(settings):
        for scope, _why in FLOW_SCOPES[flow]:
            out.setdefault(scope, []).append(flow)
    orders = getattr(settings, "orders", None)
    start = getattr(orders, "start_date", None)
    today = today or dt.datetime.now(dt.UTC).date()
    if "orders" in out.get("read_orders", []) and start and today - start > ORDER_WINDOW:
        out.setdefault(BACKFILL_SCOPE[0], []).append("orders backfill (start_date > 60 days ago)")
    return out


def covers(granted: set[str], scope: str) -> bool:
    """A write scope includes its read scope."""
    return scope in granted or (
        scope.startswith("read_") and "write_" + scope.removeprefix("read_") in granted
    )


def missing_scopes(granted: set[str], settings: Any, today: dt.date | None = None) -> list[str]:
    """One line per scope the enabled flows need and the app lacks, naming what it blocks."""
    return [
        f"shopify: access scope {scope} is not granted; it blocks {', '.join(flows)}"
        for scope, flows in sorted(needed(settings, today).items())
        if not covers(granted, scope)
    ]
