"""Links (shopify id ↔ exact id), cursors (sync checkpoints) and flow pauses."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from state.db import Database


@dataclass(frozen=True)
class Link:
    entity: str
    shopify_id: str
    exact_id: str
    exact_ref: str | None
    data: dict[str, Any]


class Links:
    """What we already created in Exact for a Shopify object: checked before every create."""

    def __init__(self, db: Database):
        self.db = db

    async def get(self, entity: str, shopify_id: str) -> Link | None:
        row = await self.db.fetchone(
            "SELECT entity, shopify_id, exact_id, exact_ref, data FROM links"
            " WHERE entity = ? AND shopify_id = ?",
            (entity, shopify_id),
        )
        return _link(row) if row else None

    async def put(
        self,
        entity: str,
        shopify_id: str,
        exact_id: str,
        *,
        exact_ref: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        await self.db.execute_write(
            "INSERT INTO links (entity, shopify_id, exact_id, exact_ref, data, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entity, shopify_id) DO UPDATE SET"
            " exact_id = excluded.exact_id, exact_ref = excluded.exact_ref, data = excluded.data",
            (
                entity,
                shopify_id,
                exact_id,
                exact_ref,
                json.dumps(data or {}, default=str),
                time.time(),
            ),
        )

    async def all(self, entity: str) -> list[Link]:
        rows = await self.db.fetchall(
            "SELECT entity, shopify_id, exact_id, exact_ref, data FROM links WHERE entity = ?",
            (entity,),
        )
        return [_link(r) for r in rows]

    async def count(self, entity: str | None = None) -> int:
        if entity is None:
            row = await self.db.fetchone("SELECT count(*) FROM links")
        else:
            row = await self.db.fetchone("SELECT count(*) FROM links WHERE entity = ?", (entity,))
        return int(row[0]) if row else 0


def _link(row: Any) -> Link:
    return Link(row[0], row[1], row[2], row[3], json.loads(row[4]))


class Cursors:
    """Named checkpoints of incremental syncs (an Exact Timestamp, a Shopify updated_at)."""

    def __init__(self, db: Database):
        self.db = db

    async def get(self, name: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM cursors WHERE name = ?", (name,))
        return row[0] if row else None

    async def set(self, name: str, value: str) -> None:
        await self.db.execute_write(
            "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
            " updated_at = excluded.updated_at",
            (name, value, time.time()),
        )


class Flows:
    """Pause and resume flows; a paused flow's jobs wait in the queue untouched."""

    def __init__(self, db: Database):
        self.db = db

    async def paused(self) -> dict[str, str]:
        rows = await self.db.fetchall("SELECT name, paused_reason FROM flows WHERE paused = 1")
        return {r[0]: r[1] or "" for r in rows}

    async def pause(self, name: str, reason: str) -> None:
        await self.db.execute_write(
            "INSERT INTO flows (name, paused, paused_reason, updated_at) VALUES (?, 1, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET paused = 1, paused_reason = excluded.paused_reason,"
            " updated_at = excluded.updated_at",
            (name, reason, time.time()),
        )

    async def resume(self, name: str) -> None:
        await self.db.execute_write(
            "UPDATE flows SET paused = 0, paused_reason = NULL, updated_at = ? WHERE name = ?",
            (time.time(), name),
        )
