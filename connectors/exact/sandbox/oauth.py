"""Exact's OAuth2 code flow: one-use codes, 10-minute access tokens, single-use refresh tokens.

Facts (sources in comments): the token answer is
`{"access_token", "token_type": "bearer", "expires_in": "600", "refresh_token"}` with
`expires_in` as a *string* (ossobv/exactonline, exactonline/api/... `_set_tokens` comment);
every refresh returns a new refresh token and the old one stops working ("Old refresh token
used.", picqer/exact-php-client#300 and Invantive's write-up of the Exact message); a new
access token may only be asked 570 s after the previous one (Exact's API-limit e-mail quoted
on forums.invantive.com "Je app heeft onderstaande API-limieten overschreden"); refresh tokens
unused for 30 days expire (websmurf/laravel-exact-online#19); the authorization code lives
3 minutes and works once (Invantive "Old refresh token used" article).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from .clock import SandboxClock

CODE_TTL = 180.0
EARLY_MARGIN = 30.0
REFRESH_IDLE_TTL = 30 * 86400.0


class OAuthError(Exception):
    """A token-endpoint refusal: RFC 6749 `{"error", "error_description"}` with a status."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass
class _Refresh:
    issued_at: float


@dataclass
class TokenAuthority:
    clock: SandboxClock
    client_id: str
    client_secret: str
    redirect_uri: str | None
    access_ttl: float = 600.0
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    access: dict[str, float] = field(default_factory=dict)  # token -> expires at (Exact time)
    refresh: dict[str, _Refresh] = field(default_factory=dict)
    used_refresh: set[str] = field(default_factory=set)
    revoked_refresh: set[str] = field(default_factory=set)
    last_access_issued: float | None = None
    refreshes: int = 0
    refused: int = 0

    def authorize(self, client_id: str, redirect_uri: str, response_type: str) -> str:
        """Issue a code at once: the sandbox has no login page, the 'user' always consents."""
        if client_id != self.client_id:
            raise OAuthError(400, "invalid_client", "Unknown client_id.")
        if response_type != "code":
            raise OAuthError(400, "unsupported_response_type", "response_type must be 'code'.")
        if self.redirect_uri is not None and redirect_uri != self.redirect_uri:
            raise OAuthError(400, "invalid_request", "redirect_uri does not match the app.")
        code = "code-" + secrets.token_urlsafe(24)
        self.codes[code] = (redirect_uri, self.clock.now())
        return code

    def token(self, form: dict[str, str]) -> dict[str, str]:
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
            form.get("client_secret", ""), self.client_secret
        ):
            raise OAuthError(400, "invalid_client", "Client authentication failed.")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._from_code(form.get("code", ""), form.get("redirect_uri", ""))
        if grant == "refresh_token":
            return self._from_refresh(form.get("refresh_token", ""))
        raise OAuthError(400, "unsupported_grant_type", "grant_type is not supported.")

    def _from_code(self, code: str, redirect_uri: str) -> dict[str, str]:
        entry = self.codes.pop(code, None)
        if entry is None or self.clock.now() - entry[1] > CODE_TTL:
            raise OAuthError(400, "invalid_grant", "Authorization code is invalid or expired.")
        if redirect_uri and redirect_uri != entry[0]:
            raise OAuthError(400, "invalid_grant", "redirect_uri does not match.")
        return self._issue()

    def _from_refresh(self, token: str) -> dict[str, str]:
        now = self.clock.now()
        if token in self.used_refresh:
            self.refused += 1
            raise OAuthError(400, "invalid_grant", "Old refresh token used.")
        if token in self.revoked_refresh:
            self.refused += 1
            raise OAuthError(400, "invalid_grant", "Refresh token revoked.")
        grant = self.refresh.get(token)
        if grant is None:
            self.refused += 1
            raise OAuthError(400, "invalid_grant", "Invalid refresh token.")
        if now - grant.issued_at > REFRESH_IDLE_TTL:
            self.refresh.pop(token, None)
            self.refused += 1
            raise OAuthError(400, "invalid_grant", "Refresh token expired.")
        earliest = (self.last_access_issued or 0.0) + self.access_ttl - EARLY_MARGIN
        if now < earliest:
            # Refused without consuming the refresh token, so the client can try again later.
            # Status/body not published by Exact; modelled as an RFC 6749 400 (verify if known).
            self.refused += 1
            raise OAuthError(
                400,
                "invalid_request",
                "Access token not yet expired: request a new one only after 570 seconds.",
            )
        del self.refresh[token]
        self.used_refresh.add(token)
        self.refreshes += 1
        return self._issue()

    def _issue(self) -> dict[str, str]:
        now = self.clock.now()
        access = secrets.token_urlsafe(32)
        refresh = "Gcp7!IAAA" + secrets.token_urlsafe(32)
        # Earlier access tokens live on until their own expiry; drop the dead ones.
        self.access = {t: exp for t, exp in self.access.items() if exp > now}
        self.access[access] = now + self.access_ttl
        self.refresh[refresh] = _Refresh(issued_at=now)
        self.last_access_issued = now
        expires_in = max(1, round(self.clock.wall_seconds(self.access_ttl)))
        return {
            "access_token": access,
            "token_type": "bearer",
            # Wall seconds, so a client trusting it stays right at any time_scale ("600" at 1).
            "expires_in": str(expires_in),
            "refresh_token": refresh,
        }

    def check_bearer(self, authorization: str | None) -> str | None:
        """None when the token is good, else the reason (never echoing the token itself)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return "No bearer token."
        token = authorization[7:].strip()
        expires = self.access.get(token)
        if expires is None:
            return "Invalid access token."
        if self.clock.now() >= expires:
            return "Access token expired."
        return None

    def revoke_all(self) -> None:
        """The operator removed the app's connection in Exact: every token stops working."""
        self.revoked_refresh.update(self.refresh)
        self.access.clear()
        self.refresh.clear()
        self.codes.clear()

    def issue_for_operator(self) -> dict[str, str]:
        """A token pair without the browser round trip, for demos and benchmarks."""
        return self._issue()
