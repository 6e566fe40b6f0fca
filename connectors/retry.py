"""A failed read is tried again at once, a couple of times, before the job is given up on.

Under a flaky API (the fault suite runs 30 % 5xx, drops and timeouts) a job that makes ten
calls almost never gets all ten through if any single failure sends the whole job back to the
queue, to make every call again after a backoff. Retrying the one call that failed, a moment
later, gets it through. Only calls that are safe to repeat come here: reads, never writes (a
repeated POST to Exact can book twice). Rate limits are not retried: the budget says when.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from connectors.errors import RateLimited, TransientError

T = TypeVar("T")

ATTEMPTS = 3
PAUSE = 0.3  # seconds before the second try; doubled before the third, with jitter


async def read_with_retries(
    call: Callable[[], Awaitable[T]], *, attempts: int = ATTEMPTS, pause: float = PAUSE
) -> T:
    """`await call()`, again after a short pause when it fails transiently, `attempts` in all."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RateLimited:
            raise
        except TransientError:
            if attempt == attempts:
                raise
            await anyio.sleep(pause * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")  # the loop returns or raises
