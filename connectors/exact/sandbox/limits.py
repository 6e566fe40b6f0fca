"""Exact's call limits: per-minute and per-day counters and the per-endpoint hourly error budget.

Header names from exact.md and Exact's list quoted on forums.invantive.com ("Inzien waardes
Exact Online kopteksten voor rate limits"). Resets are Unix epochs in milliseconds (picqer
Connection.php: "resets in UTC epoch milliseconds"); the daily window resets at midnight in the
division's time zone (Europe/Amsterdam for the NL host). Error budget: "No more than 10 errors
per API key, per user, per company, per endpoint, and per hour ... blocked ... lifted after one
hour and will gradually increase" with 400/401/403/404 counted (Exact's text quoted on
forums.invantive.com, "Impact analysis of 10 error messages per app, endpoint, division, user
and hour"). Exact does not publish the blocked answer's shape; we answer 429 with Exact's
error body and the ordinary limit headers.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .clock import SandboxClock

MINUTE = 60.0
DAY = 86400.0
HOUR = 3600.0
COUNTED_ERRORS = frozenset({400, 401, 403, 404})


@dataclass
class RateLimits:
    clock: SandboxClock
    minute_limit: int
    daily_limit: int
    timezone: str = "Europe/Amsterdam"
    minute_start: float | None = None
    day_end: float | None = None
    minute_used: int = 0
    day_start: float | None = None
    day_used: int = 0
    rejected: int = 0

    def _roll(self) -> None:
        now = self.clock.now()
        if self.day_end is None or now >= self.day_end:
            local = datetime.fromtimestamp(now, ZoneInfo(self.timezone))
            midnight = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
            tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
            self.day_start, self.day_end = midnight.timestamp(), tomorrow.timestamp()
            self.day_used = 0
        if self.minute_start is None or now >= self.minute_start + MINUTE:
            self.minute_start, self.minute_used = now, 0

    def take(self) -> bool:
        """Count one call if both windows have room; False means answer 429."""
        self._roll()
        if self.minute_used >= self.minute_limit or self.day_used >= self.daily_limit:
            self.rejected += 1
            return False
        self.minute_used += 1
        self.day_used += 1
        return True

    def minute_exceeded(self) -> bool:
        """Was the last refusal the minute window's (not the day's)?"""
        self._roll()
        return self.minute_used >= self.minute_limit

    def headers(self, *, minute_spent: bool = False) -> list[tuple[str, str]]:
        """The six headers; `minute_spent` answers a call past the minute limit (a real 429).

        Past the minute limit Exact sends only the three minutely headers (picqer README:
        "When you exceed the minutely limit, Exact only sends the minutely headers").
        """
        self._roll()
        assert self.day_end is not None and self.minute_start is not None
        day_reset = self.clock.to_wall(self.day_end)
        minute_reset = self.clock.to_wall(self.minute_start + MINUTE)
        minutely = [
            ("x-ratelimit-minutely-limit", str(self.minute_limit)),
            (
                "x-ratelimit-minutely-remaining",
                "0" if minute_spent else str(max(0, self.minute_limit - self.minute_used)),
            ),
            ("x-ratelimit-minutely-reset", str(int(minute_reset * 1000))),
        ]
        if minute_spent:
            return minutely
        return [
            ("x-ratelimit-limit", str(self.daily_limit)),
            ("x-ratelimit-remaining", str(max(0, self.daily_limit - self.day_used))),
            ("x-ratelimit-reset", str(int(day_reset * 1000))),
            *minutely,
        ]

    def state(self) -> dict[str, int]:
        self._roll()
        return {
            "minute_used": self.minute_used,
            "minute_limit": self.minute_limit,
            "day_used": self.day_used,
            "daily_limit": self.daily_limit,
            "rejected_429": self.rejected,
        }


@dataclass
class ErrorBudget:
    clock: SandboxClock
    budget: int
    errors: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    blocked_until: dict[str, float] = field(default_factory=dict)
    blocks: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def blocked(self, endpoint: str) -> float | None:
        """Exact time the block on `endpoint` ends, or None when it may be called."""
        until = self.blocked_until.get(endpoint)
        if until is None:
            return None
        if self.clock.now() >= until:
            del self.blocked_until[endpoint]
            self.errors[endpoint].clear()
            return None
        return until

    def record(self, endpoint: str, status: int) -> None:
        if status not in COUNTED_ERRORS:
            return
        now = self.clock.now()
        self.totals[endpoint] += 1
        window = self.errors[endpoint]
        window.append(now)
        while window and window[0] <= now - HOUR:
            window.popleft()
        if len(window) >= self.budget and endpoint not in self.blocked_until:
            # "gradually increase": each repeat block on the same endpoint lasts one hour more.
            self.blocks[endpoint] += 1
            self.blocked_until[endpoint] = now + HOUR * self.blocks[endpoint]

    def state(self) -> dict[str, object]:
        now = self.clock.now()
        return {
            "errors": dict(self.totals),
            "blocked": {ep: round(until - now, 1) for ep, until in self.blocked_until.items()},
        }
