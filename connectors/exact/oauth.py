"""OAuth2 with Exact: the authorize URL, the code exchange, and refresh-token rotation done safely.

Exact's refresh tokens are single use: every refresh answers a new pair and the old refresh token
dies. So, in this module:

* One refresh at a time (an anyio.Lock shared by all workers); callers that queued behind it find
  a fresh token and reuse it instead of refreshing again.
* A refresh happens only when the access token is expired or within `refresh_margin` (30 s, at
  most 5 % of its lifetime) of expiry. With Exact's 600 s tokens that is never before 570 s after
  the previous refresh, as early as Exact allows (picqer/exact-php-client PR #476 moved its margin
  to 30 s for this rule; PipedreamHQ/pipedream#1655: "Exact allows earlier requests up to 30 s").
* The rotated pair is saved through the TokenStore (durably) before anyone uses it, and whatever
  pair comes back is saved even when the answer is an error (integrators report a rotated refresh
  token in failed, rate-limited answers: picqer/exact-php-client issue #559).

Crash recovery. Before the refresh token is sent, the stored pair is re-saved with
`refresh_started_at` set (a write-ahead marker); saving the answer clears it. If the process dies
after Exact answered but before the save, the next start finds the marker and knows the stored
refresh token may be spent. It then tries that token exactly once (the crash may have come before
the request left): if Exact accepts it, work resumes; if Exact refuses it, the manager raises
AuthError saying a refresh was interrupted and that an operator must run `shopsync auth exact`, and
it stops calling the token endpoint (Exact penalises apps that hammer it). A refresh that failed on
the network is treated the same way, since we cannot know whether Exact rotated the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx

from connectors.errors import AuthError, RateLimited, TransientError
from connectors.exact.errors import API, error_for_exception, exact_message, seconds_until_reset
from connectors.exact.tokens import TokenSet, TokenStore

REAUTHORIZE = "Re-authorize in a browser with `shopsync auth exact`."


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OAuthApp:
    """The app registered in Exact's App Center, and the country host it lives on."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str

    @property
    def token_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/oauth2/token"


def authorize_url(app: OAuthApp, state: str) -> str:
    """Where the operator's browser goes to grant access; Exact redirects back with `code`."""
    query = urlencode(
        {
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "response_type": "code",
            "state": state,
        }
    )
    return f"{app.base_url.rstrip('/')}/api/oauth2/auth?{query}"


def _tokens_from_body(body: Any, now: datetime) -> TokenSet | None:
    if not isinstance(body, dict) or not body.get("refresh_token"):
        return None
    access = str(body.get("access_token") or "")
    # Exact sends expires_in as a string of seconds ("600").
    try:
        lifetime = int(str(body.get("expires_in", "0")))
    except ValueError:
        lifetime = 0
    return TokenSet(
        access_token=access,
        refresh_token=str(body["refresh_token"]),
        expires_at=now + timedelta(seconds=lifetime if access else 0),
        obtained_at=now,
    )


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


class TokenManager:
    """Hands out a valid access token to any number of concurrent workers."""

    def __init__(
        self,
        app: OAuthApp,
        store: TokenStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 15.0,
        refresh_margin: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.app = app
        self.store = store
        self.refresh_margin = refresh_margin
        self.clock = clock
        self.refreshes = 0  # calls made to the token endpoint (for tests and the control API)
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self._lock = anyio.Lock()
        self._tokens: TokenSet | None = None
        self._loaded = False
        self._dead: AuthError | None = None
        self._dead_refresh_token: str | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> TokenManager:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _refresh_from(self, tokens: TokenSet) -> datetime:
        # 30 s of a 600 s token is 5 %; a shorter-lived token (a sped-up sandbox) keeps the ratio.
        lifetime = tokens.expires_at - tokens.obtained_at
        return tokens.expires_at - min(self.refresh_margin, lifetime / 20)

    def _due(self, tokens: TokenSet) -> bool:
        return self.clock() >= self._refresh_from(tokens)

    async def access_token(self) -> str:
        """A usable access token, refreshing first if it is (nearly) expired."""
        tokens = self._tokens
        if tokens is not None and tokens.refresh_started_at is None and not self._due(tokens):
            return tokens.access_token
        async with self._lock:
            return (await self._refresh_locked(force=False)).access_token

    async def refresh_after_unauthorized(self, rejected_access_token: str) -> str:
        """Exact said 401 to `rejected_access_token`: refresh once, unless another caller did."""
        async with self._lock:
            if self._tokens is not None and self._tokens.access_token != rejected_access_token:
                return self._tokens.access_token
            return (await self._refresh_locked(force=True)).access_token

    async def exchange_code(self, code: str) -> TokenSet:
        """Trade the authorization code from the redirect for the first pair, and persist it."""
        async with self._lock:
            response = await self._post_token(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.app.redirect_uri,
                }
            )
            tokens = _tokens_from_body(_json(response), self.clock())
            if not response.is_success or tokens is None or not tokens.access_token:
                raise AuthError(
                    exact_message(response), api=API, status=response.status_code, hint=REAUTHORIZE
                )
            await self.store.save(tokens)
            self._tokens, self._loaded, self._dead = tokens, True, None
            return tokens

    def status(self) -> dict[str, Any]:
        """For the control API; never the tokens themselves."""
        tokens = self._tokens
        return {
            "authorized": tokens is not None and self._dead is None,
            "expires_at": tokens.expires_at.isoformat() if tokens else None,
            "obtained_at": tokens.obtained_at.isoformat() if tokens else None,
            "refresh_in_flight": bool(tokens and tokens.refresh_started_at),
            "problem": self._dead.message if self._dead else None,
            "refreshes": self.refreshes,
        }

    async def _post_token(self, form: dict[str, str]) -> httpx.Response:
        form = {**form, "client_id": self.app.client_id, "client_secret": self.app.client_secret}
        self.refreshes += 1
        try:
            return await self._http.post(
                self.app.token_url, data=form, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise error_for_exception(exc, method="POST", endpoint="oauth2/token") from None

    async def _refresh_locked(self, *, force: bool) -> TokenSet:
        if self._dead is not None:
            # The operator may have re-authorized from another process (`shopsync auth exact`
            # writes the same store): pick the new pair up without a restart.
            stored = await self.store.load()
            if stored is None or stored.refresh_token == self._dead_refresh_token:
                raise self._dead
            self._tokens, self._dead, self._dead_refresh_token = stored, None, None
        if not self._loaded:
            self._tokens, self._loaded = await self.store.load(), True
        tokens = self._tokens
        if tokens is None:
            raise AuthError("Exact is not authorized yet", api=API, hint=REAUTHORIZE)
        interrupted = tokens.refresh_started_at is not None
        if not force and not interrupted and not self._due(tokens):
            return tokens  # someone refreshed while we queued for the lock
        now = self.clock()
        early = now < self._refresh_from(tokens)

        # Write-ahead: from here until the answer is saved, the stored refresh token may be spent.
        marked = tokens if interrupted else tokens.marked_in_flight(now)
        if not interrupted:
            await self.store.save(marked)
        self._tokens = marked

        response = await self._post_token(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
        )
        fresh = _tokens_from_body(_json(response), self.clock())
        if fresh is not None:
            # Persist whatever came back, even in an error answer, before anything uses it.
            await self.store.save(fresh)
            self._tokens = fresh
            if fresh.access_token:
                return fresh
        return await self._refresh_failed(
            response, interrupted=interrupted, early=early, fresh=fresh
        )

    async def _refresh_failed(
        self,
        response: httpx.Response,
        *,
        interrupted: bool,
        early: bool,
        fresh: TokenSet | None,
    ) -> TokenSet:
        status = response.status_code
        message = exact_message(response)
        kept = " The rotated refresh token in the answer was saved." if fresh else ""
        if status == 429:
            raise RateLimited(
                message,
                retry_after=seconds_until_reset(response.headers),
                api=API,
                status=status,
                hint="Exact's token endpoint is rate limited." + kept,
            )
        if status >= 500 or fresh is not None or response.is_success:
            hint = "Exact's token endpoint failed." + kept
            raise TransientError(message, api=API, status=status, hint=hint)
        body = _json(response)
        code = body.get("error") if isinstance(body, dict) else None
        if code != "invalid_grant":
            # Not a verdict on the refresh token (asked too early, bad request, wrong client
            # secret): Exact did not consume it, so drop the marker and let the operator look.
            assert self._tokens is not None
            self._tokens = replace(self._tokens, refresh_started_at=None)
            await self.store.save(self._tokens)
            if early:
                hint = "Exact rejected a fresh access token and refuses an early refresh; "
            else:
                hint = "Exact refused the token refresh; check the app's client id and secret. "
            raise AuthError(message, api=API, status=status, hint=hint + REAUTHORIZE)
        if interrupted:
            hint = (
                "A previous token refresh was interrupted (the process stopped or the answer was "
                "lost) and Exact no longer accepts the stored refresh token. " + REAUTHORIZE
            )
        else:
            hint = "Exact refused the refresh token (revoked, or unused for 30 days). "
            hint += REAUTHORIZE
        self._dead = AuthError(message, api=API, status=status, hint=hint)
        self._dead_refresh_token = self._tokens.refresh_token if self._tokens else None
        raise self._dead
