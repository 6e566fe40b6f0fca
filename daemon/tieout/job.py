"""The `tieout.daily` job: tie out yesterday (shop-local) each morning and keep the report.

The report is kept in the cursors table under LAST_REPORT, where the alert rule reads its
unexplained count (daemon/alerts/rules.py) and the control API serves it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from daemon.flows.orders.fulfilment import shop_zone
from daemon.tieout.collect import run_tieout

KIND = "tieout.daily"
LAST_REPORT = "tieout:last"


def report_day(payload: dict[str, Any], zone: dt.tzinfo) -> dt.date:
    """The day a run ties out: `date` if given, else the day before the run's local date."""
    if payload.get("date"):
        return dt.date.fromisoformat(str(payload["date"]))
    due = payload.get("due_at")
    moment = dt.datetime.fromisoformat(due) if due else dt.datetime.now(dt.UTC)
    return moment.astimezone(zone).date() - dt.timedelta(days=1)


async def tie_out_day(services: Any, day: dt.date) -> dict[str, Any]:
    """Run the tie-out for `day` and keep it as the last report."""
    report = await run_tieout(services, day)
    report["ran_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    await services.cursors.set(LAST_REPORT, json.dumps(report))
    return report


async def run_daily(services: Any, job: Any) -> None:
    await tie_out_day(services, report_day(job.payload, shop_zone(services)))


async def last_report(services: Any) -> dict[str, Any] | None:
    text = await services.cursors.get(LAST_REPORT)
    return json.loads(text) if text else None
