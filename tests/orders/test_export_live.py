"""Orders reach Exact once, with the right account, items, VAT codes and totals (both sandboxes)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from daemon.flows.orders.jobs import sync_order
from tests.orders.conftest import order_env

D = Decimal


def docs_by_ref(state: dict, kind: str = "sales_orders") -> dict[str, dict]:
    return {d["YourRef"]: d for d in state[kind]}


@pytest.mark.anyio
async def test_paid_domestic_order_becomes_one_sales_order_with_matching_total(tmp_path):
    async with order_env(tmp_path) as env:
        made = await env.shop_control(
            "POST",
            "/orders",
            {
                "lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00002", "quantity": 1}],
                "customer": {
                    "email": "anna@example.com",
                    "first_name": "Anna",
                    "last_name": "de Vries",
                },
                "shipping": {"title": "Standard", "price": "4.95"},
            },
        )
        await sync_order(env.services, made["order_id"])
        await sync_order(env.services, made["order_id"])  # a second run changes nothing
        order = await env.services.shopify.get_order(made["order_id"])
        state = await env.exact_state()
        (doc,) = state["sales_orders"]
        assert doc["YourRef"] == f"{made['order_name']}/AMS"
        assert D(str(doc["AmountFC"])) == order.total_price_set.shop_money.amount
        account = next(a for a in state["accounts"] if a["ID"] == doc["OrderedBy"])
        assert account["Email"] == "anna@example.com"
        codes = [ln["ItemCode"] for ln in doc["SalesOrderLines"]]
        assert codes[:3] == ["SKU-00001", "SKU-00002", "SHIPPING"]
        assert len(state["bank_entries"]) == 1  # the payment, booked once
