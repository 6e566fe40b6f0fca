"""Shopify's authorization code grant: the authorize URL, the signed callback, the code exchange.

For an app installed on a store of another organization (an agency's app). Facts from shopify.dev
"Implement authorization code grant manually"
(https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant):
* the merchant is sent to `https://{shop}/admin/oauth/authorize?client_id&scope&redirect_uri&state`
  (no `grant_options[]=per-user`: an offline token, which does not expire);
* Shopify redirects back with `code`, `hmac`, `host`, `shop`, `state`, `timestamp`; the app must
  check that `state` is the nonce it sent, that `hmac` (hex HMAC-SHA256 keyed with the client
  secret over the other parameters, sorted, joined `k=v&k=v`) matches, and that `shop` is a
  `*.myshopify.com` host — ours;
* the code is traded at `POST https://{shop}/admin/oauth/access_token` with `client_id`,
  `client_secret`, `code`, answered `{"access_token", "scope"}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import urlencode, urlparse

import httpx

from connectors.errors import AuthError
from connectors.shopify.auth import (
    API,
    AUTHORIZATION_CODE_FIX,
    ShopifyToken,
    oauth_words,
    token_from_answer,
    token_url,
)


def authorize_url(
    shop_url: str, client_id: str, scopes: list[str], redirect_uri: str, state: str
) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{shop_url.rstrip('/')}/admin/oauth/authorize?{query}"


def callback_hmac(params: dict[str, str], secret: str) -> str:
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "hmac")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_callback(params: dict[str, str], *, secret: str, state: str, shop_url: str) -> str:
    """The code from Shopify's redirect, once state, signature and shop check out; else raise."""
    if not params.get("code"):
        raise AuthError("the redirect carries no authorization code", api=API)
    if not hmac.compare_digest(params.get("state", ""), state):
        raise AuthError(
            "the redirect's state is not the one shopsync sent (a stale or forged link)",
            api=API,
            hint="Run `shopsync auth shopify` again and use the new link.",
        )
    expected = callback_hmac(params, secret)
    if not hmac.compare_digest(params.get("hmac", ""), expected):
        raise AuthError(
            "the redirect's hmac does not verify with the client secret",
            api=API,
            hint="Check that shopify_client_secret is the app's current client secret.",
        )
    ours = urlparse(shop_url).hostname or ""
    if params.get("shop", "").lower() != ours.lower():
        raise AuthError(
            f"the redirect is for shop {params.get('shop')!r}, not {ours!r}",
            api=API,
            hint="Install the app on the store named in shopify.shop_url.",
        )
    return params["code"]


async def exchange_code(
    shop_url: str,
    client_id: str,
    client_secret: str,
    code: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ShopifyToken:
    """Trade the code for the app's token (offline: it lasts until the app is uninstalled)."""
    form = {"client_id": client_id, "client_secret": client_secret, "code": code}
    async with httpx.AsyncClient(transport=transport, timeout=15) as http:
        try:
            response = await http.post(
                token_url(shop_url), data=form, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise AuthError(
                f"could not reach Shopify's token endpoint ({type(exc).__name__})", api=API
            ) from None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    token = token_from_answer(body, datetime.now(UTC)) if response.is_success else None
    if token is None:
        raise AuthError(
            f"Shopify refused the authorization code ({response.status_code}: "
            f"{oauth_words(response)})",
            api=API,
            status=response.status_code,
            hint=AUTHORIZATION_CODE_FIX,
        )
    return token
