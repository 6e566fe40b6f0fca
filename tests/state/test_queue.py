"""The durable queue's promises, against a real SQLite file."""

from __future__ import annotations

import random
import time

import pytest

from state.db import Database
from state.queue import Backoff, JobState, Queue

pytestmark = pytest.mark.anyio


@pytest.fixture
async def queue(tmp_path):
    db = await Database.open(tmp_path / "q.db")
    yield Queue(db, max_attempts=3, backoff=Backoff(base=10, cap=60))
    await db.close()


async def test_jobs_with_one_key_coalesce_while_queued_newest_payload_wins(queue):
    first = await queue.enqueue("stock.push", "stock:SKU-1:AMS", {"qty": 1})
    for qty in range(2, 11):
        again = await queue.enqueue("stock.push", "stock:SKU-1:AMS", {"qty": qty})
        assert again == first
    [job] = await queue.claim(10)
    assert job.payload == {"qty": 10}
    assert await queue.claim(10) == []


async def test_a_kind_can_merge_payloads_instead_of_replacing(tmp_path):
    db = await Database.open(tmp_path / "m.db")
    merge = {"orders.export": lambda old, new: {"topics": sorted({*old["topics"], *new["topics"]})}}
    q = Queue(db, merge=merge)
    await q.enqueue("orders.export", "order:1", {"topics": ["orders/create"]})
    await q.enqueue("orders.export", "order:1", {"topics": ["orders/paid"]})
    [job] = await q.claim(5)
    assert job.payload == {"topics": ["orders/create", "orders/paid"]}
    await db.close()


async def test_a_first_flow_is_claimed_ahead_of_an_older_backlog(tmp_path):
    db = await Database.open(tmp_path / "f.db")
    q = Queue(db, first=("stock",))
    for n in range(5):
        await q.enqueue("orders.export", f"order:{n}")  # a backlog, due before the stock job
    await q.enqueue("stocky.thing", "not-stock")  # a flow whose name only starts alike
    await q.enqueue("stock.poll", "stock:poll")
    [job] = await q.claim(1)
    assert job.kind == "stock.poll"
    assert [j.kind for j in await q.claim(2)] == ["orders.export", "orders.export"]
    await db.close()


async def test_a_key_never_runs_twice_at_once(queue):
    await queue.enqueue("stock.push", "k", {"v": 1})
    [running] = await queue.claim(5)
    await queue.enqueue("stock.push", "k", {"v": 2})  # arrives while the first runs
    assert await queue.claim(5) == [], "second job with a running key must wait"
    await queue.succeed(running)
    [second] = await queue.claim(5)
    assert second.payload == {"v": 2}


async def test_transient_failure_retries_with_backoff_then_dies_after_max_attempts(queue):
    await queue.enqueue("orders.export", "order:1")
    for attempt in (1, 2):
        [job] = await queue.claim(1)
        assert job.attempts == attempt
        state = await queue.fail(job, "HTTP 503")
        assert state == JobState.RETRYING
        await queue.db.execute_write("UPDATE jobs SET run_after = 0")  # skip the wait
    [job] = await queue.claim(1)
    assert await queue.fail(job, "HTTP 503") == JobState.DEAD
    dead = await queue.get(job.id)
    assert dead.state == JobState.DEAD
    assert "gave up after 3 attempts" in dead.last_error and "HTTP 503" in dead.last_error


async def test_retry_after_hint_is_honoured(queue):
    await queue.enqueue("orders.export", "order:1")
    [job] = await queue.claim(1)
    before = time.time()
    await queue.fail(job, "429", retry_after=120)
    row = await queue.db.fetchone("SELECT run_after FROM jobs WHERE id = ?", (job.id,))
    assert row[0] >= before + 120
    assert await queue.claim(1) == []


def test_backoff_is_full_jitter_capped():
    rng = random.Random(7)
    backoff = Backoff(base=10, cap=6 * 3600)
    first = [backoff.delay(1, rng=rng) for _ in range(500)]
    assert min(first) >= 0 and max(first) <= 10
    late = [backoff.delay(30, rng=rng) for _ in range(500)]
    assert max(late) <= 6 * 3600 and max(late) > 3600  # capped, and still spread out
    assert backoff.delay(1, retry_after=99, rng=rng) >= 99


async def test_permanent_failure_is_dead_at_once_with_hint(queue):
    await queue.enqueue("orders.export", "order:1")
    [job] = await queue.claim(1)
    await queue.bury(job, "SKU X-1 has no Exact item", hint="Create item X-1 in Exact, then retry")
    dead = await queue.get(job.id)
    assert (dead.state, dead.attempts, dead.hint) == (
        JobState.DEAD,
        1,
        "Create item X-1 in Exact, then retry",
    )


async def test_jobs_left_running_by_a_dead_process_run_again_counting_the_attempt(queue):
    await queue.enqueue("orders.export", "order:1")
    [job] = await queue.claim(1)
    assert await queue.recover_interrupted() == 1
    [again] = await queue.claim(1)
    assert again.id == job.id and again.attempts == 2
    rows = await queue.db.fetchall(
        "SELECT outcome FROM job_attempts WHERE job_id = ? ORDER BY attempt", (job.id,)
    )
    assert [r[0] for r in rows] == ["interrupted", None]


async def test_a_job_that_keeps_killing_the_daemon_ends_dead(queue):
    await queue.enqueue("orders.export", "poison")
    for _ in range(3):
        await queue.claim(1)
        await queue.recover_interrupted()
    job = (await queue.db.fetchall("SELECT state, last_error FROM jobs"))[0]
    assert job[0] == "dead" and "interrupted" in job[1]


async def test_release_puts_a_job_back_without_spending_an_attempt(queue):
    await queue.enqueue("orders.export", "order:1")
    [job] = await queue.claim(1)
    await queue.release(job, reason="shutdown")
    [again] = await queue.claim(1)
    assert again.attempts == 1


async def test_failed_job_folds_into_a_newer_job_with_its_key(queue):
    await queue.enqueue("stock.push", "k", {"v": 1})
    [old] = await queue.claim(1)
    newer = await queue.enqueue("stock.push", "k", {"v": 2})
    await queue.fail(old, "timeout")
    assert (await queue.get(old.id)).state == JobState.CANCELLED
    [job] = await queue.claim(1) or [None]
    if job is None:  # the newer job may have inherited the backoff
        await queue.db.execute_write("UPDATE jobs SET run_after = 0")
        [job] = await queue.claim(1)
    assert job.id == newer and job.payload == {"v": 2}


async def test_dead_jobs_can_be_retried_and_cancelled_by_filter(queue):
    for i in range(4):
        await queue.enqueue("orders.export", f"order:{i}")
    await queue.enqueue("stock.push", "stock:1")
    for job in await queue.claim(10):
        await queue.bury(job, "missing mapping")
    assert await queue.retry(state="dead", kind="orders.export") == 4
    assert len(await queue.claim(10)) == 4
    assert await queue.cancel(key_prefix="stock:") == 1
    with pytest.raises(ValueError):
        await queue.cancel()  # no filter: refuses to touch every job


async def test_key_prefix_filter_matches_literally(queue):
    await queue.enqueue("orders.export", "order_1")
    await queue.enqueue("orders.export", "orderX1")
    assert await queue.cancel(key_prefix="order_") == 1


async def test_prune_forgets_old_finished_jobs_and_receipts_only(queue):
    await queue.enqueue("orders.export", "old")
    await queue.enqueue("orders.export", "pending")
    [old, _] = await queue.claim(2)
    await queue.succeed(old)
    await queue.db.execute_write("UPDATE jobs SET finished_at = 0 WHERE id = ?", (old.id,))
    pruned = await queue.prune(jobs_older_than=3600, receipts_older_than=3600)
    assert pruned["jobs"] == 1
    assert await queue.get(old.id) is None
    assert (await queue.counts())["running"] == {"orders.export": 1}
