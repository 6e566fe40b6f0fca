"""The timed stock poll backs off while Exact's webhooks carry stock, and comes back when not."""

from __future__ import annotations

import anyio
import pytest

from connectors.exact.odata import eq
from daemon.cli.control import render_status
from daemon.control.status import build_status
from daemon.demo import demo_stack, shopify_available, wait_quiet
from daemon.flows.stock.cadence import choose
from daemon.flows.subscriptions import sync_exact

HEALTHY = {"webhooks_configured": True, "subscription_ok": True, "missed": False}


def test_healthy_webhooks_put_the_timed_poll_on_the_safety_net():
    assert choose(**HEALTHY, fast=30, safety=360) == (
        360,
        "Exact stock webhooks healthy: the timed poll is a safety net",
    )


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"webhooks_configured": False}, "not configured"),
        ({"subscription_ok": None}, "subscription not confirmed"),
        ({"missed": True}, "no Exact webhook announced"),
    ],
)
def test_any_doubt_about_the_webhooks_brings_the_poll_back_to_poll_interval(change, words):
    interval, reason = choose(**(HEALTHY | change), fast=30, safety=360)
    assert interval == 30
    assert words in reason


def test_a_safety_interval_shorter_than_poll_interval_never_slows_polling_down():
    assert choose(**HEALTHY, fast=30, safety=10)[0] == 30


async def _cadence(stack) -> dict:
    status = await build_status(stack.services)
    stock = next(f for f in status["flows"] if f["name"] == "stock")
    return stock["stats"]["poll_cadence"] | {"rendered": render_status(status)}


async def _wait_cadence(stack, interval: float, limit: float = 30) -> dict:
    with anyio.fail_after(limit):
        while (got := await _cadence(stack))["interval_s"] != interval:  # noqa: ASYNC110
            await anyio.sleep(0.1)
    return got


async def _shows(stack, sku: str, code: str, want: int, limit: float = 30) -> None:
    with anyio.fail_after(limit):
        while shopify_available(stack.sb).get((sku, code)) != want:  # noqa: ASYNC110
            await anyio.sleep(0.05)


async def _set(stack, sku: str, code: str, quantity: int) -> None:
    r = await stack.http.post(
        "/_sandbox/exact/stock", json={"sku": sku, "warehouse": code, "quantity": quantity}
    )
    assert r.status_code == 200, r.text


@pytest.mark.anyio
@pytest.mark.slow
async def test_poll_backs_off_while_webhooks_arrive_and_comes_back_when_they_stop(tmp_path):
    options = {"poll_interval": 1, "safety_poll_interval": 4}
    async with demo_stack(tmp_path, products=10, config_options=options) as stack:
        await wait_quiet(stack.services, 30)
        healthy = await _wait_cadence(stack, 4)
        assert "webhooks healthy" in healthy["reason"]
        assert "stock poll: every 4s (Exact stock webhooks healthy" in healthy["rendered"]

        # Someone deletes our StockPositions subscription in Exact: changes come unannounced.
        exact = stack.services.exact
        for row in await exact.get(
            "webhooks/WebhookSubscriptions", filter=eq("Topic", "StockPositions"), select="ID"
        ):
            await exact.delete("webhooks/WebhookSubscriptions", row["ID"])
        await _set(stack, "SKU-00002", "AMS", 17)
        await _shows(stack, "SKU-00002", "AMS", 17)  # the safety net still carries it
        fast = await _wait_cadence(stack, 1)
        assert "no Exact webhook announced" in fast["reason"]
        assert "stock poll: every 1s" in fast["rendered"]

        # The keeper puts the subscription back; the next change's webhook proves it works.
        assert await sync_exact(stack.services) == ["StockPositions"]
        await _set(stack, "SKU-00003", "AMS", 23)
        await _shows(stack, "SKU-00003", "AMS", 23)
        await _wait_cadence(stack, 4)
