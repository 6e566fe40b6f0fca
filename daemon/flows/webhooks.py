"""Turns a stored webhook receipt into the flow job it asks for (the second hop of ingress).

Routes are per flow: `topic → route(body) → [(kind, key, payload), …]`. A body that is not
JSON, or lacks what the route needs, makes this job dead on its first attempt with the reason
(webhook_body.py words it), never the request; the receipt stays for a replay.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from connectors.errors import PermanentError
from daemon.flows.webhook_body import MAX_BYTES, parse_body
from daemon.logs import get_logger
from state.queue import Job, Merge

log = get_logger("shopsync.webhooks")

JobSpec = tuple[str, str, dict[str, Any]]
Route = Callable[[dict[str, Any]], list[JobSpec]]

# What a flow's job answers (its outcome) when the webhook named something Shopify does not
# know: verified, so not garbage, but nothing to book. Shown with the job, never a silent success.
NOT_IN_SHOPIFY = "ignored: not found in Shopify"

# Filled by each flow module at import (see daemon/flows/__init__.py).
SHOPIFY_ROUTES: dict[str, Route] = {}
EXACT_ROUTES: dict[str, Route] = {}
# Shopify's compliance topics (customers/redact, shop/redact): accepted, never subscribed to by
# API, since they are no WebhookSubscriptionTopic (daemon/flows/privacy.py).
COMPLIANCE_ROUTES: dict[str, Route] = {}
# kind → how long the routed job should wait (coalescing windows, API budget pacing).
DELAYS: dict[str, Callable[[Any], float]] = {}
# kind → how a second payload for a job still waiting under the same key joins the first
# (the queue's default is "newest wins", wrong where an older payload still matters).
MERGES: dict[str, Merge] = {}


async def _receipt(services: Any, job: Job) -> tuple[str, Any]:
    receipt_id = job.payload["receipt_id"]
    sql = "SELECT topic, body FROM receipts WHERE id = ?"
    row = await services.db.fetchone(sql, (receipt_id,))
    if row is None:
        # The receipt and this job were committed together, so the reader should see it.
        # CI once saw it miss (cause not found); the writer's view is authoritative, so ask
        # it before giving up, and say so in the log.
        row = await services.db.run(lambda conn: conn.execute(sql, (receipt_id,)).fetchone())
        if row is not None:
            log.warning("receipt seen by the writer, not the reader", receipt_id=receipt_id)
    if row is None:
        newest = await services.db.fetchone("SELECT max(id) FROM receipts")
        raise PermanentError(
            f"webhook receipt {receipt_id} is gone (pruned?; newest receipt is {newest[0]})",
            hint="Nothing to do: the poller catches up with the change.",
        )
    ingress = getattr(getattr(services, "settings", None), "ingress", None)
    limit = getattr(ingress, "max_body_bytes", MAX_BYTES)
    return row[0], parse_body(row[1], max_bytes=limit)


async def _enqueue(services: Any, specs: list[JobSpec]) -> None:
    queue = services.queue
    delays = [DELAYS[kind](services) if kind in DELAYS else 0.0 for kind, _, _ in specs]

    def write(conn: sqlite3.Connection) -> None:
        for (kind, key, payload), delay in zip(specs, delays, strict=True):
            queue.enqueue_sync(conn, kind, key, payload, delay)

    await services.db.run(write)  # one trip, and it shares a commit with the ingress's
    for kind, key, _ in specs:
        services.queue.emit("enqueued", kind=kind, key=key)


async def route_shopify_webhook(services: Any, job: Job) -> None:
    topic, body = await _receipt(services, job)
    route = SHOPIFY_ROUTES.get(topic) or COMPLIANCE_ROUTES.get(topic)
    if route is None:
        return  # allowed once, no flow handles it now: nothing to do
    await _enqueue(services, _specs(route, body, topic))


async def route_exact_webhook(services: Any, job: Job) -> None:
    _topic, body = await _receipt(services, job)
    content = body.get("Content")
    if not isinstance(content, dict) or not isinstance(content.get("Topic"), str):
        raise PermanentError(
            "Exact webhook without Content.Topic", hint="Ignore; report if repeated."
        )
    route = EXACT_ROUTES.get(content["Topic"])
    if route is None:
        return
    await _enqueue(services, _specs(route, content, content["Topic"]))


def _specs(route: Route, body: dict[str, Any], topic: str) -> list[JobSpec]:
    try:
        return route(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentError(
            f"{topic} webhook lacks what we need ({type(exc).__name__}: {exc})",
            hint="The payload does not look like the documented one; the poller will catch up.",
        ) from None
