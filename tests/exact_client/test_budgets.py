"""The shared budgets wait before Exact's limits and pause a failing endpoint before Exact does."""

import anyio
import pytest

from connectors.errors import PermanentError, RateLimited
from connectors.exact.errors import EndpointPaused
from connectors.exact.limiter import ErrorBudget, RateBudget, priority


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def headers(minute_left: int, minute_reset: float, day_left: int = 4000, day_reset: float = 0):
    return {
        "X-RateLimit-Minutely-Limit": "60",
        "X-RateLimit-Minutely-Remaining": str(minute_left),
        "X-RateLimit-Minutely-Reset": str(int(minute_reset * 1000)),
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(day_left),
        "X-RateLimit-Reset": str(int((day_reset or minute_reset + 3600) * 1000)),
    }


@pytest.mark.anyio
async def test_before_any_answer_only_one_call_is_in_flight():
    budget = RateBudget(clock=FakeClock())
    await budget.acquire()
    with anyio.move_on_after(0.05) as scope:
        await budget.acquire()
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_calls_in_flight_count_against_the_remaining_minute():
    clock = FakeClock()
    budget = RateBudget(clock=clock, reset_margin=0, minute_reserve=0)
    async with budget.slot() as slot:
        slot.observe(headers(3, clock.now + 30), 200)
    await budget.acquire()
    await budget.acquire()
    await budget.acquire()
    with anyio.move_on_after(0.05) as scope:
        await budget.acquire()  # 3 left, 3 in flight: the 4th would be refused
    assert scope.cancelled_caught
    clock.now += 31  # the window resets: 60 again
    with anyio.fail_after(1):
        await budget.acquire()


@pytest.mark.anyio
async def test_the_last_calls_of_a_minute_are_kept_for_priority_reads():
    clock = FakeClock()
    budget = RateBudget(clock=clock, reset_margin=0, minute_reserve=5)
    async with budget.slot() as slot:
        slot.observe(headers(5, clock.now + 30), 200)
    with anyio.move_on_after(0.05) as scope:
        await budget.acquire()  # bulk work: these 5 are the reserve
    assert scope.cancelled_caught
    with priority(), anyio.fail_after(1):
        await budget.acquire()  # a time-critical read goes at once


@pytest.mark.anyio
async def test_nearly_spent_day_raises_rate_limited_with_time_to_reset():
    clock = FakeClock()
    budget = RateBudget(clock=clock, daily_reserve=25)
    async with budget.slot() as slot:
        slot.observe(headers(50, clock.now + 30, day_left=25, day_reset=clock.now + 7200), 200)
    with pytest.raises(RateLimited) as err:
        await budget.acquire()
    assert err.value.retry_after == pytest.approx(7200)


@pytest.mark.anyio
async def test_late_answer_from_an_ended_window_is_ignored():
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    async with budget.slot() as slot:
        slot.observe(headers(40, clock.now + 30), 200)
    budget.observe(headers(0, clock.now - 1), 200)
    assert budget.minutely.remaining == 40


@pytest.mark.anyio
async def test_endpoint_pauses_at_eight_errors_and_others_keep_working():
    clock = FakeClock()
    errors = ErrorBudget(threshold=8, window=3600, clock=clock)
    for _ in range(8):
        async with errors.guard("crm/Accounts") as outcome:
            outcome.status = 400
    with pytest.raises(EndpointPaused) as paused:
        async with errors.guard("crm/Accounts"):
            pass
    assert isinstance(paused.value, PermanentError)
    assert paused.value.retry_after == pytest.approx(3600)
    async with errors.guard("logistics/Items") as outcome:
        outcome.status = 200
    state = errors.snapshot()
    assert state["crm/Accounts"]["paused"] is True
    assert state["logistics/Items"]["errors"] == 0
    clock.now += 3601
    async with errors.guard("crm/Accounts") as outcome:
        outcome.status = 200


@pytest.mark.anyio
async def test_calls_in_flight_cannot_push_errors_past_the_threshold():
    errors = ErrorBudget(threshold=8, clock=FakeClock())
    for _ in range(7):
        async with errors.guard("crm/Accounts") as outcome:
            outcome.status = 404
    admitted = 0

    async def failing_call():
        nonlocal admitted
        try:
            async with errors.guard("crm/Accounts") as outcome:
                admitted += 1
                await anyio.sleep(0.01)
                outcome.status = 404
        except EndpointPaused:
            pass

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(failing_call)
    assert admitted == 1
    assert errors.snapshot()["crm/Accounts"]["errors"] == 8


@pytest.mark.anyio
async def test_429_without_headers_pauses_calls_for_at_most_a_minute():
    clock = FakeClock()
    budget = RateBudget(clock=clock, reset_margin=0)
    async with budget.slot() as slot:
        slot.observe({}, 429)
    with anyio.move_on_after(0.05) as scope:
        await budget.acquire()
    assert scope.cancelled_caught
    clock.now += 61
    with anyio.fail_after(1):
        await budget.acquire()
