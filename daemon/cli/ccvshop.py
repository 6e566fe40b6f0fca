"""`shopsync plan orders` and `backfill orders` for a CCV shop (`[shop] platform = "ccvshop"`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from connectors.ccvshop.client import CcvShopClient
from connectors.errors import ConnectorError


def ccv_client(settings: Any) -> CcvShopClient:
    cfg = settings.ccvshop
    return CcvShopClient(
        cfg.api_root, cfg.public_key, cfg.secret, total_per_minute=cfg.total_per_minute
    )


async def ccv_plan_rows(settings: Any, since: dt.datetime) -> AsyncIterator[dict[str, Any]]:
    """One row per CCV order created on/after `since`: what it would be booked as."""
    from daemon.flows.ccvshop_orders.export import decide_ccv
    from daemon.flows.orders.ccvshop_facts import order_from_ccv
    from daemon.flows.orders.plan import plan_order

    orders = settings.orders.model_copy(update={"document": "invoice"})
    statuses = frozenset(settings.ccvshop.export_statuses)
    async with ccv_client(settings) as client:
        async for order in client.orders(min_create_date=since.date().isoformat()):
            row: dict[str, Any] = {
                "order": order.ordernumber_full or str(order.id),
                "id": order.id,
                "status": order.status,
                "shop_total": str(order.total_price),
            }
            try:
                adapted, facts = order_from_ccv(order, await client.order_rows(order.id), orders)
                action, why = decide_ccv(
                    adapted,
                    order.status,
                    orders,
                    exported=False,
                    backfill=True,
                    export_statuses=statuses,
                )
                row |= {"action": str(action), "why": why}
                plan = plan_order(adapted, facts, orders, settings.mapping)
            except ConnectorError as exc:
                row.setdefault("action", "error")
                row.setdefault("why", "cannot book")
                yield row | {"error": exc.message, "hint": exc.hint}
                continue
            customer = plan.customer
            row["customer"] = customer.standard_debtor or customer.email or customer.name
            row["documents"] = [
                {
                    "your_ref": d.your_ref,
                    "document": d.kind,
                    "warehouse": d.location_code,
                    "scenario": str(d.scenario),
                    "total": str(d.total),
                    "lines": [ln.summary() for ln in d.lines],
                }
                for d in plan.documents
            ]
            yield row


async def ccv_backfill_jobs(
    settings: Any, since: dt.datetime
) -> AsyncIterator[tuple[str, tuple[str, str, dict[str, Any]]]]:
    """(order name, export job) for every CCV order created on/after `since`."""
    from daemon.flows.ccvshop_orders.export import export_job

    async with ccv_client(settings) as client:
        async for order in client.orders(min_create_date=since.date().isoformat()):
            kind, key, payload = export_job(order.id)
            yield order.ordernumber_full or str(order.id), (kind, key, payload | {"backfill": True})
