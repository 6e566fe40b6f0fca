"""The control API's job views: filtered, searchable pages of jobs and one job in full."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import quote, urlsplit

from daemon.context import Services
from daemon.control.status import iso
from state.queue import JobState

MAX_PAGE = 500
_LIST_COLUMNS = (
    "id, kind, key, state, attempts, max_attempts, run_after, created_at, updated_at,"
    " finished_at, last_error, hint, outcome"
)
# Shopify admin pages by the entity a job key starts with (`order:123:AMS` → orders/123).
_SHOPIFY_PAGES = {
    "order": "orders",
    "fulfillment": "orders",
    "refund": "orders",
    "gift_card": "gift_cards",
    "customer": "customers",
    "payout": "payments/payouts",
}
# Exact pages by link entity; Exact opens any document by its GUID on these pages.
_EXACT_PAGES = {
    "order": "SalesOrder.aspx",
    "sales_order": "SalesOrder.aspx",
    "invoice": "SalesInvoice.aspx",
    "sales_invoice": "SalesInvoice.aspx",
    "refund": "SalesInvoice.aspx",
    "credit_note": "SalesInvoice.aspx",
    "customer": "CRMAccountCard.aspx",
    "account": "CRMAccountCard.aspx",
    "item": "LogItem.aspx",
}
_GID = re.compile(r"gid://shopify/(\w+)/(\d+)")


class BadRequest(ValueError):
    """The caller asked for something malformed; the message says what."""


def job_filter(params: dict[str, str]) -> tuple[str, list[Any]]:
    """WHERE clause for state, kind (or flow), and text search over key, payload, webhook body."""
    clauses, args = ["1 = 1"], []
    if params.get("state"):
        states = params["state"].split(",")
        for state in states:
            if state not in JobState._value2member_map_:
                raise BadRequest(f"unknown state {state!r}; one of {', '.join(JobState)}")
        clauses.append(f"state IN ({','.join('?' for _ in states)})")
        args.extend(states)
    if params.get("kind"):
        kind = params["kind"]
        if "." in kind:
            clauses.append("kind = ?")
            args.append(kind)
        else:  # a flow name: all its kinds
            clauses.append("substr(kind, 1, ?) = ?")
            args.extend([len(kind) + 1, kind + "."])
    text = params.get("q", "").strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            "(key LIKE ? ESCAPE '\\' OR payload LIKE ? ESCAPE '\\'"
            " OR id IN (SELECT job_id FROM receipts WHERE job_id IS NOT NULL"
            "           AND CAST(body AS TEXT) LIKE ? ESCAPE '\\'))"
        )
        args.extend([pattern, pattern, pattern])
    return " AND ".join(clauses), args


async def list_jobs(services: Services, params: dict[str, str]) -> dict[str, Any]:
    where, args = job_filter(params)
    try:
        limit = min(MAX_PAGE, max(1, int(params.get("limit", 50))))
        offset = max(0, int(params.get("offset", 0)))
    except ValueError:
        raise BadRequest("limit and offset must be whole numbers") from None
    total = await services.db.fetchone(f"SELECT count(*) FROM jobs WHERE {where}", args)
    rows = await services.db.fetchall(
        f"SELECT {_LIST_COLUMNS} FROM jobs WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*args, limit, offset],
    )
    return {
        "total": total[0] if total else 0,
        "offset": offset,
        "limit": limit,
        "jobs": [_row(r) for r in rows],
    }


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r[0],
        "kind": r[1],
        "flow": r[1].split(".", 1)[0],
        "key": r[2],
        "state": r[3],
        "attempts": r[4],
        "max_attempts": r[5],
        "run_after": iso(r[6]),
        "created_at": iso(r[7]),
        "updated_at": iso(r[8]),
        "finished_at": iso(r[9]),
        "last_error": r[10],
        "hint": r[11],
        "outcome": r[12],
    }


async def show_job(services: Services, job_id: int) -> dict[str, Any] | None:
    row = await services.db.fetchone(
        f"SELECT {_LIST_COLUMNS}, payload FROM jobs WHERE id = ?", (job_id,)
    )
    if row is None:
        return None
    job = _row(row)
    payload = json.loads(row[13])
    job["payload"] = payload
    job["due_in_s"] = (
        round(max(0.0, row[6] - time.time()), 1) if row[3] in ("queued", "retrying") else None
    )
    attempts = await services.db.fetchall(
        "SELECT attempt, started_at, finished_at, outcome, error, traceback FROM job_attempts"
        " WHERE job_id = ? ORDER BY attempt, id",
        (job_id,),
    )
    job["attempts_log"] = [
        {
            "attempt": a[0],
            "started_at": iso(a[1]),
            "finished_at": iso(a[2]),
            "duration_ms": None if a[2] is None else round((a[2] - a[1]) * 1000, 1),
            "outcome": a[3] or "running",
            "error": a[4],
            "traceback": a[5],
        }
        for a in attempts
    ]
    receipt = await services.db.fetchone(
        "SELECT source, topic, received_at, delivery_id FROM receipts WHERE job_id = ?", (job_id,)
    )
    if receipt:
        job["webhook"] = {
            "source": receipt[0],
            "topic": receipt[1],
            "received_at": iso(receipt[2]),
            "delivery_id": receipt[3],
        }
    job["links"] = await job_links(services, job["key"], payload)
    return job


async def job_links(
    services: Services, key: str, payload: dict[str, Any]
) -> list[dict[str, str | None]]:
    """Best effort: the Shopify admin page and the Exact documents this job is about."""
    entity, _, rest = key.partition(":")
    shopify_id = rest.split(":", 1)[0]
    links: list[dict[str, str | None]] = []
    order_id = payload.get("order_id") or _gid_id(payload, "Order")
    if entity in ("fulfillment", "refund") and order_id:
        shopify_id = str(order_id)
    page = _SHOPIFY_PAGES.get(entity)
    if page and shopify_id.isdigit():
        links.append(
            {"label": f"Shopify {entity}", "url": _shopify_admin(services, page, shopify_id)}
        )
    elif entity == "stock" and shopify_id:
        url = _shopify_admin(services, "products", "") + "?query=" + quote(shopify_id)
        links.append({"label": f"Shopify products with SKU {shopify_id}", "url": url})
    if rest:
        rows = await services.db.fetchall(
            "SELECT entity, exact_id, exact_ref FROM links WHERE shopify_id = ?"
            " OR substr(shopify_id, 1, ?) = ? LIMIT 20",
            (rest, len(rest) + 1, rest + ":"),
        )
        for link_entity, exact_id, exact_ref in rows:
            links.append(
                {
                    "label": f"Exact {link_entity} {exact_ref or exact_id}",
                    "url": _exact_page(services, link_entity, exact_id),
                }
            )
    return links


def _gid_id(payload: dict[str, Any], type_name: str) -> str | None:
    for value in payload.values():
        if isinstance(value, str):
            match = _GID.fullmatch(value)
            if match and match.group(1) == type_name:
                return match.group(2)
    return None


def _shopify_admin(services: Services, page: str, ident: str) -> str:
    shop_url = services.settings.shopify.shop_url
    host = urlsplit(shop_url).hostname or ""
    suffix = f"{page}/{ident}" if ident else page
    if host.endswith(".myshopify.com"):
        return f"https://admin.shopify.com/store/{host.split('.', 1)[0]}/{suffix}"
    return f"{shop_url}/admin/{suffix}"  # a sandbox or proxy: its own admin path


def _exact_page(services: Services, entity: str, exact_id: str) -> str | None:
    exact = services.settings.exact
    page = _EXACT_PAGES.get(entity)
    if page is None:
        return None  # no page known for this kind of document: the label still names it
    division = f"&_Division_={exact.division}" if exact.division else ""
    return f"{exact.url}/docs/{page}?ID={quote(exact_id)}{division}"
