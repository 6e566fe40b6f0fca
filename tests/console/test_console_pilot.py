"""The console driven with Textual's Pilot against the real control API, at 80×24."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, RichLog

from console.app import ConsoleApp
from console.screens.confirm import ConfirmScreen
from console.screens.job import JobScreen
from console.screens.jobs import JobsScreen
from console.screens.logs import LogsScreen
from console.screens.overview import OverviewScreen
from console.widgets.flow_tile import FlowTile
from tests.console.helpers import until

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


async def _dead_job(control, key="order:5551234:AMS", error="Item MUG-02 does not exist"):
    queue = control.services.queue
    job_id = await queue.enqueue("orders.export", key, {"name": "#1043", "sku": "MUG-02"})
    (job,) = [j for j in await queue.claim(10) if j.id == job_id]
    await queue.bury(job, error, hint="Create item MUG-02 in Exact, then retry")
    return job_id


def _rows(app) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [table.get_row_at(i)[3] for i in range(table.row_count)]


async def test_overview_shows_flows_then_keys_reach_every_screen(control):
    await _dead_job(control)
    await control.client.pause("stock", "maintenance")
    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.screen.query(FlowTile)) >= 2)
        tiles = {t.id: t for t in app.screen.query(FlowTile)}
        assert tiles["flow-orders"].has_class("-failing")
        assert tiles["flow-stock"].has_class("-paused")
        await pilot.press("j")
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("l")
        assert isinstance(app.screen, LogsScreen)
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape", "o")
        assert isinstance(app.screen, OverviewScreen)


async def test_jobs_screen_filters_by_text_and_state_and_follows_new_jobs(control):
    await _dead_job(control)
    for sku in ("MUG-01", "CAP-07"):
        await control.services.queue.enqueue("stock.push", f"stock:{sku}:AMS", {"sku": sku})
    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await until(pilot, lambda: len(_rows(app)) == 3)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"CAP", "enter")
        await until(pilot, lambda: _rows(app) == ["stock:CAP-07:AMS"])
        app.screen.query_one(Input).value = ""
        await pilot.press("s")  # state: dead
        await until(pilot, lambda: _rows(app) == ["order:5551234:AMS"])
        await pilot.press("s", "s")  # state: queued
        await until(pilot, lambda: len(_rows(app)) == 2)
        await control.services.queue.enqueue("stock.push", "stock:NEW-1:AMS")
        await until(pilot, lambda: "stock:NEW-1:AMS" in _rows(app))  # live, no key pressed


async def test_open_a_dead_job_see_the_hint_and_retry_it_after_confirming(control):
    job_id = await _dead_job(control)
    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await until(pilot, lambda: len(_rows(app)) == 1)
        await pilot.press("enter")
        assert isinstance(app.screen, JobScreen)
        problem = app.screen.query_one("#problem")
        await until(pilot, lambda: "MUG-02" in str(problem.render()))
        assert "Create item MUG-02 in Exact" in str(problem.render())

        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # changed our mind: nothing happens
        assert (await control.services.queue.get(job_id)).state == "dead"

        await pilot.press("r", "y")
        await until(pilot, lambda: any("retried" in n.message for n in app._notifications))

    assert (await control.services.queue.get(job_id)).state == "queued"


async def test_logs_screen_tails_log_lines_live(control):
    from daemon.logs import get_logger

    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.connected is True)
        await pilot.press("l")
        get_logger("shopsync.test").warning("exact answered 503", job_id=7)
        log = app.screen.query_one(RichLog)
        await until(pilot, lambda: any("exact answered 503" in line.text for line in log.lines))


async def test_clicking_a_flow_tile_lists_that_flows_jobs(control):
    await _dead_job(control)
    await control.services.queue.enqueue("stock.push", "stock:MUG-01:AMS")
    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.screen.query(FlowTile)) >= 2)
        await pilot.click("#flow-orders")
        assert isinstance(app.screen, JobsScreen)
        await until(pilot, lambda: _rows(app) == ["order:5551234:AMS"])
        await pilot.press("x")
        await until(pilot, lambda: len(_rows(app)) == 2)


async def test_command_palette_pauses_a_flow_after_confirming(control):
    await control.services.queue.enqueue("stock.push", "stock:MUG-01:AMS")
    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: bool(app.last_status))
        await pilot.press("ctrl+p")
        await pilot.press(*"Pause stock")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: any("stock paused" in n.message for n in app._notifications))
    assert "stock" in await control.services.flows.paused()


async def test_a_job_that_ignored_its_webhook_says_so_in_the_list_and_the_detail(control):
    from daemon.flows.webhooks import NOT_IN_SHOPIFY

    queue = control.services.queue
    job_id = await queue.enqueue("orders.export", "order:404", {"order_id": "gid://x/Order/404"})
    (job,) = [j for j in await queue.claim(10) if j.id == job_id]
    await queue.succeed(job, NOT_IN_SHOPIFY)
    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await until(pilot, lambda: _rows(app) == ["order:404"])
        table = app.screen.query_one(DataTable)
        assert NOT_IN_SHOPIFY in str(table.get_row_at(0)[5])
        await pilot.press("enter")
        assert isinstance(app.screen, JobScreen)
        problem = app.screen.query_one("#problem")
        await until(pilot, lambda: NOT_IN_SHOPIFY in str(problem.render()))


async def test_tieout_screen_shows_the_last_report_and_each_difference_with_its_reason(control):
    import json

    from console.screens.tieout import TieoutScreen
    from daemon.tieout.job import LAST_REPORT

    app = ConsoleApp(control.client)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TieoutScreen)
        summary = app.screen.query_one("#tieout-summary")
        await until(pilot, lambda: "no tie-out has run yet" in str(summary.render()))

        report = {
            "date": "2026-11-30",
            "timezone": "Europe/Amsterdam",
            "currencies": {
                "EUR": {
                    "shop": {"gross": "121.00", "net": "100.00", "vat": "21.00"},
                    "exact": {"gross": "60.50", "net": "50.00", "vat": "10.50"},
                }
            },
            "documents": {"expected": 2, "in_exact": 1},
            "differences": [
                {
                    "kind": "order document",
                    "ref": "#1002/AMS",
                    "currency": "EUR",
                    "shop": "60.50",
                    "exact": None,
                    "amount": "60.50",
                    "reason": "changed_in_exact",
                    "detail": "deleted in Exact after booking (our link: abc)",
                }
            ],
            "unexplained": 0,
            "unexplained_amount": "0.00",
        }
        await control.services.cursors.set(LAST_REPORT, json.dumps(report))
        app.screen.reload()
        diffs = app.screen.query_one("#tieout-differences", DataTable)
        await until(pilot, lambda: diffs.row_count == 1)
        row = diffs.get_row_at(0)
        assert str(row[0]) == "changed_in_exact" and row[1] == "#1002/AMS"
        assert "deleted in Exact" in row[3]
        totals = app.screen.query_one("#tieout-totals", DataTable)
        assert totals.get_row_at(0)[4] == "60.50"  # gross: shop less Exact
        assert "1 in Exact" in str(summary.render())
