"""A harmless job kind that proves the worker runs: `shopsync selftest` enqueues it."""

from __future__ import annotations

import anyio

from state.queue import Job


async def run_selftest(services, job: Job) -> None:
    await anyio.sleep(float(job.payload.get("seconds", 0)))
    # Recorded once per key however often the job runs: the kill test counts these.
    await services.links.put("selftest", job.key, str(job.id))
