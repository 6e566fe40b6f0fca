"""Exact moved the division: sync Timestamps restarted below our cursor. The poll notices the
new DivisionMoveDate and re-reads stock from the start, so a change after the move arrives."""

from __future__ import annotations

import pytest

from daemon.demo import demo_stack, shopify_available, wait_quiet
from daemon.flows.stock.division_move import MOVE_CURSOR
from daemon.flows.stock.sync import CURSOR
from tests.stock.test_stock_e2e import _set_exact, _shopify_shows

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_a_division_move_is_detected_and_stock_is_read_again_from_the_start(tmp_path):
    async with demo_stack(tmp_path, products=10) as stack:
        services = stack.services
        await wait_quiet(services, 20)
        await _set_exact(stack, "SKU-00005", "AMS", 10)
        await _shopify_shows(stack, "SKU-00005", "AMS", 10)
        before = int(await services.cursors.get(CURSOR))

        r = await stack.http.post("/_sandbox/exact/division_move", json={})
        assert r.status_code == 200 and r.json()["rowversion"] < before
        await _set_exact(stack, "SKU-00005", "AMS", 4)
        # Within the hour since the last move-date check: the old cursor sees nothing.
        await services.queue.enqueue("stock.poll", "stock:poll", {})
        await wait_quiet(services, 20)
        assert shopify_available(stack.sb)[("SKU-00005", "AMS")] == 10

        services.extras.pop("stock_division_checked", None)  # the hourly check is due
        await services.queue.enqueue("stock.poll", "stock:poll", {})
        await _shopify_shows(stack, "SKU-00005", "AMS", 4)
        assert int(await services.cursors.get(CURSOR)) < before  # the cursor starts over
        assert await services.cursors.get(MOVE_CURSOR)
