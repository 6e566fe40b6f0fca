"""The durable job queue: enqueue with coalescing, claim with leases, and every outcome.

States: queued → running → succeeded | retrying | dead | cancelled.
Invariant: at most one *pending* (queued or retrying) job per key, enforced by a unique index;
a new job for a pending key coalesces into it. A key never runs twice at once: claim skips
keys that have a running job.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite

from state.db import Database, on_thread


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    RETRYING = "retrying"
    DEAD = "dead"
    CANCELLED = "cancelled"


PENDING = (JobState.QUEUED, JobState.RETRYING)


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    state: JobState
    attempts: int
    max_attempts: int
    run_after: float
    created_at: float
    last_error: str | None = None
    hint: str | None = None

    @property
    def flow(self) -> str:
        return self.kind.split(".", 1)[0]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter (base 10 s, cap 6 h by default)."""

    base: float = 10.0
    cap: float = 6 * 3600.0

    def delay(self, attempt: int, retry_after: float | None = None, rng=random) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        delay = rng.uniform(0, ceiling)
        # The API's own "not before" wins over our jitter.
        return max(delay, retry_after or 0.0)


Merge = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
Listener = Callable[[str, dict[str, Any]], None]

_COLUMNS = (
    "id, kind, key, payload, state, attempts, max_attempts, run_after, created_at, last_error, hint"
)


# A pending job the worker may take once due: its flow is not paused (the flow is the part of
# the kind before the dot) and no job with its key is running.
_CLAIMABLE = (
    "j.state IN ('queued', 'retrying')"
    " AND substr(j.kind, 1, instr(j.kind, '.') - 1)"
    "     NOT IN (SELECT name FROM flows WHERE paused = 1)"
    " AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.key = j.key AND r.state = 'running')"
)


def _job(row: Sequence[Any]) -> Job:
    return Job(
        id=row[0],
        kind=row[1],
        key=row[2],
        payload=json.loads(row[3]),
        state=JobState(row[4]),
        attempts=row[5],
        max_attempts=row[6],
        run_after=row[7],
        created_at=row[8],
        last_error=row[9],
        hint=row[10],
    )


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), default=str)


class Queue:
    def __init__(
        self,
        db: Database,
        *,
        max_attempts: int = 12,
        backoff: Backoff | None = None,
        lease_seconds: float = 600.0,
        merge: dict[str, Merge] | None = None,
        first: tuple[str, ...] = (),
    ):
        self.db = db
        self.max_attempts = max_attempts
        self.backoff = backoff or Backoff()
        self.lease_seconds = lease_seconds
        self.merge = merge or {}
        # Flows whose due jobs are claimed before any other's, oldest first: stock must not
        # wait behind a backlog of order retries for a free worker.
        self.first = first
        self._listeners: list[Listener] = []

    # -- observers (worker wake-ups, the control API's event stream) --------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(self, event: str, **data: Any) -> None:
        for listener in self._listeners:
            listener(event, data)

    # -- enqueue ---------------------------------------------------------------------------
    async def enqueue(
        self,
        kind: str,
        key: str,
        payload: dict[str, Any] | None = None,
        *,
        delay: float = 0.0,
        max_attempts: int | None = None,
    ) -> int:
        job_id = await self.db.run(
            lambda conn: self.enqueue_sync(conn, kind, key, payload, delay, max_attempts)
        )
        self.emit("enqueued", id=job_id, kind=kind, key=key)
        return job_id

    async def enqueue_in(
        self,
        conn: aiosqlite.Connection,
        kind: str,
        key: str,
        payload: dict[str, Any] | None = None,
        *,
        delay: float = 0.0,
        max_attempts: int | None = None,
    ) -> int:
        """Enqueue inside the caller's transaction (a flow's state and its job commit together)."""
        return await on_thread(conn, self.enqueue_sync, kind, key, payload, delay, max_attempts)

    def enqueue_sync(
        self,
        conn: sqlite3.Connection,
        kind: str,
        key: str,
        payload: dict[str, Any] | None = None,
        delay: float = 0.0,
        max_attempts: int | None = None,
    ) -> int:
        """Enqueue on the writer thread, inside a transaction the caller runs (`Database.run`)."""
        now = time.time()
        payload = payload or {}
        run_after = now + delay
        # Usually the key is new: one INSERT. The partial unique index on pending keys turns
        # a second job for a waiting key into a no-op, and the waiting one absorbs it.
        cur = conn.execute(
            "INSERT INTO jobs (kind, key, payload, state, max_attempts, run_after,"
            " created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (kind, key, _dumps(payload), max_attempts or self.max_attempts, run_after, now, now),
        )
        if cur.rowcount == 1:
            return cur.lastrowid
        row = conn.execute(
            "SELECT id, kind, payload FROM jobs WHERE key = ? AND state IN ('queued', 'retrying')",
            (key,),
        ).fetchone()
        merged = self._merged(row[1], json.loads(row[2]), payload)
        conn.execute(
            "UPDATE jobs SET payload = ?, run_after = min(run_after, ?), updated_at = ?"
            " WHERE id = ?",
            (_dumps(merged), run_after, now, row[0]),
        )
        return row[0]

    def _merged(self, kind: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        merge = self.merge.get(kind)
        return merge(old, new) if merge else new  # newest payload wins by default

    # -- claim -----------------------------------------------------------------------------
    async def claim(self, limit: int) -> list[Job]:
        """Take up to `limit` due jobs, one per key, and lease them to this process."""
        jobs, _ = await self.claim_due(limit)
        return jobs

    async def claim_due(self, limit: int) -> tuple[list[Job], float | None]:
        """`claim`, plus the seconds until the next claimable job is due (None: nothing waits).

        Jobs of paused flows and keys that already run are not claimable: they wait untouched.
        One trip to the writer answers both, so an idle worker knows how long it may sleep.
        """
        if limit <= 0:
            return [], None
        jobs, due = await self.db.run(lambda conn: self._claim(conn, limit))
        for job in jobs:
            self.emit("running", id=job.id, kind=job.kind, key=job.key, attempt=job.attempts)
        return jobs, due

    def _claim(self, conn: sqlite3.Connection, limit: int) -> tuple[list[Job], float | None]:
        now = time.time()
        rows = []
        for flow in self.first:
            # A range on kind, not LIKE: the (kind, state) index answers it.
            rows += self._take(
                conn,
                now,
                limit - len(rows),
                "AND j.kind >= ? AND j.kind < ?",
                (f"{flow}.", f"{flow}/"),
            )
        rows += self._take(conn, now, limit - len(rows))
        jobs = [_job(r) for r in rows]
        conn.executemany(
            "INSERT INTO job_attempts (job_id, attempt, started_at) VALUES (?, ?, ?)",
            [(j.id, j.attempts, now) for j in jobs],
        )
        row = conn.execute(
            f"SELECT j.run_after FROM jobs j WHERE {_CLAIMABLE} ORDER BY j.run_after LIMIT 1"
        ).fetchone()
        return jobs, None if row is None else max(0.0, row[0] - now)

    def _take(
        self,
        conn: sqlite3.Connection,
        now: float,
        limit: int,
        where: str = "",
        params: tuple[Any, ...] = (),
    ) -> list[Any]:
        """Lease up to `limit` due claimable jobs (matching `where`), oldest due first."""
        if limit <= 0:
            return []
        return conn.execute(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1,"
            " lease_until = ?, updated_at = ?"
            f" WHERE id IN (SELECT j.id FROM jobs j WHERE {_CLAIMABLE} AND j.run_after <= ?"
            f" {where} ORDER BY j.run_after, j.id LIMIT ?)"
            f" RETURNING {_COLUMNS}",
            (now + self.lease_seconds, now, now, *params, limit),
        ).fetchall()

    # -- outcomes --------------------------------------------------------------------------
    # Each outcome is one trip to the writer; outcomes of jobs finishing together share a
    # commit (Database.run), which is what lets the queue keep up with huey on one fsync.
    async def succeed(self, job: Job, outcome: str | None = None) -> None:
        """Done; `outcome` says what the job did in a few words (shown with the job)."""
        await self.db.run(lambda conn: self._succeed(conn, job, outcome))
        self.emit("succeeded", id=job.id, kind=job.kind, key=job.key)

    def _succeed(self, conn: sqlite3.Connection, job: Job, outcome: str | None = None) -> None:
        now = time.time()
        conn.execute(
            "UPDATE jobs SET state = 'succeeded', lease_until = NULL, updated_at = ?,"
            " finished_at = ?, last_error = NULL, hint = NULL, outcome = ?"
            " WHERE id = ? AND state = 'running'",
            (now, now, outcome, job.id),
        )
        _close_attempt(conn, job, "succeeded", None, None, now)

    async def fail(
        self,
        job: Job,
        error: str,
        *,
        retry_after: float | None = None,
        traceback: str | None = None,
        hint: str | None = None,
    ) -> JobState:
        """A transient failure: retry later with backoff, or give up after max_attempts."""
        if job.attempts >= job.max_attempts:
            message = f"gave up after {job.attempts} attempts; last error: {error}"
            await self.bury(job, message, hint=hint, traceback=traceback)
            return JobState.DEAD
        delay = self.backoff.delay(job.attempts, retry_after)

        def write(conn: sqlite3.Connection) -> JobState:
            now = time.time()
            _close_attempt(conn, job, "retrying", error, traceback, now)
            return self._requeue(conn, job, JobState.RETRYING, now + delay, error, hint)

        state = await self.db.run(write)
        self.emit(state.value, id=job.id, kind=job.kind, key=job.key, error=error)
        return state

    async def bury(
        self, job: Job, error: str, *, hint: str | None = None, traceback: str | None = None
    ) -> None:
        """A permanent failure: dead at once, with a sentence and a hint for the operator."""

        def write(conn: sqlite3.Connection) -> None:
            now = time.time()
            conn.execute(
                "UPDATE jobs SET state = 'dead', lease_until = NULL, updated_at = ?,"
                " finished_at = ?, last_error = ?, hint = ? WHERE id = ?",
                (now, now, error, hint, job.id),
            )
            _close_attempt(conn, job, "dead", error, traceback, now)

        await self.db.run(write)
        self.emit("dead", id=job.id, kind=job.kind, key=job.key, error=error)

    async def release(self, job: Job, *, reason: str, delay: float = 0.0) -> None:
        """Put a running job back without counting the attempt (shutdown, connector paused)."""

        def write(conn: sqlite3.Connection) -> None:
            now = time.time()
            _close_attempt(conn, job, "interrupted", reason, None, now)
            conn.execute("UPDATE jobs SET attempts = max(0, attempts - 1) WHERE id = ?", (job.id,))
            # The reason stays visible on the job (why it is waiting), not only on the attempt.
            self._requeue(conn, job, JobState.QUEUED, now + delay, reason, None)

        await self.db.run(write)
        self.emit("queued", id=job.id, kind=job.kind, key=job.key)

    def _requeue(
        self,
        conn: sqlite3.Connection,
        job: Job,
        state: JobState,
        run_after: float,
        error: str | None,
        hint: str | None,
    ) -> JobState:
        """Make `job` pending again, or fold it into the pending job its key already has."""
        now = time.time()
        newer = conn.execute(
            "SELECT id, payload FROM jobs WHERE key = ? AND state IN ('queued', 'retrying')"
            " AND id != ?",
            (job.key, job.id),
        ).fetchone()
        if newer is None:
            conn.execute(
                "UPDATE jobs SET state = ?, run_after = ?, lease_until = NULL, updated_at = ?,"
                " last_error = coalesce(?, last_error), hint = ? WHERE id = ?",
                (state.value, run_after, now, error, hint, job.id),
            )
            return state
        # A newer job for this key arrived while this one ran: it carries fresher data, so it
        # absorbs this one (the kind's merge decides the payload) and this one is closed.
        mine = json.loads(
            conn.execute("SELECT payload FROM jobs WHERE id = ?", (job.id,)).fetchone()[0]
        )
        merged = self._merged(job.kind, mine, json.loads(newer[1]))
        conn.execute(
            "UPDATE jobs SET payload = ?, run_after = min(run_after, ?), updated_at = ?"
            " WHERE id = ?",
            (_dumps(merged), run_after, now, newer[0]),
        )
        note = f"superseded by job {newer[0]} with the same key"
        conn.execute(
            "UPDATE jobs SET state = 'cancelled', lease_until = NULL, updated_at = ?,"
            " finished_at = ?, last_error = ? WHERE id = ?",
            (now, now, f"{note}; last error: {error}" if error else note, job.id),
        )
        return JobState.CANCELLED

    # -- recovery and housekeeping ---------------------------------------------------------
    async def recover_interrupted(self, *, expired_only: bool = False) -> int:
        """Jobs left `running` by a dead process run again; the lost attempt still counts.

        At start every running job is orphaned (one daemon per database); the periodic sweep
        passes `expired_only` and touches only jobs whose lease ran out.
        """

        def write(conn: sqlite3.Connection) -> int:
            now = time.time()
            where = "state = 'running'" + (" AND lease_until < ?" if expired_only else "")
            params = (now,) if expired_only else ()
            rows = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE {where}", params).fetchall()
            for job in map(_job, rows):
                reason = "interrupted: the daemon stopped while this job ran"
                _close_attempt(conn, job, "interrupted", reason, None, now)
                if job.attempts >= job.max_attempts:
                    conn.execute(
                        "UPDATE jobs SET state = 'dead', lease_until = NULL, updated_at = ?,"
                        " finished_at = ?, last_error = ? WHERE id = ?",
                        (now, now, f"{reason} on each of {job.attempts} attempts", job.id),
                    )
                else:
                    self._requeue(conn, job, JobState.QUEUED, now, reason, None)
            return len(rows)

        return await self.db.run(write)

    async def retry(
        self,
        ids: Sequence[int] = (),
        *,
        state: str | None = None,
        kind: str | None = None,
        key_prefix: str | None = None,
    ) -> int:
        """Run dead, cancelled or retrying jobs again now, with a fresh set of attempts."""
        where, params = _filter(ids, state, kind, key_prefix)
        where += " AND state IN ('dead', 'cancelled', 'retrying')"

        def write(conn: sqlite3.Connection) -> int:
            now = time.time()
            rows = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE {where}", params).fetchall()
            for job in map(_job, rows):
                conn.execute("UPDATE jobs SET attempts = 0 WHERE id = ?", (job.id,))
                self._requeue(conn, job, JobState.QUEUED, now, None, None)
            return len(rows)

        count = await self.db.run(write)
        if count:
            self.emit("retried", count=count)
        return count

    async def cancel(
        self,
        ids: Sequence[int] = (),
        *,
        state: str | None = None,
        kind: str | None = None,
        key_prefix: str | None = None,
    ) -> int:
        """Cancel waiting or dead jobs; a running job cannot be cancelled mid-flight."""
        where, params = _filter(ids, state, kind, key_prefix)
        where += " AND state IN ('queued', 'retrying', 'dead')"
        now = time.time()
        count = await self.db.run(
            lambda conn: (
                conn.execute(
                    "UPDATE jobs SET state = 'cancelled', updated_at = ?, finished_at = ?,"
                    f" last_error = coalesce(last_error, 'cancelled by operator') WHERE {where}",
                    (now, now, *params),
                ).rowcount
            )
        )
        if count:
            self.emit("cancelled", count=count)
        return count

    async def prune(self, *, jobs_older_than: float, receipts_older_than: float) -> dict[str, int]:
        """Forget finished jobs and old webhook receipts (attempts go with their job)."""

        def write(conn: sqlite3.Connection) -> dict[str, int]:
            now = time.time()
            jobs = conn.execute(
                "DELETE FROM jobs WHERE state IN ('succeeded', 'cancelled') AND finished_at < ?",
                (now - jobs_older_than,),
            ).rowcount
            receipts = conn.execute(
                "DELETE FROM receipts WHERE received_at < ?", (now - receipts_older_than,)
            ).rowcount
            return {"jobs": jobs, "receipts": receipts}

        return await self.db.run(write)

    # -- reading ---------------------------------------------------------------------------
    async def get(self, job_id: int) -> Job | None:
        row = await self.db.fetchone(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        return _job(row) if row else None

    async def counts(self) -> dict[str, dict[str, int]]:
        rows = await self.db.fetchall("SELECT state, kind, count(*) FROM jobs GROUP BY state, kind")
        out: dict[str, dict[str, int]] = {}
        for state, kind, n in rows:
            out.setdefault(state, {})[kind] = n
        return out

    async def oldest_due_age(self) -> float | None:
        row = await self.db.fetchone(
            "SELECT min(run_after) FROM jobs WHERE state IN ('queued', 'retrying')"
            " AND run_after <= ?",
            (time.time(),),
        )
        return None if row is None or row[0] is None else time.time() - row[0]


def _close_attempt(
    conn: sqlite3.Connection,
    job: Job,
    outcome: str,
    error: str | None,
    traceback: str | None,
    now: float,
) -> None:
    conn.execute(
        "UPDATE job_attempts SET finished_at = ?, outcome = ?, error = ?, traceback = ?"
        " WHERE job_id = ? AND attempt = ? AND finished_at IS NULL",
        (now, outcome, error, traceback, job.id, job.attempts),
    )


def _filter(
    ids: Sequence[int], state: str | None, kind: str | None, key_prefix: str | None
) -> tuple[str, list[Any]]:
    clauses, params = ["1 = 1"], []
    if ids:
        clauses.append(f"id IN ({','.join('?' for _ in ids)})")
        params.extend(int(i) for i in ids)
    if state:
        clauses.append("state = ?")
        params.append(JobState(state).value)
    if kind:
        clauses.append("kind = ?")
        params.append(kind)
    if key_prefix:
        # substr, not LIKE: a key prefix with % or _ must match literally.
        clauses.append("substr(key, 1, ?) = ?")
        params.extend([len(key_prefix), key_prefix])
    if not ids and not (state or kind or key_prefix):
        raise ValueError("refusing to act on every job: give ids or a filter")
    return " AND ".join(clauses), params
