"""The business flows: one module per flow, each a pure plan plus a thin apply.

Each flow module adds its job kinds to the registry, its webhook routes to
`daemon.flows.webhooks`, and its long-running tasks (pollers) to `background_tasks`.

Import flow modules inside the functions below, never at the top of this file: daemon.config
imports the flows' settings models from this package, and the flows import daemon.config.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Background = Callable[[], Awaitable[None]]


def build_registry() -> Any:
    """Every job kind this daemon knows, mapped to its handler."""
    from daemon import alerts
    from daemon.flows import (
        ccvshop_orders,
        gift_cards,
        orders,
        payouts,
        privacy,
        products,
        refunds,
        stock,
        webhooks,
    )
    from daemon.flows.ccvshop_orders import products as ccvshop_products
    from daemon.flows.selftest import run_selftest
    from daemon.worker import Registry

    registry = Registry()
    registry.register("selftest.sleep", run_selftest)
    registry.register("webhook.shopify", webhooks.route_shopify_webhook)
    registry.register("webhook.exact", webhooks.route_exact_webhook)
    registry.register(alerts.SEND_KIND, alerts.send_alert_digest)
    stock.register(registry)
    orders.register(registry)
    payouts.register(registry)
    gift_cards.register(registry)
    refunds.register(registry)
    products.register(registry)
    registry.register(ccvshop_orders.EXPORT_KIND, ccvshop_orders.run_export)
    registry.register(ccvshop_orders.CREDIT_KIND, ccvshop_orders.run_credit)
    registry.register(ccvshop_products.PRODUCT_KIND, ccvshop_orders.run_product)
    privacy.register(registry)
    from daemon.tieout.job import KIND as TIEOUT_KIND
    from daemon.tieout.job import run_daily as run_tieout

    registry.register(TIEOUT_KIND, run_tieout)
    return registry


def shopify_topics() -> frozenset[str]:
    """The ingress allowlist: topics some flow routes (importing a flow adds its routes)."""
    from daemon.flows import (  # noqa: F401  (registers routes)
        gift_cards,
        orders,
        products,
        refunds,
        stock,
        webhooks,
    )

    return frozenset(webhooks.SHOPIFY_ROUTES)


def ingress_topics() -> frozenset[str]:
    """What the ingress accepts: the subscribed topics plus Shopify's compliance topics."""
    from daemon.flows import privacy, webhooks  # noqa: F401  (registers routes)

    return shopify_topics() | frozenset(webhooks.COMPLIANCE_ROUTES)


def background_tasks(services: Any) -> list[Background]:
    """Pollers and other loops the supervisor runs in its task group."""
    from daemon import alerts
    from daemon.flows import orders, products, stock, subscriptions
    from daemon.schedule import scheduler_task

    tasks: list[Background] = []
    if services.settings.shop.platform == "ccvshop":
        from daemon.flows.ccvshop_orders import run_ccv_poller

        # A CCV shop: its orders and credit invoices are scanned; the Shopify loops stay off.
        # The scheduler runs the daily imports a CCV shop has (Pay.'s settlements).
        tasks.append(lambda: run_ccv_poller(services))
        tasks.append(scheduler_task(services))
        if services.settings.stock.enabled:  # Exact's stock → CCV's products (ccvshop.py)
            tasks.append(stock.poller(services))
        if services.settings.alerts.enabled:
            tasks.append(alerts.AlertEvaluator(services).run)
        return tasks
    if services.settings.stock.enabled:
        tasks.append(stock.poller(services))
    tasks.extend(orders.background(services))
    tasks.extend(products.background(services))
    if services.settings.ingress.public_url:
        tasks.append(subscriptions.keeper(services, shopify_topics()))
    tasks.append(scheduler_task(services))  # also sets services.extras["scheduler"]
    if services.settings.alerts.enabled:
        tasks.append(alerts.AlertEvaluator(services).run)
    return tasks
