"""No-op jobs through enqueue → claim → run → succeed on a file database, against huey's SQLite.

Both queues get the same producers: `--producers` concurrent enqueuers (the daemon's real
load: webhook requests and flows enqueue at the same time) and 4 consumers. The headline
figures use them; `sequential` repeats the run with one producer awaiting each enqueue.

Run: `.venv/bin/python tests/benchmarks/queue.py [--jobs N] [--producers P]` → one JSON object.
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
import threading
import time
from pathlib import Path
from typing import Any

import anyio


async def ours(workdir: Path, jobs: int, producers: int = 1, concurrency: int = 4) -> float:
    """Jobs per second through our Queue and the real Worker (synchronous=FULL, WAL)."""
    from daemon.logs import configure_logging
    from daemon.worker import Registry, Worker
    from state.db import Database
    from state.queue import Queue

    configure_logging("warning", "json")  # the daemon logs at info; no job logs at info either
    db = await Database.open(workdir / f"ours-{producers}.db")
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

        async def produce(first: int) -> None:
            for i in range(first, jobs, producers):
                await queue.enqueue("bench.noop", f"bench:{i}", {"i": i})

        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            await tg.start(worker.run)
            for first in range(producers):
                tg.start_soon(produce, first)
            await done.wait()
            elapsed = time.perf_counter() - started
            worker.stop_claiming()
        row = await db.fetchone("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
        if row[0] != jobs:
            raise RuntimeError(f"only {row[0]} of {jobs} jobs succeeded")
        return jobs / elapsed
    finally:
        await db.close()


def huey_rate(workdir: Path, jobs: int, producers: int = 1, consumers: int = 4) -> float:
    """The same work through huey's SqliteStorage: enqueue, dequeue, execute (fsync=FULL too).

    One producer: enqueue everything, then dequeue and execute (huey's fastest order).
    Several: producer and consumer threads run at once, consumers polling without delay.
    """
    from huey import SqliteHuey

    huey = SqliteHuey(
        "bench", filename=str(workdir / f"huey-{producers}.db"), fsync=True, results=False
    )

    @huey.task()
    def noop(i: int) -> None:
        return None

    started = time.perf_counter()
    if producers == 1:
        for i in range(jobs):
            noop(i)
        ran = 0
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
            ran += 1
    else:
        ran = _huey_threads(huey, noop, jobs, producers, consumers)
    elapsed = time.perf_counter() - started
    huey.storage.close()
    if ran != jobs:
        raise RuntimeError(f"huey ran {ran} of {jobs} jobs")
    return jobs / elapsed


def _huey_threads(huey: Any, task: Any, jobs: int, producers: int, consumers: int) -> int:
    lock = threading.Lock()
    ran = 0

    def produce(first: int) -> None:
        for i in range(first, jobs, producers):
            task(i)

    def consume() -> None:
        nonlocal ran
        while True:
            with lock:
                if ran >= jobs:
                    return
            message = huey.dequeue()
            if message is None:
                time.sleep(0.0002)
                continue
            huey.execute(message)
            with lock:
                ran += 1

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    threads += [threading.Thread(target=consume) for _ in range(consumers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ran


def measure(jobs: int = 2000, producers: int = 4) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-queue-") as tmp:
        workdir = Path(tmp)
        rate = anyio.run(ours, workdir, jobs, producers)
        huey = huey_rate(workdir, jobs, producers)
        seq_rate = anyio.run(ours, workdir, jobs, 1)
        seq_huey = huey_rate(workdir, jobs, 1)
    return {
        "jobs": jobs,
        "producers": producers,
        "jobs_per_s": round(rate, 1),
        "huey_jobs_per_s": round(huey, 1),
        "ratio_vs_huey": round(rate / huey, 3),
        "sequential": {
            "jobs_per_s": round(seq_rate, 1),
            "huey_jobs_per_s": round(seq_huey, 1),
            "ratio_vs_huey": round(seq_rate / seq_huey, 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--producers", type=int, default=4)
    args = parser.parse_args()
    print(json.dumps(measure(args.jobs, args.producers)))


if __name__ == "__main__":
    main()
