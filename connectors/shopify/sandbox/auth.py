"""The sandbox shop's app installation: token endpoint (both grants), expiring tokens, scopes.

Facts and sources:
* Token endpoint `POST /admin/oauth/access_token`. Client credentials grant: form-encoded
  `grant_type=client_credentials&client_id&client_secret`, answered with
  `{"access_token", "scope", "expires_in"}`; the token lasts 24 hours
  (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant,
  https://shopify.dev/docs/apps/build/authentication-authorization/client-secrets). Shopify's own
  Node library sends the same fields as JSON (@shopify/shopify-api `clientCredentials`), so both
  bodies are accepted. The grant only works for an app installed on the store.
* Authorization code grant: `GET /admin/oauth/authorize?client_id&scope&redirect_uri&state`
  leads (after the merchant's consent, which the sandbox gives at once) to a redirect carrying
  `code`, `hmac`, `host`, `shop`, `state`, `timestamp`; `hmac` is the hex HMAC-SHA256, keyed
  with the client secret, of the other parameters sorted and joined as `k=v&k=v`. The code is
  exchanged once with `client_id`, `client_secret`, `code` for `{"access_token", "scope"}`, an
  offline token that does not expire
  (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant).
* A missing, unknown, expired or revoked token gets HTTP 401 with
  `{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}`.
* Refusals of the token endpoint use RFC 6749 §5.2 `{"error", "error_description"}` (the grant
  is RFC 6749 §4.4). Shopify's exact words for an app that is not installed are not documented;
  the sandbox answers 400 `invalid_grant`, and the client treats any 4xx the same way.

Speed knob: `token_lifetime_s` (real seconds; default 86,399 × the sandbox's time scale), set
through `PUT /_sandbox/shopify/auth` so a test can cross an expiry in seconds.

Control routes (JSON, loopback only), under `/_sandbox/shopify/auth`:

| Method | Path | Body | Answer |
| --- | --- | --- | --- |
| GET | `` | - | installation: installed, scopes, token_lifetime_s, grants, live tokens, 401s |
| PUT | `` | `{scopes?: [handle], token_lifetime_s?}` | the installation |
| POST | `/revoke` | - | uninstall: every token dies, the grant is refused |
| POST | `/install` | `{scopes?: [handle]}` | installed again (the operator re-authorised) |
| POST | `/expire` | - | every live token expires now |
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from connectors.shopify.sandbox import asgi_util as http

TOKEN_PATH = "/admin/oauth/access_token"
AUTHORIZE_PATH = "/admin/oauth/authorize"
CONTROL_PATH = "/_sandbox/shopify/auth"
INVALID_TOKEN_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
SHOPIFY_TOKEN_LIFETIME = 86_399.0  # "24 hours"; Shopify answers expires_in just under a day

# Every scope shopsync's flows use (README "Access scopes"); the default grant of the sandbox.
DEFAULT_SCOPES = (
    "read_orders",
    "read_all_orders",
    "read_customers",
    "read_products",
    "write_inventory",
    "read_locations",
    "read_merchant_managed_fulfillment_orders",
    "read_fulfillments",
    "read_returns",
    "read_gift_cards",
    "read_store_credit_accounts",
    "read_store_credit_account_transactions",
    "read_shopify_payments_accounts",
    "read_shopify_payments_payouts",
)


@dataclass
class Issued:
    scopes: frozenset[str]
    expires_at: float | None  # time.monotonic(); None: does not expire
    grant: str


def callback_hmac(params: dict[str, str], secret: str) -> str:
    """Shopify's signature of a redirect to the app: hex HMAC-SHA256 of the sorted `k=v` pairs."""
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class SandboxAuth:
    """Who may call the sandbox shop, with which scopes, until when."""

    def __init__(
        self,
        *,
        shop_domain: str,
        static_token: str | None,
        client_id: str,
        client_secret: str,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        token_lifetime_s: float = SHOPIFY_TOKEN_LIFETIME,
    ) -> None:
        self.shop_domain = shop_domain
        self.static_token = static_token
        self.client_id = client_id
        self._secret = client_secret
        self.scopes = frozenset(scopes)
        self.token_lifetime_s = token_lifetime_s
        self.installed = True
        self.tokens: dict[str, Issued] = {}
        self.codes: dict[str, str] = {}  # code → redirect_uri (one use)
        self.counts: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"SandboxAuth(shop_domain={self.shop_domain!r})"

    # ------------------------------------------------------------ checking a request

    def check(self, headers: dict[str, str]) -> frozenset[str] | None:
        """The scopes a request's token carries, or None (answer 401)."""
        given = headers.get("x-shopify-access-token", "")
        if self.static_token and hmac.compare_digest(given.encode(), self.static_token.encode()):
            return self.scopes if self.installed else None
        issued = self.tokens.get(given)
        if issued is None or not self.installed:
            return None
        if issued.expires_at is not None and time.monotonic() >= issued.expires_at:
            self.counts["expired_token_used"] += 1
            return None
        # Scopes belong to the installation: a change applies to every token at once.
        return self.scopes

    def installation(self, granted: frozenset[str]) -> dict[str, Any]:
        """`currentAppInstallation` as the resolvers serve it."""
        return {
            "id": "gid://shopify/AppInstallation/1",
            "accessScopes": [{"handle": h, "description": h} for h in sorted(granted)],
        }

    # ------------------------------------------------------------ OAuth routes

    async def token_endpoint(self, method: str, headers: dict[str, str], raw: bytes, send: Any):
        if method != "POST":
            await http.send_json(send, 405, {"errors": "Method Not Allowed"})
            return
        form = _form(headers.get("content-type", ""), raw)
        status, body = self._token(form)
        self.counts[f"token_{status}"] += 1
        await http.send_json(send, status, body)

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
            form.get("client_secret", "").encode(), self._secret.encode()
        ):
            return 401, _oauth_error("invalid_client", "Client authentication failed.")
        grant = form.get("grant_type")
        if grant == "client_credentials":
            if not self.installed:
                return 400, _oauth_error("invalid_grant", "The app is not installed on this shop.")
            return 200, self._issue("client_credentials", self.scopes, self.token_lifetime_s)
        if grant in (None, "", "authorization_code"):
            redirect = self.codes.pop(form.get("code", ""), None)
            if redirect is None:
                return 400, _oauth_error(
                    "invalid_request", "The authorization code was not found or was already used."
                )
            return 200, self._issue("authorization_code", self.scopes, None)
        words = f"grant_type {grant!r} is not supported."
        return 400, _oauth_error("unsupported_grant_type", words)

    def _issue(self, grant: str, scopes: frozenset[str], lifetime: float | None) -> dict[str, Any]:
        token = "shpat_" + secrets.token_hex(16)
        expires = time.monotonic() + lifetime if lifetime is not None else None
        self.tokens[token] = Issued(scopes, expires, grant)
        self.counts[f"grant_{grant}"] += 1
        body: dict[str, Any] = {"access_token": token, "scope": ",".join(sorted(scopes))}
        if lifetime is not None:
            # Whole seconds as Shopify sends them; never 0, so a sped-up token still lives.
            body["expires_in"] = max(1, round(lifetime))
        return body

    async def authorize(self, query: bytes, send: Any) -> None:
        """The merchant approves at once; redirect back with a signed code (or refuse)."""
        params = {k: v[0] for k, v in parse_qs(query.decode()).items()}
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id:
            await http.send_json(send, 400, _oauth_error("invalid_request", "Unknown client_id."))
            return
        if not redirect_uri.startswith(("http://127.0.0.1", "http://localhost", "https://")):
            await http.send_json(
                send, 400, _oauth_error("invalid_request", "redirect_uri is not whitelisted.")
            )
            return
        requested = {s.strip() for s in params.get("scope", "").split(",") if s.strip()}
        self.scopes = frozenset(requested) if requested else self.scopes
        self.installed = True
        code = secrets.token_hex(16)
        self.codes[code] = redirect_uri
        back = {
            "code": code,
            "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvc2FuZGJveA",
            "shop": self.shop_domain,
            "state": params.get("state", ""),
            "timestamp": str(int(time.time())),
        }
        back["hmac"] = callback_hmac(back, self._secret)
        location = f"{redirect_uri}?{urlencode(back)}"
        await send(
            {
                "type": "http.response.start",
                "status": 302,
                "headers": [(b"location", location.encode())],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    # ------------------------------------------------------------ control routes

    async def control(self, method: str, path: str, raw: bytes, send: Any) -> None:
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            await http.send_json(send, 422, {"error": "body must be a JSON object"})
            return
        if method == "GET" and path == "":
            await http.send_json(send, 200, self.report())
        elif method in ("PUT", "POST") and path == "":
            if "token_lifetime_s" in body:
                lifetime = body["token_lifetime_s"]
                if not isinstance(lifetime, int | float) or lifetime <= 0:
                    await http.send_json(send, 422, {"error": "token_lifetime_s must be > 0"})
                    return
                self.token_lifetime_s = float(lifetime)
            if "scopes" in body:
                self.scopes = frozenset(body["scopes"])
            await http.send_json(send, 200, self.report())
        elif method == "POST" and path == "/revoke":
            self.installed = False
            self.tokens.clear()
            await http.send_json(send, 200, self.report())
        elif method == "POST" and path == "/install":
            self.installed = True
            if "scopes" in body:
                self.scopes = frozenset(body["scopes"])
            await http.send_json(send, 200, self.report())
        elif method == "POST" and path == "/expire":
            now = time.monotonic()
            for issued in self.tokens.values():
                if issued.expires_at is not None:
                    issued.expires_at = min(issued.expires_at, now)
            await http.send_json(send, 200, self.report())
        else:
            await http.send_json(send, 404, {"error": f"no auth route {method} {path}"})

    def report(self) -> dict[str, Any]:
        now = time.monotonic()
        live = [t for t in self.tokens.values() if t.expires_at is None or t.expires_at > now]
        return {
            "installed": self.installed,
            "scopes": sorted(self.scopes),
            "token_lifetime_s": self.token_lifetime_s,
            "live_tokens": len(live),
            "counts": dict(self.counts),
        }


def _oauth_error(error: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description}


def _form(content_type: str, raw: bytes) -> dict[str, str]:
    if content_type.startswith("application/json"):
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
