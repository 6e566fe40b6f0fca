"""Fault injection for the GraphQL endpoint: errors, latency, throttle bursts, drops, timeouts."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Faults:
    error_rate: float = 0.0  # share of requests answered with a 5xx
    latency_ms: int = 0  # added before every answer
    throttle_burst: int = 0  # the next N requests are THROTTLED whatever the bucket says
    drop_rate: float = 0.0  # share of requests whose connection is cut mid-answer
    timeout_rate: float = 0.0  # share of requests never answered

    def update(self, data: dict[str, Any]) -> None:
        for name in asdict(self):
            if name in data:
                setattr(self, name, type(getattr(self, name))(data[name]))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def pick(self, rng: random.Random) -> str | None:
        """Which fault, if any, hits this request."""
        if self.throttle_burst > 0:
            self.throttle_burst -= 1
            return "throttle"
        roll = rng.random()
        for name, rate in (
            ("timeout", self.timeout_rate),
            ("drop", self.drop_rate),
            ("error", self.error_rate),
        ):
            if roll < rate:
                return name
            roll -= rate
        return None
