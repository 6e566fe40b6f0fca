"""Signed webhook delivery with Shopify's timeouts and retries, plus duplicate and shuffle modes.

Shopify allows 1 s to connect and 5 s for a 2xx; a failed delivery is retried 8 times over about
4 hours with exponential backoff, always with the original body and webhook id (shopify.dev
"Webhooks best practices"; changelog "Updates to webhook retry mechanism", 2024-09-10). After the
last failure a subscription made through the Admin API is deleted. Durations scale by time_scale.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
import httpx

from connectors.shopify.sandbox.state import ShopState, iso, utcnow

RETRIES = 8
RETRY_WINDOW_S = 4 * 3600
# Delays double each time and add up to the 4-hour window: base * (2^8 - 1) = 4 h.
RETRY_DELAYS_S = [RETRY_WINDOW_S / (2**RETRIES - 1) * 2**k for k in range(RETRIES)]
CONNECT_TIMEOUT_S = 1.0
ANSWER_TIMEOUT_S = 5.0
# Loopback needs a moment even when the clock is scaled far down.
MIN_TIMEOUT_S = 0.25
SHUFFLE_WINDOW_S = 0.2


def sign(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 over the raw body, keyed with the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def topic_enum(topic: str) -> str:
    """`orders/create` -> `ORDERS_CREATE`, the WebhookSubscriptionTopic spelling."""
    return topic.upper().replace("/", "_")


@dataclass
class Delivery:
    webhook_id: str
    event_id: str
    topic: str
    subscription_id: int
    url: str
    body: bytes
    triggered_at: datetime
    duplicate: bool = False
    status: str = "pending"  # pending, delivered, failed
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def as_log(self) -> dict[str, Any]:
        return {
            "webhook_id": self.webhook_id,
            "event_id": self.event_id,
            "topic": self.topic,
            "subscription_id": self.subscription_id,
            "url": self.url,
            "triggered_at": iso(self.triggered_at),
            "duplicate": self.duplicate,
            "status": self.status,
            "attempts": self.attempts,
        }


class WebhookDispatcher:
    """Queues deliveries for every matching subscription and sends them from `run()`."""

    def __init__(
        self,
        state: ShopState,
        *,
        secret: str,
        shop_domain: str,
        api_version: str,
        time_scale: float = 1.0,
        seed: int | None = None,
    ) -> None:
        self.state = state
        self._secret = secret
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.time_scale = time_scale
        self.duplicates = False
        self.shuffle = False
        self.log: list[Delivery] = []
        self._rng = random.Random(seed)
        self._waiting: list[Delivery] = []
        self._send: Any = None

    def configure(self, data: dict[str, Any]) -> dict[str, bool]:
        if "duplicates" in data:
            self.duplicates = bool(data["duplicates"])
        if "shuffle" in data:
            self.shuffle = bool(data["shuffle"])
        return {"duplicates": self.duplicates, "shuffle": self.shuffle}

    def emit(self, topic: str, payload: dict[str, Any]) -> list[str]:
        """One event: a delivery per subscription (two with duplicates on). Returns webhook ids."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        event_id, now = str(uuid.uuid4()), utcnow()
        ids = []
        for sub in list(self.state.subscriptions.values()):
            if sub.topic != topic_enum(topic):
                continue
            copies = 2 if self.duplicates else 1
            for n in range(copies):
                d = Delivery(
                    str(uuid.uuid4()), event_id, topic, sub.id, sub.uri, body, now, duplicate=n > 0
                )
                self.log.append(d)
                ids.append(d.webhook_id)
                if self._send is None:
                    self._waiting.append(d)
                else:
                    self._send.send_nowait(d)
        return ids

    async def run(self) -> None:
        """Deliver until cancelled (the sandbox's lifespan owns this task)."""
        send, receive = anyio.create_memory_object_stream[Delivery](math.inf)
        timeout = httpx.Timeout(
            max(ANSWER_TIMEOUT_S * self.time_scale, MIN_TIMEOUT_S),
            connect=max(CONNECT_TIMEOUT_S * self.time_scale, MIN_TIMEOUT_S),
        )
        async with send, receive, httpx.AsyncClient(timeout=timeout) as client:
            self._send = send
            try:
                for d in self._waiting:
                    send.send_nowait(d)
                self._waiting.clear()
                async with anyio.create_task_group() as tg:
                    async for d in receive:
                        tg.start_soon(self._deliver, client, d)
            finally:
                self._send = None

    async def _deliver(self, client: httpx.AsyncClient, d: Delivery) -> None:
        if self.shuffle:
            await anyio.sleep(self._rng.uniform(0, SHUFFLE_WINDOW_S))
        for attempt in range(RETRIES + 1):
            if await self._attempt(client, d):
                d.status = "delivered"
                return
            if attempt < RETRIES:
                await anyio.sleep(RETRY_DELAYS_S[attempt] * self.time_scale)
        d.status = "failed"
        self.state.subscriptions.pop(d.subscription_id, None)

    async def _attempt(self, client: httpx.AsyncClient, d: Delivery) -> bool:
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": d.topic,
            "X-Shopify-Hmac-Sha256": sign(d.body, self._secret),
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": d.webhook_id,
            "X-Shopify-Triggered-At": iso(d.triggered_at) or "",
            "X-Shopify-Event-Id": d.event_id,
        }
        record: dict[str, Any] = {"at": iso(utcnow())}
        d.attempts.append(record)
        try:
            response = await client.post(d.url, content=d.body, headers=headers)
        except httpx.HTTPError as exc:
            record["error"] = type(exc).__name__
            return False
        record["status"] = response.status_code
        return 200 <= response.status_code < 300
