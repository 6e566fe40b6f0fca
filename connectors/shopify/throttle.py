"""A cost-aware gate, shared by every worker, that keeps us inside Shopify's query-cost bucket.

Shopify limits GraphQL by a leaky bucket of cost points per app and store; every answer reports
`extensions.cost.throttleStatus` (maximumAvailable, currentlyAvailable, restoreRate). We mirror
that bucket locally, reserve each query's expected cost before sending it, and wait when the
bucket cannot afford it, so concurrent workers slow down before Shopify has to say THROTTLED.
Source: https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio

DEFAULT_QUERY_COST = 50
# Shopify rejects any single query that requests more than this, whatever the bucket size.
MAX_SINGLE_QUERY_COST = 1000


@dataclass(frozen=True)
class BucketStatus:
    """Our estimate of Shopify's bucket at one moment (for the console and for tests)."""

    maximum: float
    available: float
    restore_rate: float
    reserved: float
    known: bool


class CostThrottle:
    """Reserve cost before a query goes out; learn the bucket and each query's cost from answers.

    Until the first answer tells us the bucket, only one query is in flight: a probe, so N
    workers starting together cannot empty an unknown (maybe small) bucket at once.
    """

    def __init__(
        self,
        *,
        default_cost: int = DEFAULT_QUERY_COST,
        max_resends: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default_cost = default_cost
        self.max_resends = max_resends
        self._clock = clock
        self._maximum = float(MAX_SINGLE_QUERY_COST)
        self._available = 0.0
        self._restore_rate = 0.0
        self._observed_at = clock()
        self._known = False
        self._reserved = 0.0
        self._costs: dict[str, int] = {}
        # One waiter at a time decides; the others queue behind it in arrival order.
        self._gate = anyio.Lock()
        self._changed = anyio.Event()
        self.waits = 0  # how many times a query had to wait for the bucket (for metrics/tests)
        self.throttled = 0  # how many THROTTLED answers Shopify gave us anyway

    # -- what we know ---------------------------------------------------------------------------

    def estimated_cost(self, key: str) -> int:
        return min(self._costs.get(key, self.default_cost), MAX_SINGLE_QUERY_COST)

    def status(self) -> BucketStatus:
        return BucketStatus(
            maximum=self._maximum,
            available=self._estimate_available(),
            restore_rate=self._restore_rate,
            reserved=self._reserved,
            known=self._known,
        )

    def _estimate_available(self) -> float:
        elapsed = max(0.0, self._clock() - self._observed_at)
        return min(self._maximum, self._available + elapsed * self._restore_rate)

    def seconds_until(self, cost: float) -> float:
        """How long until the bucket (net of in-flight reservations) can pay `cost`."""
        missing = cost + self._reserved - self._estimate_available()
        if missing <= 0:
            return 0.0
        if self._restore_rate <= 0:
            return 1.0
        return missing / self._restore_rate

    # -- learning from answers ------------------------------------------------------------------

    def now(self) -> float:
        return self._clock()

    def observe(self, key: str, cost: dict[str, Any] | None) -> None:
        """Update the bucket and the cost estimate for `key` from an answer's `extensions.cost`.

        The observation is dated when the answer arrives: Shopify measured the bucket a little
        earlier, so we count slightly less refill than really happened, never more.
        """
        if not cost:
            return
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float) and requested >= 0:
            self._costs[key] = int(requested)
        status = cost.get("throttleStatus") or {}
        try:
            maximum = float(status["maximumAvailable"])
            available = float(status["currentlyAvailable"])
            rate = float(status["restoreRate"])
        except (KeyError, TypeError, ValueError):
            return
        self._maximum, self._available, self._restore_rate = maximum, available, rate
        self._observed_at = self._clock()
        self._known = True
        self._changed.set()
        self._changed = anyio.Event()

    def wait_after_throttled(self, key: str) -> float:
        """Seconds to wait before re-sending `key` after a THROTTLED answer; counts the event."""
        self.throttled += 1
        return self.seconds_until(self.estimated_cost(key))

    # -- the gate -------------------------------------------------------------------------------

    @asynccontextmanager
    async def reserve(self, key: str) -> AsyncIterator[int]:
        """Wait until the bucket can pay for `key`, hold that cost while the query is in flight."""
        cost = self.estimated_cost(key)
        async with self._gate:
            while True:
                if not self._known:
                    if self._reserved == 0:
                        break  # we are the probe
                    changed = self._changed
                    self.waits += 1
                    # Wake when the probe's answer arrives; the timeout covers a probe that fails.
                    with anyio.move_on_after(1.0):
                        await changed.wait()
                    continue
                # A query dearer than the whole bucket can still run once the bucket is full.
                need = min(cost, self._maximum)
                delay = self.seconds_until(need)
                if delay <= 0:
                    break
                self.waits += 1
                # Re-check on each answer too: refunds of unused cost can make room sooner.
                changed = self._changed
                with anyio.move_on_after(delay):
                    await changed.wait()
            self._reserved += cost
        try:
            yield cost
        finally:
            self._reserved = max(0.0, self._reserved - cost)
