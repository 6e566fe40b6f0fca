"""A sold unit leaves Exact's stock once, and a restocked return comes back once, in both modes.

Sales-order mode: the sales order plans the units out, the goods delivery (Shopify fulfilment)
takes them out. Invoice mode: the direct invoice (Type 8023) takes them out, the fulfilment
books nothing. In both, a restocked refund is a direct credit note (8024) that puts the units
back; a refund without restock is a normal credit note (8021) that moves no stock.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from daemon.flows.refunds.jobs import credit_refund
from tests.orders.conftest import order_env

D = Decimal
SKU = "SKU-00001"
ANNA = {"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"}


def stock(state: dict) -> dict[str, D]:
    (item,) = [i for i in state["items"] if i["Code"] == SKU]
    row = item["stock"]["AMS"]
    return {k: D(str(row[k])) for k in ("in_stock", "planning_out", "reserved")}


@pytest.mark.anyio
@pytest.mark.parametrize("orders_reserve", [False, True], ids=["planning_out", "reserve"])
@pytest.mark.parametrize("document", ["salesorder", "invoice"])
async def test_sold_units_leave_once_and_restocked_returns_come_back_once(
    tmp_path, document, orders_reserve
):
    async with order_env(tmp_path, document=document) as env:
        env.exact_sandbox.store.rules.update({"orders_reserve": orders_reserve})
        start = stock(await env.exact_state())
        made = await env.shop_control(
            "POST", "/orders", {"lines": [{"sku": SKU, "quantity": 3}], "customer": ANNA}
        )
        await sync_order(env.services, made["order_id"])
        exported = stock(await env.exact_state())
        if document == "salesorder":  # planned out, still on the shelf
            assert exported["in_stock"] == start["in_stock"]
            assert exported["planning_out"] == start["planning_out"] + 3
        else:  # the direct invoice took it
            assert exported["in_stock"] == start["in_stock"] - 3
            assert exported["planning_out"] == start["planning_out"]

        await env.shop_control("POST", f"/orders/{made['order_id']}/fulfil", {})
        await sync_order(env.services, made["order_id"])  # catches the fulfilment up
        await env.run_jobs()
        shipped = stock(await env.exact_state())
        assert shipped["in_stock"] == start["in_stock"] - 3  # out once, whatever the mode
        assert shipped["planning_out"] == start["planning_out"]
        assert shipped["reserved"] == start["reserved"]

        restocked = await env.shop_control(
            "POST",
            f"/orders/{made['order_id']}/refunds",
            {"lines": [{"sku": SKU, "quantity": 2, "restock": True}]},
        )
        await credit_refund(env.services, restocked["refund_id"], made["order_id"])
        await credit_refund(env.services, restocked["refund_id"], made["order_id"])  # again
        assert stock(await env.exact_state())["in_stock"] == start["in_stock"] - 1

        kept = await env.shop_control(
            "POST",
            f"/orders/{made['order_id']}/refunds",
            {"lines": [{"sku": SKU, "quantity": 1, "restock": False}]},
        )
        await credit_refund(env.services, kept["refund_id"], made["order_id"])
        state = await env.exact_state()
        assert stock(state)["in_stock"] == start["in_stock"] - 1  # not returned: stays out
        assert sorted(n["Type"] for n in state["credit_notes"]) == [8021, 8024]
        if document == "invoice":
            assert [i["Type"] for i in state["invoices"]] == [8023]
            assert state["goods_deliveries"] == []
        else:
            assert len(state["goods_deliveries"]) == 1
