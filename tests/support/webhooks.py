"""Build webhook requests signed exactly as Shopify and Exact Online sign them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any


def shopify_headers(
    body: bytes,
    secret: str,
    topic: str,
    *,
    webhook_id: str | None = None,
    event_id: str | None = None,
    shop: str = "sandbox-shop.myshopify.com",
) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-01",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }


def exact_body(content: dict[str, Any], secret: str) -> bytes:
    text = json.dumps(content, separators=(",", ":"))
    code = hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
    return ('{"Content":' + text + ',"HashCode":"' + code + '"}').encode()
