"""The intent journal: create each Exact document once, searching for it only when in doubt.

Before a document is POSTed its intent is committed; when Exact answers, the outcome (the id
and number it gave) is recorded. On the next attempt:
- no intent: no earlier attempt sent anything, so POST without searching;
- an intent with its outcome: the document exists, use the recorded answer (a crash came
  between Exact's answer and the link);
- an intent without an outcome: a crash, timeout or dropped answer left it open whether Exact
  booked it, so search by reference first (the only time the duplicate search is spent).
Jobs older than the journal (created before migration 0007) still search when retried.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from state.db import Database

# The job being run (set by the worker): tells a retry of a pre-journal job from a fresh one.
CURRENT_JOB: ContextVar[Any] = ContextVar("shopsync_current_job", default=None)


@dataclass(frozen=True)
class Intent:
    ref: str
    attempts: int
    outcome: dict[str, Any] | None


class Intents:
    def __init__(self, db: Database):
        self.db = db
        self._since: float | None = None

    async def get(self, ref: str) -> Intent | None:
        row = await self.db.fetchone(
            "SELECT ref, attempts, outcome FROM intents WHERE ref = ?", (ref,)
        )
        if row is None:
            return None
        return Intent(row[0], int(row[1]), json.loads(row[2]) if row[2] else None)

    async def begin(self, ref: str) -> None:
        """Committed before the POST leaves: from here on Exact may have the document."""
        now = time.time()
        await self.db.execute_write(
            "INSERT INTO intents (ref, started_at) VALUES (?, ?) ON CONFLICT (ref) DO UPDATE"
            " SET started_at = excluded.started_at, attempts = attempts + 1",
            (ref, now),
        )

    async def done(self, ref: str, outcome: dict[str, Any]) -> None:
        await self.db.execute_write(
            "INSERT INTO intents (ref, started_at, outcome, finished_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (ref) DO UPDATE SET outcome = excluded.outcome,"
            " finished_at = excluded.finished_at",
            (ref, time.time(), json.dumps(outcome, default=str), time.time()),
        )

    async def legacy_retry(self) -> bool:
        """A retried job created before the journal existed: an old attempt may have POSTed."""
        job = CURRENT_JOB.get()
        if job is None or getattr(job, "attempts", 1) <= 1:
            return False
        if self._since is None:
            row = await self.db.fetchone("SELECT min(since) FROM intents_epoch")
            self._since = float(row[0]) if row and row[0] is not None else 0.0
        return float(getattr(job, "created_at", 0.0)) < self._since


Search = Callable[[], Awaitable[dict[str, Any] | None]]
Create = Callable[[], Awaitable[dict[str, Any]]]


async def create_once(
    intents: Intents, ref: str, keep: tuple[str, ...], search: Search, create: Create
) -> tuple[dict[str, Any], bool]:
    """The document named `ref`: (its fields `keep`, True when it already existed in Exact).

    `search` looks for it by reference (None when absent); `create` POSTs it.
    """
    intent = await intents.get(ref)
    if intent is not None and intent.outcome is not None:
        return intent.outcome, True
    if (intent is not None) or await intents.legacy_retry():
        found = await search()
        if found is not None:
            outcome = {k: found.get(k) for k in keep}
            await intents.done(ref, outcome)
            return outcome, True
    await intents.begin(ref)
    created = await create()
    outcome = {k: created.get(k) for k in keep}
    await intents.done(ref, outcome)
    return created, False
