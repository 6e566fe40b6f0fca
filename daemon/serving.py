"""Serve an ASGI app with uvicorn inside our own task group, on TCP or a Unix socket.

uvicorn's Server normally installs signal handlers; the daemon owns signals, so we turn that off
and stop servers by setting `should_exit`.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import uvicorn


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # signals belong to the daemon's supervisor, not to each server


def make_server(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    uds: str | None = None,
    lifespan: str = "auto",
    limit_concurrency: int | None = None,
    timeout_graceful_shutdown: float | None = 5,
) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        uds=uds,
        lifespan=lifespan,
        log_config=None,
        access_log=False,
        server_header=False,
        date_header=False,
        http="httptools",
        limit_concurrency=limit_concurrency,
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )
    # uvicorn logs through stdlib logging; keep its chatter out of our JSON lines.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    return _Server(config)


def bound_port(server: uvicorn.Server) -> int:
    for srv in server.servers:
        for sock in srv.sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                return sock.getsockname()[1]
    raise RuntimeError("server has no TCP socket")


async def wait_started(server: uvicorn.Server, limit: float = 10) -> None:
    with anyio.fail_after(limit):
        while not server.started:
            if server.should_exit:
                raise RuntimeError("server stopped before it started (port in use?)")
            await anyio.sleep(0.005)


@contextlib.asynccontextmanager
async def running_server(app: Any, **kw: Any) -> AsyncIterator[str]:
    """Serve `app` on loopback for the duration of the block; yields its base URL.

    With `uds=PATH` the URL is `http://localhost` and callers use an httpx UDS transport.
    """
    server = make_server(app, **kw)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        await wait_started(server)
        try:
            if kw.get("uds"):
                yield "http://localhost"
            else:
                yield f"http://127.0.0.1:{bound_port(server)}"
        finally:
            server.should_exit = True
