"""Relay connections as Shopify pages them: opaque cursors, first/last, at most 250 per page."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError

MAX_PAGE_SIZE = 250


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"last_id": key}).encode()).decode()


def decode_cursor(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))["last_id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}") from exc


def connection(
    items: Sequence[Any],
    *,
    key: Callable[[Any], Any],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
    unbounded: bool = False,
) -> dict[str, Any]:
    """Slice `items` (already filtered and sorted) into a page; `key` gives each item's cursor id.

    `unbounded` is for bulk operations, which page through everything without first/last.
    """
    if first is None and last is None and not unbounded:
        raise GraphQLError("you must provide one of first or last")
    rows = list(reversed(items)) if reverse else list(items)
    keys = [key(x) for x in rows]
    start, end = 0, len(rows)
    if after is not None:
        k = decode_cursor(after)
        start = keys.index(k) + 1 if k in keys else _past(keys, k)
    if before is not None:
        k = decode_cursor(before)
        end = keys.index(k) if k in keys else end
    window = list(range(start, max(start, end)))
    if first is not None:
        window = window[: max(first, 0)]
    if last is not None:
        window = window[-last:] if last > 0 else []
    page = [rows[i] for i in window]
    edges = [{"cursor": encode_cursor(keys[i]), "node": rows[i]} for i in window]
    return {
        "edges": edges,
        "nodes": page,
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] < end - 1,
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _past(keys: list[Any], k: Any) -> int:
    """A cursor whose record has gone: resume after the keys that sort before it (ids ascend)."""
    try:
        return sum(1 for x in keys if x <= k)
    except TypeError:
        return len(keys)
