"""ASGI app for incoming webhooks (Shopify, Exact Online) and /healthz.

A webhook is verified on its raw body, then its receipt and a routing job commit in one
transaction; only then does it get its 200. Nothing here parses the body or calls an API:
the `webhook.*` job does that later, so a malformed body ends as a dead job with a reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

from connectors.shopify.webhooks import verify_webhook
from daemon.logs import get_logger
from daemon.serving import lifespan_noop, send_json
from state.db import Database
from state.queue import Queue

log = get_logger("shopsync.ingress")

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# Delivery headers worth keeping with the receipt (never the HMAC: it is a credential).
KEPT_HEADERS = (
    "x-shopify-topic",
    "x-shopify-shop-domain",
    "x-shopify-api-version",
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "x-shopify-triggered-at",
)


class BodyTooLarge(Exception):
    pass


def exact_content_bytes(body: bytes) -> bytes | None:
    """The raw text of the Content object as it stands in the body (what Exact signs)."""
    start = body.find(b'"Content":')
    end = body.rfind(b',"HashCode":')
    if start < 0 or end < 0 or end <= start:
        return None
    return body[start + len(b'"Content":') : end].strip()


def exact_signature_ok(body: bytes, secret: bytes) -> bool:
    content = exact_content_bytes(body)
    if content is None:
        return False
    try:
        given = json.loads(body[body.rfind(b',"HashCode":') + 12 :].rstrip(b"} \r\n\t"))
    except ValueError:
        return False
    if not isinstance(given, str):
        return False
    expected = hmac.new(secret, content, hashlib.sha256).hexdigest().upper()
    return hmac.compare_digest(expected, given.upper())


class Ingress:
    """The webhook endpoint. `topics` is the Shopify allowlist; others get 200 and are dropped."""

    def __init__(
        self,
        db: Database,
        queue: Queue,
        *,
        shopify_secret: str,
        exact_secret: bytes | None,
        topics: frozenset[str],
        max_body: int = 1_048_576,
        on_signature_failure: Callable[[str], None] | None = None,
    ):
        self.db = db
        self.queue = queue
        self.shopify_secret = shopify_secret
        self.exact_secret = exact_secret
        self.topics = topics
        self.max_body = max_body
        self.on_signature_failure = on_signature_failure or (lambda source: None)
        self.accepted = 0
        self.duplicates = 0
        self.rejected = 0

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan_noop(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/healthz" and method in ("GET", "HEAD"):
            await self._health(send)
        elif path == "/webhooks/shopify" and method == "POST":
            await self._shopify(scope, receive, send)
        elif path == "/webhooks/exact" and method == "POST":
            await self._exact(scope, receive, send)
        elif path.startswith("/webhooks/"):
            await _respond(send, 405, {"error": "POST only"})
        else:
            await _respond(send, 404, {"error": "not found"})

    async def _read(self, scope: dict[str, Any], receive: Receive) -> bytes:
        declared = _header(scope, "content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            raise BodyTooLarge
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _shopify(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        try:
            body = await self._read(scope, receive)
        except BodyTooLarge:
            await _respond(send, 413, {"error": f"body over {self.max_body} bytes"})
            return
        if not verify_webhook(body, _header(scope, "x-shopify-hmac-sha256"), self.shopify_secret):
            self.rejected += 1
            self.on_signature_failure("shopify")
            log.warning("webhook signature invalid", source="shopify")
            await _respond(send, 401, {"error": "invalid signature"})
            return
        topic = _header(scope, "x-shopify-topic") or ""
        if topic not in self.topics:
            # Verified but not ours: a 200 stops Shopify retrying a topic we don't handle.
            await _respond(send, 200, {"ignored": topic})
            return
        delivery = _header(scope, "x-shopify-webhook-id") or _digest(body)
        headers = {h: _header(scope, h) for h in KEPT_HEADERS if _header(scope, h)}
        await self._store(
            send,
            source="shopify",
            delivery=delivery,
            event=_header(scope, "x-shopify-event-id"),
            topic=topic,
            triggered=_header(scope, "x-shopify-triggered-at"),
            headers=headers,
            body=body,
        )

    async def _exact(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if self.exact_secret is None:
            await _respond(send, 404, {"error": "Exact webhooks are not configured"})
            return
        try:
            body = await self._read(scope, receive)
        except BodyTooLarge:
            await _respond(send, 413, {"error": f"body over {self.max_body} bytes"})
            return
        if not exact_signature_ok(body, self.exact_secret):
            self.rejected += 1
            self.on_signature_failure("exact")
            log.warning("webhook signature invalid", source="exact")
            await _respond(send, 401, {"error": "invalid signature"})
            return
        await self._store(
            send,
            source="exact",
            delivery=_digest(body),  # Exact sends no id: identical redeliveries dedupe
            event=None,
            topic="exact",
            triggered=None,
            headers={},
            body=body,
        )

    async def _store(
        self,
        send: Send,
        *,
        source: str,
        delivery: str,
        event: str | None,
        topic: str,
        triggered: str | None,
        headers: dict[str, Any],
        body: bytes,
    ) -> None:
        kind = f"webhook.{source}"

        def store(conn: sqlite3.Connection) -> int | None:
            """The receipt and its routing job; None when this delivery was stored before.

            Same webhook id = a retry of one delivery; same event id = the same event sent
            twice. Unique indexes on both say so, in the INSERT itself (no lookups first).
            """
            cur = conn.execute(
                "INSERT INTO receipts (source, delivery_id, event_id, topic, triggered_at,"
                " received_at, headers, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (source, delivery, event, topic, triggered, time.time(), json.dumps(headers), body),
            )
            if cur.rowcount == 0:
                return None
            receipt_id = cur.lastrowid
            job_id = self.queue.enqueue_sync(
                conn, kind, f"receipt:{receipt_id}", {"receipt_id": receipt_id, "topic": topic}
            )
            conn.execute("UPDATE receipts SET job_id = ? WHERE id = ?", (job_id, receipt_id))
            return receipt_id

        try:
            # Group commit: deliveries arriving together share one fsync, each still answered
            # only after its own receipt is durable.
            receipt_id = await self.db.run(store)
        except sqlite3.Error as exc:
            # Not durable → not acknowledged: Shopify retries a non-2xx delivery.
            log.error("webhook not stored", source=source, error=str(exc))
            await _respond(send, 503, {"error": "storage unavailable, retry later"})
            return
        if receipt_id is None:
            self.duplicates += 1
            await _respond(send, 200, {"duplicate": True})
            return
        self.accepted += 1
        self.queue.emit("enqueued", kind=kind, key=f"receipt:{receipt_id}")
        await _respond(send, 200, {"ok": True})

    async def _health(self, send: Send) -> None:
        try:
            row = await self.db.fetchone(
                "SELECT count(*), min(run_after) FROM jobs WHERE state IN ('queued','retrying')"
            )
        except sqlite3.Error as exc:
            await _respond(send, 503, {"db": "error", "error": str(exc)})
            return
        depth, oldest = row[0], row[1]
        age = max(0.0, time.time() - oldest) if oldest and oldest <= time.time() else 0.0
        await _respond(
            send, 200, {"db": "ok", "queue_depth": depth, "oldest_due_age_s": round(age, 3)}
        )


def _digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _header(scope: dict[str, Any], name: str) -> str | None:
    key = name.encode()
    for k, v in scope["headers"]:
        if k.lower() == key:
            return v.decode("latin-1")
    return None


async def _respond(send: Send, status: int, payload: Any) -> None:
    await send_json(send, status, json.dumps(payload).encode())
