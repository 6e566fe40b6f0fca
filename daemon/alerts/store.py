"""Alert state in the `alerts` table: open, update and resolve by fingerprint; mark mails sent."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiosqlite

from daemon.alerts.digest import AlertRow, Notice
from daemon.alerts.rules import Finding
from state.db import Database

SEND_KIND = "alerts.send"
# Resolved alerts that were mailed (or never needed to be) are forgotten after this long.
KEEP_RESOLVED = 30 * 86400.0

_COLUMNS = (
    "fingerprint, rule, summary, detail, state, first_seen, last_seen, last_sent,"
    " resolved_at, resolved_sent"
)


@dataclass
class Changes:
    opened: list[Finding] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def stored_detail(finding: Finding) -> str:
    """The mail and the console show the detail with the fix under it."""
    return f"{finding.detail}\nWhat to do: {finding.fix}" if finding.fix else finding.detail


async def reconcile(
    conn: aiosqlite.Connection, findings: Iterable[Finding], now: float, in_flight: set[str]
) -> Changes:
    """Make the table match `findings`: new ones open, missing ones resolve, others update.

    An alert that comes back before its all-clear went out simply stays open (no new mail);
    once the all-clear is on its way, its return is news again.
    """
    current = {f.fingerprint: f for f in findings}
    rows = {r.fingerprint: r for r in await _rows(conn, "1 = 1")}
    changes = Changes()
    for fp, finding in current.items():
        row = rows.get(fp)
        detail = stored_detail(finding)
        if row is not None and row.state == "open":
            if (row.rule, row.summary, row.detail) != (finding.rule, finding.summary, detail):
                await conn.execute(
                    "UPDATE alerts SET rule = ?, summary = ?, detail = ? WHERE fingerprint = ?",
                    (finding.rule, finding.summary, detail, fp),
                )
            continue
        if row is not None and _flapped(row) and fp not in in_flight:
            await conn.execute(
                "UPDATE alerts SET rule = ?, summary = ?, detail = ?, state = 'open',"
                " resolved_at = NULL WHERE fingerprint = ?",
                (finding.rule, finding.summary, detail, fp),
            )
            continue
        await conn.execute(
            f"INSERT INTO alerts ({_COLUMNS}) VALUES (?, ?, ?, ?, 'open', ?, ?, NULL, NULL, 0)"
            " ON CONFLICT (fingerprint) DO UPDATE SET rule = excluded.rule,"
            " summary = excluded.summary, detail = excluded.detail, state = 'open',"
            " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"
            " last_sent = NULL, resolved_at = NULL, resolved_sent = 0",
            (fp, finding.rule, finding.summary, detail, now, now),
        )
        changes.opened.append(finding)
    for fp, row in rows.items():
        if row.state == "open" and fp not in current:
            await conn.execute(
                "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_sent = 0"
                " WHERE fingerprint = ?",
                (now, fp),
            )
            changes.resolved.append(fp)
    # One statement rather than one per alert: the writer is shared with webhook ingress.
    await conn.execute("UPDATE alerts SET last_seen = ? WHERE state = 'open'", (now,))
    await conn.execute(
        "DELETE FROM alerts WHERE state = 'resolved' AND resolved_sent = 1 AND resolved_at < ?",
        (now - KEEP_RESOLVED,),
    )
    return changes


def _flapped(row: AlertRow) -> bool:
    return row.state == "resolved" and not row.resolved_sent and row.last_sent is not None


async def pending_rows(conn: aiosqlite.Connection) -> list[AlertRow]:
    return await _rows(conn, "state = 'open' OR resolved_sent = 0")


async def in_flight(conn: aiosqlite.Connection, now: float, repeat_interval: float) -> set[str]:
    """Fingerprints a send job still carries: waiting, running, or dead only recently.

    A send that died (the relay refused it) is tried again by the next digest after one
    repeat interval, so nothing is lost and nothing is sent in a tight loop.
    """
    async with conn.execute(
        "SELECT payload FROM jobs WHERE kind = ? AND (state IN ('queued', 'retrying', 'running')"
        " OR (state = 'dead' AND finished_at > ?))",
        (SEND_KIND, now - repeat_interval),
    ) as cur:
        payloads = [json.loads(r[0]) for r in await cur.fetchall()]
    return {n["fingerprint"] for p in payloads for n in p.get("notices", ())}


async def close_never_mailed(conn: aiosqlite.Connection, fingerprints: list[str]) -> None:
    await conn.executemany(
        "UPDATE alerts SET resolved_sent = 1 WHERE fingerprint = ? AND state = 'resolved'",
        [(fp,) for fp in fingerprints],
    )


async def mark_delivered(db: Database, notices: Iterable[Notice], sent_at: float) -> None:
    """After the mail left: repeats count from now, resolutions are done."""
    async with db.transaction() as conn:
        for n in notices:
            if n.kind == "resolved":
                await conn.execute(
                    "UPDATE alerts SET resolved_sent = 1 WHERE fingerprint = ?"
                    " AND state = 'resolved'",
                    (n.fingerprint,),
                )
            else:
                await conn.execute(
                    "UPDATE alerts SET last_sent = ? WHERE fingerprint = ?",
                    (sent_at, n.fingerprint),
                )


async def _rows(conn: aiosqlite.Connection, where: str) -> list[AlertRow]:
    async with conn.execute(f"SELECT {_COLUMNS} FROM alerts WHERE {where}") as cur:
        return [
            AlertRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]))
            for r in await cur.fetchall()
        ]
