"""The SQLite database: one writer connection, WAL, synchronous=FULL, numbered migrations."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite
import anyio

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL: a commit that precedes a 200 to Shopify must survive a power cut (OPS.md §7).
    "PRAGMA synchronous=FULL",
    # Short: a webhook must be answered within 5 s, so give up early and answer 503.
    "PRAGMA busy_timeout=2000",
    "PRAGMA foreign_keys=ON",
)


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every numbered file in state/migrations, in order."""
    found = []
    for entry in resources.files("state.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise DatabaseError(f"migration {name} is out of sequence (expected {expected:04d})")
    return found


def latest_version() -> int:
    return len(migrations())


class Database:
    """A writer connection guarded by a lock (transactions never interleave) and a reader.

    WAL lets the reader see committed data while the writer works, so the control API and
    health checks never wait behind a long write.
    """

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._lock = anyio.Lock()
        self.last_write_ok: float = 0.0

    @classmethod
    async def open(cls, path: str | Path, *, backup_before_migrate: bool = True) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            await migrate(writer, path, backup=backup_before_migrate)
        except BaseException:
            await writer.close()
            raise
        reader = await _connect(path)
        return cls(path, writer, reader)

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            with contextlib.suppress(Exception):
                # Fold the WAL back so a copied .db alone is complete (OPS.md §9).
                await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            await self._reader.close()
            await self._writer.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT on the writer; rolls back if the block raises."""
        async with self._lock:
            conn = self._writer
            # Shielded: a cancel landing here would leave BEGIN run but never rolled back,
            # and every later transaction on the writer would fail.
            with anyio.CancelScope(shield=True):
                await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await conn.execute("ROLLBACK")
                raise
            else:
                with anyio.CancelScope(shield=True):
                    await conn.execute("COMMIT")
                self.last_write_ok = time.time()

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[aiosqlite.Row]:
        async with self._reader.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> aiosqlite.Row | None:
        async with self._reader.execute(sql, params) as cur:
            return await cur.fetchone()

    async def execute_write(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        async with self.transaction() as conn:
            cur = await conn.execute(sql, params)
            return cur.rowcount

    async def executemany_write(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def quick_check(self) -> str:
        row = await self.fetchone("PRAGMA quick_check")
        return row[0] if row else "no answer"

    async def integrity_check(self) -> list[str]:
        return [r[0] for r in await self.fetchall("PRAGMA integrity_check")]

    async def backup(self, dest: str | Path) -> Path:
        """An online, consistent copy (VACUUM INTO), safe while the daemon runs."""
        dest = Path(dest)
        if dest.exists():
            raise DatabaseError(f"{dest} exists; choose a new file name")
        dest.parent.mkdir(parents=True, exist_ok=True)
        async with self._lock:
            await self._writer.execute("VACUUM INTO ?", (str(dest),))
        return dest


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, sqlite3 must not guess.
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    conn.row_factory = aiosqlite.Row
    for pragma in PRAGMAS:
        await conn.execute(pragma)
    return conn


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0])


async def migrate(conn: aiosqlite.Connection, path: Path, *, backup: bool = True) -> int:
    """Apply pending migrations in one transaction; refuse a database newer than this code."""
    known = migrations()
    current = await schema_version(conn)
    if current > len(known):
        raise DatabaseError(
            f"database {path} has schema version {current}, but this shopsync knows only "
            f"{len(known)}: it was written by a newer release. Install that release again "
            f"(downgrades are not supported) or restore a backup made before the upgrade."
        )
    pending = [m for m in known if m[0] > current]
    if not pending:
        return current
    if current > 0 and backup and str(path) != ":memory:":
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        dest = path.with_name(f"{path.name}.v{current}-{stamp}.bak")
        await conn.execute("VACUUM INTO ?", (str(dest),))
    script = "BEGIN IMMEDIATE;\n"
    for version, _name, sql in pending:
        script += sql + f"\nPRAGMA user_version = {version};\n"
    script += "COMMIT;"
    try:
        await conn.executescript(script)
    except Exception as exc:
        with contextlib.suppress(Exception):
            await conn.execute("ROLLBACK")
        raise DatabaseError(f"migration to version {pending[-1][0]} failed: {exc}") from exc
    return pending[-1][0]
