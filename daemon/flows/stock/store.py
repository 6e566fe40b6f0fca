"""The stock flow's tables: Exact levels, dirty pairs, pushed quantities, holds, problems."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import aiosqlite

from daemon.flows.stock.plan import Level, locations_of
from state.db import Database


async def upsert_levels(
    conn: aiosqlite.Connection,
    levels: Iterable[Level],
    *,
    figure: str,
    locations: Sequence[str],
    mapping: dict[str, str],
    default_warehouse: str,
) -> int:
    """Store Exact's figures; mark the locations they feed dirty when the used figure moved."""
    now = time.time()
    dirty = 0
    for level in levels:
        async with conn.execute(
            f"SELECT {figure} FROM stock_levels WHERE sku = ? AND warehouse = ?",
            (level.sku, level.warehouse),
        ) as cur:
            old = await cur.fetchone()
        changed = old is None or Decimal(old[0]) != getattr(level, figure)
        await conn.execute(
            "INSERT INTO stock_levels (sku, warehouse, sellable, free, in_stock, planned,"
            " exact_ts, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku, warehouse)"
            " DO UPDATE SET sellable = excluded.sellable, free = excluded.free,"
            " in_stock = excluded.in_stock,"
            " planned = excluded.planned, exact_ts = excluded.exact_ts,"
            " changed_at = CASE WHEN ? THEN excluded.changed_at ELSE changed_at END",
            (
                level.sku,
                level.warehouse,
                str(level.sellable),
                str(level.free),
                str(level.in_stock),
                str(level.planned),
                level.exact_ts,
                now,
                changed,
            ),
        )
        if changed:
            for location in locations_of(level.warehouse, locations, mapping, default_warehouse):
                await mark_dirty(conn, level.sku, location, now)
                dirty += 1
    return dirty


async def mark_dirty(conn: aiosqlite.Connection, sku: str, location: str, now: float) -> None:
    await conn.execute(
        "INSERT INTO stock_dirty (sku, location, since) VALUES (?, ?, ?)"
        " ON CONFLICT (sku, location) DO UPDATE SET since = excluded.since",
        (sku, location, now),
    )


async def dirty_batch(db: Database, limit: int) -> list[tuple[str, str, float]]:
    rows = await db.fetchall(
        "SELECT sku, location, since FROM stock_dirty ORDER BY since LIMIT ?", (limit,)
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def levels_for(db: Database, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """(sku, warehouse) → row with sellable/free/in_stock/planned/changed_at."""
    out = {}
    for sku, warehouse in set(pairs):
        row = await db.fetchone(
            "SELECT sellable, free, in_stock, planned, changed_at FROM stock_levels"
            " WHERE sku = ? AND warehouse = ?",
            (sku, warehouse),
        )
        if row is not None:
            out[(sku, warehouse)] = row
    return out


async def held(db: Database) -> dict[tuple[str, str], int]:
    rows = await db.fetchall(
        "SELECT sku, location, sum(quantity) FROM stock_holds GROUP BY sku, location"
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


async def pushed(db: Database, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    out = {}
    for sku, location in pairs:
        row = await db.fetchone(
            "SELECT quantity FROM stock_pushed WHERE sku = ? AND location = ?", (sku, location)
        )
        if row is not None:
            out[(sku, location)] = int(row[0])
    return out


async def record_pushed(
    conn: aiosqlite.Connection, sku: str, location: str, quantity: int, now: float
) -> None:
    await conn.execute(
        "INSERT INTO stock_pushed (sku, location, quantity, pushed_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (sku, location) DO UPDATE SET quantity = excluded.quantity,"
        " pushed_at = excluded.pushed_at",
        (sku, location, quantity, now),
    )


async def clear_dirty(conn: aiosqlite.Connection, sku: str, location: str, since: float) -> None:
    # Only if nothing newer arrived meanwhile: a later change keeps the row dirty.
    await conn.execute(
        "DELETE FROM stock_dirty WHERE sku = ? AND location = ? AND since <= ?",
        (sku, location, since),
    )


async def report_problem(
    conn: aiosqlite.Connection, sku: str, location: str, problem: str, detail: str = ""
) -> bool:
    """Record a problem; True only the first time (so it is logged once, not every push)."""
    now = time.time()
    async with conn.execute(
        "SELECT 1 FROM stock_problems WHERE sku = ? AND location = ? AND problem = ?",
        (sku, location, problem),
    ) as cur:
        known = await cur.fetchone() is not None
    await conn.execute(
        "INSERT INTO stock_problems (sku, location, problem, detail, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sku, location, problem) DO UPDATE"
        " SET last_seen = excluded.last_seen, detail = excluded.detail",
        (sku, location, problem, detail, now, now),
    )
    return not known


async def set_holds(db: Database, order_id: str, lines: Iterable[tuple[str, str, int]]) -> None:
    """Units of an order Shopify sold but Exact does not know yet (called by the orders flow)."""
    now = time.time()
    async with db.transaction() as conn:
        await _drop_holds(conn, order_id, now)
        for sku, location, quantity in lines:
            await conn.execute(
                "INSERT INTO stock_holds (order_id, sku, location, quantity) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO UPDATE SET quantity = excluded.quantity, released_at = NULL",
                (order_id, sku, location, quantity),
            )
            await mark_dirty(conn, sku, location, now)


async def clear_holds(db: Database, order_id: str) -> None:
    """The order will not reach Exact (cancelled, skipped): its units are free again."""
    async with db.transaction() as conn:
        await _drop_holds(conn, order_id, time.time())


async def release_holds(db: Database, order_id: str) -> None:
    """The order is in Exact now: its hold goes once a poll has read Exact's figures after this.

    Dropping it at once would show the sold units again until the next poll stores the figure
    that includes the order (subtracted zero times); a released hold keeps counting until
    `drop_released_holds` runs for a poll that started later.
    """
    await db.execute_write(
        "UPDATE stock_holds SET released_at = ? WHERE order_id = ? AND released_at IS NULL",
        (time.time(), order_id),
    )


async def drop_released_holds(conn: aiosqlite.Connection, polled_from: float) -> int:
    """Drop holds released before a poll that started at `polled_from`; mark their pairs dirty."""
    now = time.time()
    async with conn.execute(
        "SELECT DISTINCT sku, location FROM stock_holds WHERE released_at <= ?", (polled_from,)
    ) as cur:
        pairs = await cur.fetchall()
    for sku, location in pairs:
        await mark_dirty(conn, sku, location, now)
    await conn.execute("DELETE FROM stock_holds WHERE released_at <= ?", (polled_from,))
    return len(pairs)


async def _drop_holds(conn: aiosqlite.Connection, order_id: str, now: float) -> None:
    async with conn.execute(
        "SELECT sku, location FROM stock_holds WHERE order_id = ?", (order_id,)
    ) as cur:
        for sku, location in await cur.fetchall():
            await mark_dirty(conn, sku, location, now)
    await conn.execute("DELETE FROM stock_holds WHERE order_id = ?", (order_id,))
