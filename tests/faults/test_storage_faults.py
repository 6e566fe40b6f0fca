"""A locked database or a full disk: ingress answers 503, keeps nothing half-written, recovers.

Both against a real `shopsync run`: the lock is another process holding SQLite's write lock;
the full disk is the daemon's file-size limit (RLIMIT_FSIZE) lowered from outside, which makes
SQLite's writes fail mid-transaction (SQLite reports EFBIG as "disk I/O error"; a real ENOSPC
reads "database or disk is full" — the daemon handles both as the same sqlite3.Error).
"""

from __future__ import annotations

import json
import resource
import sqlite3

import httpx
import pytest

from tests.faults.support import query
from tests.support.daemon_proc import SECRETS, DaemonProcess, write_config
from tests.support.webhooks import shopify_headers

pytestmark = pytest.mark.slow

SECRET = SECRETS["webhook_secret"]


@pytest.fixture
def daemon(tmp_path):
    proc = DaemonProcess(write_config(tmp_path)).start()
    try:
        yield proc, tmp_path / "state" / "shopsync.db"
    finally:
        proc.close()


def delivery(pad: int = 0) -> tuple[bytes, dict[str, str]]:
    body = {"inventory_item_id": 11, "location_id": 22, "available": 5, "pad": "x" * pad}
    raw = json.dumps(body).encode()
    return raw, shopify_headers(raw, SECRET, "inventory_levels/update")


def post(url: str, raw: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(url + "/webhooks/shopify", content=raw, headers=headers, timeout=20)


def stored(db, webhook_id: str) -> tuple[int, int]:
    """(receipts, jobs) for one delivery: both 0 or both 1, never one without the other."""
    [(receipts,)] = query(db, "SELECT count(*) FROM receipts WHERE delivery_id = ?", (webhook_id,))
    [(jobs,)] = query(
        db,
        "SELECT count(*) FROM jobs WHERE key IN"
        " (SELECT 'receipt:' || id FROM receipts WHERE delivery_id = ?)",
        (webhook_id,),
    )
    return receipts, jobs


def test_a_locked_database_gets_503_then_the_retry_is_stored_once(daemon):
    proc, db = daemon
    raw, headers = delivery()
    blocker = sqlite3.connect(db, timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        answer = post(proc.ingress_url, raw, headers)
        assert answer.status_code == 503
        assert "retry" in answer.json()["error"]
    finally:
        blocker.rollback()
        blocker.close()
    assert stored(db, headers["X-Shopify-Webhook-Id"]) == (0, 0)
    assert post(proc.ingress_url, raw, headers).status_code == 200  # Shopify's redelivery
    assert stored(db, headers["X-Shopify-Webhook-Id"]) == (1, 1)
    assert proc.proc.poll() is None


def test_a_full_disk_gets_503_then_the_retry_is_stored_once(daemon):
    proc, db = daemon
    raw, headers = delivery(pad=600_000)  # its WAL frames must pass the limit below
    pid = proc.proc.pid
    unlimited = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (64 * 1024, unlimited[1]))
    try:
        answer = post(proc.ingress_url, raw, headers)
        assert answer.status_code == 503, answer.text
        assert proc.proc.poll() is None
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, unlimited)
    assert stored(db, headers["X-Shopify-Webhook-Id"]) == (0, 0)
    assert post(proc.ingress_url, raw, headers).status_code == 200
    assert stored(db, headers["X-Shopify-Webhook-Id"]) == (1, 1)
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    failed = [line for line in proc.lines if line.get("event") == "webhook not stored"]
    assert failed and failed[0]["error"] in ("disk I/O error", "database or disk is full")
