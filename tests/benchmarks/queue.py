"""No-op jobs through enqueue → claim → run → succeed on a file database, against huey's SQLite.

Run: `.venv/bin/python tests/benchmarks/queue.py [--jobs N]` → one JSON object.
"""

from __future__ import annotations

if __name__ == "__main__":  # before anything imports the stdlib `queue` (this file shadows it)
    import sys
    from pathlib import Path

    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parents[1]))

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio


async def ours(workdir: Path, jobs: int, concurrency: int = 4) -> float:
    """Jobs per second through our Queue and the real Worker (synchronous=FULL, WAL)."""
    from daemon.logs import configure_logging
    from daemon.worker import Registry, Worker
    from state.db import Database
    from state.queue import Queue

    configure_logging("warning", "json")  # the daemon logs at info; no job logs at info either
    db = await Database.open(workdir / "ours.db")
    try:
        queue = Queue(db)
        registry = Registry()
        done = anyio.Event()

        async def noop(_services: Any, _job: Any) -> None:
            return None

        registry.register("bench.noop", noop)
        worker = Worker(queue, registry, None, concurrency=concurrency, idle_poll=0.05)
        succeeded = 0

        def count(event: str, _data: dict[str, Any]) -> None:
            nonlocal succeeded
            if event == "succeeded":
                succeeded += 1
                if succeeded == jobs:
                    done.set()

        queue.subscribe(count)
        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            await tg.start(worker.run)
            for i in range(jobs):
                await queue.enqueue("bench.noop", f"bench:{i}", {"i": i})
            await done.wait()
            elapsed = time.perf_counter() - started
            worker.stop_claiming()
        row = await db.fetchone("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
        if row[0] != jobs:
            raise RuntimeError(f"only {row[0]} of {jobs} jobs succeeded")
        return jobs / elapsed
    finally:
        await db.close()


def huey_rate(workdir: Path, jobs: int) -> float:
    """The same work through huey's SqliteStorage: enqueue, dequeue, execute (fsync=FULL too)."""
    from huey import SqliteHuey

    huey = SqliteHuey("bench", filename=str(workdir / "huey.db"), fsync=True, results=False)

    @huey.task()
    def noop(i: int) -> None:
        return None

    started = time.perf_counter()
    for i in range(jobs):
        noop(i)
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    elapsed = time.perf_counter() - started
    huey.storage.close()
    if ran != jobs:
        raise RuntimeError(f"huey ran {ran} of {jobs} jobs")
    return jobs / elapsed


def measure(jobs: int = 2000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-queue-") as tmp:
        workdir = Path(tmp)
        rate = anyio.run(ours, workdir, jobs)
        huey = huey_rate(workdir, jobs)
    return {
        "jobs": jobs,
        "jobs_per_s": round(rate, 1),
        "huey_jobs_per_s": round(huey, 1),
        "ratio_vs_huey": round(rate / huey, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    print(json.dumps(measure(parser.parse_args().jobs)))


if __name__ == "__main__":
    main()
