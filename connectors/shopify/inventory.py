"""Inventory reads and compare-and-set writes of Shopify's `available` quantity, in batches.

`inventorySetQuantities` takes at most 250 quantities, needs `changeFromQuantity` on each (null
opts out of the check) and an `@idempotent` key (both required since 2026-04); a stale
`changeFromQuantity` fails with CHANGE_FROM_QUANTITY_STALE instead of overwriting.
Source: https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventorySetQuantities
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from connectors.errors import PermanentError
from connectors.shopify.bulk import run_bulk_query
from connectors.shopify.client import API, ShopifyClient
from connectors.shopify.models import InventoryLevel
from connectors.shopify.pagination import MAX_PAGE_SIZE, paginate
from connectors.shopify.queries import load_query

log = structlog.get_logger(__name__)

MAX_QUANTITIES_PER_CALL = 250
# Shopify's search syntax gets slow and long with huge OR lists; 50 SKUs a query is plenty.
SKUS_PER_QUERY = 50
# A batch whose userErrors name some items is re-sent without them at most this many times.
MAX_BATCH_RESENDS = 2


@dataclass(frozen=True)
class QuantityChange:
    """Set `available` of one item at one location to `quantity`, if it is still `change_from`.

    `change_from=None` skips the compare-and-set check (only when we are sure we own the number).
    """

    inventory_item_id: str
    location_id: str
    quantity: int
    change_from: int | None


@dataclass(frozen=True)
class QuantityResult:
    change: QuantityChange
    ok: bool
    message: str = ""  # Shopify's own words when not ok
    code: str | None = None  # e.g. CHANGE_FROM_QUANTITY_STALE
    field: str | None = None

    @property
    def stale(self) -> bool:
        return self.code == "CHANGE_FROM_QUANTITY_STALE"


def sku_search(skus: Sequence[str]) -> str:
    """Shopify search syntax matching any of `skus`; values are quoted so `-`, `:` stay literal.

    Source: https://shopify.dev/docs/api/usage/search-syntax (connective `OR`, quoted values).
    """
    parts = []
    for sku in skus:
        escaped = sku.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'sku:"{escaped}"')
    return " OR ".join(parts)


async def find_inventory_items(client: ShopifyClient, skus: Iterable[str]) -> dict[str, str]:
    """SKU → inventory item gid for every SKU Shopify knows; unknown SKUs are simply absent.

    Shopify's search can match more than asked (tokenised), so results are filtered to exact SKUs.
    """
    wanted = list(dict.fromkeys(s for s in skus if s))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), SKUS_PER_QUERY):
        batch = wanted[start : start + SKUS_PER_QUERY]
        batch_set = set(batch)
        async for node in paginate(
            client, "variants_by_sku", ("productVariants",), {"query": sku_search(batch)}
        ):
            sku, item = node.get("sku"), (node.get("inventoryItem") or {}).get("id")
            if sku in batch_set and item:
                if sku in found and found[sku] != item:
                    log.warning("shopify.duplicate_sku", sku=sku, kept=found[sku], ignored=item)
                    continue
                found[sku] = item
    return found


async def get_available(
    client: ShopifyClient, item_ids: Iterable[str], location_ids: Iterable[str]
) -> dict[tuple[str, str], int]:
    """(item gid, location gid) → `available`. Pairs where the item is not stocked are absent."""
    items = list(dict.fromkeys(item_ids))
    result: dict[tuple[str, str], int] = {}
    for location_id in dict.fromkeys(location_ids):
        for start in range(0, len(items), MAX_PAGE_SIZE):
            batch = items[start : start + MAX_PAGE_SIZE]
            data = await client.execute(
                "available_at_location", {"ids": batch, "locationId": location_id}
            )
            for node in data.get("nodes") or []:
                level = (node or {}).get("inventoryLevel")
                if not node or not level:
                    continue
                for q in level.get("quantities") or []:
                    if q.get("name") == "available":
                        result[(node["id"], location_id)] = int(q["quantity"])
    return result


async def set_available(
    client: ShopifyClient,
    changes: Sequence[QuantityChange],
    *,
    reason: str,
    reference_uri: str | None,
    idempotency_key: str,
) -> list[QuantityResult]:
    """Set `available` for each change, ≤ 250 per call; one result per change, in order.

    One bad item never blocks the others: items named in `userErrors` fail alone, and the rest of
    their batch is checked (did it land?) and re-sent if not. The idempotency key sent to Shopify
    is `idempotency_key` plus a digest of the exact batch, so a retried job re-sending the same
    batch is deduplicated by Shopify, while a recomputed batch is not mistaken for the old one.
    """
    results: dict[int, QuantityResult] = {}
    for start in range(0, len(changes), MAX_QUANTITIES_PER_CALL):
        indexes = list(range(start, min(start + MAX_QUANTITIES_PER_CALL, len(changes))))
        await _set_batch(client, changes, indexes, results, reason, reference_uri, idempotency_key)
    return [results[i] for i in range(len(changes))]


async def _set_batch(
    client: ShopifyClient,
    changes: Sequence[QuantityChange],
    pending: list[int],
    results: dict[int, QuantityResult],
    reason: str,
    reference_uri: str | None,
    base_key: str,
) -> None:
    for _attempt in range(MAX_BATCH_RESENDS + 1):
        sent = [changes[i] for i in pending]
        payload = await client.execute(
            "set_available",
            {
                "input": _input(sent, reason, reference_uri),
                "idempotencyKey": _batch_key(base_key, sent, reason),
            },
        )
        body = payload.get("inventorySetQuantities")
        if body is None:
            raise PermanentError("inventorySetQuantities returned nothing", api=API)
        errors = body.get("userErrors") or []
        if not errors:
            for i in pending:
                results[i] = QuantityResult(changes[i], ok=True)
            return
        by_position = {}
        for error in errors:
            position = _quantity_position(error.get("field"))
            if position is None or position >= len(pending):
                # An error about the whole input (reason, name, …): every item fails with it.
                for i in pending:
                    results[i] = _failed(changes[i], error)
                return
            by_position.setdefault(position, error)
        for position, error in by_position.items():
            results[pending[position]] = _failed(changes[pending[position]], error)
        rest = [i for pos, i in enumerate(pending) if pos not in by_position]
        if not rest:
            return
        # Shopify documents no partial apply, but check rather than assume before re-sending.
        current = await get_available(
            client,
            [changes[i].inventory_item_id for i in rest],
            [changes[i].location_id for i in rest],
        )
        pending = []
        for i in rest:
            change = changes[i]
            if current.get((change.inventory_item_id, change.location_id)) == change.quantity:
                results[i] = QuantityResult(change, ok=True)
            else:
                pending.append(i)
        if not pending:
            return
    for i in pending:
        results[i] = QuantityResult(
            changes[i], ok=False, message="gave up after other items in its batch kept failing"
        )


def _input(sent: Sequence[QuantityChange], reason: str, reference_uri: str | None) -> dict:
    data: dict[str, Any] = {
        "name": "available",
        "reason": reason,
        "quantities": [
            {
                "inventoryItemId": c.inventory_item_id,
                "locationId": c.location_id,
                "quantity": c.quantity,
                # Always present, even when None: omitting it is an error since 2026-04.
                "changeFromQuantity": c.change_from,
            }
            for c in sent
        ],
    }
    if reference_uri:
        data["referenceDocumentUri"] = reference_uri
    return data


def _batch_key(base_key: str, sent: Sequence[QuantityChange], reason: str) -> str:
    body = json.dumps(
        [reason, [(c.inventory_item_id, c.location_id, c.quantity, c.change_from) for c in sent]]
    )
    return f"{base_key[:64]}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"


def _quantity_position(field: Sequence[str] | None) -> int | None:
    """`["input", "quantities", "3", "changeFromQuantity"]` → 3."""
    if not field:
        return None
    parts = list(field)
    for n, part in enumerate(parts[:-1]):
        if part == "quantities" and str(parts[n + 1]).isdigit():
            return int(parts[n + 1])
    return None


def _failed(change: QuantityChange, error: dict[str, Any]) -> QuantityResult:
    field = error.get("field")
    return QuantityResult(
        change,
        ok=False,
        message=str(error.get("message") or "rejected"),
        code=error.get("code"),
        field=".".join(str(p) for p in field) if field else None,
    )


async def bulk_inventory_levels(
    client: ShopifyClient, *, poll_interval: float = 2.0
) -> AsyncIterator[InventoryLevel]:
    """Every variant's `available` at every location it is stocked at, via one bulk operation."""
    variants: dict[str, tuple[str | None, str]] = {}
    levels: list[dict[str, Any]] = []
    async for row in run_bulk_query(
        client, load_query("bulk_inventory_levels"), poll_interval=poll_interval
    ):
        if "__parentId" in row:
            levels.append(row)
        elif row.get("inventoryItem"):
            item = (row.get("sku"), row["inventoryItem"]["id"])
            # The parent is the variant (the enclosing connection's node); keying by the item
            # too keeps the join right if a producer names the nearer object instead.
            variants[row["id"]] = variants[item[1]] = item
    # Child rows may come before or after their parent: join once everything is read.
    for row in levels:
        parent = variants.get(row["__parentId"])
        location = (row.get("location") or {}).get("id")
        if not parent or not location:
            continue
        for q in row.get("quantities") or []:
            if q.get("name") == "available":
                yield InventoryLevel(
                    inventory_item_id=parent[1],
                    location_id=location,
                    available=int(q["quantity"]),
                    sku=parent[0],
                )
