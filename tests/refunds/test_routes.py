"""Refund and return webhooks (as Shopify sends them) become the refunds flow's jobs."""

from __future__ import annotations

from daemon.flows import shopify_topics
from daemon.flows.webhooks import SHOPIFY_ROUTES


def test_refund_and_return_topics_are_allowed_at_ingress():
    assert {"refunds/create", "returns/request", "returns/approve", "returns/close"} <= set(
        shopify_topics()
    )


def test_refunds_create_routes_one_credit_job_keyed_by_refund():
    body = {"id": 77, "admin_graphql_api_id": "gid://shopify/Refund/77", "order_id": 1001}
    assert SHOPIFY_ROUTES["refunds/create"](body) == [
        (
            "refunds.credit",
            "refund:77",
            {"refund_id": "gid://shopify/Refund/77", "order_id": "gid://shopify/Order/1001"},
        )
    ]


def test_a_return_webhook_looks_at_the_orders_refunds_again():
    body = {"id": 5, "order": {"id": 1001, "admin_graphql_api_id": "gid://shopify/Order/1001"}}
    assert SHOPIFY_ROUTES["returns/close"](body) == [
        ("refunds.scan", "refunds_scan:1001", {"order_id": "gid://shopify/Order/1001"})
    ]
