"""Daily schedules that only *enqueue* jobs, keyed by schedule and local date, never twice.

APScheduler 3.x supplies the trigger arithmetic (`CronTrigger`, time zones and DST); an anyio
loop in the supervisor's task group does the waiting, so there is no second event loop or thread.
Each firing writes a `schedule_runs` row and its job in one transaction; the row's primary key
(`name`, `{name}:{local date}`) is what makes a restart — or two firings — enqueue a run once.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import anyio
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, Field, field_validator

from daemon.logs import get_logger

log = get_logger("shopsync.schedule")

DAILY = r"^(off|([01]\d|2[0-3]):[0-5]\d)$"
# Sleep at most this long between clock checks: a suspended host or a clock step is noticed.
MAX_NAP = 60.0
OWED_NAP = 15.0  # how soon a firing that failed is tried again
DEFAULT_TIMEZONE = "Europe/Amsterdam"


class ScheduleSettings(BaseModel):
    """The `[schedules]` section: when each daily import runs, in the shop's time zone."""

    model_config = {"extra": "forbid"}

    # IANA zone name, or "shop" to take the zone from Shopify's shop settings at start.
    timezone: str = DEFAULT_TIMEZONE
    payouts: str = Field("03:00", pattern=DAILY)
    gift_cards: str = Field("03:30", pattern=DAILY)
    # Pay. generates clearings "in the morning" (developer.pay.nl); read them after that.
    paynl: str = Field("10:00", pattern=DAILY)
    # Default: [stock] reconcile_at (when stock sync is enabled).
    stock_reconcile: str | None = Field(None, pattern=DAILY)
    # The daily tie-out of yesterday's books (daemon/tieout/); after the imports above booked.
    tieout: str = Field("06:00", pattern=DAILY)
    # A run missed while the daemon was down runs once at start (only the latest missed day).
    catch_up: bool = True

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        if v != "shop":
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f'unknown time zone {v!r} (use an IANA name like {DEFAULT_TIMEZONE} or "shop")'
                ) from None
        return v


@dataclass(frozen=True)
class Schedule:
    """One daily run: what to enqueue, and the job key for a local date."""

    name: str
    kind: str
    key_prefix: str  # job key = prefix + local date
    at: str  # "HH:MM"

    def job_key(self, day: dt.date) -> str:
        return f"{self.key_prefix}{day.isoformat()}"

    def run_key(self, day: dt.date) -> str:
        return f"{self.name}:{day.isoformat()}"

    def trigger(self, zone: dt.tzinfo) -> CronTrigger:
        hour, minute = self.at.split(":")
        return CronTrigger(hour=int(hour), minute=int(minute), timezone=zone)


def schedules_from(settings: Any) -> list[Schedule]:
    """The schedules the configuration switches on (a flow that is disabled has none)."""
    cfg: ScheduleSettings = settings.schedules
    wanted = []
    paynl = getattr(settings, "paynl", None)
    if settings.shop.platform == "ccvshop":
        # Shopify Payments, gift cards and the stock reconcile are Shopify's: a CCV shop has
        # only Pay.'s daily import.
        if cfg.paynl != "off" and paynl is not None and paynl.enabled:
            wanted.append(Schedule("paynl", "paynl.import", "paynl:", cfg.paynl))
        return wanted
    payouts = getattr(settings, "payouts", None)
    if cfg.payouts != "off" and (payouts is None or payouts.enabled):
        wanted.append(Schedule("payouts", "payouts.import", "payouts:", cfg.payouts))
    gift_cards = getattr(settings, "gift_cards", None)
    if cfg.gift_cards != "off" and (gift_cards is None or gift_cards.enabled):
        wanted.append(Schedule("gift_cards", "gift_cards.import", "gift_cards:", cfg.gift_cards))
    if cfg.paynl != "off" and paynl is not None and paynl.enabled:
        wanted.append(Schedule("paynl", "paynl.import", "paynl:", cfg.paynl))
    if cfg.tieout != "off" and getattr(settings, "shopify", None) is not None:
        wanted.append(Schedule("tieout", "tieout.daily", "tieout:", cfg.tieout))
    stock_at = cfg.stock_reconcile or settings.stock.reconcile_at
    if settings.stock.enabled and stock_at != "off":
        wanted.append(Schedule("stock_reconcile", "stock.reconcile", "stock:reconcile:", stock_at))
    return wanted


class UnknownSchedule(KeyError):
    """run_now() was asked for a schedule that does not exist or is switched off."""

    def __str__(self) -> str:
        return str(self.args[0])


Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Scheduler:
    """Fires each schedule once per local day by enqueueing its job; the queue does the rest."""

    def __init__(
        self,
        services: Any,
        schedules: list[Schedule],
        *,
        zone: dt.tzinfo | None = None,
        clock: Clock = _utcnow,
        catch_up: bool = True,
    ):
        self.services = services
        self.schedules = {s.name: s for s in schedules}
        self.zone_from_shop = zone is None
        self.zone: dt.tzinfo = zone or ZoneInfo(DEFAULT_TIMEZONE)
        self.clock = clock
        self.catch_up = catch_up
        self._wake = anyio.Event()
        self._owed: dict[str, dt.datetime] = {}  # firings that failed (database busy): retried

    @classmethod
    def from_services(cls, services: Any) -> Scheduler:
        cfg: ScheduleSettings = services.settings.schedules
        zone = None if cfg.timezone == "shop" else ZoneInfo(cfg.timezone)
        return cls(services, schedules_from(services.settings), zone=zone, catch_up=cfg.catch_up)

    def wake(self) -> None:
        """Look at the clock now rather than at the end of the current nap."""
        self._wake.set()

    # -- the API the control socket and the console use ---------------------------------------

    async def status(self) -> list[dict[str, Any]]:
        """Per schedule: when it last ran (and how that went) and when it runs next."""
        now = self.clock()
        out = []
        for sched in self.schedules.values():
            row = await self.services.db.fetchone(
                "SELECT r.run_key, r.enqueued_at, r.job_id, j.state, j.last_error"
                " FROM schedule_runs r LEFT JOIN jobs j ON j.id = r.job_id"
                " WHERE r.name = ? ORDER BY r.enqueued_at DESC, r.rowid DESC LIMIT 1",
                (sched.name,),
            )
            ok = await self.services.db.fetchone(
                "SELECT max(j.finished_at) FROM schedule_runs r JOIN jobs j ON j.id = r.job_id"
                " WHERE r.name = ? AND j.state = 'succeeded'",
                (sched.name,),
            )
            nxt = self.next_fire(sched, now)
            out.append(
                {
                    "name": sched.name,
                    "kind": sched.kind,
                    "at": sched.at,
                    "timezone": str(self.zone),
                    "last_run": _iso(row[1]) if row else None,
                    "last_run_key": row[0] if row else None,
                    "last_job_id": row[2] if row else None,
                    # The job's state; "pruned" once housekeeping forgot a finished job.
                    "last_state": (row[3] or "pruned") if row else None,
                    "last_error": row[4] if row else None,
                    "last_success": _iso(ok[0]) if ok and ok[0] else None,
                    "next_run": nxt.isoformat() if nxt else None,
                }
            )
        return out

    async def run_now(self, name: str) -> int:
        """Enqueue a run at once (an operator asked); coalesces with today's pending run."""
        sched = self.schedules.get(name)
        if sched is None:
            raise UnknownSchedule(
                f"no schedule {name!r}; known: {', '.join(sorted(self.schedules)) or 'none'}"
            )
        now = self.clock()
        run_key = f"{sched.name}:manual:{now.isoformat(timespec='seconds')}"
        job_id = await self._enqueue(sched, now.astimezone(self.zone).date(), now, run_key)
        assert job_id is not None  # a manual run key is new unless two land in one second
        log.info("schedule run requested", schedule=name, job_id=job_id)
        return job_id

    # -- firing ---------------------------------------------------------------------------------

    def next_fire(self, sched: Schedule, after: dt.datetime) -> dt.datetime | None:
        return sched.trigger(self.zone).get_next_fire_time(None, after + dt.timedelta(seconds=1))

    def last_due(self, sched: Schedule, now: dt.datetime) -> dt.datetime | None:
        """The latest firing time at or before `now` (within the past two days)."""
        trigger = sched.trigger(self.zone)
        t = trigger.get_next_fire_time(None, now - dt.timedelta(days=2))
        last = None
        while t is not None and t <= now:
            last = t
            t = trigger.get_next_fire_time(t, t + dt.timedelta(seconds=1))
        return last

    async def fire(self, name: str, due_at: dt.datetime) -> int | None:
        """Enqueue the run due at `due_at` unless it was already enqueued; the job id or None."""
        sched = self.schedules[name]
        day = due_at.astimezone(self.zone).date()
        job_id = await self._enqueue(sched, day, due_at, sched.run_key(day))
        if job_id is not None:
            # A dead earlier run gets one more go with this one, so its alert can resolve.
            retried = await self.services.queue.retry(
                state="dead", kind=sched.kind, key_prefix=sched.key_prefix
            )
            log.info("schedule fired", schedule=name, job_id=job_id, retried_dead=retried)
        return job_id

    async def _enqueue(
        self, sched: Schedule, day: dt.date, due_at: dt.datetime, run_key: str
    ) -> int | None:
        queue = self.services.queue
        key = sched.job_key(day)
        payload = {"schedule": sched.name, "run_key": run_key, "due_at": due_at.isoformat()}
        async with self.services.db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM schedule_runs WHERE name = ? AND run_key = ?",
                (sched.name, run_key),
            ) as cur:
                if await cur.fetchone() is not None:
                    return None
            job_id = await queue.enqueue_in(conn, sched.kind, key, payload)
            await conn.execute(
                "INSERT INTO schedule_runs (name, run_key, due_at, job_id, enqueued_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (sched.name, run_key, due_at.timestamp(), job_id, time.time()),
            )
        queue.emit("enqueued", id=job_id, kind=sched.kind, key=key)
        return job_id

    async def catch_up_missed(self) -> list[int]:
        """At start: each schedule whose latest due run was never enqueued runs once now.

        Only schedules that ran before count as missed: a first start waits for the first due
        time (or `shopsync run-now`), so installing the daemon at noon does not fire at once.
        """
        now = self.clock()
        fired = []
        for sched in self.schedules.values():
            seen = await self.services.db.fetchone(
                "SELECT 1 FROM schedule_runs WHERE name = ? LIMIT 1", (sched.name,)
            )
            due = self.last_due(sched, now)
            if seen is None or due is None:
                continue
            job_id = await self.fire(sched.name, due)
            if job_id is not None:
                log.info("missed schedule runs once now", schedule=sched.name, due=due.isoformat())
                fired.append(job_id)
        return fired

    async def resolve_zone(self) -> None:
        if not self.zone_from_shop:
            return
        if getattr(self.services, "shopify", None) is None:  # a CCV shop: no time zone to ask
            self.zone = ZoneInfo(DEFAULT_TIMEZONE)
            return
        try:
            shop = await self.services.shopify.shop_info()
            self.zone = ZoneInfo(shop.iana_timezone or DEFAULT_TIMEZONE)
        except Exception as exc:  # Shopify down at start must not stop the schedules
            log.warning("shop time zone unknown; using the default", error=str(exc))
            self.zone = ZoneInfo(DEFAULT_TIMEZONE)
        exact = getattr(self.services, "exact", None)
        if exact is not None and hasattr(exact, "zone"):
            exact.zone = self.zone  # Exact's dates are the shop's local dates (wire.py)

    async def run(self) -> None:
        """Catch up, then sleep until the next due run, fire it, and so on until cancelled.

        A firing that fails (the database refused the write) is owed and retried every nap:
        a schedule must never be skipped, and the daemon must not die of it.
        """
        now = self.clock()
        log.info(
            "schedules",
            timezone=str(self.zone),
            next={s.name: str(self.next_fire(s, now)) for s in self.schedules.values()},
        )
        if self.catch_up:
            try:
                await self.catch_up_missed()
            except Exception as exc:
                log.error("schedule catch-up failed; the next due runs still fire", error=str(exc))
        while True:
            for name, due in list(self._owed.items()):
                await self._fire_or_owe(name, due)
            now = self.clock()
            upcoming = [(self.next_fire(s, now), s.name) for s in self.schedules.values()]
            upcoming = [(t, n) for t, n in upcoming if t is not None]
            if not upcoming:
                return
            due_at, _ = min(upcoming)
            wait = (due_at - now).total_seconds()
            if wait > 0:
                self._wake = anyio.Event()
                nap = min(wait, MAX_NAP if not self._owed else OWED_NAP)
                with anyio.move_on_after(nap):
                    await self._wake.wait()
                if (due_at - self.clock()).total_seconds() > 0:
                    continue
            for t, name in upcoming:
                if t == due_at:
                    await self._fire_or_owe(name, due_at)

    async def _fire_or_owe(self, name: str, due_at: dt.datetime) -> None:
        try:
            await self.fire(name, due_at)
        except Exception as exc:
            log.error("schedule could not enqueue its run; retrying", schedule=name, error=str(exc))
            self._owed[name] = due_at
        else:
            self._owed.pop(name, None)


def _iso(ts: float | None) -> str | None:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds") if ts else None


def scheduler_task(services: Any) -> Callable[[], Any]:
    """The background task: builds the scheduler, exposes it as extras["scheduler"], runs it."""
    scheduler = Scheduler.from_services(services)
    services.extras["scheduler"] = scheduler

    async def run() -> None:
        await scheduler.resolve_zone()
        await scheduler.run()

    return run
