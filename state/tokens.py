"""Exact's token pair in SQLite: saved with synchronous=FULL, so durable when save() returns."""

from __future__ import annotations

import json
import time

from connectors.exact.tokens import TokenSet
from state.db import Database


class SqliteTokenStore:
    """Implements connectors.exact.tokens.TokenStore on the daemon's database."""

    def __init__(self, db: Database, name: str = "exact"):
        self.db = db
        self.name = name

    async def load(self) -> TokenSet | None:
        row = await self.db.fetchone("SELECT data FROM tokens WHERE name = ?", (self.name,))
        return TokenSet.from_json(json.loads(row[0])) if row else None

    async def save(self, tokens: TokenSet) -> None:
        await self.db.execute_write(
            "INSERT INTO tokens (name, data, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET data = excluded.data,"
            " updated_at = excluded.updated_at",
            (self.name, json.dumps(tokens.to_json()), time.time()),
        )
