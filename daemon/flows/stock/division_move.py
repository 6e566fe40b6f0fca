"""Detects an Exact division move, which resets every sync Timestamp, so stock is re-read whole.

Exact moves a division to another database now and then; its sync Timestamps restart low
(contract sync/Inventory/StockPositions; Elmas sync notes) and `system/Divisions` shows when in
`DivisionMoveDate`. Our cursor would then sit above every Timestamp and the poll would see no
change until the nightly reconcile. The poll asks for the move date at start and then at most
hourly (one call), and starts over from Timestamp 1 when it changed.
"""

from __future__ import annotations

import time
from typing import Any

from connectors.errors import ConnectorError
from connectors.exact.odata import eq
from daemon.logs import get_logger

log = get_logger("shopsync.stock")

MOVE_CURSOR = "exact:division_move_date"  # the DivisionMoveDate the stock cursor belongs to
CHECK_EVERY = 3600.0
_CHECKED = "stock_division_checked"  # extras: when we last asked


async def division_moved(services: Any, now: float | None = None) -> bool:
    """True once after Exact reports a new DivisionMoveDate (asked at most hourly)."""
    now = time.time() if now is None else now
    if now - services.extras.get(_CHECKED, float("-inf")) < CHECK_EVERY:
        return False
    services.extras[_CHECKED] = now
    try:
        division = await services.exact.division()
        rows = await services.exact.get(
            "system/Divisions",
            filter=eq("Code", division),
            select=["Code", "DivisionMoveDate"],
            top=1,
        )
    except ConnectorError as exc:  # the poll itself must go on; ask again next hour
        log.warning("exact division move date unreadable", error=str(exc))
        return False
    moved = str((rows[0].get("DivisionMoveDate") if rows else None) or "")
    known = await services.cursors.get(MOVE_CURSOR)
    if known == moved or (known is None and not moved):
        if known is None:
            await services.cursors.set(MOVE_CURSOR, moved)
        return False
    await services.cursors.set(MOVE_CURSOR, moved)
    log.warning(
        "exact division was moved: its sync timestamps restarted; re-reading stock from the start",
        division_move_date=moved,
    )
    return True
