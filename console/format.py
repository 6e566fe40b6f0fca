"""Small formatting helpers for the console: relative times, durations, colours per state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]

STATE_STYLE = {
    "queued": "cyan",
    "running": "bold blue",
    "succeeded": "green",
    "retrying": "yellow",
    "dead": "bold red",
    "cancelled": "dim",
}
HEALTH_STYLE = {"healthy": "green", "failing": "bold red", "paused": "yellow"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def ago(ts: str | None, now: datetime) -> str:
    """'3m ago' / 'in 5m' from an ISO timestamp; 'never' when there is none."""
    if not ts:
        return "never"
    try:
        seconds = (now - datetime.fromisoformat(ts)).total_seconds()
    except ValueError:
        return ts
    return f"{duration(seconds)} ago" if seconds >= 0 else f"in {duration(seconds)}"


def state_text(state: str) -> str:
    return f"[{STATE_STYLE.get(state, 'white')}]{state}[/]"
