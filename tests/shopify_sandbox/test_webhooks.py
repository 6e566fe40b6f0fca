"""Webhooks arrive signed, in Shopify's REST shape, and failed deliveries are retried."""

import base64
import hashlib
import hmac
import json
from typing import Any

import anyio
import pytest

from daemon.serving import running_server
from tests.shopify_sandbox.conftest import SECRET

pytestmark = pytest.mark.anyio

# A sandbox hour lasts 0.36 s here, so Shopify's 4-hour retry schedule takes about 1.5 s.
FAST = {"time_scale": 0.0001}


class Receiver:
    """A webhook endpoint that records every delivery and fails the first `fail` of them."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.got: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.got.append((headers, body))
        status = 500 if len(self.got) <= self.fail else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def topics(self) -> list[str]:
        return [h["x-shopify-topic"] for h, _ in self.got]


async def subscribe(shop, url: str, topic: str) -> None:
    out = await shop.gql(
        """mutation($topic: WebhookSubscriptionTopic!, $sub:
        WebhookSubscriptionInput!) { webhookSubscriptionCreate(topic: $topic,
        webhookSubscription: $sub) { webhookSubscription { id topic uri }
        userErrors { field message } } }""",
        {"topic": topic, "sub": {"uri": url, "format": "JSON"}},
    )
    assert out["data"]["webhookSubscriptionCreate"]["userErrors"] == []


async def wait_for(predicate, limit: float = 10) -> None:
    with anyio.fail_after(limit):
        while not predicate():  # noqa: ASYNC110 - polls the receiver's record, no event to wait on
            await anyio.sleep(0.01)


async def test_order_webhook_is_signed_with_shopifys_hmac_and_rest_shaped(shop):
    receiver = Receiver()
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url + "/hooks", "ORDERS_CREATE")
        created = await shop.control(
            "POST",
            "/orders",
            {"lines": [{"sku": "SKU-00003", "quantity": 2}], "email": "x@example.com"},
        )
        await wait_for(lambda: receiver.got)
    headers, body = receiver.got[0]
    # Shopify's algorithm, computed independently: base64(HMAC-SHA256(secret, raw body)).
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    assert hmac.compare_digest(headers["x-shopify-hmac-sha256"].encode(), expected)
    assert headers["x-shopify-topic"] == "orders/create"
    assert headers["x-shopify-shop-domain"] == "sandbox-shop.myshopify.com"
    assert headers["x-shopify-api-version"] == "2026-01"
    for name in ("x-shopify-webhook-id", "x-shopify-event-id", "x-shopify-triggered-at"):
        assert headers[name]
    order = json.loads(body)
    assert order["admin_graphql_api_id"] == created["order_id"]
    assert order["name"] == created["order_name"]
    assert isinstance(order["total_price"], str)
    assert order["line_items"][0]["sku"] == "SKU-00003"
    assert order["line_items"][0]["quantity"] == 2


@pytest.mark.parametrize("shop_options", [FAST])
async def test_a_failed_delivery_is_retried_with_the_same_webhook_id_and_body(shop):
    receiver = Receiver(fail=2)
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url, "INVENTORY_LEVELS_UPDATE")
        await shop.control("POST", "/sales", {"sku": "SKU-00004", "location": "RTM", "quantity": 1})
        await wait_for(lambda: len(receiver.got) >= 3)
    ids = {h["x-shopify-webhook-id"] for h, _ in receiver.got}
    bodies = {b for _, b in receiver.got}
    assert len(receiver.got) == 3
    assert len(ids) == 1 and len(bodies) == 1
    state = await shop.control("GET", "/state")
    delivery = state["webhook_deliveries"][0]
    assert delivery["status"] == "delivered"
    assert [a.get("status") for a in delivery["attempts"]] == [500, 500, 200]


@pytest.mark.parametrize("shop_options", [FAST])
async def test_after_nine_failed_attempts_the_subscription_is_removed(shop):
    receiver = Receiver(fail=100)
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url, "INVENTORY_LEVELS_UPDATE")
        await shop.control("POST", "/sales", {"sku": "SKU-00004", "location": "RTM", "quantity": 1})
        await wait_for(lambda: len(receiver.got) >= 9, limit=30)
        await anyio.sleep(0.05)
    out = await shop.gql("{ webhookSubscriptions(first: 5) { nodes { id } } }")
    assert out["data"]["webhookSubscriptions"]["nodes"] == []
    assert len(receiver.got) == 9  # the first try and 8 retries


async def test_duplicate_mode_delivers_each_event_twice_with_one_event_id(shop):
    receiver = Receiver()
    await shop.control("PUT", "/webhooks", {"duplicates": True})
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url, "INVENTORY_LEVELS_UPDATE")
        await shop.control("POST", "/sales", {"sku": "SKU-00004", "location": "RTM", "quantity": 1})
        await wait_for(lambda: len(receiver.got) >= 2)
    events = {h["x-shopify-event-id"] for h, _ in receiver.got}
    assert len(receiver.got) == 2 and len(events) == 1
    level = json.loads(receiver.got[0][1])
    assert set(level) >= {"inventory_item_id", "location_id", "available", "updated_at"}


async def test_webhook_subscription_validation_errors_are_user_errors(shop):
    out = await shop.gql("""mutation { webhookSubscriptionCreate(topic: ORDERS_PAID,
        webhookSubscription: {uri: "http://example.com/hook"}) { webhookSubscription { id }
        userErrors { field message } } }""")
    errors = out["data"]["webhookSubscriptionCreate"]["userErrors"]
    assert "not supported" in errors[0]["message"]


@pytest.mark.parametrize("shop_options", [{"seed": 7}])
async def test_shuffle_mode_delivers_every_event_but_not_in_emission_order(shop):
    receiver = Receiver()
    await shop.control("PUT", "/webhooks", {"shuffle": True})
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url, "ORDERS_CREATE")
        made = [
            (
                await shop.control(
                    "POST", "/orders", {"lines": [{"sku": "SKU-00001", "quantity": n}]}
                )
            )["order_id"]
            for n in range(1, 11)
        ]
        await wait_for(lambda: len(receiver.got) >= 10)
    arrived = [json.loads(b)["admin_graphql_api_id"] for _, b in receiver.got]
    assert sorted(arrived) == sorted(made)
    assert arrived != made


async def test_refund_webhook_carries_lines_restock_type_and_gateway(shop):
    receiver = Receiver()
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url, "REFUNDS_CREATE")
        order = await shop.control(
            "POST", "/orders", {"lines": [{"sku": "SKU-00010", "quantity": 2}]}
        )
        num = order["order_id"].rsplit("/", 1)[1]
        await shop.control("POST", f"/orders/{num}/fulfil", {})
        await shop.control(
            "POST",
            f"/orders/{num}/refunds",
            {"lines": [{"sku": "SKU-00010", "quantity": 1, "restock": True}]},
        )
        await wait_for(lambda: receiver.got)
    refund = json.loads(receiver.got[0][1])
    assert refund["order_id"] == int(num)
    line = refund["refund_line_items"][0]
    assert (line["quantity"], line["restock_type"]) == (1, "return")
    assert line["line_item"]["sku"] == "SKU-00010"
    assert refund["transactions"][0]["gateway"] == "shopify_payments"
    assert refund["transactions"][0]["kind"] == "refund"
    assert isinstance(refund["transactions"][0]["amount"], str)


async def test_setting_stock_through_the_api_sends_inventory_levels_update(shop):
    receiver = Receiver()
    state = await shop.control("GET", "/state")
    row = state["inventory"][0]
    async with running_server(receiver, port=0, lifespan="off") as url:
        await subscribe(shop, url, "INVENTORY_LEVELS_UPDATE")
        out = await shop.gql(
            """mutation($input: InventorySetQuantitiesInput!) {
            inventorySetQuantities(input: $input) @idempotent(key: "w1") {
            userErrors { code } } }""",
            {
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "quantities": [
                        {
                            "inventoryItemId": row["inventory_item_id"],
                            "locationId": row["location_id"],
                            "quantity": row["available"] + 3,
                            "changeFromQuantity": row["available"],
                        }
                    ],
                }
            },
        )
        assert out["data"]["inventorySetQuantities"]["userErrors"] == []
        await wait_for(lambda: receiver.got)
    level = json.loads(receiver.got[0][1])
    assert level["available"] == row["available"] + 3
    assert f"gid://shopify/InventoryItem/{level['inventory_item_id']}" == row["inventory_item_id"]
