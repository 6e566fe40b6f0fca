"""Webhook calls under every payload and signature CCV might use: we find the record and
tell a genuine call from a tampered one; unsigned calls are only hints to re-read."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from connectors.ccvshop.webhooks import record_id, signature_state

pytestmark = pytest.mark.anyio
ADDRESS = "https://daemon.example/webhooks/ccvshop?shop=1"


class Receiver:
    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        return httpx.Response(200)


@pytest.mark.parametrize("payload", ["full", "id", "href"])
@pytest.mark.parametrize("signature", ["uri_body", "body", "none"])
async def test_a_stock_change_call_names_the_product_and_is_verified(ccv, payload, signature):
    receiver = Receiver()
    http = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    async with ccv(webhook_http=http, webhook_payload=payload, webhook_signature=signature) as run:
        [product] = await run.seed_products(1)
        hook = await run.client.post(
            "webhooks/", {"event": "products.updated", "address": ADDRESS, "is_active": True}
        )
        await run.client.set_product_stock(product["id"], Decimal(3))
        await run.control("webhooks/deliver", {})
    await http.aclose()
    (call,) = receiver.calls
    uri = "/webhooks/ccvshop?shop=1"
    assert record_id(call.content) == product["id"]
    expected = "unsigned" if signature == "none" else "valid"
    assert signature_state(hook["key"], uri, call.content, call.headers.get("x-hash")) == expected
    tampered = call.content.replace(str(product["id"]).encode(), b"1", 1)
    if signature != "none":
        assert signature_state(hook["key"], uri, tampered, call.headers["x-hash"]) == "invalid"
        assert signature_state("other-key", uri, call.content, call.headers["x-hash"]) == "invalid"


async def test_inactive_webhooks_and_other_events_get_no_call(ccv):
    receiver = Receiver()
    http = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    async with ccv(webhook_http=http) as run:
        [product] = await run.seed_products(1)
        await run.client.post(
            "webhooks/", {"event": "products.updated", "address": ADDRESS, "is_active": False}
        )
        await run.client.post("webhooks/", {"event": "products.deleted", "address": ADDRESS})
        await run.client.set_product_stock(product["id"], Decimal(3))
        await run.control("webhooks/deliver", {})
    await http.aclose()
    assert receiver.calls == []


async def test_order_events_fire_only_when_the_shop_is_set_to_know_them(ccv):
    receiver = Receiver()
    http = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    events = ["products.created", "orders.created", "orders.updated"]
    async with ccv(webhook_http=http, webhook_events=events) as run:
        await run.client.post("webhooks/", {"event": "orders.updated", "address": ADDRESS})
        [product] = await run.seed_products(1)
        order = await run.control(
            "orders",
            {
                "customer": {"email": "a@example.com", "country_code": "NL"},
                "rows": [{"product_id": product["id"], "count": 1}],
            },
        )
        await run.control(f"orders/{order['id']}/status", {"status": 7})
        await run.control("webhooks/deliver", {})
    await http.aclose()
    assert [record_id(c.content) for c in receiver.calls] == [order["id"]]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"id": 12}', 12),
        (b'{"id": "12"}', 12),
        (b'{"href": "https://s.test/api/rest/v1/orders/34/"}', 34),
        (b'{"id": true}', None),
        (b"[12]", None),
        (b"not json", None),
        (b"{}", None),
    ],
)
def test_record_id_reads_what_it_can_and_nothing_else(body, expected):
    assert record_id(body) == expected
