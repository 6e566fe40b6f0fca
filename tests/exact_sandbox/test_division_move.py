"""A division move resets the sync Timestamps; system/Divisions tells when (DivisionMoveDate).

Contract sync/Inventory/StockPositions: "Timestamp is a row version, not a date; values reset
when the division is moved (system/Divisions DivisionMoveDate)".
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio
SELECT = "ID,ItemCode,CurrentStock,Timestamp"


async def _sync(run, since):
    r = await run.get(
        "sync/Inventory/StockPositions",
        **{"$filter": f"Timestamp gt {since}L", "$select": SELECT},
    )
    assert r.status_code == 200, r.text
    return r.json()["d"]["results"]


async def _move_date(run):
    r = await run.get("system/Divisions", **{"$select": "Code,DivisionMoveDate"})
    assert r.status_code == 200, r.text
    (row,) = r.json()["d"]["results"]
    return row["DivisionMoveDate"]


async def test_after_a_move_an_old_cursor_sees_nothing_and_the_move_date_says_why(exact_sandbox):
    async with exact_sandbox(products=20) as run:
        assert await _move_date(run) is None
        rows = await _sync(run, 1)
        cursor = max(int(r["Timestamp"]) for r in rows)
        moved = await run.control("division_move")
        assert moved["rowversion"] < cursor
        await run.control("stock", {"sku": "SKU-00003", "warehouse": "AMS", "delta": 2})
        assert await _sync(run, cursor) == []  # the change is there, but below the cursor
        assert (await _move_date(run)).startswith("/Date(")
        again = await _sync(run, 1)
        assert len(again) == len(rows)
        assert max(int(r["Timestamp"]) for r in again) < cursor
