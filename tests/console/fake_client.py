"""A stand-in control client with fixed, real-looking answers: snapshots stay stable."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import anyio

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def at(minutes_ago: float) -> str:
    return datetime.fromtimestamp(NOW.timestamp() - minutes_ago * 60, UTC).isoformat()


def fixed_clock() -> datetime:
    return NOW


def _flow(name, health, pending=0, dead=0, ok=2, error=None, reason=None, stats=None):
    return {
        "name": name,
        "health": health,
        "paused_reason": reason,
        "last_success": at(ok) if ok is not None else None,
        "last_error": error,
        "last_error_at": at(1) if error else None,
        "failures_in_a_row": 1 if error else 0,
        "pending": pending,
        "dead": dead,
        "stats": stats or {},
    }


STATUS: dict[str, Any] = {
    "version": "0.1.0",
    "started_at": at(185),
    "uptime_s": 11100.0,
    "flows": [
        _flow("gift_cards", "healthy", ok=600),
        _flow("orders", "failing", pending=2, dead=1, error="Item MUG-02 does not exist"),
        _flow("payouts", "paused", ok=1440, reason="Exact maintenance tonight"),
        _flow("refunds", "healthy", ok=45),
        _flow(
            "stock",
            "healthy",
            pending=3,
            ok=0.2,
            stats={
                "latency_ms": {"p95": 840.0},
                "poll_cadence": {
                    "interval_s": 360.0,
                    "reason": "Exact stock webhooks healthy: the timed poll is a safety net",
                    "since": at(120),
                },
            },
        ),
    ],
    "queue": {
        "by_state": {"queued": 4, "running": 1, "dead": 1, "succeeded": 312},
        "by_kind": {},
        "oldest_due_age_s": 4.0,
        "running": 1,
        "workers": 4,
    },
    "throughput": {
        "per_minute": [
            3,
            4,
            2,
            6,
            8,
            5,
            4,
            3,
            9,
            12,
            7,
            5,
            4,
            6,
            3,
            2,
            1,
            4,
            6,
            8,
            10,
            9,
            7,
            6,
            5,
            4,
            8,
            11,
            9,
            7,
        ],
        "last_5_min_per_min": 7.8,
        "completed_since_start": 318,
    },
    "schedules": [
        {"name": "payouts", "last_run": at(360), "next_run": at(-1080), "last_state": "succeeded"},
        {"name": "stock.reconcile", "last_run": at(570), "next_run": at(-870), "last_state": None},
    ],
    "budgets": {
        "shopify_bucket": {"maximum": 2000.0, "available": 1840.0, "known": True},
        "exact_rate": {"minutely": {"remaining": 52}, "daily": {"remaining": 4630}},
        "exact_errors": {},
        "exact_auth": {"authorized": True, "expires_at": at(-8)},
    },
    "alerts": [{"rule": "dead_jobs", "summary": "1 dead job in orders for 10 minutes"}],
}

JOBS = [
    {
        "id": 41 - i,
        "kind": kind,
        "flow": kind.split(".")[0],
        "key": key,
        "state": state,
        "attempts": attempts,
        "max_attempts": 12,
        "run_after": at(1),
        "created_at": at(5 + i),
        "updated_at": at(1 + i),
        "finished_at": None,
        "last_error": error,
        "hint": None,
    }
    for i, (kind, key, state, attempts, error) in enumerate(
        [
            ("orders.export", "order:5551234:AMS", "dead", 1, "Item MUG-02 does not exist"),
            ("stock.push", "stock:MUG-01:AMS", "queued", 0, None),
            ("stock.push", "stock:MUG-01:RTM", "running", 1, None),
            ("refunds.export", "refund:998877", "retrying", 2, "Exact answered 503"),
            ("orders.export", "order:5551233:RTM", "succeeded", 1, None),
            ("gift_cards.sync", "gift_card:7001:issue", "succeeded", 1, None),
        ]
    )
]

JOB_DETAIL = {
    **JOBS[0],
    "hint": "Create item MUG-02 in Exact (or fix the SKU in Shopify), then retry the job",
    "payload": {
        "order_id": 5551234,
        "name": "#1043",
        "location": "AMS",
        "lines": [{"sku": "MUG-02", "quantity": 2, "price": "12.50"}],
    },
    "attempts_log": [
        {
            "attempt": 1,
            "started_at": at(3),
            "finished_at": at(3),
            "duration_ms": 412.0,
            "outcome": "dead",
            "error": "Item MUG-02 does not exist",
            "traceback": "Traceback (most recent call last):\n  PermanentError: MUG-02",
        }
    ],
    "links": [
        {"label": "Shopify order", "url": "https://admin.shopify.com/store/demo/orders/5551234"}
    ],
}

LOGS = [
    {
        "type": "log",
        "ts": NOW.timestamp() - 30,
        "level": "info",
        "message": "started",
        "fields": {"workers": 4},
    },
    {
        "type": "log",
        "ts": NOW.timestamp() - 20,
        "level": "warning",
        "message": "job dead",
        "fields": {"job_id": 41, "error": "Item MUG-02 does not exist"},
    },
    {
        "type": "log",
        "ts": NOW.timestamp() - 10,
        "level": "info",
        "message": "job will retry",
        "fields": {"job_id": 38, "error": "Exact answered 503"},
    },
]


class FakeControlClient:
    """Same methods as daemon.control.client.ControlClient; records the actions asked for."""

    def __init__(self) -> None:
        self.actions: list[tuple[str, Any]] = []

    async def status(self) -> dict[str, Any]:
        return copy.deepcopy(STATUS)

    async def tieout(self, day: str | None = None) -> dict[str, Any]:
        self.actions.append(("tieout", day))
        return {"date": day or "2026-11-30", "currencies": {}, "differences": [], "unexplained": 0}

    async def jobs(self, *, state=None, kind=None, q=None, limit=50, offset=0) -> dict[str, Any]:
        rows = [j for j in JOBS if (not state or j["state"] == state) and (not q or q in j["key"])]
        return {"total": len(rows), "offset": offset, "limit": limit, "jobs": rows[offset:][:limit]}

    async def job(self, job_id: int) -> dict[str, Any]:
        return copy.deepcopy(JOB_DETAIL)

    async def retry(self, job_id: int) -> dict[str, Any]:
        self.actions.append(("retry", job_id))
        return {"count": 1, "job": JOB_DETAIL}

    async def cancel(self, job_id: int) -> dict[str, Any]:
        self.actions.append(("cancel", job_id))
        return {"count": 1, "job": JOB_DETAIL}

    async def retry_matching(self, **filters: Any) -> int:
        self.actions.append(("retry_matching", filters))
        return 1

    async def events(self, *, replay: bool = False):
        yield {"type": "hello", "version": "0.1.0"}
        for line in LOGS:
            yield line
        await anyio.sleep_forever()
