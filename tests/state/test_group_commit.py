"""Database.run: concurrent writes share a commit, yet each succeeds or fails on its own."""

from __future__ import annotations

import sqlite3

import anyio
import pytest

from state.db import Database
from state.queue import JobState, Queue

pytestmark = pytest.mark.anyio


@pytest.fixture
async def db(tmp_path):
    db = await Database.open(tmp_path / "g.db")
    yield db
    await db.close()


def _put(name: str, value: str):
    def write(conn: sqlite3.Connection) -> int:
        conn.execute(
            "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, 0)", (name, value)
        )
        return conn.total_changes

    return write


async def test_concurrent_writes_share_commits_and_all_land(db):
    before = db.commits
    async with anyio.create_task_group() as tg:
        for i in range(50):
            tg.start_soon(db.run, _put(f"c{i}", str(i)))
    rows = await db.fetchall("SELECT name FROM cursors WHERE name LIKE 'c%'")
    assert len(rows) == 50
    assert db.commits - before < 50, "fifty concurrent writers should not need fifty fsyncs"


async def test_one_failing_write_is_rolled_back_alone(db):
    await db.run(_put("taken", "1"))
    outcomes: dict[str, object] = {}

    async def attempt(name: str) -> None:
        try:
            await db.run(_put(name, "2"))
            outcomes[name] = "ok"
        except sqlite3.IntegrityError as exc:
            outcomes[name] = exc

    async with anyio.create_task_group() as tg:
        for name in ("a", "taken", "b"):
            tg.start_soon(attempt, name)
    assert outcomes["a"] == outcomes["b"] == "ok"
    assert isinstance(outcomes["taken"], sqlite3.IntegrityError)
    rows = await db.fetchall("SELECT name, value FROM cursors ORDER BY name")
    assert [tuple(r) for r in rows] == [("a", "2"), ("b", "2"), ("taken", "1")]


async def test_a_cancelled_caller_still_gets_its_write_committed(db):
    with anyio.CancelScope() as scope:
        scope.cancel()  # cancelled before it even starts waiting
        await db.run(_put("kept", "1"))
    assert await db.fetchone("SELECT value FROM cursors WHERE name = 'kept'") is not None


async def test_a_failed_commit_fails_every_write_of_the_batch(db, tmp_path):
    # Another connection holds the write lock past busy_timeout: BEGIN IMMEDIATE fails, and
    # every caller hears it (ingress answers 503) instead of believing its write is durable.
    other = sqlite3.connect(tmp_path / "g.db", isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    errors = []

    async def attempt(name: str) -> None:
        try:
            await db.run(_put(name, "1"))
        except sqlite3.OperationalError as exc:
            errors.append(str(exc))

    try:
        async with anyio.create_task_group() as tg:
            for name in ("x", "y"):
                tg.start_soon(attempt, name)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(errors) == 2 and all("locked" in e for e in errors)
    assert await db.fetchone("SELECT 1 FROM cursors WHERE name IN ('x', 'y')") is None
    await db.run(_put("after", "1"))  # and the writer works again once the lock is gone


async def test_claim_skips_paused_flows_and_says_when_to_look_again(db):
    queue = Queue(db)
    await queue.enqueue("orders.export", "order:1", {})
    await queue.enqueue("stock.push", "stock:push", {}, delay=30)
    await db.execute_write(
        "INSERT INTO flows (name, paused, paused_reason, updated_at) VALUES ('orders', 1, 'x', 0)"
    )
    jobs, due = await queue.claim_due(5)
    assert jobs == []
    assert due is not None and 25 < due <= 30, "the paused flow's due job must not wake us now"
    await db.execute_write("UPDATE flows SET paused = 0 WHERE name = 'orders'")
    jobs, _ = await queue.claim_due(5)
    assert [(j.kind, j.state) for j in jobs] == [("orders.export", JobState.RUNNING)]
