"""The leaky bucket Shopify meters GraphQL cost with: spend up front, refund the unused part."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class CostBucket:
    """`size` points, refilled at `restore_rate` points per sandbox second.

    A sandbox second lasts `time_scale` real seconds, so the real refill rate is
    restore_rate / time_scale (time_scale 0.01 runs the shop a hundred times faster).
    """

    def __init__(
        self,
        size: int,
        restore_rate: float,
        *,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.rate = restore_rate / time_scale
        self._clock = clock
        self._level = float(size)
        self._at = clock()

    def available(self) -> float:
        now = self._clock()
        self._level = min(self.size, self._level + (now - self._at) * self.rate)
        self._at = now
        return self._level

    def try_spend(self, cost: int) -> bool:
        if self.available() < cost:
            return False
        self._level -= cost
        return True

    def refund(self, points: int) -> None:
        self._level = min(self.size, self.available() + max(points, 0))

    def drain(self) -> None:
        self.available()
        self._level = 0.0

    def status(self) -> dict[str, Any]:
        return {
            "maximumAvailable": float(self.size),
            "currentlyAvailable": int(self.available()),
            "restoreRate": self.rate,
        }
