"""Demo-style refunds, returns and store credit end in sync, even when Exact fails 30 % of calls."""

from __future__ import annotations

import random

import pytest

from connectors.shopify.sandbox import webhook_payloads as wp
from daemon.flows.orders.demo_check import order_traffic
from daemon.flows.orders.jobs import route_fulfillment_webhook
from daemon.flows.orders.poller import poll_orders_once
from daemon.flows.refunds.demo_check import refund_traffic, refunds_verdict
from tests.orders.conftest import order_env


@pytest.mark.slow
@pytest.mark.anyio
async def test_demo_refund_traffic_is_in_sync_when_exact_fails_30_percent(tmp_path):
    async with order_env(tmp_path, multi_location=True, start_date="2020-01-01") as env:

        async def control(method, path, body):
            return await env.shop_control(method, path, body)

        skus = [f"SKU-{i:05d}" for i in range(1, 41)]
        await order_traffic(control, random.Random(5), skus, ["AMS", "RTM", "ANR"], 16)
        await poll_orders_once(env.services)
        for f in env.shop.state.fulfillments.values():
            for kind, key, payload in route_fulfillment_webhook(wp.fulfillment(env.shop.state, f)):
                await env.services.queue.enqueue(kind, key, payload)
        await env.run_jobs(limit=60)
        events = await refund_traffic(control, random.Random(5), 9)
        await env.exact_control("POST", "faults", {"error_rate": 0.3})
        await poll_orders_once(env.services)  # as if every refunds/returns webhook were lost
        await env.run_jobs(limit=60)
        await env.exact_control("POST", "faults", {"error_rate": 0})
        dead = await env.services.db.fetchall("SELECT key, last_error FROM jobs WHERE state='dead'")
        verdict = refunds_verdict(await env.shop_control("GET", "/state"), await env.exact_state())
    print(dict(events), verdict)
    assert [tuple(r) for r in dead] == []
    assert verdict["refunds_in_sync"], verdict
    assert verdict["refunds_expected"] == sum(events.values())
    assert events["store_credit_refunds"] and events["refunds"]
