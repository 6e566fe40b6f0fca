"""API tokens in SQLite (Exact's pair, Shopify's token), sealed at rest and durable when saved.

Every token goes through `SqliteTokenStore`, so every one is encrypted (state/secrets.py): a copied
database or `shopsync db backup` file holds no usable token. A token sealed with a key this
process lacks reads as "not authorized", which pauses the flow with the re-authorisation hint.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Generic, Protocol, TypeVar

from connectors.errors import AuthError
from connectors.exact.tokens import TokenSet
from state.db import Database
from state.secrets import REAUTHORISE, TokenKey, TokenKeyError, find_key, is_sealed


class _Codec(Protocol):
    def to_json(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=_Codec)


class SqliteTokenStore(Generic[T]):
    """A TokenStore on the daemon's database: Exact's TokenSet by default; another API's token
    with `SqliteTokenStore(db, "shopify", ShopifyToken)`. `key` defaults to the installation's
    (secrets.find_key), looked up at first use."""

    def __init__(
        self,
        db: Database,
        name: str = "exact",
        codec: Any = TokenSet,
        *,
        key: TokenKey | None = None,
    ):
        self.db = db
        self.name = name
        self.codec = codec
        self._key = key

    def key(self) -> TokenKey:
        if self._key is None:
            self._key = find_key(self.db.path)
        return self._key

    async def load(self) -> T | None:
        row = await self.db.fetchone("SELECT data FROM tokens WHERE name = ?", (self.name,))
        if row is None:
            return None
        text = row[0]
        try:
            if is_sealed(text):
                data = json.loads(self.key().open(text, self.name))
            else:
                # Written in clear by a release before sealing: seal it now (needs the key).
                data = json.loads(text)
                await self._write(self.key().seal(text.encode(), self.name))
        except TokenKeyError as exc:
            raise AuthError(str(exc), api=self.name, hint=REAUTHORISE) from None
        return self.codec.from_json(data)

    async def save(self, tokens: T) -> None:
        try:
            sealed = self.key().seal(json.dumps(tokens.to_json()).encode(), self.name)
        except TokenKeyError as exc:
            raise AuthError(str(exc), api=self.name, hint=str(exc)) from None
        await self._write(sealed)

    async def _write(self, data: str) -> None:
        await self.db.run(lambda conn: write_token(conn, self.name, data))


def write_token(conn: sqlite3.Connection, name: str, data: str) -> None:
    """Replace a token row (secure_delete, state/db.py, zeroes the bytes of the old one)."""
    conn.execute(
        "INSERT INTO tokens (name, data, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET data = excluded.data,"
        " updated_at = excluded.updated_at",
        (name, data, time.time()),
    )


async def reseal_all(db: Database, key: TokenKey) -> dict[str, int]:
    """Seal every stored token with `key`'s first key (rotation, or tokens stored in clear).

    Answers how many were resealed, already current, and unreadable (sealed with a key `key`
    does not hold: those need re-authorisation and are left as they are).
    """
    rows = await db.fetchall("SELECT name, data FROM tokens ORDER BY name")
    counts = {"resealed": 0, "current": 0, "unreadable": 0}
    fresh: list[tuple[str, str]] = []
    for name, data in rows:
        if is_sealed(data) and key.is_current(data):
            counts["current"] += 1
            continue
        try:
            plain = key.open(data, name) if is_sealed(data) else data.encode()
        except TokenKeyError:
            counts["unreadable"] += 1
            continue
        fresh.append((name, key.seal(plain, name)))

    def write(conn: sqlite3.Connection) -> None:
        for name, data in fresh:
            write_token(conn, name, data)

    await db.run(write)
    counts["resealed"] = len(fresh)
    return counts
