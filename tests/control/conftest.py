"""A real control app on a real Unix socket, over a real database and queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import structlog

from daemon.config import load_settings
from daemon.context import Services
from daemon.control.app import build_control_app
from daemon.control.client import ControlClient
from daemon.control.logs import detach_log_stream
from daemon.serving import running_server
from state.db import Database
from state.queue import Queue
from tests.support.daemon_proc import write_config


@dataclass
class Control:
    services: Services
    client: ControlClient
    socket: str


@pytest.fixture
async def control(tmp_path) -> AsyncIterator[Control]:
    settings = load_settings(
        write_config(tmp_path, shopify={"shop_url": "https://demo-store.myshopify.com"})
    )
    db = await Database.open(tmp_path / "shopsync.db")
    queue = Queue(db)
    services = Services(settings=settings, db=db, queue=queue)
    queue.subscribe(lambda event, data: services.events.publish("job", state=event, **data))
    socket = str(tmp_path / "control.sock")
    saved = structlog.get_config()
    try:
        app = build_control_app(services)
        async with (
            running_server(app, uds=socket, lifespan="off"),
            ControlClient(socket) as client,
        ):
            yield Control(services, client, socket)
    finally:
        detach_log_stream()
        structlog.configure(**saved)
        await db.close()
