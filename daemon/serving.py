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


class SocketInUse(Exception):
    """Another process answers on the control socket: most likely a second daemon."""


def unix_listener(path: str, mode: int = 0o660) -> socket.socket:
    """Bind a Unix stream socket at `path` with `mode`, never replacing a live one (OPS.md §10)."""
    import os
    import stat

    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise SocketInUse(f"{path} exists and is not a socket; refusing to replace it")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # stale: its daemon is gone
        else:
            raise SocketInUse(f"another shopsync answers on {path}; stop it first")
        finally:
            probe.close()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o777 & ~mode)  # born with the right mode: no window where it is wider
    try:
        sock.bind(path)
    finally:
        os.umask(old)
    os.chmod(path, mode)
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def send_json(send: Any, status: int, body: bytes) -> None:
    """One whole JSON answer (callers serialise, so each decides how: control redacts)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def lifespan_noop(receive: Any, send: Any) -> None:
    """Answer the ASGI lifespan protocol for apps that need no start-up or shutdown work."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
