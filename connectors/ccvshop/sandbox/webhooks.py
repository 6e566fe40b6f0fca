"""Webhook calls the sandbox shop makes, shaped and signed as the unconfirmed settings say.

Calls wait in an outbox until `deliver()` (the app's lifespan loop, or the control route
`POST /_sandbox/ccvshop/webhooks/deliver`) posts them. Payload (`webhook_payload`): the whole
record (`full`), `{"id"}` or `{"id", "href"}` (`href`, default). Signature (`webhook_signature`):
x-hash = HMAC-SHA512 with the webhook's key over `uri|body` (default, as CCV's App Store signs
its calls to apps) or over the body, or no signature at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.ccvshop.webhooks import webhook_hash

from .settings import Settings
from .store import PREFIX, Store


@dataclass
class Delivery:
    hook_id: int
    event: str
    address: str
    body: bytes
    headers: dict[str, str]
    status: int | None = None
    error: str | None = None


@dataclass
class Outbox:
    store: Store
    settings: Settings
    base: str = "https://sandbox.ccvshop.test"
    pending: list[Delivery] = field(default_factory=list)
    done: list[Delivery] = field(default_factory=list)

    def emit(self, event: str, kind: str, record: dict[str, Any]) -> None:
        """Queue a call to every active webhook on `event` (if the shop knows that event)."""
        if event not in self.settings.webhook_events:
            return
        for hook in self.store.webhooks.values():
            if hook["event"] != event or not hook.get("is_active", True):
                continue
            href = f"{self.base}{PREFIX}/{kind}/{record['id']}/"
            shape = self.settings.webhook_payload
            if shape == "full":
                payload: dict[str, Any] = {**record, "href": href}
                payload = {k: v for k, v in payload.items() if not k.endswith("_ids")}
            elif shape == "id":
                payload = {"id": record["id"]}
            else:
                payload = {"id": record["id"], "href": href}
            from .api import dumps  # the API's JSON writer (Decimal as numbers)

            body = dumps(payload)
            headers = {"content-type": "application/json"}
            scheme = self.settings.webhook_signature
            if scheme != "none":
                uri = _uri(hook["address"])
                headers["x-hash"] = webhook_hash(hook["key"], scheme, uri, body)
            self.pending.append(Delivery(hook["id"], event, hook["address"], body, headers))

    async def deliver(self, http: httpx.AsyncClient) -> list[Delivery]:
        """Post every waiting call once; a failed call is kept in `done` with its error."""
        batch, self.pending = self.pending, []
        for call in batch:
            try:
                response = await http.post(call.address, content=call.body, headers=call.headers)
                call.status = response.status_code
            except httpx.HTTPError as exc:
                call.error = f"{type(exc).__name__}: {exc}"
            self.done.append(call)
        del self.done[:-200]  # the recent ones are enough to look at
        return batch

    def state(self) -> dict[str, Any]:
        recent = [
            {
                "event": d.event,
                "address": d.address,
                "status": d.status,
                "error": d.error,
                "body": json.loads(d.body),
            }
            for d in self.done[-20:]
        ]
        return {"pending": len(self.pending), "delivered": len(self.done), "recent": recent}


def _uri(address: str) -> str:
    parts = urlsplit(address)
    return parts.path + (f"?{parts.query}" if parts.query else "")
