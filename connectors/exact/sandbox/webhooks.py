"""Webhook delivery: signed `{"Content": {...}, "HashCode": "..."}` POSTs to subscribers.

HashCode = uppercase hex HMAC-SHA256 keyed with the webhook secret over the raw text of the
Content object exactly as it stands in the body (picqer/exact-php-client,
src/Picqer/Financials/Exact/Webhook/Authenticatable.php). The notification says only what
changed; the receiver fetches the entity for its state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from .clock import SandboxClock
from .store import Store

RETRIES = 3


@dataclass
class Delivery:
    callback: str
    topic: str
    action: str
    key: str
    body: bytes
    attempts: int = 0
    status: int | None = None
    error: str | None = None


def sign(content_text: str, secret: str) -> str:
    return hmac.new(secret.encode(), content_text.encode(), hashlib.sha256).hexdigest().upper()


class WebhookDispatcher:
    def __init__(self, store: Store, clock: SandboxClock, *, client_id: str, secret: str):
        self.store = store
        self.clock = clock
        self.client_id = client_id
        self._secret = secret
        self.public_base = "https://start.exactonline.nl"
        self.pending: deque[Delivery] = deque()
        self.log: deque[Delivery] = deque(maxlen=500)
        self.delivered = 0
        self.failed = 0
        self._wake: anyio.Event | None = None  # made in run(): an Event needs a running loop
        store.listeners.append(self.on_change)

    def on_change(self, topic: str, action: str, key: str, endpoint: str) -> None:
        for sub in self.store.table("webhooks/WebhookSubscriptions").values():
            if sub["Topic"] != topic:
                continue
            content = {
                "Topic": topic,
                "ClientId": self.client_id,
                "Division": self.store.division,
                "Action": action,
                "Key": key,
                "ExactOnlineEndpoint": f"{self.public_base}/api/v1/{self.store.division}/"
                f"{endpoint}",
                "EventCreatedOn": self.clock.now_dt().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            }
            text = json.dumps(content, separators=(",", ":"))
            body = f'{{"Content":{text},"HashCode":"{sign(text, self._secret)}"}}'.encode()
            self.pending.append(Delivery(sub["CallbackURL"], topic, action, key, body))
        if self.pending and self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """Deliver in order, forever; lives in the app's lifespan task group."""
        client = httpx.AsyncClient(timeout=10)
        try:
            while True:
                if not self.pending:
                    self._wake = anyio.Event()
                    await self._wake.wait()
                    continue
                delivery = self.pending.popleft()
                await self._deliver(client, delivery)
        finally:
            # Shutdown cancels us; closing unshielded would be cancelled too and leak sockets.
            with anyio.CancelScope(shield=True):
                await client.aclose()

    async def _deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        while delivery.attempts < RETRIES:
            delivery.attempts += 1
            try:
                response = await client.post(
                    delivery.callback,
                    content=delivery.body,
                    headers={"content-type": "application/json"},
                )
                delivery.status = response.status_code
                if response.is_success:
                    self.delivered += 1
                    self.log.append(delivery)
                    return
            except httpx.HTTPError as exc:
                delivery.error = type(exc).__name__
            await anyio.sleep(self.clock.wall_seconds(2.0**delivery.attempts))
        self.failed += 1
        self.log.append(delivery)

    def state(self) -> dict[str, Any]:
        return {
            "pending": len(self.pending),
            "delivered": self.delivered,
            "failed": self.failed,
            "recent": [
                {
                    "callback": d.callback,
                    "topic": d.topic,
                    "action": d.action,
                    "key": d.key,
                    "attempts": d.attempts,
                    "status": d.status,
                    "error": d.error,
                }
                for d in list(self.log)[-20:]
            ],
        }
