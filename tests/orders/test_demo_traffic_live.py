"""Demo-style traffic (all kinds of orders, late payments, fulfilments, cancels) ends in sync."""

from __future__ import annotations

import random

import pytest

from connectors.shopify.sandbox import webhook_payloads as wp
from daemon.flows.orders.demo_check import order_traffic, orders_verdict
from daemon.flows.orders.jobs import route_fulfillment_webhook
from daemon.flows.orders.poller import poll_orders_once
from tests.orders.conftest import order_env

ORDERS = 20


@pytest.mark.slow
@pytest.mark.anyio
async def test_demo_order_traffic_is_in_sync_when_exact_fails_30_percent(tmp_path):
    async with order_env(tmp_path, multi_location=True, start_date="2020-01-01") as env:

        async def control(method, path, body):
            return await env.shop_control(method, path, body)

        skus = [f"SKU-{i:05d}" for i in range(1, 41)]
        events = await order_traffic(control, random.Random(3), skus, ["AMS", "RTM", "ANR"], ORDERS)
        await env.exact_control("POST", "faults", {"error_rate": 0.3})
        await poll_orders_once(env.services)  # as if every webhook had been lost
        for f in env.shop.state.fulfillments.values():
            for kind, key, payload in route_fulfillment_webhook(wp.fulfillment(env.shop.state, f)):
                await env.services.queue.enqueue(kind, key, payload)
        await env.run_jobs(limit=100)
        await env.exact_control("POST", "faults", {"error_rate": 0})
        dead = await env.services.db.fetchall("SELECT key, last_error FROM jobs WHERE state='dead'")
        retried = await env.services.db.fetchone(
            "SELECT count(*) FROM job_attempts WHERE outcome = 'retrying'"
        )
        calls = env.services.exact.budget.calls
        verdict = orders_verdict(
            await env.shop_control("GET", "/state"),
            await env.exact_state(),
            default_warehouse="AMS",
            multi_location=True,
        )
    print(dict(events), verdict, {"retried_attempts": retried[0], "exact_calls": calls})
    assert [tuple(r) for r in dead] == []
    assert verdict["orders_in_sync"], verdict
    assert verdict["orders_expected"] == events["orders"] - events["cancelled"]
    assert verdict["deliveries"] >= events["fulfilled"]
