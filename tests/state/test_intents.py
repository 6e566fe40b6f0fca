"""The intent journal spends the duplicate search only when an earlier attempt may have landed."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from connectors.errors import TransientError
from state.db import Database
from state.intents import CURRENT_JOB, Intents, create_once

pytestmark = pytest.mark.anyio


class FakeExact:
    """Books documents by reference; can lose the answer after booking (a dropped connection)."""

    def __init__(self) -> None:
        self.booked: dict[str, str] = {}
        self.searches = 0
        self.drop_next_answer = False

    async def search(self, ref: str) -> dict | None:
        self.searches += 1
        return {"ID": self.booked[ref]} if ref in self.booked else None

    async def create(self, ref: str) -> dict:
        self.booked[ref] = f"id-{len(self.booked) + 1}"
        if self.drop_next_answer:
            self.drop_next_answer = False
            raise TransientError("POST salesorder/SalesOrders: connection dropped by Exact")
        return {"ID": self.booked[ref], "Extra": "not kept"}


async def _once(intents: Intents, exact: FakeExact, ref: str = "#1001/AMS"):
    return await create_once(
        intents, ref, ("ID",), lambda: exact.search(ref), lambda: exact.create(ref)
    )


@pytest.fixture
async def intents(tmp_path):
    db = await Database.open(tmp_path / "shopsync.db")
    try:
        yield Intents(db)
    finally:
        await db.close()


async def test_a_first_attempt_posts_without_searching(intents):
    exact = FakeExact()
    made, existed = await _once(intents, exact)
    assert (made["ID"], existed) == ("id-1", False)
    assert exact.searches == 0
    assert (await intents.get("#1001/AMS")).outcome == {"ID": "id-1"}


async def test_an_attempt_after_the_answer_uses_the_recorded_outcome_without_calling_exact(intents):
    exact = FakeExact()
    await _once(intents, exact)
    again, existed = await _once(intents, exact)  # e.g. the process died before the link
    assert (again, existed) == ({"ID": "id-1"}, True)
    assert exact.searches == 0 and len(exact.booked) == 1


async def test_a_dropped_answer_makes_the_next_attempt_search_and_find_it_not_post_again(intents):
    exact = FakeExact()
    exact.drop_next_answer = True
    with pytest.raises(TransientError):
        await _once(intents, exact)
    assert (await intents.get("#1001/AMS")).outcome is None  # open: did it land?
    found, existed = await _once(intents, exact)
    assert (found, existed) == ({"ID": "id-1"}, True)
    assert exact.searches == 1
    assert len(exact.booked) == 1


async def test_an_open_intent_whose_post_never_landed_searches_then_posts(intents):
    exact = FakeExact()
    await intents.begin("#1001/AMS")  # killed after the intent, before the POST left
    made, existed = await _once(intents, exact)
    assert (made["ID"], existed) == ("id-1", False)
    assert exact.searches == 1
    assert (await intents.get("#1001/AMS")).attempts == 2


async def test_a_retried_job_from_before_the_journal_still_searches(intents):
    exact = FakeExact()
    exact.booked["#1001/AMS"] = "id-old"  # an older release booked it, then died
    old = SimpleNamespace(attempts=2, created_at=time.time() - 86400)
    token = CURRENT_JOB.set(old)
    try:
        found, existed = await _once(intents, exact)
    finally:
        CURRENT_JOB.reset(token)
    assert (found, existed) == ({"ID": "id-old"}, True)


async def test_a_fresh_job_after_the_journal_began_does_not_search(intents):
    exact = FakeExact()
    token = CURRENT_JOB.set(SimpleNamespace(attempts=3, created_at=time.time() + 1))
    try:
        await _once(intents, exact)
    finally:
        CURRENT_JOB.reset(token)
    assert exact.searches == 0
