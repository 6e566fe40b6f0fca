"""A real `shopsync run` mails a dead job to a loopback SMTP server, once, across a restart."""

from __future__ import annotations

import sqlite3
import time

import anyio
import pytest

from state.db import Database
from state.queue import Queue
from tests.alerts.conftest import RECIPIENT, smtp_server
from tests.support.daemon_proc import DaemonProcess, write_config


async def _seed_dead_job(path) -> None:
    db = await Database.open(path)
    try:
        queue = Queue(db)
        await queue.enqueue("orders.export", "order:1001:AMS", {"order": 1001})
        [job] = await queue.claim(1)
        await queue.bury(
            job,
            "exact: Item code HOODIE-XL does not exist",
            hint="Create item HOODIE-XL in Exact or map the SKU to an item.",
        )
    finally:
        await db.close()


def _wait(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


def _sends(db_path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT state, key FROM jobs WHERE kind = 'alerts.send'").fetchall()


@pytest.mark.slow
def test_the_daemon_mails_a_dead_job_once_and_not_again_after_a_restart(tmp_path):
    with smtp_server() as (inbox, port):
        config = write_config(
            tmp_path,
            stock={"enabled": False},
            alerts={
                "enabled": True,
                "to": [RECIPIENT],
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_security": "none",
                "group_wait": 0.0,
                "evaluate_interval": 0.1,
            },
        )
        db_path = tmp_path / "state" / "shopsync.db"
        anyio.run(_seed_dead_job, db_path)

        daemon = DaemonProcess(config).start()
        try:
            _wait(lambda: inbox.messages)
            daemon.wait_for("alert digest sent")
        finally:
            assert daemon.terminate() == 0
        assert inbox.messages[0]["Subject"].startswith("[shopsync] ALERT: orders.export")
        assert "Create item HOODIE-XL in Exact" in inbox.messages[0].get_payload()

        again = DaemonProcess(config).start()
        try:
            # Give the restarted daemon many evaluations to (wrongly) send again.
            time.sleep(1.0)
        finally:
            assert again.terminate() == 0
        assert len(inbox.messages) == 1
        assert [state for state, _ in _sends(db_path)] == ["succeeded"]
        assert not any(line.get("event") == "alert opened" for line in again.lines)
