"""CCV Shop's error answers, sorted into the connector error vocabulary.

CCV answers failures with `{"code": "429.10", "status": 429, "developermessage": "…"}`; the
field names and the code list are from the official PHP SDK (ccvshop/ccvshop-api
`src/Factory/ExceptionFactory.php`). The status and body of an authentication failure are not
documented anywhere we found, so any 401 or 403 counts as one.
"""

from __future__ import annotations

from typing import Any

import httpx

from connectors.errors import (
    AuthError,
    ConnectorError,
    PermanentError,
    RateLimited,
    TransientError,
    json_object,
)
from connectors.errors import retry_after as http_retry_after

API = "ccvshop"

# 429.10: "Each method in each resource has a limit of requests that can be made per minute."
# 429.11: "The API has a total limit of requests that can be made per minute." (ExceptionFactory)
RESOURCE_LIMIT = "429.10"
TOTAL_LIMIT = "429.11"

# 5xx codes that describe the request itself (ExceptionFactory): sending it again cannot help.
_PERMANENT_5XX = {
    "500.20": "the answer did not match CCV's output schema",
    "500.21": "file size exceeded",
    "500.22": "file type not valid",
    "500.23": "file not saved",
    "500.24": "file not found",
    "500.25": "JSON schema not found",
    "500.40": "property already exists",
    "500.50": "same value",
    "500.60": "product limit exceeded",
    "500.70": "method not allowed on this resource",
    "500.80": "requested payload too big",
    "500.90": "a required app is not installed in the shop",
    "501.10": "method not implemented",
    "501.20": "resource not implemented",
    "501.30": "resource is read-only",
}

# Without a documented window we wait out the whole minute the limits are counted over.
MINUTE = 60.0


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The `{code, status, developermessage}` body, or an empty dict when there is none."""
    return json_object(response)


def error_for(response: httpx.Response) -> ConnectorError:
    """The connector error for a non-2xx answer, keeping CCV's own words and code."""
    status = response.status_code
    body = error_body(response)
    code = str(body.get("code") or "")
    words = str(body.get("developermessage") or "").strip() or response.text[:200].strip()
    message = f"{words or f'HTTP {status}'}" + (f" [{code}]" if code else "")
    if status in (401, 403):
        return AuthError(
            message,
            api=API,
            status=status,
            hint="CCV refused the API key: check the public key and secret under "
            "My web shop > Settings > API settings, and the key's permissions.",
        )
    if status == 429:
        return RateLimited(message, retry_after=retry_after(response), api=API, status=status)
    if code in _PERMANENT_5XX:
        return PermanentError(message, api=API, status=status, hint=_PERMANENT_5XX[code])
    if status >= 500:
        return TransientError(message, api=API, status=status)
    if status == 404:
        return PermanentError(message, api=API, status=status, hint="not found in CCV Shop")
    return PermanentError(message, api=API, status=status, field=_field(words))


def retry_after(response: httpx.Response) -> float:
    """Seconds to wait after a 429: a Retry-After header if CCV sends one, else a minute."""
    return http_retry_after(response, MINUTE)


def _field(words: str) -> str | None:
    """A field CCV's message names as `field 'x'` or `property 'x'`, where it does."""
    for marker in ("property '", "field '", "parameter '"):
        at = words.find(marker)
        if at >= 0:
            rest = words[at + len(marker) :]
            end = rest.find("'")
            if end > 0:
                return rest[:end]
    return None
