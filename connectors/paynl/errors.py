"""Pay.'s error answers, sorted into the connector error vocabulary.

GMS v2 answers 400/422 with an RFC 7807-like body `{type, title, detail, violations:
[{propertyPath, message, code}]}`, 401 "Unauthorized. Supplied credentials are invalid", 403
"Forbidden. Supplied credentials have no rights" and 429 "Rate limit reached." (the OpenAPI spec
Pay. publishes, copied in labd/paynl-js-sdk `packages/rest/openapi.json`; ../shared/api/ccv-pay.md
§2.7). The clearing endpoints need a permission group Pay. activates on request (§2.2).
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
    retry_after,
)

API = "paynl"
# No limit or window is published: without a Retry-After we wait out a whole minute.
MINUTE = 60.0


def describe(body: dict[str, Any], fallback: str) -> str:
    """Pay.'s own words: the detail and each violation with its PAY- code."""
    parts = [str(body.get("detail") or body.get("title") or "").strip()]
    for v in body.get("violations") or []:
        if isinstance(v, dict):
            where = f"{v.get('propertyPath')}: " if v.get("propertyPath") else ""
            code = f" [{v.get('code')}]" if v.get("code") else ""
            parts.append(f"{where}{v.get('message', '')}{code}".strip())
    text = "; ".join(p for p in parts if p)
    return text or fallback


def error_for(response: httpx.Response) -> ConnectorError:
    status = response.status_code
    message = describe(json_object(response), response.text[:200].strip() or f"HTTP {status}")
    if status == 401:
        return AuthError(
            message,
            api=API,
            status=status,
            hint="Pay. refused the AT-code and API token: copy both again from My.pay.nl >"
            " Company > Tokens into the paynl_at_code and paynl_api_token credentials.",
        )
    if status == 403:
        return AuthError(
            message,
            api=API,
            status=status,
            hint="The token has no rights on clearings: ask Pay. support to activate the"
            " clearing/settlement permission group for this AT-code.",
        )
    if status == 429:
        return RateLimited(
            message, retry_after=retry_after(response, MINUTE), api=API, status=status
        )
    if status >= 500:
        return TransientError(message, api=API, status=status)
    if status == 404:
        return PermanentError(message, api=API, status=status, hint="not found at Pay.")
    return PermanentError(message, api=API, status=status)
