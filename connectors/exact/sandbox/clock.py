"""The sandbox's own clock: Exact time runs `time_scale` times faster than the wall and can jump."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SandboxClock:
    """Exact time in epoch seconds; every rule (minute window, token TTL, 30 days) reads this.

    Headers that tell a client *when* to come back are converted to wall-clock epochs with
    `to_wall`, so a client waiting until a reset waits the right real time at any scale.
    """

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.scale = time_scale
        self._wall0 = time.time()
        self._mono0 = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        return self._wall0 + (time.monotonic() - self._mono0) * self.scale + self._offset

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def advance(self, seconds: float) -> None:
        """Jump Exact time forward (daily reset, 30-day refresh-token expiry) without waiting."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += seconds

    def to_wall(self, exact_epoch: float) -> float:
        """The wall-clock epoch at which Exact time will reach `exact_epoch`."""
        return time.time() + (exact_epoch - self.now()) / self.scale

    def wall_seconds(self, exact_seconds: float) -> float:
        """How long `exact_seconds` of Exact time lasts on the wall (for sleeps)."""
        return exact_seconds / self.scale
