"""The GraphQL Admin API transport: one POST per document, failures sorted into our errors.

Shopify answers GraphQL at `POST {shop}/admin/api/{version}/graphql.json` with the
`X-Shopify-Access-Token` header; the token comes from a `connectors.shopify.auth` source, which
renews it before it expires and once more when Shopify answers 401. Errors come three ways: an
HTTP status (401/403/402/423/5xx), a top-level `errors` list in a 200 answer (bad documents,
THROTTLED, ACCESS_DENIED), and `userErrors` inside a mutation's payload (see
`raise_for_user_errors`).
Source: https://shopify.dev/docs/api/admin-graphql#status_and_error_codes
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import anyio
import httpx
import structlog
from pydantic import SecretStr

from connectors.errors import AuthError, PermanentError, RateLimited, TransientError
from connectors.retry import read_with_retries
from connectors.shopify.auth import FIXES, StaticToken, TokenSource
from connectors.shopify.queries import load_query
from connectors.shopify.throttle import CostThrottle
from connectors.shopify.version import DEFAULT_API_VERSION

API = "shopify"

log = structlog.get_logger(__name__)

# Top-level GraphQL error codes that mean "not now" or "not you" rather than "bad document".
# Source: https://shopify.dev/docs/api/usage/response-codes (GraphQL errors section)
_TRANSIENT_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}
_AUTH_CODES = {"ACCESS_DENIED", "UNAUTHORIZED", "FORBIDDEN"}
SCOPE_FIX = (
    "The app lacks an access scope this needs: add it to the app's version in the Dev "
    "Dashboard (and install the new version on the store); `shopsync config check` names "
    "every missing scope. Then run `shopsync auth shopify` to resume the paused flows."
)


class ShopifyClient:
    """Send GraphQL documents to one shop, within a shared cost budget, and return their `data`."""

    def __init__(
        self,
        shop_url: str,
        access_token: str | SecretStr | TokenSource,
        *,
        api_version: str = DEFAULT_API_VERSION,
        transport: httpx.AsyncBaseTransport | None = None,
        throttle: CostThrottle | None = None,
        timeout: float = 10,
    ) -> None:
        shop_url = shop_url.strip().rstrip("/")
        # Merchants paste `my-shop.myshopify.com`; Shopify only speaks HTTPS there.
        self.shop_url = shop_url if "://" in shop_url else f"https://{shop_url}"
        self.api_version = api_version
        self.endpoint = f"{self.shop_url}/admin/api/{api_version}/graphql.json"
        self.throttle = throttle or CostThrottle()
        if isinstance(access_token, SecretStr):
            access_token = access_token.get_secret_value()
        self.auth: TokenSource = (
            StaticToken(access_token) if isinstance(access_token, str) else access_token
        )
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        # Bulk results live on another host (signed storage URLs): never send our token there.
        self._download = httpx.AsyncClient(transport=transport, timeout=timeout)

    def __repr__(self) -> str:
        return f"ShopifyClient({self.shop_url!r}, api_version={self.api_version!r})"

    async def __aenter__(self) -> ShopifyClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._download.aclose()
        closer = getattr(self.auth, "aclose", None)
        if closer is not None:
            await closer()

    def status(self) -> dict[str, Any]:
        """The cost budget as we see it, for the control API and console (no secrets)."""
        bucket = self.throttle.status()
        return {
            "api": API,
            "shop_url": self.shop_url,
            "api_version": self.api_version,
            "bucket_known": bucket.known,
            "bucket_maximum": bucket.maximum,
            "bucket_available": round(bucket.available, 1),
            "restore_rate": bucket.restore_rate,
            "reserved": bucket.reserved,
            "waits": self.throttle.waits,
            "throttled": self.throttle.throttled,
            "auth": self.auth.status(),
        }

    @property
    def download_client(self) -> httpx.AsyncClient:
        """An HTTP client without our credentials, for bulk-operation result files."""
        return self._download

    async def execute(self, document_or_name: str, variables: dict[str, Any] | None = None) -> dict:
        """Run a query or mutation (a document, or the name of a file in `queries/`); return `data`.

        Waits for the cost bucket before sending; a THROTTLED answer is re-sent after the bucket
        refills, at most `throttle.max_resends` times, then surfaces as `RateLimited`.
        """
        document, key = _resolve(document_or_name)
        payload = {"query": document, "variables": variables or {}}
        resends = 0
        while True:
            async with self.throttle.reserve(key) as cost:
                if _is_mutation(document):
                    body = await self._post(payload, key)
                else:  # a query reads: safe to send again when the answer was lost
                    body = await read_with_retries(lambda: self._post(payload, key))
                # Observe before the reservation ends, so this query's cost is never uncounted.
                extensions = body.get("extensions") or {}
                self.throttle.observe(key, extensions.get("cost"))
            errors = body.get("errors")
            if errors and isinstance(errors, str | dict):
                errors = [{"message": errors if isinstance(errors, str) else json.dumps(errors)}]
            if not errors:
                data = body.get("data")
                if data is None:
                    raise TransientError("Shopify answered without data or errors", api=API)
                return data
            if _is_throttled(errors):
                wait = self.throttle.wait_after_throttled(key)
                log.warning(
                    "shopify.throttled", query=key, resend=resends, wait_s=round(wait, 2), cost=cost
                )
                if resends >= self.throttle.max_resends:
                    raise RateLimited(
                        _first_message(errors), retry_after=max(wait, 1.0), api=API, status=200
                    )
                resends += 1
                await anyio.sleep(wait)
                continue
            raise _classify_graphql_errors(errors)

    async def _post(self, payload: dict[str, Any], key: str) -> dict[str, Any]:
        content = json.dumps(payload, default=_json_value).encode()
        token = await self.auth.token()
        response = await self._send(content, key, token)
        if response.status_code == 401:
            # Expired or revoked: Shopify ran nothing, so sending again with a new token is
            # safe for a mutation too. The source renews once (or says why it cannot).
            renewed = await self.auth.after_unauthorized(token)
            if renewed is not None:
                response = await self._send(content, key, renewed)
        return _body_or_raise(response, FIXES[self.auth.mode])

    async def _send(self, content: bytes, key: str, token: str) -> httpx.Response:
        headers = {
            "X-Shopify-Access-Token": token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        try:
            response = await self._http.post(self.endpoint, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            # `from None`: the chained httpx error carries the request, and with it our token.
            raise TransientError(
                f"Shopify did not answer in time ({type(exc).__name__})", api=API
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"could not reach Shopify ({type(exc).__name__}: {exc})", api=API
            ) from None
        log.debug("shopify.response", query=key, status=response.status_code)
        return response


def _json_value(value: Any) -> Any:
    """Shopify's Decimal and Money scalars take strings; DateTime takes ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to Shopify")


def _is_mutation(document: str) -> bool:
    """Whether the document's operation is a mutation (comments and blank lines skipped)."""
    for line in document.splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            return text.startswith("mutation")
    return False


def _resolve(document_or_name: str) -> tuple[str, str]:
    """A bare name loads `queries/<name>.graphql`; a document is keyed by its hash for costs."""
    text = document_or_name.strip()
    if text and all(c.isalnum() or c == "_" for c in text):
        return load_query(text), text
    return document_or_name, "doc:" + hashlib.sha1(text.encode()).hexdigest()[:12]


def _body_or_raise(response: httpx.Response, fix: str) -> dict[str, Any]:
    status = response.status_code
    words = _api_words(response)
    if status == 401:
        raise AuthError(
            words or "Invalid API key or access token", api=API, status=status, hint=fix
        )
    if status == 403:
        raise AuthError(words or "Forbidden", api=API, status=status, hint=SCOPE_FIX)
    if status in (402, 423):
        raise AuthError(
            words or ("Payment Required" if status == 402 else "Locked"),
            api=API,
            status=status,
            hint="The shop is frozen or locked; the shop owner must resolve it in Shopify.",
        )
    if status == 429:
        raise RateLimited(
            words or "Too Many Requests",
            retry_after=_retry_after(response),
            api=API,
            status=status,
        )
    if status >= 500:
        raise TransientError(words or f"HTTP {status}", api=API, status=status)
    if status >= 400:
        raise PermanentError(words or f"HTTP {status}", api=API, status=status)
    try:
        # Numbers become Decimal as written (tax rates, amounts): never a float in between.
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        raise TransientError(
            "Shopify answered with something that is not JSON", api=API, status=status
        ) from None
    if not isinstance(body, dict):
        raise TransientError("Shopify answered with unexpected JSON", api=API, status=status)
    return body


def _api_words(response: httpx.Response) -> str:
    """The API's own error text from a non-2xx answer, short enough for an operator to read."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, str):
            return errors
        if isinstance(errors, list) and errors:
            return _first_message(errors)
        if isinstance(errors, dict):
            return json.dumps(errors)[:200]
    return ""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _error_code(error: Any) -> str:
    if isinstance(error, dict):
        return str((error.get("extensions") or {}).get("code") or "")
    return ""


def _first_message(errors: list[Any]) -> str:
    first = errors[0]
    if isinstance(first, dict):
        return str(first.get("message") or first)
    return str(first)


def _is_throttled(errors: list[Any]) -> bool:
    return any(_error_code(e) == "THROTTLED" for e in errors)


def _classify_graphql_errors(errors: list[Any]) -> Exception:
    codes = {_error_code(e) for e in errors}
    message = "; ".join(_first_message([e]) for e in errors[:3])
    if codes & _TRANSIENT_CODES:
        return TransientError(message, api=API, status=200)
    if codes & _AUTH_CODES:
        return AuthError(
            message,
            api=API,
            status=200,
            hint=SCOPE_FIX,
        )
    if "MAX_COST_EXCEEDED" in codes:
        return PermanentError(
            message, api=API, status=200, hint="Ask for fewer items per page in this query."
        )
    return PermanentError(
        message,
        api=API,
        status=200,
        hint="Shopify rejected the query itself; this is a bug in shopsync or an API change.",
    )


def raise_for_user_errors(payload: dict[str, Any] | None, *, what: str = "") -> dict[str, Any]:
    """Raise PermanentError for a mutation payload's first `userErrors` entry; else return it.

    `field` is Shopify's path to the offending input, joined with dots (e.g. `input.quantities.3`).
    """
    if payload is None:
        raise PermanentError(f"{what or 'mutation'} returned nothing", api=API)
    user_errors = payload.get("userErrors") or []
    if user_errors:
        first = user_errors[0]
        field = first.get("field")
        prefix = f"{what}: " if what else ""
        more = f" (and {len(user_errors) - 1} more)" if len(user_errors) > 1 else ""
        raise PermanentError(
            f"{prefix}{first.get('message', 'rejected')}{more}",
            field=".".join(str(p) for p in field) if field else None,
            api=API,
            hint=f"Shopify error code {first['code']}" if first.get("code") else "",
        )
    return payload
