"""The demo's tie-out verdict: today's books (shop-local) through the real tie-out job, in short.

Run as a job, not inline: the demo's Exact minute budget is spent by then, and the worker
waits for it and retries where an inline call would fail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio

from daemon.flows.orders.fulfilment import shop_zone
from daemon.tieout.job import KIND, last_report


async def tieout_verdict(services: Any, *, limit_s: float = 180.0) -> dict[str, Any]:
    """Differences by reason and the unexplained count of today's tie-out, or why none ran."""
    day = dt.datetime.now(shop_zone(services)).date().isoformat()
    job_id = await services.queue.enqueue(KIND, f"tieout:demo:{day}", {"date": day})
    job = None
    with anyio.move_on_after(limit_s):
        while True:
            job = await services.queue.get(job_id)
            if job is not None and job.state.value in ("succeeded", "dead"):
                break
            await anyio.sleep(0.2)  # the queue has no per-job event to wait on
    report = await last_report(services)
    if job is None or job.state.value != "succeeded" or report is None:
        state = job.state.value if job is not None else "missing"
        return {"date": day, "error": f"the tie-out job is {state}: {job and job.last_error}"}
    return {
        "date": report["date"],
        "covers": report.get("covers", []),
        "documents": report.get("documents"),
        "differences": len(report["differences"]),
        "by_reason": {k: v for k, v in report["by_reason"].items() if v},
        "unexplained": report["unexplained"],
        "examples": report["differences"][:3],
    }
