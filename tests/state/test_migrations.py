"""Schema upgrades: a backup first, data kept, and a database from a newer release refused."""

from __future__ import annotations

import sqlite3

import pytest

from state.db import Database, DatabaseError, latest_version, migrations

pytestmark = pytest.mark.anyio


def _database_at(path, version: int) -> None:
    """A database as the release with `version` migrations left it."""
    conn = sqlite3.connect(path)
    for number, _name, sql in migrations()[:version]:
        conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.commit()
    conn.close()


def _receipt(conn: sqlite3.Connection, delivery: str, event: str | None) -> None:
    conn.execute(
        "INSERT INTO receipts (source, delivery_id, event_id, topic, received_at, body)"
        " VALUES ('shopify', ?, ?, 'orders/create', 0, x'7b7d')",
        (delivery, event),
    )


async def test_an_upgrade_backs_up_first_and_keeps_every_receipt(tmp_path):
    path = tmp_path / "shopsync.db"
    _database_at(path, 3)
    conn = sqlite3.connect(path)
    _receipt(conn, "d-1", "e-1")
    _receipt(conn, "d-2", "e-1")  # the same event twice: version 3 did not forbid it
    _receipt(conn, "d-3", None)
    conn.commit()
    conn.close()

    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT delivery_id, event_id FROM receipts ORDER BY id")
        assert [tuple(r) for r in rows] == [("d-1", "e-1"), ("d-2", None), ("d-3", None)]
        assert (await db.fetchone("PRAGMA user_version"))[0] == latest_version()
        with pytest.raises(sqlite3.IntegrityError):  # now the database keeps events unique
            await db.run(lambda c: _receipt(c, "d-4", "e-1"))
    finally:
        await db.close()
    [backup] = tmp_path.glob("shopsync.db.v3-*.bak")
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 3
    assert old.execute("SELECT count(*) FROM receipts").fetchone()[0] == 3
    old.close()


async def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path):
    path = tmp_path / "shopsync.db"
    _database_at(path, latest_version())
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer release"):
        await Database.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version() + 1
    conn.close()
    assert not list(tmp_path.glob("*.bak"))
