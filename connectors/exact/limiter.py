"""Budgets shared by every worker: Exact's call limits (minute, day) and its hourly error limit.

`RateBudget` learns the limits from the `X-RateLimit-*` headers on every answer (reset times are
UTC epoch milliseconds: picqer/exact-php-client Connection.php, getMinutelyLimitReset), counts
calls still in flight against the remaining budget, and makes callers wait *before* a call that
would be refused. `ErrorBudget` stops calling an endpoint that keeps failing well before Exact's
"10 errors (400/401/403/404) per endpoint per hour" block (see /work/shared/api/exact.md).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from connectors.errors import RateLimited
from connectors.exact.errors import API, EndpointPaused


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


@dataclass
class _Window:
    """One limit (minutely or daily) as last reported by Exact."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds

    def observe(self, limit: int | None, remaining: int | None, reset_ms: int | None, now: float):
        if limit is not None:
            self.limit = limit
        if remaining is None:
            return
        reset = reset_ms / 1000 if reset_ms is not None else None
        if reset is not None and reset <= now:
            return  # a late answer from a window that has already ended says nothing about now
        if reset is None or self.reset is None or reset > self.reset or self.remaining is None:
            self.remaining, self.reset = remaining, reset
        else:
            # Same window, answers arriving out of order: the lowest count is the freshest.
            self.remaining = min(self.remaining, remaining)

    def roll_if_over(self, now: float, margin: float) -> None:
        if self.reset is not None and now >= self.reset + margin:
            self.remaining, self.reset = self.limit, None


_priority: contextvars.ContextVar[bool] = contextvars.ContextVar("exact_priority", default=False)


@contextlib.contextmanager
def priority() -> Any:
    """Calls made inside may use the minute's reserved calls (time-critical reads)."""
    token = _priority.set(True)
    try:
        yield
    finally:
        _priority.reset(token)


class RateBudget:
    """Exact's per-company call budget, shared by all workers of one process.

    Use `async with budget.slot() as slot:` around each call and `slot.observe(response)` inside.
    Until the first answer tells us the real numbers only one call at a time goes out (a restart
    may land in a window already spent). The last `daily_reserve` calls of a day (at most 5 %) are
    not spent by workers; there callers get RateLimited with the seconds until Exact's daily reset
    rather than a wait of hours.
    """

    def __init__(
        self,
        *,
        daily_reserve: int = 25,
        minute_reserve: int = 5,
        reset_margin: float = 1.0,
        max_wait: float = 75.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.daily_reserve = daily_reserve
        # The last calls of each minute are kept for `priority()` callers, so a burst of bulk
        # work (a dozen new customers' orders) cannot make a time-critical read wait a minute.
        self.minute_reserve = minute_reserve
        self.reset_margin = reset_margin  # absorbs clock skew between us and Exact
        self.max_wait = max_wait
        self.clock = clock
        self.minutely = _Window()
        self.daily = _Window()
        self.in_flight = 0
        self.calls = 0
        self.refused = 0  # 429s seen: should stay 0
        self._changed = anyio.Event()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[_Slot]:
        await self.acquire()
        slot = _Slot(self)
        try:
            yield slot
        finally:
            self.in_flight -= 1
            self._notify()

    async def acquire(self) -> None:
        while True:
            now = self.clock()
            self.minutely.roll_if_over(now, self.reset_margin)
            self.daily.roll_if_over(now, self.reset_margin)
            if self.daily.remaining is not None:
                left = self.daily.remaining - self.in_flight
                # Never hold back more than 5 % of the day (small sandboxes, trial limits).
                reserve = min(self.daily_reserve, (self.daily.limit or 0) // 20)
                if left <= reserve:
                    retry = (self.daily.reset - now) if self.daily.reset else None
                    raise RateLimited(
                        f"Exact's daily call budget is nearly used ({left} left)",
                        retry_after=retry,
                        api=API,
                        hint="Calls resume when Exact resets the daily limit (midnight).",
                    )
            if self.minutely.remaining is None:
                free = 1 - self.in_flight  # probe until the headers tell us the window
            else:
                free = self.minutely.remaining - self.in_flight
                if not _priority.get():
                    free -= min(self.minute_reserve, (self.minutely.limit or 0) // 3)
            if free > 0:
                self.in_flight += 1
                self.calls += 1
                return
            await self._wait(now)

    async def _wait(self, now: float) -> None:
        delay = math.inf
        if self.minutely.reset is not None:
            delay = self.minutely.reset + self.reset_margin - now
            if delay > self.max_wait:
                raise RateLimited(
                    "Exact's minute budget is used up",
                    retry_after=delay,
                    api=API,
                )
        changed = self._changed
        # Wake at the reset, or sooner when an answer in flight changes what we know.
        with anyio.move_on_after(max(delay, 0.0) if delay != math.inf else self.max_wait):
            await changed.wait()

    def observe(self, headers: Mapping[str, str], status: int) -> None:
        now = self.clock()
        self.minutely.observe(
            _header_int(headers, "X-RateLimit-Minutely-Limit"),
            _header_int(headers, "X-RateLimit-Minutely-Remaining"),
            _header_int(headers, "X-RateLimit-Minutely-Reset"),
            now,
        )
        self.daily.observe(
            _header_int(headers, "X-RateLimit-Limit"),
            _header_int(headers, "X-RateLimit-Remaining"),
            _header_int(headers, "X-RateLimit-Reset"),
            now,
        )
        if status == 429:
            self.refused += 1
            if self.minutely.remaining:
                # A 429 without a minute count of 0 means our view was stale: assume spent.
                self.minutely.remaining = 0
            if self.minutely.reset is None:
                # No reset time in the answer: a minute window ends within a minute.
                self.minutely.remaining, self.minutely.reset = 0, now + 60.0
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    def snapshot(self) -> dict[str, Any]:
        """Numbers for the control API; no secrets here."""
        return {
            "minutely": {
                "limit": self.minutely.limit,
                "remaining": self.minutely.remaining,
                "reset": self.minutely.reset,
            },
            "daily": {
                "limit": self.daily.limit,
                "remaining": self.daily.remaining,
                "reset": self.daily.reset,
            },
            "in_flight": self.in_flight,
            "calls": self.calls,
            "refused": self.refused,
        }


class _Slot:
    def __init__(self, budget: RateBudget) -> None:
        self._budget = budget

    def observe(self, headers: Mapping[str, str], status: int) -> None:
        self._budget.observe(headers, status)

    def lost(self) -> None:
        """The call failed on the network: it may still have counted, so assume it did."""
        window = self._budget.minutely
        if window.remaining:
            window.remaining -= 1


COUNTED_STATUSES = frozenset({400, 401, 403, 404})


@dataclass
class _Endpoint:
    errors: deque[float] = field(default_factory=deque)
    in_flight: int = 0


class ErrorBudget:
    """Counts 400/401/403/404 per endpoint over a rolling window and pauses an endpoint in time.

    Exact blocks an app for an hour after 10 such errors per endpoint per hour. We stop at
    `threshold` (8), and count calls in flight as possible errors, so eight workers failing at
    once cannot push the count past it. A paused endpoint answers EndpointPaused (a
    PermanentError: the job is dead with a clear sentence) until enough errors age out.
    """

    def __init__(
        self,
        *,
        threshold: int = 8,
        window: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.window = window
        self.clock = clock
        self._endpoints: dict[str, _Endpoint] = {}
        self._changed = anyio.Event()

    def _prune(self, state: _Endpoint, now: float) -> None:
        while state.errors and state.errors[0] <= now - self.window:
            state.errors.popleft()

    def _resume_in(self, state: _Endpoint, now: float) -> float:
        # Resume when the count drops below the threshold: the right error has aged out.
        index = len(state.errors) - self.threshold
        return max(0.0, state.errors[index] + self.window - now)

    @contextlib.asynccontextmanager
    async def guard(self, endpoint: str) -> AsyncIterator[_Outcome]:
        """Admit one call to `endpoint` (or raise EndpointPaused); record its status on exit."""
        state = self._endpoints.setdefault(endpoint, _Endpoint())
        while True:
            now = self.clock()
            self._prune(state, now)
            if len(state.errors) >= self.threshold:
                resume = self._resume_in(state, now)
                raise EndpointPaused(
                    f"calls to {endpoint} are paused for {math.ceil(resume)} s after "
                    f"{len(state.errors)} errors in the last hour",
                    retry_after=resume,
                    api=API,
                    hint="Fix the cause of the errors above; Exact blocks the app for an hour "
                    "after 10 errors on one endpoint, so shopsync stops at "
                    f"{self.threshold}.",
                )
            if len(state.errors) + state.in_flight < self.threshold:
                break
            changed = self._changed
            await changed.wait()
        state.in_flight += 1
        outcome = _Outcome()
        try:
            yield outcome
        finally:
            state.in_flight -= 1
            if outcome.status in COUNTED_STATUSES:
                state.errors.append(self.clock())
            self._changed.set()
            self._changed = anyio.Event()

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Per endpoint: errors in the window, whether paused and for how long (control API)."""
        now = self.clock()
        out: dict[str, dict[str, Any]] = {}
        for endpoint, state in self._endpoints.items():
            self._prune(state, now)
            paused = len(state.errors) >= self.threshold
            out[endpoint] = {
                "errors": len(state.errors),
                "threshold": self.threshold,
                "paused": paused,
                "resume_in": self._resume_in(state, now) if paused else 0.0,
            }
        return out


@dataclass
class _Outcome:
    status: int | None = None
