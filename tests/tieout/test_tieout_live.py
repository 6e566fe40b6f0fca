"""The daily tie-out over both sandboxes: a clean day (an order placed just before midnight and
booked after it included) ties out to the cent; a document deleted in Exact, an order whose job
has not run and an order of the next day are each named with their reason."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from connectors.shopify.sandbox.state import parse_id
from daemon.flows.orders.jobs import export_job, sync_order
from daemon.tieout.collect import run_tieout
from tests.orders.conftest import order_env

AMS = ZoneInfo("Europe/Amsterdam")
DAY = dt.date(2026, 11, 30)
ANNA = {"email": "anna@example.com", "first_name": "Anna", "last_name": "de Vries"}


async def _order(env, when: dt.datetime, sku: str = "SKU-00001", quantity: int = 1) -> str:
    made = await env.shop_control(
        "POST", "/orders", {"lines": [{"sku": sku, "quantity": quantity}], "customer": ANNA}
    )
    record = env.shop.state.orders[parse_id(made["order_id"])]
    record.created_at = when.astimezone(dt.UTC)
    for tx_id in record.transaction_ids:
        env.shop.state.transactions[tx_id].created_at = when.astimezone(dt.UTC)
    return made["order_id"]


def _at(hour: int, minute: int, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), AMS)


@pytest.mark.anyio
@pytest.mark.parametrize("document", ["salesorder", "invoice"])
async def test_a_clean_day_ties_out_to_the_cent(tmp_path, document):
    async with order_env(tmp_path, document=document) as env:
        morning = await _order(env, _at(9, 15), quantity=2)
        late = await _order(env, _at(23, 59), sku="SKU-00002")  # booked after midnight below
        for gid in (morning, late):
            await sync_order(env.services, gid)
        report = await run_tieout(env.services, DAY)
        assert report["differences"] == [], report["differences"]
        assert report["unexplained"] == 0
        assert report["documents"] == {"expected": 2, "in_exact": 2}
        (eur,) = report["currencies"].values()
        assert eur["shop"]["gross"] == eur["exact"]["gross"]
        assert Decimal(eur["shop"]["gross"]) > 0
        assert eur["difference"] == "0.00"


@pytest.mark.anyio
async def test_a_deleted_document_a_waiting_job_and_the_next_day_each_have_their_reason(tmp_path):
    async with order_env(tmp_path, document="salesorder") as env:
        kept = await _order(env, _at(10, 0))
        deleted = await _order(env, _at(11, 0), sku="SKU-00003")
        waiting = await _order(env, _at(12, 0), sku="SKU-00004")
        tomorrow = await _order(env, _at(0, 5, DAY + dt.timedelta(days=1)), sku="SKU-00005")
        for gid in (kept, deleted, tomorrow):
            await sync_order(env.services, gid)
        await env.services.queue.enqueue(*export_job(waiting))  # not run yet
        link = await env.services.links.get("order", f"{deleted}:AMS")
        await env.services.exact.delete("salesorder/SalesOrders", link.exact_id)  # in Exact

        report = await run_tieout(env.services, DAY)
        reasons = {d["ref"].split("/")[0]: d for d in report["differences"]}
        names = {gid: env.shop.state.orders[parse_id(gid)].name for gid in (deleted, waiting)}
        assert set(reasons) == set(names.values())
        gone = reasons[names[deleted]]
        assert gone["reason"] == "changed_in_exact" and "deleted in Exact" in gone["detail"]
        assert gone["exact"] is None and Decimal(gone["amount"]) > 0
        pending = reasons[names[waiting]]
        assert pending["reason"] == "not_yet_booked" and "orders.export" in pending["detail"]
        assert report["unexplained"] == 0
        assert report["documents"] == {"expected": 3, "in_exact": 1}

        # the next day holds only the order placed five minutes after midnight
        next_day = await run_tieout(env.services, DAY + dt.timedelta(days=1))
        assert next_day["differences"] == [] and next_day["documents"]["expected"] == 1


@pytest.mark.anyio
async def test_an_order_nothing_books_is_unexplained_and_raises_the_alert(tmp_path):
    from daemon.alerts.rules import evaluate, read_snapshot
    from daemon.cli.tieout import render_tieout
    from daemon.control.tieout import tieout
    from daemon.tieout.job import KIND, run_daily

    async with order_env(tmp_path, document="invoice") as env:
        booked = await _order(env, _at(8, 0))
        lost = await _order(env, _at(14, 30), sku="SKU-00006")  # its webhook never came
        await sync_order(env.services, booked)
        lost_name = env.shop.state.orders[parse_id(lost)].name

        # the morning run ties out yesterday and keeps the report
        due = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(6, 0), AMS)
        job = type("J", (), {"kind": KIND, "payload": {"due_at": due.isoformat()}})()
        await run_daily(env.services, job)
        status, report = await tieout(env.services, {})
        assert status == 200 and report["date"] == DAY.isoformat()
        (diff,) = report["differences"]
        assert diff["ref"].startswith(f"{lost_name}/") and diff["reason"] == "unexplained"
        assert report["unexplained"] == 1 and Decimal(report["unexplained_amount"]) > 0
        table = render_tieout(report)
        assert "unexplained" in table and lost_name in table

        snapshot = await read_snapshot(
            env.services.db,
            0.0,
            paused={},
            exact_auth_problem=None,
            signature_failures_last_hour=None,
        )
        (finding,) = [f for f in evaluate(snapshot, env.services.settings.alerts)]
        assert finding.rule == "tieout_unexplained" and lost_name in finding.detail
        assert f"shopsync tieout --date {DAY}" in finding.fix

        # once booked, the same day ties out and the alert clears
        await sync_order(env.services, lost)
        status, again = await tieout(env.services, {"date": DAY.isoformat()})
        assert status == 200 and again["differences"] == []
        snapshot = await read_snapshot(
            env.services.db,
            0.0,
            paused={},
            exact_auth_problem=None,
            signature_failures_last_hour=None,
        )
        assert evaluate(snapshot, env.services.settings.alerts) == []
        with pytest.raises(ValueError, match="YYYY-MM-DD"):  # BadRequest: the route's 400
            await tieout(env.services, {"date": "30-11-2026"})


@pytest.mark.anyio
@pytest.mark.parametrize("document", ["salesorder", "invoice"])
async def test_an_order_edited_after_export_still_ties_out(tmp_path, document):
    async with order_env(tmp_path, document=document) as env:
        gid = await _order(env, _at(10, 0), quantity=3)
        await sync_order(env.services, gid)
        edit = {"lines": [{"sku": "SKU-00001", "quantity": 1}, {"sku": "SKU-00004", "quantity": 1}]}
        await env.shop_control("POST", f"/orders/{gid}/edit", edit)
        await sync_order(env.services, gid)
        report = await run_tieout(env.services, DAY)
    assert report["differences"] == [], report["differences"]
    assert report["unexplained"] == 0


@pytest.mark.anyio
async def test_an_order_edited_refunded_then_cancelled_ties_out_at_zero(tmp_path):
    from daemon.flows.refunds.jobs import credit_refund

    async with order_env(tmp_path, document="invoice") as env:
        gid = await _order(env, _at(10, 0), quantity=3)
        await sync_order(env.services, gid)
        edit = {"lines": [{"sku": "SKU-00001", "quantity": 2}, {"sku": "SKU-00004", "quantity": 1}]}
        await env.shop_control("POST", f"/orders/{gid}/edit", edit)
        await sync_order(env.services, gid)
        refund = await env.shop_control(
            "POST", f"/orders/{gid}/refunds", {"lines": [{"sku": "SKU-00001", "quantity": 1}]}
        )
        await credit_refund(env.services, refund["refund_id"], gid)
        cancel = await env.shop_control("POST", f"/orders/{gid}/cancel", {"refund": True})
        await credit_refund(env.services, cancel["refund_id"], gid)
        await sync_order(env.services, gid)
        report = await run_tieout(env.services, DAY)
    assert report["differences"] == [], report["differences"]
    assert report["documents"] == {"expected": 1, "in_exact": 1}


@pytest.mark.anyio
async def test_a_day_with_payouts_ties_out_and_an_unbooked_payout_is_named(tmp_path):
    from tests.payouts.sandboxes import ledger_env
    from tests.payouts.test_payouts_live import import_payouts, paid_order

    async with ledger_env(tmp_path) as env:
        zone = ZoneInfo(env.shopify_sandbox.state.catalogue.timezone)
        payday = dt.datetime.now(zone).date() + dt.timedelta(days=1)
        await paid_order(env)
        booked = await env.shopify_control("POST", "/payouts", {"date": payday.isoformat()})
        jobs = await import_payouts(env)
        assert set(jobs) == {"succeeded"}

        report = await run_tieout(env.services, payday)
        assert report["differences"] == [], report["differences"]
        assert report["payouts"]["payouts"] == 1
        (eur,) = report["payouts"]["currencies"].values()
        assert eur["shop"] == eur["exact"] == booked["net"] and eur["difference"] == "0.00"
        from daemon.cli.tieout import render_tieout

        net = re.escape(booked["net"])
        assert re.search(rf"EUR\s+payouts\s+{net}\s+{net}\s+0\.00", render_tieout(report))

        later = await env.shopify_control(
            "POST",
            "/payouts",
            {
                "date": payday.isoformat(),
                "include_pending": False,
                "transactions": [{"type": "ADJUSTMENT", "amount": "12.50", "reason": "bonus"}],
            },
        )
        report = await run_tieout(env.services, payday)
        (diff,) = report["differences"]
        assert diff["kind"] == "payout" and diff["reason"] == "not_yet_booked"
        assert diff["amount"] == later["net"] == "12.50"
        assert report["unexplained"] == 0 and "payouts" in report["covers"]
