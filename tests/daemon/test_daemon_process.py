"""A real `shopsync run` process: kill -9 loses nothing, SIGTERM drains, systemd is told."""

from __future__ import annotations

import random
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support.daemon_proc import DaemonProcess, write_config


def _selftest(config, count, seconds, prefix):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "daemon.cli",
            "selftest",
            "--config",
            str(config),
            "--count",
            str(count),
            "--seconds",
            str(seconds),
            "--prefix",
            prefix,
        ],
        check=True,
        capture_output=True,
    )


def _states(db_path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())


def _wait_all_succeeded(db_path, total, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _states(db_path).get("succeeded", 0) == total:
            return
        time.sleep(0.1)
    raise AssertionError(f"not all jobs finished: {_states(db_path)}")


@pytest.mark.slow
def test_sigkill_mid_work_loses_no_job_and_completes_each_exactly_once(tmp_path):
    config = write_config(tmp_path, daemon={"workers": 8})
    db_path = tmp_path / "state" / "shopsync.db"
    _selftest(config, 200, 0.05, "a")
    rng = random.Random(3)
    for round_ in range(4):
        daemon = DaemonProcess(config).start()
        time.sleep(rng.uniform(0.2, 0.6))  # let it get some jobs in flight
        daemon.kill()
        if round_ == 1:
            _selftest(config, 100, 0.05, "b")  # new work arrives while it is down
    daemon = DaemonProcess(config).start()
    try:
        _wait_all_succeeded(db_path, 300)
    finally:
        assert daemon.terminate() == 0
    with sqlite3.connect(db_path) as conn:
        interrupted = conn.execute(
            "SELECT count(*) FROM job_attempts WHERE outcome = 'interrupted'"
        ).fetchone()[0]
        recorded = conn.execute(
            "SELECT count(*), count(DISTINCT shopify_id) FROM links WHERE entity = 'selftest'"
        ).fetchone()
        open_attempts = conn.execute(
            "SELECT count(*) FROM job_attempts WHERE finished_at IS NULL"
        ).fetchone()[0]
    assert interrupted > 0, "the kills must actually have hit running jobs"
    assert recorded == (300, 300)
    assert open_attempts == 0
    assert _states(db_path) == {"succeeded": 300}


@pytest.mark.slow
def test_sigterm_lets_running_jobs_finish_and_exits_zero(tmp_path):
    config = write_config(tmp_path, daemon={"workers": 4, "grace_period": 10})
    _selftest(config, 4, 1.5, "t")
    daemon = DaemonProcess(config).start()
    try:
        time.sleep(0.5)  # all four are running now
        assert daemon.terminate() == 0
    finally:
        daemon.close()
    assert _states(tmp_path / "state" / "shopsync.db") == {"succeeded": 4}


@pytest.mark.slow
def test_sigterm_after_the_grace_period_puts_unfinished_jobs_back(tmp_path):
    config = write_config(tmp_path, daemon={"workers": 2, "grace_period": 0.5})
    _selftest(config, 2, 30, "long")
    daemon = DaemonProcess(config).start()
    try:
        time.sleep(0.5)
        assert daemon.terminate() == 0
    finally:
        daemon.close()
    with sqlite3.connect(tmp_path / "state" / "shopsync.db") as conn:
        rows = conn.execute("SELECT state, attempts FROM jobs").fetchall()
    assert rows == [("queued", 0), ("queued", 0)], "released, and the attempt is not spent"


@pytest.mark.slow
def test_systemd_hears_ready_watchdog_and_stopping(tmp_path):
    sock_path = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(sock_path))
    listener.settimeout(15)
    config = write_config(tmp_path)
    daemon = DaemonProcess(config, env={"NOTIFY_SOCKET": str(sock_path), "WATCHDOG_USEC": "400000"})
    try:
        daemon.start()
        messages = []
        while not any("WATCHDOG=1" in m for m in messages):
            messages.append(listener.recv(4096).decode())
        assert "READY=1" in messages[0] and "STATUS=" in messages[0]
        assert daemon.terminate() == 0
        while not any("STOPPING=1" in m for m in messages):
            messages.append(listener.recv(4096).decode())
    finally:
        daemon.close()
        listener.close()
