"""Reading a Shopify product into the item plan's neutral facts (the platform adapter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from daemon.flows.products.facts import ProductFacts, VariantFacts

# Up to 100 variants per product (Shopify's default limit; 2,048 with the extended limit). A
# product with more is read page by page (`variants.pageInfo`).
PRODUCT_QUERY = """
query product_item_facts($id: ID!, $after: String) {
  shop { taxesIncluded }
  product(id: $id) {
    id
    title
    productType
    isGiftCard
    variants(first: 100, after: $after) {
      nodes { id title sku barcode price taxable }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

UPDATED_QUERY = """
query product_ids_updated_since($first: Int!, $after: String, $query: String!) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def numeric(gid: str) -> str:
    return str(gid).rsplit("/", 1)[-1]


def product_gid(value: Any) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/Product/{int(text)}"


async def read_product(shopify: Any, gid: str) -> ProductFacts:
    """The product as Shopify has it now; a product Shopify no longer knows reads as deleted."""
    variants: list[VariantFacts] = []
    after = None
    while True:
        data = await shopify.client.execute(PRODUCT_QUERY, {"id": gid, "after": after})
        node = data.get("product")
        if not node:
            return ProductFacts(numeric(gid), "", "", (), prices_include_tax=True, deleted=True)
        conn = node["variants"]
        for v in conn["nodes"]:
            variants.append(
                VariantFacts(
                    numeric(v["id"]),
                    v.get("title") or "",
                    v.get("sku"),
                    v.get("barcode"),
                    Decimal(str(v["price"])),
                    bool(v.get("taxable", True)),
                )
            )
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    return ProductFacts(
        numeric(node["id"]),
        node.get("title") or "",
        node.get("productType") or "",
        tuple(variants),
        prices_include_tax=bool((data.get("shop") or {}).get("taxesIncluded")),
        is_gift_card=bool(node.get("isGiftCard")),
    )


async def products_updated_since(shopify: Any, since: dt.datetime) -> AsyncIterator[str]:
    """Gids of products updated at or after `since`, oldest first."""
    query = f"updated_at:>='{since.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    after = None
    while True:
        data = await shopify.client.execute(
            UPDATED_QUERY, {"first": 250, "after": after, "query": query}
        )
        conn = data["products"]
        for node in conn["nodes"]:
            yield node["id"]
        if not conn["pageInfo"]["hasNextPage"]:
            return
        after = conn["pageInfo"]["endCursor"]
