"""`shopsync run-now NAME` against a real daemon: the scheduler enqueues the run at once."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from tests.control.test_cli_control import shopsync
from tests.support.daemon_proc import DaemonProcess, write_config


@pytest.mark.slow
def test_run_now_enqueues_the_schedules_job_and_names_the_known_ones_on_a_typo(tmp_path):
    config = write_config(tmp_path, schedules={"timezone": "Europe/Amsterdam"})
    daemon = DaemonProcess(config).start()
    try:
        ran = shopsync(config, "run-now", "gift_cards")
        assert ran.stdout.startswith("gift_cards: job ")
        today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
        with sqlite3.connect(tmp_path / "state" / "shopsync.db") as conn:
            rows = conn.execute("SELECT kind, key FROM jobs WHERE kind LIKE 'gift_cards.%'")
            assert ("gift_cards.import", f"gift_cards:{today}") in rows.fetchall()
            runs = conn.execute("SELECT name FROM schedule_runs").fetchall()
        assert runs == [("gift_cards",)]
        typo = shopsync(config, "run-now", "payout", check=False)
        assert typo.returncode != 0
        assert "no schedule 'payout'; known: gift_cards, payouts" in typo.stdout + typo.stderr
    finally:
        daemon.terminate()
