"""Eight workers share Exact's minute budget: no 429 at all, and most of the budget used."""

from __future__ import annotations

import time

import anyio
import pytest

from connectors.exact.limiter import RateBudget

MINUTE_LIMIT = 60
TIME_SCALE = 40.0  # an Exact minute lasts 1.5 s on the wall
WINDOWS = 3


@pytest.mark.anyio
async def test_eight_workers_never_hit_429_and_use_most_of_the_minute_budget(make_exact):
    budget = RateBudget(reset_margin=0.02)
    async with make_exact(
        time_scale=TIME_SCALE, minute_limit=MINUTE_LIMIT, refresh_margin=0.75, budget=budget
    ) as env:
        await env.client.division()  # learn the window before the clock starts
        window = 60.0 / TIME_SCALE
        done = 0
        failures: list[BaseException] = []

        async def worker() -> None:
            nonlocal done
            while True:
                try:
                    await env.client.get("inventory/Warehouses", select="ID,Code")
                except Exception as exc:  # any failure (a 429 above all) fails the test below
                    failures.append(exc)
                    return
                done += 1

        start = time.monotonic()
        with anyio.move_on_after(WINDOWS * window):
            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(worker)
        elapsed = time.monotonic() - start
        exact = await env.control("GET", "state")

    allowed = MINUTE_LIMIT * elapsed / window
    utilisation = done / allowed
    print(
        f"\nExact budget: {done} calls in {elapsed:.2f} s, allowed {allowed:.0f}: "
        f"{utilisation:.0%} used, {budget.refused} × 429"
    )
    assert failures == []
    assert budget.refused == 0
    assert exact["limits"]["rejected_429"] == 0 and exact["calls_429"] == 0
    assert utilisation >= 0.8
