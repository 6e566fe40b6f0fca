"""The first order with shipping costs makes the shipping item when Exact has none, once."""

from __future__ import annotations

import pytest

from daemon.flows.orders.jobs import sync_order
from daemon.flows.products.shipping import shipping_status
from tests.orders.conftest import order_env

ORDER = {
    "lines": [{"sku": "SKU-00001", "quantity": 1}],
    "customer": {"email": "ship@example.com", "first_name": "Sam", "last_name": "Ship"},
    "shipping": {"title": "Standard", "price": "4.95"},
}


def shipping_rows(env) -> list[dict]:
    return [
        r
        for r in env.exact_sandbox.store.table("logistics/Items").values()
        if r["Code"] == "SHIPPING"
    ]


def drop_shipping_item(env) -> None:
    table = env.exact_sandbox.store.table("logistics/Items")
    for row in shipping_rows(env):
        del table[row["ID"]]


@pytest.mark.anyio
async def test_first_order_with_shipping_creates_the_shipping_item_once(tmp_path):
    async with order_env(tmp_path) as env:
        drop_shipping_item(env)
        settings = env.services.settings.orders
        assert "not in Exact yet" in await shipping_status(env.services.exact, settings)
        for _ in range(2):
            made = await env.shop_control("POST", "/orders", ORDER)
            await sync_order(env.services, made["order_id"])
        [item] = shipping_rows(env)
        assert item["Description"] == "Shipment" and item["IsStockItem"] is False
        assert item["SalesVatCode"] == "1"  # the standard (21 %) domestic code
        state = await env.exact_state()
        assert len(state["sales_orders"]) == 2
        assert all(
            "SHIPPING" in [ln["ItemCode"] for ln in doc["SalesOrderLines"]]
            for doc in state["sales_orders"]
        )
        assert "exists in Exact" in await shipping_status(env.services.exact, settings)


@pytest.mark.anyio
async def test_without_create_shipping_a_missing_shipping_item_still_stops_the_order(tmp_path):
    async with order_env(tmp_path, items={"create_shipping": False}) as env:
        drop_shipping_item(env)
        made = await env.shop_control("POST", "/orders", ORDER)
        with pytest.raises(Exception, match="SHIPPING"):
            await sync_order(env.services, made["order_id"])
        assert shipping_rows(env) == []
