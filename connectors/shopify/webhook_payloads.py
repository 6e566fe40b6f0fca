"""Read the REST-shaped JSON Shopify's webhooks carry into the few facts a flow needs.

Webhook payloads use the REST resource shapes (integer ids, money as strings), not GraphQL; the
flows re-read the resource over GraphQL anyway, so we only take what routes the job: which
resource, its gid, and when it changed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import PermanentError

# Which GraphQL type each topic's payload describes (the part before the slash).
_RESOURCE_TYPES = {
    "orders": "Order",
    "fulfillments": "Fulfillment",
    "refunds": "Refund",
    "returns": "Return",
    "inventory_levels": "InventoryLevel",
    "gift_cards": "GiftCard",
    "bulk_operations": "BulkOperation",
    "products": "Product",
    "customers": "Customer",
    "shop": "Shop",
}


@dataclass(frozen=True)
class WebhookEvent:
    """One webhook's routing facts. `resource_gid` is what a flow passes to a GraphQL read."""

    topic: str
    resource_gid: str | None
    resource_id: int | None
    updated_at: dt.datetime | None
    order_gid: str | None = None
    # inventory_levels/update names an item at a location rather than one resource.
    inventory_item_gid: str | None = None
    location_gid: str | None = None
    payload: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def parse_webhook(topic: str, raw_body: bytes | str | dict[str, Any]) -> WebhookEvent:
    """Parse a verified webhook body for `topic` (the `X-Shopify-Topic` header value)."""
    payload = _load(raw_body)
    resource = topic.split("/", 1)[0]
    type_name = _RESOURCE_TYPES.get(resource)
    resource_id = _int(payload.get("id"))
    gid = payload.get("admin_graphql_api_id") or (
        _gid(type_name, resource_id) if type_name and resource_id is not None else None
    )
    order_id = _int(payload.get("order_id"))
    if order_id is None and isinstance(payload.get("order"), dict):
        order_id = _int(payload["order"].get("id"))
    item_id = _int(payload.get("inventory_item_id"))
    location_id = _int(payload.get("location_id"))
    return WebhookEvent(
        topic=topic,
        resource_gid=gid,
        resource_id=resource_id,
        updated_at=_timestamp(
            payload.get("updated_at") or payload.get("completed_at") or payload.get("created_at")
        ),
        order_gid=_gid("Order", order_id) if order_id is not None else None,
        inventory_item_gid=_gid("InventoryItem", item_id) if item_id is not None else None,
        location_gid=_gid("Location", location_id) if location_id is not None else None,
        payload=payload,
    )


def gid_to_id(gid: str) -> int:
    """`gid://shopify/Order/123` → 123 (the REST/legacy id)."""
    return int(gid.rsplit("/", 1)[-1].split("?", 1)[0])


def _gid(type_name: str, resource_id: int) -> str:
    return f"gid://shopify/{type_name}/{resource_id}"


def _load(raw_body: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw_body, dict):
        return raw_body
    try:
        payload = json.loads(raw_body)
    except ValueError as exc:
        raise PermanentError(f"webhook body is not JSON: {exc}", api="shopify") from None
    if not isinstance(payload, dict):
        raise PermanentError("webhook body is not a JSON object", api="shopify")
    return payload


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # Shopify always sends an offset; a bare time would be ambiguous, so treat it as UTC.
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
