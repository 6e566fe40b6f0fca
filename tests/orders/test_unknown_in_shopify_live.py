"""A verified webhook naming an order, refund or fulfilment Shopify does not know: ignored, visibly.

Through the real ingress and worker against the Shopify sandbox: each flow job succeeds with
the outcome "ignored: not found in Shopify", which the control API's job detail shows; nothing
is booked in Exact.
"""

from __future__ import annotations

import json

import pytest

from daemon.control.jobs import list_jobs, show_job
from daemon.flows import shopify_topics
from daemon.flows.webhooks import NOT_IN_SHOPIFY
from daemon.ingress import Ingress
from daemon.serving import running_server
from tests.orders.conftest import SHOPIFY_SECRET, order_env
from tests.support.webhooks import shopify_headers

pytestmark = pytest.mark.anyio

DOCUMENTS = ("accounts", "sales_orders", "invoices", "credit_notes", "goods_deliveries")
UNKNOWN = 987_654_321_012
WEBHOOKS = {
    "orders/paid": {"id": UNKNOWN, "name": "#9999"},
    "refunds/create": {"id": UNKNOWN + 1, "order_id": UNKNOWN},
    "fulfillments/create": {
        "id": UNKNOWN + 2,
        "order_id": UNKNOWN,
        "line_items": [{"id": UNKNOWN + 3, "quantity": 1}],
    },
}


async def test_webhooks_for_objects_shopify_does_not_know_end_ignored_and_say_so(tmp_path):
    import httpx

    async with order_env(tmp_path) as env:
        services = env.services
        before = await env.exact_state()
        ingress = Ingress(
            services.db,
            services.queue,
            shopify_secret=SHOPIFY_SECRET,
            exact_secret=None,
            topics=shopify_topics(),
        )
        async with running_server(ingress, lifespan="off") as url, httpx.AsyncClient() as http:
            for topic, body in WEBHOOKS.items():
                raw = json.dumps(body).encode()
                answer = await http.post(
                    url + "/webhooks/shopify",
                    content=raw,
                    headers=shopify_headers(raw, SHOPIFY_SECRET, topic),
                )
                assert answer.status_code == 200
        await env.run_jobs()

        page = await list_jobs(services, {"limit": "100"})
        flow_jobs = {j["kind"]: j for j in page["jobs"] if not j["kind"].startswith("webhook.")}
        assert set(flow_jobs) >= {"orders.export", "refunds.credit", "orders.fulfilment"}
        for kind in ("orders.export", "refunds.credit", "orders.fulfilment"):
            job = flow_jobs[kind]
            assert job["state"] == "succeeded" and job["attempts"] == 1, job
            detail = await show_job(services, job["id"])
            assert detail["outcome"].startswith(NOT_IN_SHOPIFY), (kind, detail["outcome"])
        after = await env.exact_state()
        for table in DOCUMENTS:
            assert len(after[table]) == len(before[table]), f"nothing booked in Exact: {table}"
