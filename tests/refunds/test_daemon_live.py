"""The real daemon: refund and return webhooks → ingress → queue → Exact credit notes, in sync."""

from __future__ import annotations

import anyio
import pytest

from daemon.demo import demo_stack
from daemon.flows.refunds.demo_check import refunds_verdict
from tests.orders.conftest import complete_seeded_accounts

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

BUYER = {"email": "a@example.com", "first_name": "Ann", "last_name": "Smit"}


async def wait_for(stack, ready, limit: float = 60) -> dict:
    with anyio.fail_after(limit):
        while True:
            exact = (await stack.http.get("/_sandbox/exact/state")).json()
            if ready(exact):
                return exact
            await anyio.sleep(0.2)


async def test_refunds_returns_and_store_credit_reach_exact_through_webhooks(tmp_path):
    async with demo_stack(tmp_path, products=5, config_options={"poll_interval": 3600}) as stack:
        complete_seeded_accounts(stack.sb.exact)
        shop = "/_sandbox/shopify"
        body = {"lines": [{"sku": "SKU-00001", "quantity": 3}], "customer": BUYER}
        made = (await stack.http.post(f"{shop}/orders", json=body)).json()
        oid = made["order_id"]
        await wait_for(stack, lambda s: len(s["sales_orders"]) >= 1)
        await stack.http.post(f"{shop}/orders/{oid}/fulfil", json={})
        line = {"sku": "SKU-00001", "quantity": 1}
        r = await stack.http.post(f"{shop}/orders/{oid}/refunds", json={"lines": [line]})
        assert r.status_code == 200, r.text
        ret = (await stack.http.post(f"{shop}/orders/{oid}/returns", json={"lines": [line]})).json()
        await stack.http.post(f"{shop}/returns/{ret['return_id']}/approve")
        r = await stack.http.post(
            f"{shop}/orders/{oid}/refunds",
            json={
                "lines": [line | {"restock": True}],
                "return_id": ret["return_id"],
                "to": "store_credit",
                "bonus": "2.00",
            },
        )
        assert r.status_code == 200, r.text
        shop_state = (await stack.http.get(f"{shop}/state")).json()
        exact = await wait_for(stack, lambda s: refunds_verdict(shop_state, s)["refunds_in_sync"])
        receipts = await stack.services.db.fetchone(
            "SELECT count(*) FROM receipts WHERE topic = 'refunds/create'"
        )
    verdict = refunds_verdict(shop_state, exact)
    assert verdict["refunds_in_sync"], verdict
    assert verdict["refunds_expected"] == verdict["credit_notes"] == 2
    assert receipts[0] >= 2  # it came by webhook (the poll interval is an hour)
