"""Where the Shopify client's Admin API access token comes from, and how it is renewed.

Three ways, chosen by `[shopify] auth` (see README "Connect Shopify"):

* `ClientCredentials` — a Dev Dashboard app of the merchant's own organization, installed on the
  merchant's store. The app's client id and secret are exchanged for a token at
  `POST https://{shop}.myshopify.com/admin/oauth/access_token` (form-encoded
  `grant_type=client_credentials&client_id=…&client_secret=…`); the answer is
  `{"access_token", "scope", "expires_in"}` and the token lasts 24 hours, after which a new one
  is requested the same way (shopify.dev, "Using the client credentials grant",
  https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant;
  ShopifySharp 6.30.0 release notes: "These access tokens expire every 24 hours").
* `StoredToken` — the token `shopsync auth shopify` obtained with the authorization code grant
  (an app of another organization, e.g. an agency's), read from the token store.
* `StaticToken` — the legacy `shpat_` token of an app created in the Shopify admin before 2026.

Every source hands out a token with `token()` and answers a 401 with `after_unauthorized()`:
a new token once (single-flight: all workers share one lock, and a caller that queued behind a
renewal reuses its result), or an AuthError whose hint tells the operator what to do. Tokens
are kept in memory and in the state database's token store (never in the config or a log).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import anyio
import httpx
import structlog

from connectors.errors import AuthError, TransientError

API = "shopify"
log = structlog.get_logger(__name__)

# A renewal that failed this many times in a row is reported as a problem (an alert), even
# while the last token still works: the operator has until it expires to fix the app.
FAILURES_BEFORE_PROBLEM = 3
# After an AuthError, ask the token endpoint again at most this often: a revoked app stays
# revoked until the operator acts, and hammering Shopify's OAuth endpoint helps nobody.
DEAD_RETRY = timedelta(seconds=60)

CLIENT_CREDENTIALS_FIX = (
    "Check in the Dev Dashboard that the app is still installed on the store and that the "
    "shopify_client_secret credential holds its current client secret, then run "
    "`shopsync auth shopify` (it checks access and resumes the paused flows)."
)
AUTHORIZATION_CODE_FIX = (
    "Run `shopsync auth shopify` to authorize the app again (it resumes the paused flows)."
)
ACCESS_TOKEN_FIX = (
    "Put a valid Admin API access token in the shopify_access_token credential, restart "
    "shopsync and run `shopsync auth shopify` (it checks access and resumes the paused flows)."
)

FIXES = {
    "client_credentials": CLIENT_CREDENTIALS_FIX,
    "authorization_code": AUTHORIZATION_CODE_FIX,
    "access_token": ACCESS_TOKEN_FIX,
}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ShopifyToken:
    """One Admin API access token as Shopify issued it; `expires_at` None: it does not expire."""

    access_token: str = field(repr=False)
    scope: str
    obtained_at: datetime
    expires_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "scope": self.scope,
            "obtained_at": self.obtained_at.astimezone(UTC).isoformat(),
            "expires_at": self.expires_at.astimezone(UTC).isoformat() if self.expires_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShopifyToken:
        expires = data.get("expires_at")
        return cls(
            access_token=data["access_token"],
            scope=str(data.get("scope") or ""),
            obtained_at=datetime.fromisoformat(data["obtained_at"]),
            expires_at=datetime.fromisoformat(expires) if expires else None,
        )

    @property
    def scopes(self) -> set[str]:
        return {s.strip() for s in self.scope.split(",") if s.strip()}


class ShopifyTokenStore(Protocol):
    """Durable home of the current token (state.tokens.SqliteTokenStore with ShopifyToken)."""

    async def load(self) -> ShopifyToken | None: ...

    async def save(self, tokens: ShopifyToken) -> None: ...


class MemoryShopifyTokenStore:
    """For tests and the sandbox CLI: keeps the token in memory and counts saves."""

    def __init__(self, token: ShopifyToken | None = None) -> None:
        self.token = token
        self.saves = 0

    async def load(self) -> ShopifyToken | None:
        return self.token

    async def save(self, tokens: ShopifyToken) -> None:
        self.token, self.saves = tokens, self.saves + 1


class TokenSource(Protocol):
    mode: str

    async def token(self) -> str: ...

    async def after_unauthorized(self, rejected: str) -> str | None: ...

    def status(self) -> dict[str, Any]: ...


def token_url(shop_url: str) -> str:
    return f"{shop_url.rstrip('/')}/admin/oauth/access_token"


def token_from_answer(body: Any, now: datetime) -> ShopifyToken | None:
    """The token in a token-endpoint answer, or None if the answer carries none."""
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        return None
    expires_in = body.get("expires_in")
    expires_at = None
    if expires_in is not None:
        try:
            expires_at = now + timedelta(seconds=float(expires_in))
        except (TypeError, ValueError):
            return None
    return ShopifyToken(
        access_token=body["access_token"],
        scope=str(body.get("scope") or ""),
        obtained_at=now,
        expires_at=expires_at,
    )


def oauth_words(response: httpx.Response) -> str:
    """Shopify's own words from a refused token request (OAuth `error_description` or `errors`)."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return response.text[:200].strip() or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for key in ("error_description", "errors", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if value:
                return json.dumps(value)[:200]
    return f"HTTP {response.status_code}"


class StaticToken:
    """The legacy static token: nothing to renew, so a 401 is final until the operator acts."""

    mode = "access_token"

    def __init__(self, access_token: str) -> None:
        self._token = access_token
        self._problem: str | None = None

    def __repr__(self) -> str:
        return "StaticToken()"

    async def token(self) -> str:
        return self._token

    async def after_unauthorized(self, rejected: str) -> str | None:
        """Nothing to renew: the client reports Shopify's 401 with this mode's fix."""
        self._problem = "Shopify rejected the Admin API access token"
        return None

    def status(self) -> dict[str, Any]:
        return {"mode": self.mode, "authorized": self._problem is None, "problem": self._problem}


class StoredToken:
    """The token `shopsync auth shopify` stored (authorization code grant)."""

    mode = "authorization_code"

    def __init__(
        self, store: ShopifyTokenStore, *, on_token: Callable[[str], None] | None = None
    ) -> None:
        self.store = store
        self.on_token = on_token
        self._current: ShopifyToken | None = None
        self._problem: str | None = None
        self._lock = anyio.Lock()

    async def token(self) -> str:
        if self._current is not None:
            return self._current.access_token
        async with self._lock:
            if self._current is None:
                self._current = await self.store.load()
                if self._current is not None and self.on_token:
                    self.on_token(self._current.access_token)
            if self._current is None:
                self._problem = "Shopify is not authorized yet"
                raise AuthError(self._problem, api=API, hint=AUTHORIZATION_CODE_FIX)
            return self._current.access_token

    async def after_unauthorized(self, rejected: str) -> str | None:
        async with self._lock:
            # The operator may have authorized again from another process: same store.
            stored = await self.store.load()
            if stored is not None and stored.access_token != rejected:
                self._current, self._problem = stored, None
                if self.on_token:
                    self.on_token(stored.access_token)
                return stored.access_token
            self._current = None
            self._problem = "Shopify rejected the stored access token (app uninstalled?)"
            return None

    def status(self) -> dict[str, Any]:
        current = self._current
        return {
            "mode": self.mode,
            "authorized": self._problem is None,
            "problem": self._problem,
            "scope": current.scope if current else None,
        }


class ClientCredentials:
    """Exchanges the app's client id and secret for 24-hour tokens and renews them in time."""

    mode = "client_credentials"

    def __init__(
        self,
        shop_url: str,
        client_id: str,
        client_secret: str,
        store: ShopifyTokenStore | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
        renew_margin: timedelta = timedelta(minutes=5),
        dead_retry: timedelta = DEAD_RETRY,
        clock: Callable[[], datetime] = utcnow,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self.url = token_url(shop_url)
        self.on_token = on_token  # told every token in use (the daemon scrubs it from logs)
        self.client_id = client_id
        self._secret = client_secret
        self.store = store or MemoryShopifyTokenStore()
        self.renew_margin = renew_margin
        self.dead_retry = dead_retry
        self.clock = clock
        self.renewals = 0  # token requests sent (for tests and the control API)
        self.failures = 0  # failed token requests in a row
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._lock = anyio.Lock()
        self._current: ShopifyToken | None = None
        self._loaded = False
        self._dead: AuthError | None = None
        self._dead_at: datetime | None = None
        self._problem: str | None = None

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"ClientCredentials({self.url!r}, client_id={self.client_id!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    def _renew_from(self, token: ShopifyToken) -> datetime | None:
        if token.expires_at is None:
            return None
        # 5 minutes of a 24-hour token; a short-lived one (a sped-up sandbox) keeps 10 %.
        lifetime = token.expires_at - token.obtained_at
        return token.expires_at - min(self.renew_margin, lifetime / 10)

    def _due(self, token: ShopifyToken) -> bool:
        renew_from = self._renew_from(token)
        return renew_from is not None and self.clock() >= renew_from

    async def token(self) -> str:
        current = self._current
        if current is not None and self._dead is None and not self._due(current):
            return current.access_token
        async with self._lock:
            return (await self._renew_locked(rejected=None)).access_token

    async def renew(self) -> ShopifyToken:
        """Ask for a new token now (`shopsync auth shopify`: proves the app can get one)."""
        async with self._lock:
            self._loaded = True
            return await self._request()

    async def after_unauthorized(self, rejected: str) -> str:
        """Shopify said 401 to `rejected`: renew once, unless another caller already did."""
        async with self._lock:
            return (await self._renew_locked(rejected=rejected)).access_token

    async def _renew_locked(self, *, rejected: str | None) -> ShopifyToken:
        if not self._loaded:
            self._current, self._loaded = await self.store.load(), True
            if self._current is not None and self.on_token:
                self.on_token(self._current.access_token)
        current = self._current
        if rejected is not None and current is not None and current.access_token != rejected:
            return current  # renewed while this caller waited for the lock
        fresh = current is not None and self._dead is None and not self._due(current)
        if rejected is None and fresh:
            assert current is not None
            return current
        if self._dead is not None:
            # `shopsync auth shopify` may have fetched a token from another process.
            stored = await self.store.load()
            if stored is not None and stored != current and not self._due(stored):
                self._current, self._dead, self._problem = stored, None, None
                if self.on_token:
                    self.on_token(stored.access_token)
                return stored
            assert self._dead_at is not None
            if self.clock() - self._dead_at < self.dead_retry:
                raise self._dead
        return await self._request()

    async def _request(self) -> ShopifyToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        self.renewals += 1
        try:
            response = await self._http.post(
                self.url, data=form, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            # `from None`: the chained httpx error carries the request body, and the secret.
            raise self._transient(f"token request failed ({type(exc).__name__})") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise self._transient(f"token endpoint answered {response.status_code}")
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            body = None
        fresh = token_from_answer(body, self.clock()) if response.is_success else None
        if fresh is None:
            if response.is_success:
                raise self._transient("token endpoint answered without an access token")
            return self._refused(response)
        if self.on_token:
            self.on_token(fresh.access_token)
        await self.store.save(fresh)
        self._current, self._dead, self._problem, self.failures = fresh, None, None, 0
        log.info("shopify.token_renewed", expires_at=fresh.expires_at, scope=fresh.scope)
        return fresh

    def _transient(self, message: str) -> TransientError:
        self.failures += 1
        if self.failures >= FAILURES_BEFORE_PROBLEM:
            self._problem = f"renewing the access token failed {self.failures} times: {message}"
        log.warning("shopify.token_renewal_failed", error=message, failures=self.failures)
        hint = "Shopify's token endpoint will be asked again."
        return TransientError(message, api=API, hint=hint)

    def _refused(self, response: httpx.Response) -> ShopifyToken:
        # 4xx: not a passing fault. The app was uninstalled or its secret rotated: stop
        # using the old token (it is no longer ours to use) and tell the operator.
        self.failures += 1
        words = oauth_words(response)
        message = f"the client credentials were refused ({response.status_code}: {words})"
        self._dead = AuthError(
            message, api=API, status=response.status_code, hint=CLIENT_CREDENTIALS_FIX
        )
        self._dead_at, self._problem = self.clock(), message
        log.error("shopify.token_refused", status=response.status_code, error=words)
        raise self._dead

    def status(self) -> dict[str, Any]:
        """For the control API and the alert rules; never the token or the secret."""
        current = self._current
        expires = current.expires_at if current else None
        return {
            "mode": self.mode,
            "authorized": current is not None and self._dead is None,
            "expires_at": expires.isoformat() if expires else None,
            "scope": current.scope if current else None,
            "renewals": self.renewals,
            "failures_in_a_row": self.failures,
            "problem": self._problem,
            "fix": CLIENT_CREDENTIALS_FIX if self._problem else None,
        }
