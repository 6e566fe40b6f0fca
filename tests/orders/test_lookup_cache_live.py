"""Looked-up Exact ids are reused across orders, and a stale one heals on the job's retry."""

from __future__ import annotations

from collections import Counter

import pytest

from connectors.errors import PermanentError
from daemon.flows.orders.jobs import sync_order
from daemon.flows.orders.lookups import CACHES
from tests.orders.conftest import order_env

pytestmark = pytest.mark.anyio


def _order(email: str) -> dict:
    return {"lines": [{"sku": "SKU-00001", "quantity": 1}], "customer": {"email": email}}


async def test_a_second_order_of_the_same_items_looks_nothing_up(tmp_path):
    async with order_env(tmp_path) as env:
        first = await env.shop_control("POST", "/orders", _order("a@example.com"))
        await sync_order(env.services, first["order_id"])
        second = await env.shop_control("POST", "/orders", _order("b@example.com"))
        before = Counter(env.exact_sandbox.store.calls)
        await sync_order(env.services, second["order_id"])
        calls = Counter(env.exact_sandbox.store.calls) - before
    for lookup in ("logistics/Items", "inventory/Warehouses", "financial/GLAccounts"):
        assert calls[lookup] == 0, calls


async def test_an_item_id_gone_stale_is_refused_once_then_looked_up_again(tmp_path):
    async with order_env(tmp_path) as env:
        first = await env.shop_control("POST", "/orders", _order("a@example.com"))
        await sync_order(env.services, first["order_id"])
        # The item was deleted and made again in Exact: our cached id no longer exists.
        items = env.services.extras[CACHES]["items"]
        _, expires = items["SKU-00001"]
        items["SKU-00001"] = ("00000000-0000-0000-0000-00000000dead", expires)
        second = await env.shop_control("POST", "/orders", _order("b@example.com"))
        with pytest.raises(PermanentError):
            await sync_order(env.services, second["order_id"])
        assert "SKU-00001" not in env.services.extras[CACHES]["items"]  # forgotten
        await sync_order(env.services, second["order_id"])  # the job's retry
        state = await env.exact_state()
    assert len(state["sales_orders"]) == 2
    item_id = next(i["ID"] for i in state["items"] if i["Code"] == "SKU-00001")
    assert all(
        ln["Item"] == item_id
        for doc in state["sales_orders"]
        for ln in doc["SalesOrderLines"]
        if ln["ItemCode"] == "SKU-00001"
    )
