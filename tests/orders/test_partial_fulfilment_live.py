"""Shopify ships an order in parts: each fulfilment becomes a goods delivery of only the
quantities it shipped, and what is not shipped stays open on Exact's sales order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.shopify.sandbox import webhook_payloads as wp
from connectors.shopify.sandbox.state import parse_id
from daemon.flows.orders.jobs import route_fulfillment_webhook, sync_order
from tests.orders.conftest import order_env

pytestmark = pytest.mark.anyio
D = Decimal


async def ship(env, order_id: str, body: dict) -> None:
    """Fulfil through the control route; its fulfillments/create webhook reaches the queue."""
    made = await env.shop_control("POST", f"/orders/{order_id}/fulfil", body)
    for fid in made["fulfillment_ids"]:
        payload = wp.fulfillment(env.shop.state, env.shop.state.fulfillments[parse_id(fid)])
        for kind, key, job in route_fulfillment_webhook(payload):
            await env.services.queue.enqueue(kind, key, job)
    await env.run_jobs()


def delivered(state: dict) -> list[dict[str, Decimal]]:
    """Per goods delivery: item code → quantity delivered."""
    codes = {i["ID"]: i["Code"] for i in state["items"]}
    out = []
    for d in state["goods_deliveries"]:
        out.append(
            {codes[ln["Item"]]: D(str(ln["QuantityDelivered"])) for ln in d["GoodsDeliveryLines"]}
        )
    return out


async def test_each_partial_fulfilment_delivers_only_what_it_shipped(tmp_path):
    async with order_env(tmp_path) as env:
        a, b = (p.sku for p in env.shop.state.catalogue.products[:2])
        made = await env.shop_control(
            "POST",
            "/orders",
            {"lines": [{"sku": a, "quantity": 3}, {"sku": b, "quantity": 2}]},
        )
        await sync_order(env.services, made["order_id"])
        await ship(env, made["order_id"], {"lines": [{"sku": a, "quantity": 1}]})
        after_first = delivered(await env.exact_state())
        await ship(
            env, made["order_id"], {"lines": [{"sku": a, "quantity": 2}, {"sku": b, "quantity": 1}]}
        )
        state = await env.exact_state()
    assert after_first == [{a: D(1)}]
    assert delivered(state) == [{a: D(1)}, {a: D(2), b: D(1)}]
    [so] = state["sales_orders"]
    open_now = {
        ln["ItemCode"]: D(str(ln["Quantity"])) - D(str(ln["QuantityDelivered"]))
        for ln in so["SalesOrderLines"]
    }
    assert open_now == {a: D(0), b: D(1)}  # one unit of b still to ship
