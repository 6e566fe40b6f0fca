"""Alert test kit: a real SMTP server on loopback (aiosmtpd), real database, queue and worker."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from connectors.errors import PermanentError
from daemon.alerts import AlertEvaluator, send_alert_digest
from daemon.config import load_settings
from daemon.context import Services
from daemon.worker import Registry, Worker
from state.db import Database
from state.queue import Backoff, Job, Queue

RECIPIENT = "owner@shop.example"


@dataclass
class Inbox:
    """What the SMTP server received, plus how each session looked (TLS, login)."""

    messages: list[Message] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        self.tls.append(encrypted or session.ssl is not None)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def smtp_server(port: int | None = None, **smtp_kwargs: Any):
    """An aiosmtpd server on 127.0.0.1; yields (inbox, port)."""
    inbox = Inbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp_kwargs)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    with smtp_server() as served:
        yield served


@pytest.fixture(scope="session")
def relay_cert(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the relay's own CA, as on a private relay)."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "relay.pem", directory / "relay.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_tls(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert[0]), str(cert[1]))
    return context


def authenticator(user: str, password: str, seen: list[str]) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            seen.append(data.login.decode())
            ok = data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    return check


def make_settings(port: int, **alerts: Any):
    values = {
        "enabled": True,
        "to": [RECIPIENT],
        "sender": "shopsync@shop.example",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_timeout": 5.0,
        "group_wait": 0.0,
        "repeat_interval": 3600.0,
        **alerts,
    }
    return load_settings(
        None,
        daemon={"state_dir": "/nonexistent"},
        shopify={
            "shop_url": "http://127.0.0.1:9",
            "access_token": "shpat_alertcanary0001",
            "webhook_secret": "alert-webhook-secret",
        },
        exact={"client_id": "c", "client_secret": "alert-exact-secret"},
        mapping={"default_warehouse": "AMS"},
        alerts=values,
    )


class Orders:
    """A stand-in order flow whose export fails permanently until the mapping is fixed."""

    def __init__(self) -> None:
        self.broken = True

    async def export(self, services: Services, job: Job) -> None:
        if self.broken:
            raise PermanentError(
                "Item code HOODIE-XL does not exist",
                api="exact",
                hint="Create item HOODIE-XL in Exact or map the SKU to an item.",
            )


@dataclass
class Kit:
    services: Services
    orders: Orders
    registry: Registry
    path: Path

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def queue(self) -> Queue:
        return self.services.queue

    def evaluator(self) -> AlertEvaluator:
        return AlertEvaluator(self.services)

    async def jobs(self, kind: str = "alerts.send") -> list[tuple[int, str, str]]:
        rows = await self.db.fetchall(
            "SELECT id, state, coalesce(last_error, '') FROM jobs WHERE kind = ? ORDER BY id",
            (kind,),
        )
        return [tuple(r) for r in rows]

    async def run_jobs(self, until: Callable[[], Any]) -> None:
        """Run a real worker until `until()` is true (awaitable or plain)."""
        worker = Worker(self.queue, self.registry, self.services, idle_poll=0.02)
        async with anyio.create_task_group() as tg:
            await tg.start(worker.run)
            with anyio.fail_after(15):
                while True:
                    done = until()
                    if hasattr(done, "__await__"):
                        done = await done
                    if done and not worker.running:
                        break
                    await anyio.sleep(0.01)
            # Stop the worker the polite way: cancelling it mid-claim could leave the writer
            # inside an open BEGIN (see the report on state/db.py).
            await worker.drain(5)

    async def reopen(self) -> None:
        """A restart: a fresh database connection, queue and services on the same file."""
        await self.db.close()
        db = await Database.open(self.path)
        settings = self.services.settings
        self.services = Services(settings=settings, db=db, queue=_queue(db))

    async def dead_order(self, key: str = "order:1001:AMS") -> int:
        job_id = await self.queue.enqueue("orders.export", key, {"order": key})
        await self.run_jobs(lambda: _state_is(self.queue, job_id, "dead"))
        return job_id


async def _state_is(queue: Queue, job_id: int, state: str) -> bool:
    job = await queue.get(job_id)
    return job is not None and job.state == state


def _queue(db: Database) -> Queue:
    return Queue(db, backoff=Backoff(0.05, 0.2))


@contextlib.asynccontextmanager
async def kit_for(tmp_path: Path, settings: Any) -> AsyncIterator[Kit]:
    path = tmp_path / "alerts.db"
    db = await Database.open(path)
    orders = Orders()
    registry = Registry()
    registry.register("orders.export", orders.export)
    registry.register("alerts.send", send_alert_digest)
    kit = Kit(Services(settings=settings, db=db, queue=_queue(db)), orders, registry, path)
    try:
        yield kit
    finally:
        await kit.db.close()


@pytest.fixture
async def kit(tmp_path, smtp) -> AsyncIterator[Kit]:
    async with kit_for(tmp_path, make_settings(smtp[1])) as k:
        yield k
