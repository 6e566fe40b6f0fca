"""Turn Exact's answers and network failures into the connector error vocabulary.

Exact's error body is `{"error": {"code": "", "message": {"lang": "", "value": "…"}}}`; we keep
`value` verbatim as the error's message (source: picqer/exact-php-client Connection.php,
parseExceptionForErrorMessages, which also appends the `Reason` header on 403s).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx

from connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
)

API = "exact"

# 403 `Reason` header values that concern the whole user, licence or company rather than one
# endpoint (Exact's "Response codes and error handling" page, quoted in picqer PR #451): these
# stop every call, so they pause the connector (AuthError); any other 403 is a missing right for
# one endpoint, which an operator fixes in Exact, so the job is dead (PermanentError).
ACCOUNT_WIDE_REASONS = frozenset(
    {
        "BlockedUser",
        "InactiveUser",
        "BlockedCustomer",
        "LicenseExpired",
        "DivisionBlocked",
        "NoDivisionAccess",
    }
)

# Exact validation texts often name the field after a colon ("Mandatory: Item",
# "Invalid reference: Account") or quote it; we only claim a field when one of these matches.
_FIELD_PATTERNS = (
    re.compile(r"^(?:Mandatory|Required|Invalid reference|Invalid value|Not found)\s*:\s*(\w+)"),
    re.compile(r"\b(?:field|property)\s+'(\w+)'", re.IGNORECASE),
)


class EndpointPaused(PermanentError):
    """Our own error budget stopped calls to one endpoint so that Exact never blocks the app."""

    def __init__(self, message: str, *, retry_after: float, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


def exact_message(response: httpx.Response) -> str:
    """Exact's own words for a failed call, or the status line when the body has none."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    text = ""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
            text = msg.get("value", "") if isinstance(msg, dict) else str(msg or "")
            text = text or str(err.get("code") or "")
        # OAuth endpoints answer with RFC 6749 bodies instead.
        elif "error_description" in body or isinstance(err, str):
            text = str(body.get("error_description") or err)
    if not text:
        text = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    return text


def field_from_message(message: str) -> str | None:
    for pattern in _FIELD_PATTERNS:
        match = pattern.search(message)
        if match:
            return match.group(1)
    return None


def seconds_until_reset(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds until the limit that is exhausted resets (headers are epoch milliseconds, UTC).

    Source for the unit: picqer/exact-php-client Connection.php, getMinutelyLimitReset
    ("resets in UTC epoch milliseconds").
    """
    now = time.time() if now is None else now
    minutely_left = headers.get("X-RateLimit-Minutely-Remaining")
    if minutely_left is not None and minutely_left.strip() == "0":
        reset = headers.get("X-RateLimit-Minutely-Reset")
    else:
        reset = headers.get("X-RateLimit-Reset") or headers.get("X-RateLimit-Minutely-Reset")
    if reset is None:
        retry = headers.get("Retry-After")
        return float(retry) if retry and retry.strip().isdigit() else None
    try:
        return max(0.0, int(reset) / 1000 - now)
    except ValueError:
        return None


def error_for_response(response: httpx.Response, *, endpoint: str) -> ConnectorError:
    """The error a non-2xx answer stands for, with Exact's message and a hint for the operator."""
    status = response.status_code
    message = exact_message(response)
    where = f"{response.request.method} {endpoint}"
    if status == 429:
        return RateLimited(
            message,
            retry_after=seconds_until_reset(response.headers),
            api=API,
            status=status,
            hint=f"{where}: Exact's call limit is used up; the call waits for the reset.",
        )
    if status == 401:
        return AuthError(
            message,
            api=API,
            status=status,
            hint="Exact rejected the access token; re-authorize with `shopsync auth exact`.",
        )
    if status == 403:
        reason = response.headers.get("Reason", "")
        if reason:
            message = f"{message} (Reason: {reason})"
        if reason in ACCOUNT_WIDE_REASONS:
            return AuthError(
                message,
                api=API,
                status=status,
                hint="The Exact user, licence or company is blocked; fix it in Exact, then resume.",
            )
        return PermanentError(
            message,
            api=API,
            status=status,
            hint=f"The Exact user lacks the right for {where}; grant it in Exact, then retry.",
        )
    if status == 404:
        return PermanentError(
            message,
            api=API,
            status=status,
            hint=f"{where} does not exist in this division (wrong id, or deleted in Exact).",
        )
    if 400 <= status < 500:
        field = field_from_message(message)
        return PermanentError(
            message,
            field=field,
            api=API,
            status=status,
            hint=f"Exact refused {where}; correct the data"
            + (f" ({field})" if field else "")
            + " and retry the job.",
        )
    return TransientError(message, api=API, status=status, hint=f"{where}: Exact had trouble.")


def error_for_exception(exc: httpx.HTTPError, *, method: str, endpoint: str) -> ConnectorError:
    """Network trouble is always worth retrying; the message names what happened, not the URL."""
    if isinstance(exc, httpx.TimeoutException):
        kind = "timed out"
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        kind = "connection dropped by Exact"
    elif isinstance(exc, httpx.ConnectError):
        kind = "could not connect"
    else:
        kind = type(exc).__name__
    hint = ""
    if method not in ("GET", "HEAD") and not isinstance(exc, httpx.ConnectError):
        # Exact may have applied the write before the answer was lost: look before repeating.
        hint = "Exact may have applied this change; search (e.g. by YourRef) before repeating it."
    return TransientError(f"{method} {endpoint}: {kind}", api=API, hint=hint)
