"""The scheduler only enqueues, once per schedule and local day, across restarts and DST."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import anyio
import pytest

from daemon.config import load_settings
from daemon.context import Services
from daemon.schedule import Scheduler, UnknownSchedule, schedules_from
from state.db import Database
from state.queue import Queue
from tests.support.daemon_proc import write_config

AMS = ZoneInfo("Europe/Amsterdam")


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMS).astimezone(dt.UTC)


@pytest.fixture
async def services(tmp_path) -> AsyncIterator[Services]:
    settings = load_settings(
        write_config(tmp_path, stock={"enabled": True, "reconcile_at": "02:30"})
    )
    db = await Database.open(tmp_path / "shopsync.db")
    try:
        yield Services(settings=settings, db=db, queue=Queue(db))
    finally:
        await db.close()


def scheduler(services: Services, clock: Clock) -> Scheduler:
    return Scheduler(services, schedules_from(services.settings), zone=AMS, clock=clock)


async def jobs(services: Services) -> list[tuple[str, str]]:
    rows = await services.db.fetchall("SELECT kind, key FROM jobs ORDER BY id")
    return [(r[0], r[1]) for r in rows]


def test_default_schedules_cover_payouts_gift_cards_stock_and_the_tieout(tmp_path):
    settings = load_settings(write_config(tmp_path, stock={"enabled": True}))
    got = {s.name: (s.kind, s.at) for s in schedules_from(settings)}
    assert got == {
        "payouts": ("payouts.import", "03:00"),
        "gift_cards": ("gift_cards.import", "03:30"),
        "stock_reconcile": ("stock.reconcile", "02:30"),
        "tieout": ("tieout.daily", "06:00"),
    }


def test_a_schedule_set_off_or_a_disabled_flow_has_no_runs(tmp_path):
    settings = load_settings(
        write_config(
            tmp_path, schedules={"gift_cards": "off", "tieout": "off"}, stock={"enabled": False}
        )
    )
    assert [s.name for s in schedules_from(settings)] == ["payouts"]


def test_an_unknown_time_zone_is_a_config_error(tmp_path):
    from daemon.config import ConfigError

    with pytest.raises(ConfigError, match=r"schedules\.timezone: unknown time zone"):
        load_settings(write_config(tmp_path, schedules={"timezone": "Mars/Olympus"}))


@pytest.mark.anyio
async def test_a_firing_enqueues_the_job_keyed_by_local_date(services):
    clock = Clock(local(2026, 11, 22, 3, 0))
    sched = scheduler(services, clock)
    # 03:00 in Amsterdam on the 22nd is 02:00 UTC: the key carries the *local* date.
    job_id = await sched.fire("payouts", local(2026, 11, 22, 3, 0))
    assert job_id is not None
    assert await jobs(services) == [("payouts.import", "payouts:2026-11-22")]
    job = await services.queue.get(job_id)
    assert job.payload["run_key"] == "payouts:2026-11-22"


@pytest.mark.anyio
async def test_the_same_run_fired_twice_or_after_a_restart_is_enqueued_once(services):
    due = local(2026, 11, 22, 3, 0)
    first = scheduler(services, Clock(due))
    assert await first.fire("payouts", due) is not None
    assert await first.fire("payouts", due) is None
    restarted = scheduler(services, Clock(due + dt.timedelta(minutes=5)))
    assert await restarted.catch_up_missed() == []
    assert await jobs(services) == [("payouts.import", "payouts:2026-11-22")]


@pytest.mark.anyio
async def test_a_run_missed_while_down_runs_once_at_start(services):
    await scheduler(services, Clock(local(2026, 11, 20, 3, 0))).fire(
        "payouts", local(2026, 11, 20, 3, 0)
    )
    # Down from the 20th until the 22nd at 10:00: only the latest missed run (the 22nd) runs.
    sched = scheduler(services, Clock(local(2026, 11, 22, 10, 0)))
    fired = await sched.catch_up_missed()
    assert len(fired) == 1
    assert await jobs(services) == [
        ("payouts.import", "payouts:2026-11-20"),
        ("payouts.import", "payouts:2026-11-22"),
    ]
    assert await sched.catch_up_missed() == []  # a second start the same day: nothing new


@pytest.mark.anyio
async def test_a_first_start_waits_for_the_first_due_time(services):
    sched = scheduler(services, Clock(local(2026, 11, 22, 10, 0)))
    assert await sched.catch_up_missed() == []
    assert await jobs(services) == []


@pytest.mark.anyio
async def test_next_run_follows_the_shop_time_zone_across_dst(services):
    # Europe/Amsterdam leaves summer time on 2026-10-25: 03:00 local moves from 01:00 to 02:00 UTC.
    sched = scheduler(services, Clock(local(2026, 10, 23, 12, 0)))
    payouts = sched.schedules["payouts"]
    first = sched.next_fire(payouts, local(2026, 10, 23, 12, 0))
    second = sched.next_fire(payouts, first)
    assert first.astimezone(dt.UTC).hour == 1
    assert second.astimezone(dt.UTC).hour == 2
    assert second.astimezone(AMS).hour == 3


@pytest.mark.anyio
async def test_run_now_enqueues_at_once_and_coalesces_with_a_pending_run(services):
    clock = Clock(local(2026, 11, 22, 9, 0))
    sched = scheduler(services, clock)
    job_id = await sched.run_now("gift_cards")
    clock.now += dt.timedelta(seconds=5)
    again = await sched.run_now("gift_cards")
    assert again == job_id  # still queued: the same job, not a second import
    assert await jobs(services) == [("gift_cards.import", "gift_cards:2026-11-22")]
    with pytest.raises(UnknownSchedule, match="no schedule 'nope'; known: gift_cards, payouts"):
        await sched.run_now("nope")


@pytest.mark.anyio
async def test_status_shows_last_and_next_run_and_the_runs_state(services):
    clock = Clock(local(2026, 11, 22, 9, 0))
    sched = scheduler(services, clock)
    job_id = await sched.run_now("payouts")
    job = (await services.queue.claim(1))[0]
    assert job.id == job_id
    await services.queue.bury(job, "Shopify is down", hint="wait")
    status = {s["name"]: s for s in await sched.status()}
    assert set(status) == {"payouts", "gift_cards", "stock_reconcile", "tieout"}
    assert status["payouts"]["last_state"] == "dead"
    assert status["payouts"]["last_error"] == "Shopify is down"
    assert status["payouts"]["next_run"] == local(2026, 11, 23, 3, 0).astimezone(AMS).isoformat()
    assert status["gift_cards"]["last_run"] is None
    assert status["gift_cards"]["next_run"].startswith("2026-11-23T03:30:00+01:00")


@pytest.mark.anyio
async def test_a_dead_run_is_retried_by_the_next_run(services):
    clock = Clock(local(2026, 11, 21, 3, 0))
    sched = scheduler(services, clock)
    yesterday = await sched.fire("payouts", local(2026, 11, 21, 3, 0))
    job = (await services.queue.claim(1))[0]
    await services.queue.bury(job, "Exact said no", hint="fix it")
    clock.now = local(2026, 11, 22, 3, 0)
    await sched.fire("payouts", clock.now)
    assert (await services.queue.get(yesterday)).state == "queued"  # one more go


@pytest.mark.anyio
async def test_the_loop_fires_when_the_time_comes(services):
    clock = Clock(local(2026, 11, 22, 2, 59, 59))
    sched = scheduler(services, clock)
    sched.catch_up = False
    enqueued = anyio.Event()
    services.queue.subscribe(lambda event, data: enqueued.set() if event == "enqueued" else None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(sched.run)
        await anyio.sleep(0.05)
        assert await jobs(services) == []
        clock.now = local(2026, 11, 22, 3, 0, 0)
        sched.wake()  # what the nap's timer would do a second later
        with anyio.fail_after(5):
            await enqueued.wait()
        tg.cancel_scope.cancel()
    assert await jobs(services) == [("payouts.import", "payouts:2026-11-22")]


@pytest.mark.anyio
async def test_a_firing_the_database_refuses_is_retried_not_skipped(services):
    clock = Clock(local(2026, 11, 22, 3, 0, 0))
    sched = scheduler(services, clock)
    sched.catch_up = False
    real_enqueue, failures = sched._enqueue, []

    async def flaky(*args, **kw):
        if not failures:
            failures.append(1)
            raise RuntimeError("database is locked")
        return await real_enqueue(*args, **kw)

    sched._enqueue = flaky
    sched._owed["payouts"] = local(2026, 11, 22, 3, 0)  # as the loop leaves a failed firing
    await sched._fire_or_owe("payouts", local(2026, 11, 22, 3, 0))
    assert "payouts" in sched._owed and await jobs(services) == []
    enqueued = anyio.Event()
    services.queue.subscribe(lambda event, data: enqueued.set() if event == "enqueued" else None)
    async with anyio.create_task_group() as tg:
        tg.start_soon(sched.run)
        with anyio.fail_after(5):
            await enqueued.wait()
        tg.cancel_scope.cancel()
    assert await jobs(services) == [("payouts.import", "payouts:2026-11-22")]
