"""The control API's status answer: flow health, queue, throughput, schedules, budgets, alerts."""

from __future__ import annotations

import dataclasses
import inspect
import math
import time
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from daemon.context import Services

try:
    VERSION = metadata.version("shopsync")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "0.0.0+source"
THROUGHPUT_MINUTES = 30
# A flow is failing when its latest attempt died, or this many attempts in a row failed.
FAILING_STREAK = 3
_HEALTH_WINDOW = 2000  # latest finished attempts read to judge flow health


def iso(ts: float | None) -> str | None:
    """Unix seconds → ISO 8601 in UTC (the API's one timestamp format)."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


async def build_status(services: Services) -> dict[str, Any]:
    now = time.time()
    counts = await services.queue.counts()
    oldest = await services.queue.oldest_due_age()
    worker = services.extras.get("worker")
    return {
        "version": VERSION,
        "platform": services.settings.shop.platform,
        "started_at": iso(services.started_at),
        "uptime_s": round(now - services.started_at, 1),
        "flows": await flow_health(services, counts),
        "queue": {
            "by_state": {state: sum(kinds.values()) for state, kinds in counts.items()},
            "by_kind": counts,
            "oldest_due_age_s": None if oldest is None else round(oldest, 1),
            "running": len(worker.running) if worker else None,
            "workers": worker.concurrency if worker else None,
        },
        "throughput": await throughput(services, now),
        "schedules": await schedules(services),
        "budgets": budgets(services),
        "alerts": await open_alerts(services),
    }


async def flow_health(
    services: Services, counts: dict[str, dict[str, int]]
) -> list[dict[str, Any]]:
    """Per flow (the job kind's prefix): healthy | failing | paused, with last success/error."""
    paused = await services.flows.paused()
    stats: dict[str, Any] = services.extras.get("stats") or {}
    names: set[str] = set(paused) | set(stats)
    worker = services.extras.get("worker")
    if worker is not None:
        names |= {kind.split(".", 1)[0] for kind in worker.registry.handlers}
    for kinds in counts.values():
        names |= {kind.split(".", 1)[0] for kind in kinds}
    rows = await services.db.fetchall(
        "SELECT j.kind, a.outcome, a.finished_at, a.error FROM job_attempts a"
        " JOIN jobs j ON j.id = a.job_id"
        " WHERE a.finished_at IS NOT NULL AND a.outcome != 'interrupted'"
        " ORDER BY a.finished_at DESC LIMIT ?",
        (_HEALTH_WINDOW,),
    )
    seen: dict[str, dict[str, Any]] = {}
    for kind, outcome, finished_at, error in rows:
        flow = kind.split(".", 1)[0]
        names.add(flow)
        info = seen.setdefault(
            flow,
            {"latest": outcome, "streak": 0, "last_success": None, "error": None, "error_at": None},
        )
        if outcome == "succeeded":
            info["last_success"] = info["last_success"] or finished_at
        elif info["last_success"] is None:
            info["streak"] += 1
        if outcome != "succeeded" and info["error"] is None:
            info["error"], info["error_at"] = error, finished_at
    out = []
    for name in sorted(names):
        info = seen.get(name, {})
        flow_stats = stats.get(name) if isinstance(stats.get(name), dict) else {}
        dead = sum(n for kind, n in counts.get("dead", {}).items() if kind.startswith(name + "."))
        if name in paused:
            health = "paused"
        elif info.get("latest") == "dead" or info.get("streak", 0) >= FAILING_STREAK:
            health = "failing"
        else:
            health = "healthy"
        pending = sum(
            n
            for state in ("queued", "retrying", "running")
            for kind, n in counts.get(state, {}).items()
            if kind.startswith(name + ".")
        )
        out.append(
            {
                "name": name,
                "health": health,
                "paused_reason": paused.get(name),
                "last_success": iso(info.get("last_success")) or flow_stats.get("last_success"),
                "last_error": info.get("error") or flow_stats.get("last_error"),
                "last_error_at": iso(info.get("error_at")),
                "failures_in_a_row": info.get("streak", 0),
                "pending": pending,
                "dead": dead,
                "stats": _summarize(flow_stats),
            }
        )
    return out


async def throughput(services: Services, now: float) -> dict[str, Any]:
    """Succeeded attempts per minute over the last half hour, oldest minute first."""
    rows = await services.db.fetchall(
        "SELECT CAST((? - finished_at) / 60 AS INTEGER) AS m, count(*) FROM job_attempts"
        " WHERE outcome = 'succeeded' AND finished_at > ? GROUP BY m",
        (now, now - THROUGHPUT_MINUTES * 60),
    )
    per_minute = [0] * THROUGHPUT_MINUTES
    for minutes_ago, n in rows:
        if 0 <= minutes_ago < THROUGHPUT_MINUTES:
            per_minute[THROUGHPUT_MINUTES - 1 - minutes_ago] = n
    worker = services.extras.get("worker")
    return {
        "per_minute": per_minute,
        "last_5_min_per_min": round(sum(per_minute[-5:]) / 5, 1),
        "completed_since_start": worker.completed if worker else None,
    }


async def schedules(services: Services) -> list[dict[str, Any]] | None:
    """The scheduler's view (last and next run of each schedule); None when there is none."""
    scheduler = services.extras.get("scheduler")
    if scheduler is None or not hasattr(scheduler, "status"):
        return None
    try:
        result = scheduler.status()
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:  # the console still shows the rest of the status
        return [{"name": "(scheduler)", "error": f"{type(exc).__name__}: {exc}"}]
    return [_plain(dict(item)) for item in result or []]


def budgets(services: Services) -> dict[str, Any]:
    """What is left of each API's budget, and when Exact's access expires (never the token)."""
    out: dict[str, Any] = {}
    throttle = getattr(getattr(services.shopify, "client", None), "throttle", None)
    out["shopify_bucket"] = _probe(lambda: throttle.status()) if throttle else None
    if services.ccvshop is not None:
        out["ccvshop"] = _probe(services.ccvshop.status)
    budget = getattr(services.exact, "budget", None)
    out["exact_rate"] = _probe(budget.snapshot) if budget is not None else None
    errors = getattr(services.exact, "error_budget", None)
    out["exact_errors"] = _probe(errors.snapshot) if errors is not None else None
    manager = services.extras.get("tokens")
    out["exact_auth"] = _probe(manager.status) if manager is not None else None
    shopify_auth = services.extras.get("shopify_auth")
    out["shopify_auth"] = _probe(shopify_auth.status) if shopify_auth is not None else None
    return out


async def open_alerts(services: Services) -> list[dict[str, Any]]:
    rows = await services.db.fetchall(
        "SELECT fingerprint, rule, summary, detail, state, first_seen, last_seen FROM alerts"
        " WHERE state = 'open' ORDER BY last_seen DESC LIMIT 100"
    )
    return [
        {
            "fingerprint": r[0],
            "rule": r[1],
            "summary": r[2],
            "detail": r[3],
            "state": r[4],
            "first_seen": iso(r[5]),
            "last_seen": iso(r[6]),
        }
        for r in rows
    ]


def _summarize(stats: dict[str, Any]) -> dict[str, Any]:
    """A flow's stats for the wire: raw latency samples become p50/p95 (a flow may keep
    `latency_ms: {p50, p95}` itself, or a list of samples in `latencies_ms`)."""
    out = {k: v for k, v in stats.items() if not isinstance(v, list | tuple | set | dict)}
    out.update({k: _plain(v) for k, v in stats.items() if isinstance(v, dict)})
    samples = stats.get("latencies_ms")
    if isinstance(samples, list | tuple) and "latency_ms" not in out:
        values = sorted(float(v) for v in samples if isinstance(v, int | float))
        if values:
            out["latency_ms"] = {
                "p50": round(_percentile(values, 0.50), 1),
                "p95": round(_percentile(values, 0.95), 1),
                "samples": len(values),
            }
    return out


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _probe(read: Any) -> Any:
    try:
        return _plain(read())
    except Exception as exc:  # a half-built connector must not break the status page
        return {"error": f"{type(exc).__name__}: {exc}"}


def _plain(value: Any) -> Any:
    """Dataclasses and datetimes → JSON-friendly values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
