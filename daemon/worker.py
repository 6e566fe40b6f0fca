"""Claims due jobs, runs each job's flow handler, and sorts the outcome.

The outcome is decided by the exception class alone (connectors/errors.py): transient and
rate-limited → retry with backoff; permanent → dead with the API's words and a hint; auth →
the flow pauses and the job waits untouched; anything else is a bug → retried, capped.
A handler that succeeds may answer a few words on what it did; they are kept as the outcome.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import pydantic
from anyio.abc import TaskStatus

from connectors.errors import AuthError, PermanentError, RateLimited, TransientError
from daemon.logs import get_logger
from state import intents
from state.queue import Job, Queue
from state.store import Flows

Handler = Callable[[Any, Job], Awaitable[str | None]]

log = get_logger("shopsync.worker")


@dataclass
class Registry:
    """Job kind → handler. A kind is `flow.action`; the flow part is what pauses."""

    handlers: dict[str, Handler] = field(default_factory=dict)

    def register(self, kind: str, handler: Handler) -> None:
        if "." not in kind:
            raise ValueError(f"job kind {kind!r} must look like flow.action")
        self.handlers[kind] = handler

    def get(self, kind: str) -> Handler | None:
        return self.handlers.get(kind)


class Worker:
    def __init__(
        self,
        queue: Queue,
        registry: Registry,
        context: Any,
        *,
        concurrency: int = 4,
        job_timeout: float = 300.0,
        idle_poll: float = 1.0,
    ):
        self.queue = queue
        self.registry = registry
        self.context = context
        self.concurrency = concurrency
        self.job_timeout = job_timeout
        self.idle_poll = idle_poll
        self.flows = Flows(queue.db)
        self.running: dict[int, Job] = {}
        self.heartbeat = time.monotonic()  # moves whenever the loop goes round (watchdog)
        self.completed = 0
        self._wake = anyio.Event()
        self._stopping = False
        self._idle = anyio.Event()
        queue.subscribe(self._on_queue_event)

    def _on_queue_event(self, event: str, _data: dict[str, Any]) -> None:
        if event in ("enqueued", "retried", "queued"):
            self.wake()

    def wake(self) -> None:
        self._wake.set()

    def stop_claiming(self) -> None:
        self._stopping = True
        self.wake()

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Claim and run jobs until stop_claiming(); then wait for the jobs in hand."""
        async with anyio.create_task_group() as tg:
            task_status.started()
            while not self._stopping:
                self.heartbeat = time.monotonic()
                self._wake = anyio.Event()
                free = self.concurrency - len(self.running)
                wait = self.idle_poll
                if free > 0:
                    jobs, due = await self.queue.claim_due(free)
                    for job in jobs:
                        self.running[job.id] = job
                        tg.start_soon(self._run_one, job)
                    if due is not None and len(jobs) < free:
                        wait = min(wait, due)
                # Full, idle or early: a finished job, a new one or the next due time wakes us.
                with anyio.move_on_after(max(wait, 0.005)):
                    await self._wake.wait()

    async def drain(self, grace: float) -> None:
        """Wait up to `grace` seconds for running jobs; callers cancel what is left."""
        self.stop_claiming()
        with anyio.move_on_after(grace):
            while self.running:
                self._idle = anyio.Event()
                await self._idle.wait()

    async def _run_one(self, job: Job) -> None:
        bound = log.bind(job_id=job.id, kind=job.kind, key=job.key, attempt=job.attempts)
        started = time.monotonic()
        try:
            await self._execute(job, bound)
        finally:
            self.running.pop(job.id, None)
            if not self.running:
                self._idle.set()
            self.completed += 1
            self.heartbeat = time.monotonic()
            self.wake()
            bound.debug("job finished", ms=round((time.monotonic() - started) * 1000, 1))

    async def _execute(self, job: Job, bound: Any) -> None:
        handler = self.registry.get(job.kind)
        if handler is None:
            await self.queue.bury(
                job,
                f"no handler for job kind {job.kind!r}",
                hint="This shopsync does not know the job kind; upgrade or cancel the job.",
            )
            return
        try:
            with anyio.fail_after(self.job_timeout):
                current = intents.CURRENT_JOB.set(job)  # a pre-journal retry still searches
                try:
                    said = await handler(self.context, job)
                finally:
                    intents.CURRENT_JOB.reset(current)
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                await self.queue.release(job, reason="interrupted by shutdown")
            raise
        except Exception as exc:
            with anyio.CancelScope(shield=True):
                await self._record_failure(job, exc, bound)
        else:
            # A handler may answer what it did ("ignored: not found in Shopify"): kept on the job.
            outcome = said[:500] if isinstance(said, str) else None
            with anyio.CancelScope(shield=True):
                await self.queue.succeed(job, outcome)

    async def _record_failure(self, job: Job, exc: Exception, bound: Any) -> None:
        try:
            raise exc
        except PermanentError as exc:
            bound.warning("job dead", error=str(exc))
            await self.queue.bury(job, str(exc), hint=exc.hint or None, traceback=_tb())
        except AuthError as exc:
            flow = job.flow
            bound.error("auth failed: pausing flow", flow=flow, error=str(exc))
            await self.flows.pause(flow, f"{exc} — {exc.hint or 're-authorize, then resume'}")
            await self.queue.release(job, reason=f"flow {flow} paused: {exc}")
        except RateLimited as exc:
            # Not a failure: the budget says "later". Free the worker for other flows' jobs
            # (stock must not queue behind orders waiting for Exact's next minute) and keep
            # the attempt; the queue brings the job back when the API said it may.
            delay = exc.retry_after if exc.retry_after is not None else 5.0
            await self.queue.release(job, reason=f"rate limited: {exc}", delay=max(delay, 0.5))
        except TransientError as exc:
            bound.info("job will retry", error=str(exc))
            await self.queue.fail(job, str(exc), traceback=_tb())
        except pydantic.ValidationError as exc:
            # The payload or an API answer does not have the shape we need: no retry fixes it.
            message = f"unexpected data: {_first_errors(exc)}"
            await self.queue.bury(job, message, hint="Inspect the payload; report it if valid.")
        except TimeoutError:
            await self.queue.fail(job, f"timed out after {self.job_timeout:g} s")
        except Exception as exc:
            bound.error("job failed with an unexpected error", exc_info=exc)
            await self.queue.fail(job, f"{type(exc).__name__}: {exc}", traceback=_tb())


def _tb() -> str:
    return traceback.format_exc(limit=20)


def _first_errors(exc: pydantic.ValidationError, n: int = 3) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False)[:n]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - n
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
