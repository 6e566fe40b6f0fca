"""The real daemon: Shopify order webhooks → ingress → queue → Exact documents, in sync."""

from __future__ import annotations

import anyio
import pytest

from daemon.demo import demo_stack
from daemon.flows.orders.demo_check import orders_verdict
from tests.orders.conftest import complete_seeded_accounts

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_orders_placed_in_shopify_reach_exact_through_webhooks(tmp_path):
    async with demo_stack(tmp_path, products=5, config_options={"poll_interval": 3600}) as stack:
        complete_seeded_accounts(stack.sb.exact)
        bodies = [
            {
                "lines": [{"sku": "SKU-00001", "quantity": 2}],
                "customer": {"email": "a@example.com"},
            },
            {
                "lines": [{"sku": "SKU-00002", "quantity": 1}, {"gift_card": True, "amount": "25"}],
                "customer": {"email": "b@example.de"},
                "shipping_country": "DE",
                "shipping": {"title": "DHL", "price": "7.50"},
            },
        ]
        for body in bodies:
            r = await stack.http.post("/_sandbox/shopify/orders", json=body)
            assert r.status_code == 200, r.text
        with anyio.fail_after(60):
            while True:
                exact = (await stack.http.get("/_sandbox/exact/state")).json()
                if len(exact["sales_orders"]) >= 2 and len(exact["journal_entries"]) >= 2:
                    break
                await anyio.sleep(0.2)
        shop = (await stack.http.get("/_sandbox/shopify/state")).json()
        receipts = await stack.services.db.fetchone(
            "SELECT count(*) FROM receipts WHERE topic LIKE 'orders/%'"
        )
    verdict = orders_verdict(shop, exact, default_warehouse="AMS")
    assert verdict["orders_in_sync"], verdict
    assert receipts[0] >= 2  # it came by webhook (the poll interval is an hour)
