"""Shared by the fault tests: how long to run (SHOPSYNC_CHAOS=full) and reading a daemon's state."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

FULL = os.environ.get("SHOPSYNC_CHAOS") == "full"


def size(short: int, full: int) -> int:
    """The short size under `make test`, the full one under `make chaos`."""
    return full if FULL else short


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the daemon's database from outside, as an operator's sqlite3 would (WAL: no lock)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_until(check: Any, timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout} s")
