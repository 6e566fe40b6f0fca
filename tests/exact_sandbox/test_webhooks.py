"""Webhooks arrive signed the way Exact signs them, for the topics a client subscribed to."""

from __future__ import annotations

import hashlib
import hmac
import json

import anyio
import pytest

from daemon.serving import running_server

from .conftest import WEBHOOK_SECRET

# The receivers here are loopback http servers: the https rule is off on purpose (its own
# tests are in test_webhook_callback_rules.py); the same-host rule stays on (127.0.0.1).
LOOPBACK = {"webhook_https": False}

pytestmark = pytest.mark.anyio


class Receiver:
    """A webhook endpoint that keeps the raw bytes of every POST it gets."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.arrived = anyio.Event()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        self.arrived.set()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_stock_change_webhook_hashcode_verifies_over_the_raw_content_text(exact_sandbox):
    receiver = Receiver()
    async with (
        running_server(receiver, lifespan="off") as hook_url,
        exact_sandbox(rules=LOOPBACK) as run,
    ):
        sub = await run.post(
            "webhooks/WebhookSubscriptions",
            {"CallbackURL": f"{hook_url}/exact", "Topic": "StockPositions"},
        )
        assert sub.status_code == 201, sub.text
        await run.control("stock", {"sku": "SKU-00002", "warehouse": "ANR", "delta": -3})
        with anyio.fail_after(10):
            await receiver.arrived.wait()

    raw = receiver.bodies[0]
    prefix, marker = b'{"Content":', b',"HashCode":"'
    assert raw.startswith(prefix)
    cut = raw.rindex(marker)
    content_text = raw[len(prefix) : cut]
    sent_hash = raw[cut + len(marker) :].rstrip(b'"}').decode()
    expected = hmac.new(WEBHOOK_SECRET.encode(), content_text, hashlib.sha256).hexdigest()
    assert sent_hash == expected.upper()

    content = json.loads(content_text)
    assert content["Topic"] == "StockPositions"
    assert content["Action"] == "Update"
    assert content["Division"] == 123456
    assert content["Key"] in content["ExactOnlineEndpoint"]
    assert content["ClientId"] and content["EventCreatedOn"]


async def test_unsubscribed_topics_send_nothing_and_subscribed_creates_do(exact_sandbox):
    receiver = Receiver()
    async with (
        running_server(receiver, lifespan="off") as hook_url,
        exact_sandbox(rules=LOOPBACK) as run,
    ):
        await run.post(
            "webhooks/WebhookSubscriptions",
            {"CallbackURL": f"{hook_url}/exact", "Topic": "Accounts"},
        )
        await run.control("stock", {"sku": "SKU-00002", "warehouse": "ANR", "delta": 1})
        created = await run.post("crm/Accounts", {"Name": "Jansen Interiors"})
        with anyio.fail_after(10):
            await receiver.arrived.wait()
        state = await run.control("state")

    topics = [json.loads(b)["Content"]["Topic"] for b in receiver.bodies]
    assert topics == ["Accounts"]
    assert json.loads(receiver.bodies[0])["Content"]["Key"] == created.json()["d"]["ID"]
    assert state["webhooks"]["delivered"] == 1


async def test_a_callback_that_keeps_failing_is_retried_then_counted_failed(exact_sandbox):
    # The retry back-off shrinks with the scale.
    async with exact_sandbox(time_scale=100, rules=LOOPBACK) as run:
        # Port 9 (discard) on loopback: nothing listens, every attempt is refused.
        await run.post(
            "webhooks/WebhookSubscriptions",
            {"CallbackURL": "http://127.0.0.1:9/exact", "Topic": "StockPositions"},
        )
        await run.control("stock", {"sku": "SKU-00003", "warehouse": "AMS", "delta": 1})
        with anyio.fail_after(10):
            while (await run.control("state"))["webhooks"]["failed"] == 0:  # noqa: ASYNC110
                await anyio.sleep(0.02)
        recent = (await run.control("state"))["webhooks"]["recent"][-1]
        assert recent["attempts"] == 3 and recent["status"] is None and recent["error"]
