"""Bulk operations: start a bulk query, wait for it to finish, stream its JSONL result.

Shopify runs the query in the background and leaves a JSONL file at a signed URL; nested
connection rows come as separate lines carrying `__parentId`.
Source: https://shopify.dev/docs/api/usage/bulk-operations/queries
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import anyio
import httpx

from connectors.errors import AuthError, PermanentError, TransientError
from connectors.shopify.client import API, SCOPE_FIX, ShopifyClient, raise_for_user_errors

_DONE = {"COMPLETED"}
_FAILED = {"FAILED", "CANCELED", "CANCELLED", "EXPIRED"}


async def start_bulk_query(client: ShopifyClient, query: str) -> str:
    """Start a bulk query and return the operation's gid."""
    data = await client.execute("bulk_run_query", {"query": query})
    payload = raise_for_user_errors(data.get("bulkOperationRunQuery"), what="bulk query")
    operation = payload.get("bulkOperation") or {}
    if not operation.get("id"):
        raise PermanentError("bulk query started without an operation id", api=API)
    return operation["id"]


async def wait_for_bulk(
    client: ShopifyClient,
    operation_id: str,
    *,
    poll_interval: float = 2.0,
    finished: anyio.Event | None = None,
) -> dict[str, Any]:
    """Poll `bulkOperation(id)` until it completes; return the final operation.

    `finished` lets the caller wake the poll early (e.g. on a `bulk_operations/finish` webhook).
    Callers bound the wait with `anyio.fail_after` (a big store's bulk read can take many minutes).
    """
    signalled = False
    while True:
        data = await client.execute("bulk_operation", {"id": operation_id})
        operation = data.get("bulkOperation")
        if operation is None:
            raise PermanentError(f"bulk operation {operation_id} not found", api=API)
        status = operation.get("status")
        if status in _DONE:
            return operation
        if status in _FAILED and operation.get("errorCode") == "ACCESS_DENIED":
            # Outside the app's access scopes: running it again cannot help.
            raise AuthError(
                f"bulk operation {operation_id} failed: ACCESS_DENIED",
                api=API,
                hint=SCOPE_FIX,
            )
        if status in _FAILED:
            raise TransientError(
                f"bulk operation {operation_id} ended {status}"
                f" ({operation.get('errorCode') or 'no error code'})",
                api=API,
            )
        if finished is not None and not signalled:
            with anyio.move_on_after(poll_interval):
                await finished.wait()
            # A set event stays set: after one early wake-up, fall back to plain polling.
            signalled = finished.is_set()
        else:
            await anyio.sleep(poll_interval)


async def stream_jsonl(client: ShopifyClient, url: str | None) -> AsyncIterator[dict[str, Any]]:
    """Yield each JSON object of a bulk result file, line by line (an empty result has no url)."""
    if not url:
        return
    try:
        async with client.download_client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise TransientError(
                    f"bulk result download failed: HTTP {response.status_code}",
                    api=API,
                    status=response.status_code,
                )
            async for line in response.aiter_lines():
                if line.strip():
                    yield json.loads(line, parse_float=Decimal)
    except httpx.TransportError as exc:
        raise TransientError(
            f"bulk result download failed ({type(exc).__name__})", api=API
        ) from None


async def run_bulk_query(
    client: ShopifyClient,
    query: str,
    *,
    poll_interval: float = 2.0,
    finished: anyio.Event | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Start `query` as a bulk operation, wait for it, and yield its rows."""
    operation_id = await start_bulk_query(client, query)
    operation = await wait_for_bulk(
        client, operation_id, poll_interval=poll_interval, finished=finished
    )
    async for row in stream_jsonl(client, operation.get("url")):
        yield row
