"""A fulfilment whose webhook never arrives still becomes a goods delivery (the poll finds it)."""

from __future__ import annotations

import pytest

from connectors.shopify.webhooks import list_webhook_subscriptions
from daemon.demo import demo_stack, wait_settled
from daemon.flows.orders import fulfilment
from daemon.flows.orders.jobs import export_job

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def _deliveries(stack) -> list:
    return (await stack.http.get("/_sandbox/exact/state")).json()["goods_deliveries"]


async def test_a_fulfilment_without_its_webhook_is_delivered_after_the_order_poll(tmp_path):
    async with demo_stack(tmp_path, products=5) as stack:
        services = stack.services
        made = (
            await stack.http.post(
                "/_sandbox/shopify/orders",
                json={
                    "lines": [{"sku": "SKU-00001", "quantity": 2, "location": "AMS"}],
                    "customer": {"email": "lost@example.com", "first_name": "L", "last_name": "W"},
                    "shipping_country": "NL",
                },
            )
        ).json()
        await wait_settled(services, 60)
        assert await _deliveries(stack) == []
        # Shopify gave up on our endpoint: no webhook about this order will come.
        for sub in await list_webhook_subscriptions(services.shopify.client):
            await services.shopify.client.execute("webhook_subscription_delete", {"id": sub["id"]})
        r = await stack.http.post(f"/_sandbox/shopify/orders/{made['order_id']}/fulfil", json={})
        assert r.status_code == 200, r.text
        await wait_settled(services, 30)
        assert await _deliveries(stack) == [], "no webhook: nothing happened yet"
        # The order poller sees the order updated and runs its job.
        gid = made["order_id"]
        gid = gid if str(gid).startswith("gid://") else f"gid://shopify/Order/{gid}"
        await services.queue.enqueue(*export_job(gid))
        await wait_settled(services, 60)
        deliveries = await _deliveries(stack)
        assert len(deliveries) == 1
        await services.queue.enqueue(*export_job(gid))  # and a second poll books nothing more
        await wait_settled(services, 60)
        assert len(await _deliveries(stack)) == 1
        # Exact made the delivery but our link was lost: the order's lines are delivered in
        # Exact (QuantityDelivered), so the next run delivers nothing twice.
        (delivery,) = await _deliveries(stack)
        await services.db.execute_write(
            "DELETE FROM links WHERE entity = ?", (fulfilment.DELIVERY_ENTITY,)
        )
        await services.queue.enqueue(*export_job(gid))
        await wait_settled(services, 60)
        assert await _deliveries(stack) == [delivery]
