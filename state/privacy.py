"""Erases customers' personal data from everything the database keeps; bookings' links stay.

Webhook receipts keep their ids only (an allow-list: whatever else a body held is dropped, so
no field Shopify adds later can slip through); job payloads, errors, attempt tracebacks, alerts
and link data lose every occurrence of the customer's email, phone and full name. Links from
Shopify objects to Exact documents stay (Exact holds the legal record); a guest customer's link
keyed by email goes. With secure_delete (state/db.py) and a WAL checkpoint the old bytes are gone
from the file, not merely unreferenced.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ERASED = "[erased]"
# Fields a redacted webhook body keeps: ids and facts the routes need to replay it, nothing that
# can name a person (see daemon/flows/*/jobs.py routes).
KEEP = frozenset(
    {
        "id",
        "admin_graphql_api_id",
        "order_id",
        "location_id",
        "inventory_item_id",
        "available",
        "quantity",
        "created_at",
        "updated_at",
        "cancelled_at",
        "financial_status",
    }
)
NESTED = frozenset({"line_items", "order", "refund_line_items"})


@dataclass
class Subject:
    """Whose data to erase: any of emails, Shopify customer ids, their order ids."""

    emails: set[str] = field(default_factory=set)
    customer_ids: set[int] = field(default_factory=set)
    order_ids: set[int] = field(default_factory=set)
    # Learnt from the matched bodies: scrubbed wherever they appear as text.
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def strings(self) -> list[str]:
        found = {e.lower() for e in self.emails if e} | self.phones | self.names
        return sorted(found, key=len, reverse=True)  # longest first: "a@b.nl" before "b.nl"


def redacted_body(body: Any) -> dict[str, Any]:
    """The ids of a webhook body, nothing else."""
    out: dict[str, Any] = {"erased": True}
    if not isinstance(body, dict):
        return out
    for key, value in body.items():
        if key in KEEP and isinstance(value, int | str | float | bool | type(None)):
            out[key] = value
        elif key == "name" and isinstance(value, str) and value.startswith("#"):
            out[key] = value  # the order's name, e.g. "#1001"
        elif key in NESTED and isinstance(value, dict):
            out[key] = redacted_body(value)
        elif key in NESTED and isinstance(value, list):
            out[key] = [redacted_body(v) for v in value]
    return out


def _loads(raw: bytes | str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _ids(value: Any) -> set[int]:
    """Numeric ids of a value: 123, "123" or "gid://shopify/Type/123"."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {value}
    if isinstance(value, str):
        tail = value.rsplit("/", 1)[-1]
        return {int(tail)} if tail.isdigit() else set()
    return set()


def _customer_of(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    customer = body.get("customer")
    return customer if isinstance(customer, dict) else None


def _matches(topic: str, body: Any, text: str, subject: Subject) -> bool:
    lowered = text.lower()
    if any(email.lower() in lowered for email in subject.emails):
        return True
    if not isinstance(body, dict):
        return False
    customer = _customer_of(body)
    if customer is not None and _ids(customer.get("id")) & subject.customer_ids:
        return True
    if topic.startswith("customers/") and _ids(body.get("id")) & subject.customer_ids:
        return True
    if topic.startswith("orders/") and _ids(body.get("id")) & subject.order_ids:
        return True
    return bool(_ids(body.get("order_id")) & subject.order_ids)


def _learn(body: Any, subject: Subject) -> None:
    """Emails, phones and full names a matched body holds, so other tables lose them too."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key in ("email", "contact_email"):
                if isinstance(node.get(key), str) and "@" in node[key]:
                    subject.emails.add(node[key].lower())
            if isinstance(node.get("phone"), str) and sum(c.isdigit() for c in node["phone"]) >= 6:
                subject.phones.add(node["phone"])
            first, last = node.get("first_name"), node.get("last_name")
            if isinstance(first, str) and isinstance(last, str) and first and last:
                subject.names.add(f"{first} {last}")
            stack.extend(v for v in node.values() if isinstance(v, dict | list))


def _scrub(text: str | None, patterns: list[re.Pattern[str]]) -> str | None:
    if text is None:
        return None
    for pattern in patterns:
        text = pattern.sub(ERASED, text)
    return text


def _candidates(conn: sqlite3.Connection, subject: Subject, everything: bool) -> Iterable[Any]:
    """Receipts that may name the subject, streamed (a shop's receipts can be hundreds of MB)."""
    if everything:
        return conn.execute("SELECT id, topic, body FROM receipts")
    needles = [e.lower() for e in subject.emails]
    needles += [str(i) for i in subject.customer_ids | subject.order_ids]
    if not needles:
        return []
    where = " OR ".join("instr(lower(CAST(body AS TEXT)), ?) > 0" for _ in needles)
    return conn.execute(f"SELECT id, topic, body FROM receipts WHERE {where}", needles)


def erase_sync(
    conn: sqlite3.Connection, subject: Subject, *, everything: bool = False
) -> dict[str, int]:
    """On the writer, in the caller's transaction: erase `subject`; count rows changed per table.

    `everything` (Shopify's shop/redact) redacts every receipt body, whoever it names.
    """
    counts = {"receipts": 0, "jobs": 0, "job_attempts": 0, "alerts": 0, "links": 0}
    redacted: dict[int, bytes] = {}
    # A body found by customer id may reveal an email that other receipts (a guest order of
    # the same person) carry without the id: look again with what was learnt, a few times.
    for _ in range(3):
        known = set(subject.emails)
        for receipt_id, topic, raw in _candidates(conn, subject, everything):
            if receipt_id in redacted:
                continue
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            body = _loads(text)
            if everything or _matches(topic, body, text, subject):
                _learn(body, subject)
                redacted[receipt_id] = json.dumps(redacted_body(body)).encode()
        if everything or subject.emails == known:
            break
    conn.executemany(
        "UPDATE receipts SET body = ? WHERE id = ?", [(b, i) for i, b in redacted.items()]
    )
    counts["receipts"] = len(redacted)

    patterns = [re.compile(re.escape(s), re.IGNORECASE) for s in subject.strings()]
    if not patterns:
        return counts
    like = " OR ".join("instr(lower({col}), ?) > 0" for _ in patterns)
    needles = [s.lower() for s in subject.strings()]

    def scrub_table(table: str, key: str, columns: tuple[str, ...]) -> int:
        where = " OR ".join(like.format(col=f"coalesce({c}, '')") for c in columns)
        rows = conn.execute(
            f"SELECT {key}, {', '.join(columns)} FROM {table} WHERE {where}",
            needles * len(columns),
        ).fetchall()
        for row in rows:
            values = [_scrub(v, patterns) for v in row[1:]]
            sets = ", ".join(f"{c} = ?" for c in columns)
            conn.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", (*values, row[0]))
        return len(rows)

    counts["jobs"] = scrub_table("jobs", "id", ("payload", "last_error", "hint", "outcome"))
    counts["job_attempts"] = scrub_table("job_attempts", "id", ("error", "traceback"))
    counts["alerts"] = scrub_table("alerts", "fingerprint", ("summary", "detail"))
    # A guest customer's link is keyed by the email itself: it goes (the Exact account stays).
    guests = [f"email:{e.lower()}" for e in subject.emails]
    counts["links"] = conn.execute(
        f"DELETE FROM links WHERE entity = 'customer' AND shopify_id IN"
        f" ({', '.join('?' for _ in guests)})",
        guests,
    ).rowcount
    counts["links"] += scrub_table("links", "rowid", ("data", "exact_ref"))
    return counts


async def erase(db: Any, subject: Subject, *, everything: bool = False) -> dict[str, Any]:
    """Erase in one transaction, then empty the WAL so no old page keeps the data.

    Answers the counts per table and `wal_emptied` (False: a reader held old pages; run again).
    """
    counts: dict[str, Any] = await db.run(
        lambda conn: erase_sync(conn, subject, everything=everything)
    )
    counts["wal_emptied"] = await db.checkpoint()
    return counts
