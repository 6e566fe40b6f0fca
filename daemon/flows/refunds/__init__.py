"""The refunds flow: Shopify refunds, returns and store credit → Exact credit notes and entries.

Public pieces: `jobs.credit_refund` (one refund), `plan.plan_refund` (pure), `jobs.poller_hook`
(the order poller's refunds), `demo_check.refund_traffic` / `demo_check.refunds_verdict`.
"""

from __future__ import annotations

from typing import Any

from daemon.flows.refunds.jobs import (
    CREDIT_KIND,
    RETURN_TOPICS,
    SCAN_KIND,
    route_refund_webhook,
    route_return_webhook,
    run_credit,
    run_scan,
)
from daemon.flows.webhooks import SHOPIFY_ROUTES

SHOPIFY_ROUTES["refunds/create"] = route_refund_webhook
for _topic in RETURN_TOPICS:
    SHOPIFY_ROUTES[_topic] = route_return_webhook


def register(registry: Any) -> None:
    registry.register(CREDIT_KIND, run_credit)
    registry.register(SCAN_KIND, run_scan)
