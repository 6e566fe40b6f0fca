"""The SQLite database: one writer connection, WAL, synchronous=FULL, numbered migrations."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiosqlite
import anyio
import anyio.lowlevel

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL: a commit that precedes a 200 to Shopify must survive a power cut (OPS.md §7).
    "PRAGMA synchronous=FULL",
    # Short: a webhook must be answered within 5 s, so give up early and answer 503.
    "PRAGMA busy_timeout=2000",
    "PRAGMA foreign_keys=ON",
    # Deleted rows (pruned receipts, erased personal data, replaced tokens) are overwritten with
    # zeros, not left readable in free pages until reused (README: personal data).
    "PRAGMA secure_delete=ON",
)


T = TypeVar("T")

# Work submitted while a commit is in flight joins the next one; this caps how many.
MAX_BATCH = 256


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
        self._waiting: list[_Work[Any]] = []
        self._leading = False
        self.commits = 0  # group commits done; tests and benchmarks read it

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

    async def checkpoint(self) -> bool:
        """Fold the WAL into the file and truncate it; False if a reader kept old pages alive."""
        async with self._lock, self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
            row = await cur.fetchone()
        return row is not None and row[0] == 0

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

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` in a write transaction; return once it is durably committed.

        Group commit: calls that arrive while a commit is in flight are committed together in
        one transaction, on one trip to the writer thread. Each runs in its own savepoint, so
        one that raises is rolled back alone and its caller gets the exception; a failed
        BEGIN or COMMIT fails every call of the batch. `fn` runs on the writer's thread: it
        must be quick, synchronous and touch nothing but the connection and its arguments.

        Shielded: once submitted, the work commits or fails even if the caller is cancelled,
        so a cancel never leaves the caller unsure whether it happened.
        """
        work: _Work[T] = _Work(fn)
        self._waiting.append(work)
        with anyio.CancelScope(shield=True):
            if self._leading:
                await work.turn.wait()  # set when done, or when it is this call's turn to lead
            else:
                self._leading = work.leads = True
                # Let tasks that are already runnable (say, the callers of the batch that just
                # committed, or jobs that just finished) submit their work first, so it
                # shares this commit: yield while the batch still grows, a few times at most.
                for _ in range(4):
                    size = len(self._waiting)
                    await anyio.lowlevel.cancel_shielded_checkpoint()
                    if len(self._waiting) == size:
                        break
            if work.leads:
                await self._lead()
        if work.error is not None:
            raise work.error
        return work.result  # type: ignore[return-value]

    async def _lead(self) -> None:
        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
        try:
            async with self._lock:
                try:
                    await on_thread(self._writer, _commit_batch, batch)
                except Exception as exc:  # BEGIN or COMMIT failed: nothing of the batch stands
                    for work in batch:
                        work.result, work.error = None, exc
                else:
                    self.last_write_ok = time.time()
                    self.commits += 1
        finally:
            for work in batch:
                work.turn.set()
            if self._waiting:
                self._waiting[0].leads = True
                self._waiting[0].turn.set()
            else:
                self._leading = False

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[aiosqlite.Row]:
        async with self._reader.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> aiosqlite.Row | None:
        async with self._reader.execute(sql, params) as cur:
            return await cur.fetchone()

    async def execute_write(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        return await self.run(lambda conn: conn.execute(sql, params).rowcount)

    async def executemany_write(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        await self.run(lambda conn: conn.executemany(sql, rows))

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


@dataclass(eq=False)
class _Work(Generic[T]):
    fn: Callable[[sqlite3.Connection], T]
    turn: anyio.Event = field(default_factory=anyio.Event)
    leads: bool = False
    result: T | None = None
    error: BaseException | None = None


def _commit_batch(conn: sqlite3.Connection, batch: Sequence[_Work[Any]]) -> None:
    """On the writer thread: BEGIN, each call in a savepoint, COMMIT."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if len(batch) == 1:  # the common case when idle: no savepoint needed
            _call(batch[0], conn)
            conn.execute("ROLLBACK" if batch[0].error is not None else "COMMIT")
            return
        for work in batch:
            conn.execute("SAVEPOINT work")
            _call(work, conn)
            if work.error is not None:
                conn.execute("ROLLBACK TO work")
            conn.execute("RELEASE work")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _call(work: _Work[Any], conn: sqlite3.Connection) -> None:
    try:
        work.result = work.fn(conn)
    except Exception as exc:
        work.error = exc


async def on_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(raw_connection, *args)` on the aiosqlite connection's own thread, in one trip.

    Inside `Database.transaction()` this runs several statements for the price of one hop.
    """
    # aiosqlite has no public "call this on the connection's thread"; `_execute` and `_conn`
    # are what its own methods use (unchanged since 0.17). pyproject caps aiosqlite below 1.0.
    return await conn._execute(fn, conn._conn, *args)


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
