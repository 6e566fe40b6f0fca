"""Webhook authenticity (HMAC of the raw body) and keeping our subscriptions as they should be.

Source: https://shopify.dev/docs/apps/build/webhooks/subscribe/https (verify with HMAC-SHA256
of the raw body, base64, keyed with the app's client secret; compare in constant time).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from pydantic import SecretStr

from connectors.shopify.client import ShopifyClient, raise_for_user_errors
from connectors.shopify.pagination import paginate

# What shopsync subscribes to, as GraphQL `WebhookSubscriptionTopic` values. The privacy topics
# (customers/data_request, customers/redact, shop/redact) are not here on purpose: they cannot be
# subscribed through the API; they are set in the app's configuration (Partner Dashboard or
# shopify.app.toml). Source: shopify.dev WebhookSubscriptionTopic enum reference; every value is
# checked against the vendored real schema (tests/shopify_client/test_documents_real_schema.py).
# Shopify has no gift-card topic: gift cards are polled (daemon/flows/gift_cards, cursor on
# updated_at).
REQUIRED_TOPICS: tuple[str, ...] = (
    "ORDERS_CREATE",
    "ORDERS_PAID",
    "ORDERS_UPDATED",
    "ORDERS_CANCELLED",
    "ORDERS_FULFILLED",
    "FULFILLMENTS_CREATE",
    "REFUNDS_CREATE",
    "RETURNS_REQUEST",
    "RETURNS_APPROVE",
    "RETURNS_CLOSE",
    "INVENTORY_LEVELS_UPDATE",
    "BULK_OPERATIONS_FINISH",
)

PRIVACY_TOPICS: tuple[str, ...] = ("customers/data_request", "customers/redact", "shop/redact")

# The `X-Shopify-Topic` header spells topics REST-style; the resource part may itself contain an
# underscore (inventory_levels/update), so the split is at the last one.
_HEADER_EXCEPTIONS = {"CUSTOMERS_DATA_REQUEST": "customers/data_request"}


def header_topic(enum_topic: str) -> str:
    """`ORDERS_CREATE` → `orders/create`, as it arrives in the `X-Shopify-Topic` header."""
    if enum_topic in _HEADER_EXCEPTIONS:
        return _HEADER_EXCEPTIONS[enum_topic]
    resource, _, action = enum_topic.lower().rpartition("_")
    return f"{resource}/{action}"


def enum_topic(header: str) -> str:
    """`orders/create` → `ORDERS_CREATE`, the GraphQL enum value."""
    return header.replace("/", "_").upper()


def verify_webhook(raw_body: bytes, hmac_header: str | None, secret: str | SecretStr) -> bool:
    """True only if `hmac_header` is the base64 HMAC-SHA256 of exactly these bytes with `secret`."""
    key = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if not hmac_header or not key:
        return False
    digest = hmac.new(key.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), hmac_header.strip().encode())


def sign_webhook(raw_body: bytes, secret: str | SecretStr) -> str:
    """The `X-Shopify-Hmac-Sha256` value Shopify would send for `raw_body` (for tests and demos)."""
    key = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return base64.b64encode(hmac.new(key.encode(), raw_body, hashlib.sha256).digest()).decode()


async def list_webhook_subscriptions(client: ShopifyClient) -> list[dict]:
    """Every subscription this app has on the shop: `{id, topic, uri, format}`."""
    return [
        node async for node in paginate(client, "webhook_subscriptions", ("webhookSubscriptions",))
    ]


async def ensure_webhooks(
    client: ShopifyClient, callback_url: str, topics: Iterable[str] = REQUIRED_TOPICS
) -> dict[str, list[str]]:
    """Make the shop's subscriptions match `topics` → `callback_url`; report what changed.

    Creates missing ones, points a wanted topic's subscription elsewhere back at us, and deletes
    subscriptions to our URL for topics we no longer want (and duplicates). Subscriptions to other
    URLs for topics we do not want are left alone. Running it twice changes nothing the second time.
    Returns `{"created": [topic…], "updated": [topic…], "deleted": [topic…]}`.
    """
    wanted = list(dict.fromkeys(topics))
    existing = await list_webhook_subscriptions(client)
    changes: dict[str, list[str]] = {"created": [], "updated": [], "deleted": []}
    by_topic: dict[str, list[dict]] = {}
    for sub in existing:
        by_topic.setdefault(sub["topic"], []).append(sub)

    for topic in wanted:
        subs = by_topic.get(topic, [])
        ours = [s for s in subs if s.get("uri") == callback_url]
        if ours:
            for duplicate in ours[1:]:
                await _delete(client, duplicate["id"])
                changes["deleted"].append(topic)
            continue
        if subs:
            await _update(client, subs[0]["id"], callback_url)
            changes["updated"].append(topic)
        else:
            await _create(client, topic, callback_url)
            changes["created"].append(topic)

    for sub in existing:
        if sub["topic"] not in wanted and sub.get("uri") == callback_url:
            await _delete(client, sub["id"])
            changes["deleted"].append(sub["topic"])
    return changes


async def _create(client: ShopifyClient, topic: str, uri: str) -> None:
    data = await client.execute(
        "webhook_subscription_create",
        {"topic": topic, "webhookSubscription": {"uri": uri, "format": "JSON"}},
    )
    raise_for_user_errors(data.get("webhookSubscriptionCreate"), what=f"subscribe {topic}")


async def _update(client: ShopifyClient, subscription_id: str, uri: str) -> None:
    data = await client.execute(
        "webhook_subscription_update",
        {"id": subscription_id, "webhookSubscription": {"uri": uri, "format": "JSON"}},
    )
    raise_for_user_errors(data.get("webhookSubscriptionUpdate"), what="update webhook")


async def _delete(client: ShopifyClient, subscription_id: str) -> None:
    data = await client.execute("webhook_subscription_delete", {"id": subscription_id})
    raise_for_user_errors(data.get("webhookSubscriptionDelete"), what="delete webhook")
