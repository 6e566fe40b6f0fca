"""The one error vocabulary every connector speaks and the worker understands.

The worker decides what to do from the class alone: retry later (transient, rate-limited),
give up with an operator-readable sentence (permanent), or pause and alert (auth).
"""

from __future__ import annotations

import json
from typing import Any

import httpx


class ConnectorError(Exception):
    """Base of every error a connector raises. `message` keeps the API's own words."""

    def __init__(self, message: str, *, api: str = "", hint: str = "", status: int | None = None):
        super().__init__(message)
        self.message = message
        self.api = api
        self.hint = hint
        self.status = status

    def __str__(self) -> str:
        prefix = f"{self.api}: " if self.api else ""
        return f"{prefix}{self.message}"


class TransientError(ConnectorError):
    """Network trouble, timeouts, 5xx: the same call may well succeed later."""


class RateLimited(TransientError):
    """The API (or our own budget) says not now; `retry_after` seconds says when, if known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """The request itself is wrong (validation, unknown id, missing mapping): retrying cannot help.

    `field` names the offending input where the API says so; `hint` tells the operator the fix.
    """

    def __init__(self, message: str, *, field: str | None = None, **kw):
        super().__init__(message, **kw)
        self.field = field


class AuthError(ConnectorError):
    """Credentials expired or revoked: the connector pauses until an operator acts."""


def json_object(response: httpx.Response) -> dict[str, Any]:
    """An error answer's JSON object, or an empty dict when its body is not one."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after(response: httpx.Response, default: float) -> float:
    """Seconds a 429's Retry-After header asks for (at least one), else `default`."""
    value = response.headers.get("retry-after")
    try:
        return max(float(value), 1.0) if value is not None else default
    except ValueError:
        return default
