"""The orders flow: Shopify orders → Exact sales orders or invoices, deliveries and prepayments.

Public pieces other flows reuse: `plan.plan_order`, `vat.vat_scenario`/`vat.vat_code_for`,
`money.allocate`, and the links written by `apply` (entity "order", see its docstring).
"""

from __future__ import annotations

from typing import Any

from daemon.flows.orders.jobs import (
    EXPORT_KIND,
    FULFIL_KIND,
    ORDER_TOPICS,
    route_fulfillment_webhook,
    route_order_webhook,
    run_export,
    run_fulfilment,
)
from daemon.flows.orders.payments import APPLY_KIND, route_exact_invoice, run_apply_prepayment
from daemon.flows.orders.poller import run_order_poller
from daemon.flows.webhooks import EXACT_ROUTES, SHOPIFY_ROUTES


def add_routes(routes: dict[str, Any]) -> None:
    for topic in ORDER_TOPICS:
        routes[topic] = route_order_webhook
    routes["fulfillments/create"] = route_fulfillment_webhook


add_routes(SHOPIFY_ROUTES)
EXACT_ROUTES["SalesInvoices"] = route_exact_invoice  # prepayments meet their invoice


def register(registry: Any) -> None:
    registry.register(EXPORT_KIND, run_export)
    registry.register(FULFIL_KIND, run_fulfilment)
    registry.register(APPLY_KIND, run_apply_prepayment)


def background(services: Any) -> list[Any]:
    if not services.settings.orders.enabled:
        return []
    return [lambda: run_order_poller(services)]
