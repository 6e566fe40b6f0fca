"""Webhooks the shop really sends verify with our secret and name the resource to re-read."""

import anyio
import pytest

from connectors.shopify.webhook_payloads import parse_webhook
from connectors.shopify.webhooks import ensure_webhooks, verify_webhook
from daemon.serving import running_server
from tests.shopify_client.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.anyio


class Receiver:
    """A minimal webhook endpoint: keeps raw bodies and headers, answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.arrived = anyio.Event()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append((headers, body))
        self.arrived.set()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def wait_for(self, topic: str) -> tuple[dict[str, str], bytes]:
        with anyio.fail_after(10):
            while True:
                for headers, body in self.received:
                    if headers.get("x-shopify-topic") == topic:
                        return headers, body
                self.arrived = anyio.Event()
                await self.arrived.wait()


async def test_order_and_refund_webhooks_verify_and_name_their_resources(shop, api):
    receiver = Receiver()
    async with running_server(receiver, port=0, lifespan="off") as hook_url:
        await ensure_webhooks(api.client, hook_url + "/hooks", ["ORDERS_CREATE", "REFUNDS_CREATE"])
        sku = shop.catalogue.products[0].sku
        placed = await shop.control(
            "POST",
            "/orders",
            json={"lines": [{"sku": sku, "quantity": 2}], "financial_status": "paid"},
        )
        refunded = await shop.control(
            "POST",
            f"/orders/{placed['order_id']}/refunds",
            json={"lines": [{"sku": sku, "quantity": 1}]},
        )

        headers, body = await receiver.wait_for("orders/create")
        assert verify_webhook(body, headers.get("x-shopify-hmac-sha256"), WEBHOOK_SECRET)
        assert not verify_webhook(body, headers.get("x-shopify-hmac-sha256"), "wrong-secret")
        event = parse_webhook(headers["x-shopify-topic"], body)
        assert event.resource_gid == placed["order_id"]
        assert event.updated_at is not None and event.updated_at.utcoffset().total_seconds() == 0

        headers, body = await receiver.wait_for("refunds/create")
        assert verify_webhook(body, headers.get("x-shopify-hmac-sha256"), WEBHOOK_SECRET)
        event = parse_webhook(headers["x-shopify-topic"], body)
        assert event.resource_gid == refunded["refund_id"]
        assert event.order_gid == placed["order_id"]
