"""The worker sorts outcomes by error class, with a real queue on a real database."""

from __future__ import annotations

import time

import anyio
import pytest

from connectors.errors import AuthError, PermanentError, RateLimited, TransientError
from daemon.worker import Registry, Worker
from state.db import Database
from state.queue import Queue
from state.store import Flows

pytestmark = pytest.mark.anyio


async def _run_once(tmp_path, exc: Exception | None):
    db = await Database.open(tmp_path / "w.db")
    queue = Queue(db)
    ran = anyio.Event()

    async def handler(_services, _job):
        ran.set()
        if exc is not None:
            raise exc

    registry = Registry()
    registry.register("t.work", handler)
    worker = Worker(queue, registry, context=None, concurrency=2, idle_poll=0.05)
    job_id = await queue.enqueue("t.work", "k", {})
    async with anyio.create_task_group() as tg:
        await tg.start(worker.run)
        with anyio.fail_after(10):
            await ran.wait()
        await worker.drain(5)
        tg.cancel_scope.cancel()
    row = await db.fetchone(
        "SELECT state, attempts, run_after, last_error, hint FROM jobs WHERE id = ?", (job_id,)
    )
    paused = await Flows(db).paused()
    await db.close()
    return tuple(row), paused


async def test_a_rate_limit_sends_the_job_back_without_spending_an_attempt(tmp_path):
    before = time.time()
    (state, attempts, run_after, error, _), _ = await _run_once(
        tmp_path, RateLimited("minute budget used", retry_after=30)
    )
    assert (state, attempts) == ("queued", 0)
    assert run_after >= before + 30
    assert "rate limited" in error


async def test_transient_errors_retry_and_permanent_ones_die_with_their_hint(tmp_path):
    (state, attempts, *_), _ = await _run_once(tmp_path / "a", TransientError("HTTP 503"))
    assert (state, attempts) == ("retrying", 1)
    (state, _, _, error, hint), _ = await _run_once(
        tmp_path / "b", PermanentError("SKU X has no item", hint="Create item X in Exact")
    )
    assert (state, error, hint) == ("dead", "SKU X has no item", "Create item X in Exact")


async def test_an_auth_error_pauses_the_flow_and_keeps_the_job(tmp_path):
    (state, attempts, *_), paused = await _run_once(tmp_path, AuthError("token revoked"))
    assert (state, attempts) == ("queued", 0)
    assert "t" in paused and "token revoked" in paused["t"]
