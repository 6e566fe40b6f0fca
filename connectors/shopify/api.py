"""The Shopify calls flows make, as typed methods over one `ShopifyClient`.

Reads return models from `models.py`; inventory writes return one result per item. Nothing here
knows about jobs, links or mappings: those are the flows' business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterable, Sequence

from connectors.shopify import inventory
from connectors.shopify.client import ShopifyClient
from connectors.shopify.inventory import QuantityChange, QuantityResult
from connectors.shopify.models import (
    BalanceTransaction,
    GiftCard,
    InventoryLevel,
    Location,
    Order,
    OrderHeader,
    Payout,
    Refund,
    Shop,
    location_from_graphql,
    shop_from_graphql,
)
from connectors.shopify.pagination import paginate
from connectors.shopify.webhook_payloads import gid_to_id

# Page sizes that keep each query's requested cost under Shopify's 1,000 per query (a page of
# payouts with their summaries costs ~13 points a payout, for example).
PAYOUTS_PAGE = 50
BALANCE_TRANSACTIONS_PAGE = 100
GIFT_CARDS_PAGE = 100
LINE_ITEMS_PAGE = 50


def search_time(value: dt.datetime) -> str:
    """A timestamp as Shopify search syntax wants it: quoted ISO 8601 in UTC."""
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return "'" + value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


class ShopifyAPI:
    """High-level reads and writes against one shop."""

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client

    async def shop_info(self) -> Shop:
        data = await self.client.execute("shop_info")
        return shop_from_graphql(data["shop"])

    async def granted_scopes(self) -> set[str]:
        """The access scopes the app was granted (`currentAppInstallation.accessScopes`)."""
        data = await self.client.execute("access_scopes")
        scopes = ((data.get("currentAppInstallation") or {}).get("accessScopes")) or []
        return {str(s["handle"]) for s in scopes if s.get("handle")}

    async def list_locations(self) -> list[Location]:
        return [
            location_from_graphql(node)
            async for node in paginate(self.client, "locations", ("locations",))
        ]

    # -- inventory ------------------------------------------------------------------------------

    async def find_inventory_items(self, skus: Iterable[str]) -> dict[str, str]:
        """SKU → inventory item gid; SKUs Shopify does not know are absent."""
        return await inventory.find_inventory_items(self.client, skus)

    async def get_available(
        self, item_ids: Iterable[str], location_ids: Iterable[str]
    ) -> dict[tuple[str, str], int]:
        """(item gid, location gid) → available; pairs not stocked at that location are absent."""
        return await inventory.get_available(self.client, item_ids, location_ids)

    async def set_available(
        self,
        changes: Sequence[QuantityChange],
        *,
        reason: str = "correction",
        reference_uri: str | None = None,
        idempotency_key: str,
    ) -> list[QuantityResult]:
        """Compare-and-set `available` per item; one result per change, in the same order."""
        return await inventory.set_available(
            self.client,
            changes,
            reason=reason,
            reference_uri=reference_uri,
            idempotency_key=idempotency_key,
        )

    def bulk_inventory_levels(self, *, poll_interval: float = 2.0) -> AsyncIterator[InventoryLevel]:
        """Every variant's available quantity at every location (one bulk operation)."""
        return inventory.bulk_inventory_levels(self.client, poll_interval=poll_interval)

    # -- orders ---------------------------------------------------------------------------------

    async def iter_order_headers(self, updated_since: dt.datetime) -> AsyncIterator[OrderHeader]:
        """Orders updated at or after `updated_since`, oldest change first (id, name, updatedAt)."""
        query = f"updated_at:>={search_time(updated_since)}"
        async for node in paginate(
            self.client, "order_ids_updated_since", ("orders",), {"query": query}
        ):
            yield OrderHeader.model_validate(node)

    async def iter_orders(self, updated_since: dt.datetime) -> AsyncIterator[Order]:
        """Full orders updated at or after `updated_since`, read one by one (see order.graphql).

        Take the next cursor *before* calling this: an order updated while we page is seen again
        next time rather than missed.
        """
        async for header in self.iter_order_headers(updated_since):
            order = await self.get_order(header.id)
            if order is not None:
                yield order

    async def get_order(self, gid: str) -> Order | None:
        """One order with all its lines, taxes, transactions and refund headers; None if unknown.

        The first page of line items comes with the order; a long order's others follow.
        """
        data = await self.client.execute("order", {"id": gid})
        node = data.get("order")
        if not node:
            return None
        lines = node.get("lineItems") or {}
        items = list(lines.get("nodes") or [])
        page = lines.get("pageInfo") or {}
        if page.get("hasNextPage") and page.get("endCursor"):
            async for line in paginate(
                self.client,
                "order_line_items",
                ("order", "lineItems"),
                {"id": gid},
                after=page["endCursor"],
                page_size=LINE_ITEMS_PAGE,
            ):
                items.append(line)
        return Order.model_validate({**node, "lineItems": items})

    async def get_refund(self, gid: str) -> Refund | None:
        """One refund with its lines (restock type and location), transactions and adjustments."""
        data = await self.client.execute("refund", {"id": gid})
        node = data.get("refund")
        return Refund.model_validate(node) if node else None

    # -- gift cards, payouts --------------------------------------------------------------------

    async def iter_gift_cards(self, updated_since: dt.datetime) -> AsyncIterator[GiftCard]:
        query = f"updated_at:>={search_time(updated_since)}"
        async for node in paginate(
            self.client, "gift_cards", ("giftCards",), {"query": query}, page_size=GIFT_CARDS_PAGE
        ):
            yield GiftCard.model_validate(node)

    async def iter_payouts(
        self, since: dt.date | dt.datetime, statuses: Iterable[str] | None = None
    ) -> AsyncIterator[Payout]:
        """Payouts issued on or after `since`, optionally only those in `statuses` (e.g. PAID)."""
        wanted = {s.upper() for s in statuses} if statuses is not None else None
        if isinstance(since, dt.datetime) and since.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        since_dt = (
            since
            if isinstance(since, dt.datetime)
            else dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
        )
        query = f"issued_at:>={since_dt.astimezone(dt.UTC).date().isoformat()}"
        async for node in paginate(
            self.client,
            "payouts",
            ("shopifyPaymentsAccount", "payouts"),
            {"query": query},
            page_size=PAYOUTS_PAGE,
        ):
            payout = Payout.model_validate(node)
            # Filter here too: the search filter narrows the read, this makes the answer exact.
            if payout.issued_at < since_dt:
                continue
            if wanted is not None and payout.status not in wanted:
                continue
            yield payout

    async def iter_balance_transactions(
        self, payout_id: str | int
    ) -> AsyncIterator[BalanceTransaction]:
        """The balance transactions paid out in one payout (gid or legacy id)."""
        legacy = gid_to_id(payout_id) if isinstance(payout_id, str) else payout_id
        async for node in paginate(
            self.client,
            "balance_transactions",
            ("shopifyPaymentsAccount", "balanceTransactions"),
            {"query": f"payout_id:{legacy}"},
            page_size=BALANCE_TRANSACTIONS_PAGE,
        ):
            yield BalanceTransaction.model_validate(node)
