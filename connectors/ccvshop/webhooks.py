"""Reading a CCV Shop webhook call: is it signed by the webhook's key, and which record is it?

CCV documents webhooks only as "triggered on the given events … They will contain a payload
concerning the event", with a per-webhook `key` that "will be used to calculate a hash"
(docs as generated into jacobdekeizer/ccvshop-client; ../shared/api/ccv-pay.md §1.7). The
payload, the signed fields and the header are unpublished. So a call is only ever a hint to
re-read the record through the signed API: a forged one costs a read, never a wrong booking.
We accept the signature schemes CCV plausibly uses, by analogy with the calls CCV's App Store
makes to apps (`x-hash = HMAC-SHA512(<uri>|<raw body>, secret)`, ccvshop/App-Example-Code
`AppConnector::validateHash`): over `uri|body`, or over the body alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

SCHEMES = ("uri_body", "body")
_TAIL_ID = re.compile(r"/(\d+)/?$")


def webhook_hash(key: str, scheme: str, uri: str, body: bytes) -> str:
    """What the shop would send as x-hash under `scheme` (used by the sandbox and our checks)."""
    text = body.decode("utf-8", errors="replace")
    message = f"{uri}|{text}" if scheme == "uri_body" else text
    return hmac.new(key.encode(), message.encode(), hashlib.sha512).hexdigest()


def signature_state(key: str, uri: str, body: bytes, given: str | None) -> str:
    """`"valid"`, `"invalid"` (a hash that matches no scheme: drop the call) or `"unsigned"`."""
    if not given:
        return "unsigned"
    given = given.strip().lower()
    for scheme in SCHEMES:
        if hmac.compare_digest(webhook_hash(key, scheme, uri, body).encode(), given.encode()):
            return "valid"
    return "invalid"


def record_id(body: bytes) -> int | None:
    """The id of the record a call is about: `id`, or the number at the end of `href`."""
    try:
        data: Any = json.loads(body or b"null")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    match = _TAIL_ID.search(str(data.get("href") or ""))
    return int(match.group(1)) if match else None
