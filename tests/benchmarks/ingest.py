"""Signed Shopify webhooks against a real `shopsync run` ingress vs. a bare ASGI echo app.

A third server, the durable floor (one group-committed INSERT per request, nothing else), shows
how much of the gap to the echo app is the price of "durable before the 200" itself.

Also samples the daemon's RSS (idle, then peak under the ingest load) for the memory figures.
Run: `.venv/bin/python tests/benchmarks/ingest.py [--requests N] [--paced-seconds S]`.
"""

from __future__ import annotations

if __name__ == "__main__":  # tests/benchmarks/queue.py would shadow the stdlib `queue`
    import sys
    from pathlib import Path

    _here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]
    sys.path.insert(0, str(_here.parents[1]))

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio

from tests.support.daemon_proc import SECRETS, DaemonProcess, write_config
from tests.support.webhooks import shopify_headers

TOPIC = "inventory_levels/update"
PACED_RATE = 500.0


# -- the bare echo app, served by the same uvicorn config as the ingress ----------------------
async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b'{"ok":true}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"11")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _floor_app(workdir: str) -> Any:
    """The least a durable endpoint can do: the body in one group-committed INSERT, then 200.

    No signature, no dedupe, no job. What it reaches is the ceiling that "durable before the
    200" puts on any ingress in this process model, whatever the ingress does on top.
    """
    from state.db import Database

    db = await Database.open(Path(workdir) / "floor.db")
    await db.execute_write("CREATE TABLE bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        await db.run(lambda conn: conn.execute("INSERT INTO bodies (body) VALUES (?)", (body,)))
        await echo_app({"type": "http"}, _no_body, send)

    return app


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _serve(kind: str, workdir: str) -> None:
    from daemon.serving import bound_port, make_server, wait_started

    app = echo_app if kind == "echo" else await _floor_app(workdir)
    server = make_server(app, port=0, lifespan="off")
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        await wait_started(server)
        print(bound_port(server), flush=True)


@contextmanager
def reference_process(kind: str):
    """The echo app or the durable floor, served by the same uvicorn config as the ingress."""
    with (
        tempfile.TemporaryDirectory(prefix="shopsync-bench-ref-") as tmp,
        _served(kind, tmp) as url,
    ):
        yield url


@contextmanager
def _served(kind: str, workdir: str):
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--workdir", workdir],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()


# -- load -------------------------------------------------------------------------------------
def signed_requests(n: int) -> list[bytes]:
    """`n` distinct, correctly signed deliveries (signing is done before the clock starts)."""
    out = []
    for i in range(n):
        body = json.dumps(
            {
                "inventory_item_id": 800_000 + i % 500,
                "location_id": 1,
                "available": i % 37,
                "updated_at": "2026-11-22T12:00:00+00:00",
                "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{i}",
            }
        ).encode()
        secret = SECRETS["webhook_secret"]
        headers = shopify_headers(body, secret, TOPIC, webhook_id=str(uuid.uuid4()))
        out.append(raw_request(body, headers))
    return out


class Connection:
    """A minimal HTTP/1.1 keep-alive client: httpx's own overhead would cap the load first."""

    def __init__(self, stream: Any):
        self.stream, self.buffer = stream, b""

    @classmethod
    async def open(cls, url: str) -> Connection:
        host, port = url.removeprefix("http://").split(":")
        return cls(await anyio.connect_tcp(host, int(port)))

    async def post(self, request: bytes) -> int:
        await self.stream.send(request)
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += await self.stream.receive()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += await self.stream.receive()
        self.buffer = rest[length:]
        return status

    async def aclose(self) -> None:
        await self.stream.aclose()


def raw_request(body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        "POST /webhooks/shopify HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def sustained(url: str, reqs: list[bytes], conns: int = 16) -> dict:
    """As fast as `conns` keep-alive connections go; only 200s count as accepted."""
    statuses: dict[int, int] = {}
    it = iter(reqs)

    async def one_conn() -> None:
        conn = await Connection.open(url)
        try:
            for request in it:
                status = await conn.post(request)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            await conn.aclose()

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(conns):
            tg.start_soon(one_conn)
    elapsed = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {
        "requests": len(reqs),
        "accepted": ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "per_s": round(ok / elapsed, 1),
    }


async def paced(url: str, reqs: list[bytes], rate: float) -> dict:
    """One request every 1/rate s; latency counts from the scheduled send time.

    Counting from the schedule (not from when a connection was free) keeps a stall visible
    instead of hiding it (coordinated omission).
    """
    latencies: list[float] = []
    failed = 0
    idle: list[Connection] = []

    async def one(due: float, request: bytes) -> None:
        nonlocal failed
        conn = idle.pop() if idle else await Connection.open(url)
        status = await conn.post(request)
        latencies.append(time.perf_counter() - due)
        failed += status != 200
        idle.append(conn)

    start = time.perf_counter() + 0.05
    async with anyio.create_task_group() as tg:
        for i, request in enumerate(reqs):
            due = start + i / rate
            await anyio.sleep(max(0.0, due - time.perf_counter()))
            tg.start_soon(one, due, request)
    for conn in idle:
        await conn.aclose()
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "rate": rate,
        "requests": len(reqs),
        "failed": failed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 2),
    }


# -- memory -----------------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class PeakRss:
    """Samples a process's RSS every 20 ms in a thread; `peak` is the highest seen."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join(5)


# -- the whole measurement ----------------------------------------------------------------------
def measure(requests: int = 5000, paced_seconds: float = 5.0, idle_wait: float = 3.0) -> dict:
    load = signed_requests(requests)
    pace = signed_requests(int(PACED_RATE * paced_seconds))
    with tempfile.TemporaryDirectory(prefix="shopsync-bench-ingest-") as tmp:
        config = write_config(Path(tmp))
        daemon = DaemonProcess(config).start()
        try:
            time.sleep(idle_wait)  # let start-up garbage settle before the idle figure
            pid = daemon.proc.pid
            idle = rss_mb(pid)
            with PeakRss(pid) as peak:
                ours = anyio.run(sustained, daemon.ingress_url, load)
                ours_paced = anyio.run(paced, daemon.ingress_url, pace, PACED_RATE)
            under_load = peak.peak
        finally:
            daemon.close()
    with reference_process("echo") as url:
        echo = anyio.run(sustained, url, load)
        echo_paced = anyio.run(paced, url, pace, PACED_RATE)
    with reference_process("floor") as url:
        floor = anyio.run(sustained, url, load)
    return {
        "ingest": {
            "accepted_per_s": ours["per_s"],
            "echo_per_s": echo["per_s"],
            "ratio": round(ours["per_s"] / echo["per_s"], 3),
            "durable_floor_per_s": floor["per_s"],
            "durable_floor_accepted": floor["accepted"],
            "floor_ratio_vs_echo": round(floor["per_s"] / echo["per_s"], 3),
            "ratio_vs_floor": round(ours["per_s"] / floor["per_s"], 3),
            "requests": requests,
            "accepted": ours["accepted"],
            "statuses": ours["statuses"],
            "paced": ours_paced,
            "p99_ms_at_500_rps": ours_paced["p99_ms"],
            "echo_paced": echo_paced,
        },
        "memory": {"idle_rss_mb": round(idle, 1), "under_ingest_rss_mb": round(under_load, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--paced-seconds", type=float, default=5.0)
    parser.add_argument("--serve", choices=["echo", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        anyio.run(_serve, args.serve, args.workdir)
        return
    print(json.dumps(measure(args.requests, args.paced_seconds)))


if __name__ == "__main__":
    main()
