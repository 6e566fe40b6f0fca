"""ensure_webhooks makes the shop's subscriptions match what shopsync needs, and is idempotent."""

import pytest

from connectors.shopify.webhooks import (
    REQUIRED_TOPICS,
    ensure_webhooks,
    list_webhook_subscriptions,
)

pytestmark = pytest.mark.anyio

HOOK = "https://shopsync.example.com/webhooks/shopify"


async def test_first_run_creates_every_topic_and_second_run_changes_nothing(api):
    first = await ensure_webhooks(api.client, HOOK)
    assert sorted(first["created"]) == sorted(REQUIRED_TOPICS)
    assert first["updated"] == [] and first["deleted"] == []

    second = await ensure_webhooks(api.client, HOOK)
    assert second == {"created": [], "updated": [], "deleted": []}

    subs = await list_webhook_subscriptions(api.client)
    assert sorted(s["topic"] for s in subs) == sorted(REQUIRED_TOPICS)
    assert {s["uri"] for s in subs} == {HOOK}


async def test_moved_url_is_updated_and_dropped_topics_are_deleted(api):
    await ensure_webhooks(api.client, "https://old.example.com/hooks", ["ORDERS_CREATE"])
    await ensure_webhooks(api.client, HOOK, ["ORDERS_CREATE", "ORDERS_PAID", "REFUNDS_CREATE"])

    changes = await ensure_webhooks(api.client, HOOK, ["ORDERS_CREATE", "ORDERS_PAID"])
    assert changes == {"created": [], "updated": [], "deleted": ["REFUNDS_CREATE"]}

    moved = await ensure_webhooks(api.client, "https://new.example.com/hooks", ["ORDERS_CREATE"])
    assert moved["updated"] == ["ORDERS_CREATE"]
    subs = await list_webhook_subscriptions(api.client)
    assert {(s["topic"], s["uri"]) for s in subs} == {
        ("ORDERS_CREATE", "https://new.example.com/hooks"),
        ("ORDERS_PAID", HOOK),
    }
