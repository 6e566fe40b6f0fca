"""What each console screen looks like at 80×24, with fixed answers from a fake control client.

Update after a deliberate change: `pytest tests/console --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from console.app import ConsoleApp
from tests.console.fake_client import FakeControlClient, fixed_clock

SIZE = (80, 24)


def _app() -> ConsoleApp:
    return ConsoleApp(FakeControlClient(), clock=fixed_clock)


def test_overview_screen(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, press=["_"])


def test_jobs_screen(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, press=["j", "_"])


def test_jobs_screen_filtered_to_dead_jobs(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, press=["j", "s", "_"])


def test_job_screen_with_error_hint_and_attempts(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, press=["j", "_", "enter", "_"])


def test_retry_asks_for_confirmation(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, press=["j", "_", "r"])


def test_logs_screen(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, press=["l", "_"])


def test_help_screen(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, press=["question_mark", "_"])
