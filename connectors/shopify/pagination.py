"""Walk a Shopify connection page by page (`first`/`after`, `pageInfo`) as an async iterator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

# Shopify's maximum page size for any connection.
# Source: https://shopify.dev/docs/api/usage/pagination-graphql
MAX_PAGE_SIZE = 250


class GraphQLExecutor(Protocol):
    async def execute(
        self, document_or_name: str, variables: dict[str, Any] | None = None
    ) -> dict: ...


async def paginate(
    client: GraphQLExecutor,
    query: str,
    path: Sequence[str],
    variables: dict[str, Any] | None = None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    after: str | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Yield every node of the connection at `path` in `data` (e.g. `("orders",)`).

    The query must take `$first: Int!` and `$after: String` and select `nodes` and
    `pageInfo { hasNextPage endCursor }` on that connection. `after` resumes from a cursor.
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, not {page_size}")
    while True:
        data = await client.execute(
            query, {**(variables or {}), "first": page_size, "after": after}
        )
        connection = _dig(data, path)
        if connection is None:
            return
        for node in connection.get("nodes") or []:
            yield node
        page_info = connection.get("pageInfo") or {}
        after = page_info.get("endCursor")
        if not page_info.get("hasNextPage") or not after:
            return


def _dig(data: dict[str, Any], path: Sequence[str]) -> dict[str, Any] | None:
    value: Any = data
    for key in path:
        if value is None:
            return None
        value = value.get(key)
    return value
