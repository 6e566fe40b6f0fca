"""Bulk query operations: run the whole query without page limits and flatten it to JSONL."""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLSchema, execute_sync, parse

from connectors.shopify.sandbox.records import BulkOperationRec
from connectors.shopify.sandbox.root_query import QueryRoot
from connectors.shopify.sandbox.state import ShopState, utcnow
from connectors.shopify.sandbox.views_common import Context


def _is_connection(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and ("edges" in value or "nodes" in value)
        and ("pageInfo" in value or set(value) <= {"edges", "nodes", "pageInfo"})
    )


def _nodes(conn: dict[str, Any]) -> list[Any]:
    if "nodes" in conn:
        return list(conn["nodes"])
    return [e["node"] for e in conn.get("edges", []) if isinstance(e, dict) and "node" in e]


def _strip(value: Any, found: list[dict[str, Any]]) -> Any:
    """Copy `value` without its connections; the connections go to `found` in order."""
    if _is_connection(value):
        found.append(value)
        return None
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            kept = _strip(v, found)
            if not _is_connection(v):
                out[k] = kept
        return out
    if isinstance(value, list):
        return [_strip(v, found) for v in value]
    return value


def flatten(data: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """JSONL rows as Shopify writes them: nested connection nodes get `__parentId`."""
    rows: list[dict[str, Any]] = []
    roots: list[dict[str, Any]] = []
    _strip(data, roots)

    def emit(node: dict[str, Any], parent: str | None) -> None:
        children: list[dict[str, Any]] = []
        row = _strip(node, children)
        if parent is not None:
            row["__parentId"] = parent
        rows.append(row)
        for conn in children:
            for child in _nodes(conn):
                emit(child, node.get("id"))

    root_count = 0
    for conn in roots:
        for node in _nodes(conn):
            root_count += 1
            emit(node, None)
    return rows, root_count


def run_bulk_query(
    schema: GraphQLSchema, state: ShopState, op: BulkOperationRec, api_version: str
) -> None:
    """Execute at once (the sandbox is small); the status moves CREATED -> COMPLETED or FAILED."""
    op.status = "RUNNING"
    result = execute_sync(
        schema,
        parse(op.query),
        root_value=QueryRoot(state),
        context_value=Context(state, api_version, bulk=True),
    )
    op.completed_at = utcnow()
    if result.errors or result.data is None:
        op.status, op.error_code = "FAILED", "INTERNAL_SERVER_ERROR"
        return
    rows, root_count = flatten(result.data)
    op.body = b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in rows)
    op.object_count, op.root_object_count = len(rows), root_count
    op.file_size = len(op.body)
    op.status = "COMPLETED"
