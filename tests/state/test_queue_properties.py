"""Property test: any sequence of queue operations keeps the queue's invariants."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from state.db import Database
from state.queue import Backoff, Queue

KEYS = st.sampled_from(["a", "b", "c"])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("enqueue"), KEYS, st.integers(0, 99)),
        st.tuples(st.just("claim"), st.integers(1, 3)),
        st.tuples(st.just("succeed"), st.integers(0, 5)),
        st.tuples(st.just("fail"), st.integers(0, 5)),
        st.tuples(st.just("bury"), st.integers(0, 5)),
        st.tuples(st.just("release"), st.integers(0, 5)),
        st.tuples(st.just("crash")),
        st.tuples(st.just("retry_dead")),
    ),
    max_size=40,
)


async def _check(queue: Queue, latest: dict[str, int]) -> None:
    rows = await queue.db.fetchall("SELECT key, state, payload, attempts, max_attempts FROM jobs")
    pending: dict[str, int] = {}
    running: dict[str, int] = {}
    for key, state, _payload, attempts, max_attempts in rows:
        if state in ("queued", "retrying"):
            pending[key] = pending.get(key, 0) + 1
        if state == "running":
            running[key] = running.get(key, 0) + 1
        assert attempts <= max_attempts
    assert all(n == 1 for n in pending.values()), "one pending job per key"
    assert all(n == 1 for n in running.values()), "a key never runs twice at once"


async def _run(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database.open(Path(tmp) / "p.db")
        queue = Queue(db, max_attempts=3, backoff=Backoff(base=0.0001, cap=0.0001))
        held = []
        latest: dict[str, int] = {}
        succeeded: dict[str, int] = {}  # key -> payload of the last job that succeeded
        try:
            for op in ops:
                if op[0] == "enqueue":
                    await queue.enqueue("t.op", op[1], {"v": op[2]})
                    latest[op[1]] = op[2]
                elif op[0] == "claim":
                    await db.execute_write("UPDATE jobs SET run_after = 0")
                    held.extend(await queue.claim(op[1]))
                elif op[0] == "crash":
                    await queue.recover_interrupted()
                    held.clear()
                elif op[0] == "retry_dead":
                    await queue.retry(state="dead")
                elif held:
                    job = held.pop(op[1] % len(held))
                    current = await queue.get(job.id)
                    if current is None or current.state != "running":
                        continue
                    if op[0] == "succeed":
                        await queue.succeed(job)
                        succeeded[job.key] = job.payload["v"]
                    elif op[0] == "fail":
                        await queue.fail(job, "boom")
                    elif op[0] == "bury":
                        await queue.bury(job, "bad")
                    else:
                        await queue.release(job, reason="stop")
                await _check(queue, latest)
            # Drain: every key's newest payload is eventually what runs (nothing lost).
            await queue.recover_interrupted()
            await queue.retry(state="dead")
            for _ in range(50):
                await db.execute_write("UPDATE jobs SET run_after = 0")
                jobs = await queue.claim(10)
                if not jobs:
                    break
                for job in jobs:
                    await queue.succeed(job)
                    succeeded[job.key] = job.payload["v"]
            for key, value in latest.items():
                assert succeeded.get(key) == value, "the newest payload of every key succeeded"
                counts = await db.fetchone(
                    "SELECT count(*) FROM jobs WHERE key = ? AND state IN"
                    " ('queued','retrying','running')",
                    (key,),
                )
                assert counts[0] == 0, "every job reaches a final state"
        finally:
            await db.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_queue_invariants_hold_for_any_sequence_of_operations(ops):
    anyio.run(_run, ops)
