"""WebhookSubscriptions: https callbacks only, on the host of the app's redirect URI.

Contract webhooks/WebhookSubscriptions rules: https (pionect.nl, "Using webhooks from Exact");
the same-domain rule is unverified, so it is the sandbox rule `webhook_same_host` (on by
default). The fixture's app redirect URI is http://127.0.0.1:9/callback.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def _subscribe(run, url):
    return await run.post(
        "webhooks/WebhookSubscriptions", {"CallbackURL": url, "Topic": "StockPositions"}
    )


async def test_an_http_callback_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        r = await _subscribe(run, "http://127.0.0.1:8080/webhooks/exact")
        assert r.status_code == 400
        assert "https" in r.json()["error"]["message"]["value"]
        assert (await run.control("state"))["webhook_subscriptions"] == []


async def test_a_callback_on_another_host_than_the_redirect_uri_is_refused(exact_sandbox):
    async with exact_sandbox() as run:
        r = await _subscribe(run, "https://sync.example.com/webhooks/exact")
        assert r.status_code == 400
        assert "redirect URI" in r.json()["error"]["message"]["value"]
        assert (await run.control("state"))["webhook_subscriptions"] == []


async def test_an_https_callback_on_the_redirect_host_is_taken(exact_sandbox):
    async with exact_sandbox() as run:
        r = await _subscribe(run, "https://127.0.0.1:8443/webhooks/exact")
        assert r.status_code == 201, r.text


async def test_the_same_host_rule_is_a_setting(exact_sandbox):
    async with exact_sandbox(rules={"webhook_same_host": False}) as run:
        r = await _subscribe(run, "https://sync.example.com/webhooks/exact")
        assert r.status_code == 201, r.text
        assert (await run.control("rules"))["webhook_same_host"] is False
