"""Waiting on the console without sleeping blindly: poll a condition between Pilot pauses."""

from __future__ import annotations

from collections.abc import Callable

import anyio


async def until(pilot, condition: Callable[[], bool], limit: float = 15.0) -> None:
    with anyio.fail_after(limit):
        while not condition():
            await pilot.pause(0.05)
