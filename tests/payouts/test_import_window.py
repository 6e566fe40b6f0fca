"""Which payouts an import reads: from the start date, then from the cursor less a lookback."""

from __future__ import annotations

import datetime as dt

import pytest

from daemon.config import load_settings
from daemon.context import Services
from daemon.flows.payouts.apply import CURSOR, _since
from state.db import Database
from state.queue import Queue
from tests.support.daemon_proc import write_config

pytestmark = pytest.mark.anyio


async def window(tmp_path, cursor: str | None, **payouts) -> dt.date:
    settings = load_settings(write_config(tmp_path, payouts=payouts))
    db = await Database.open(tmp_path / "shopsync.db")
    try:
        services = Services(settings=settings, db=db, queue=Queue(db))
        if cursor:
            await services.cursors.set(CURSOR, cursor)
        return await _since(services, settings.payouts)
    finally:
        await db.close()


async def test_a_first_import_starts_at_the_configured_start_date(tmp_path):
    assert await window(tmp_path, None, start_date="2026-01-01") == dt.date(2026, 1, 1)


async def test_a_first_import_without_a_start_date_looks_back_two_weeks(tmp_path):
    today = dt.datetime.now(dt.UTC).date()
    assert await window(tmp_path, None) == today - dt.timedelta(days=14)


async def test_later_imports_reread_the_lookback_before_the_cursor(tmp_path):
    cursor = "2026-11-20T02:00:00+00:00"
    assert await window(tmp_path, cursor, lookback_days=3) == dt.date(2026, 11, 17)


async def test_the_lookback_never_reaches_before_the_start_date(tmp_path):
    cursor = "2026-11-20T02:00:00+00:00"
    assert await window(tmp_path, cursor, start_date="2026-11-19") == dt.date(2026, 11, 19)
