"""`shopsync status` and `shopsync jobs …` against a real daemon process."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support.daemon_proc import DaemonProcess, write_config


def shopsync(config, *args, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "daemon.cli", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"shopsync {args} failed: {result.stderr}")
    return result


def _enqueue_unknown_kind(db_path, key):
    """A job no handler knows: the worker buries it with a sentence (a real dead job)."""
    now = time.time()
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO jobs (kind, key, payload, state, run_after, created_at, updated_at)"
            " VALUES ('legacy.thing', ?, '{\"sku\": \"MUG-01\"}', 'queued', ?, ?, ?)",
            (key, now, now, now),
        )


def _wait_for(db_path, state, timeout=15.0):
    """Wait on the database itself (cheaper than a CLI process per poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(db_path) as conn:
            rows = conn.execute("SELECT id FROM jobs WHERE state = ?", (state,)).fetchall()
        if rows:
            return [r[0] for r in rows]
        time.sleep(0.05)
    raise AssertionError(f"no {state} job in {timeout} s")


@pytest.mark.slow
def test_operator_lists_shows_retries_and_cancels_jobs_of_a_running_daemon(tmp_path):
    config = write_config(tmp_path)
    daemon = DaemonProcess(config).start()
    try:
        db_path = tmp_path / "state" / "shopsync.db"
        shopsync(config, "selftest", "--count", "2")
        _enqueue_unknown_kind(db_path, "legacy:1")
        _wait_for(db_path, "dead")
        (dead,) = json.loads(shopsync(config, "jobs", "list", "--state", "dead", "--json").stdout)[
            "jobs"
        ]
        assert "no handler for job kind" in dead["last_error"]

        status = json.loads(shopsync(config, "status", "--json").stdout)
        assert {f["name"]: f["health"] for f in status["flows"]}["legacy"] == "failing"
        readable = shopsync(config, "status").stdout
        assert "legacy" in readable and "failing" in readable

        listing = shopsync(config, "jobs", "list", "--search", "MUG-01").stdout
        assert "legacy:1" in listing and "(1-1 of 1)" in listing
        shown = shopsync(config, "jobs", "show", str(dead["id"])).stdout
        assert "hint:" in shown and '"sku": "MUG-01"' in shown

        retried = shopsync(config, "jobs", "retry", str(dead["id"])).stdout
        assert retried.strip() == "1 job(s) retried"
        _wait_for(db_path, "dead")  # no handler still: it dies again
        cancel = json.loads(shopsync(config, "jobs", "cancel", "--kind", "legacy", "--json").stdout)
        assert cancel == {"count": 1}

        assert shopsync(config, "flows", "pause", "orders").stdout.strip() == "orders paused"
        status = json.loads(shopsync(config, "status", "--json").stdout)
        assert {f["name"]: f["health"] for f in status["flows"]}["orders"] == "paused"
        refused = shopsync(config, "jobs", "retry", check=False)
        assert refused.returncode == 2
    finally:
        daemon.terminate()


def test_commands_say_plainly_when_the_daemon_is_not_running(tmp_path):
    config = write_config(tmp_path)
    result = shopsync(config, "status", check=False)
    assert result.returncode == 1
    assert "the daemon is not running" in result.stderr
    assert "Traceback" not in result.stderr
