"""Each way shopsync gets a Shopify token works against the sandbox, and fails in plain words."""

from __future__ import annotations

import httpx
import pytest

from connectors.errors import AuthError
from connectors.shopify.auth import MemoryShopifyTokenStore, StaticToken, StoredToken
from connectors.shopify.oauth import authorize_url, exchange_code, verify_callback
from tests.shopify_auth.conftest import CLIENT_ID, CLIENT_SECRET, NO_WAIT, STATIC_TOKEN

pytestmark = pytest.mark.anyio

SHOP_INFO = "shop_info"


async def test_client_credentials_get_a_token_that_is_kept_out_of_sight(app):
    store = MemoryShopifyTokenStore()
    async with app.client(app.credentials(store=store)) as client:
        data = await client.execute(SHOP_INFO)
        assert data["shop"]["name"]
        status = client.status()["auth"]
    assert app.counts()["grant_client_credentials"] == 1
    assert store.token is not None and store.token.access_token.startswith("shpat_")
    assert store.token.expires_at is not None  # 24 hours, as Shopify answers
    assert "read_orders" in store.token.scopes
    # Neither the token nor the secret shows in the status, a repr or the token's repr.
    shown = f"{status} {app.credentials()!r} {store.token!r}"
    assert store.token.access_token not in shown and CLIENT_SECRET not in shown
    assert status["mode"] == "client_credentials" and status["problem"] is None


async def test_a_wrong_client_secret_is_refused_with_the_fix(app):
    source = app.credentials(secret="shpss_rotated_away")
    async with app.client(source) as client:
        with pytest.raises(AuthError) as caught:
            await client.execute(SHOP_INFO)
    assert "client credentials were refused (401: Client authentication failed.)" in str(
        caught.value
    )
    assert "shopify_client_secret credential" in caught.value.hint
    assert "shopsync auth shopify" in caught.value.hint
    assert source.status()["problem"]


async def test_a_revoked_app_stops_at_once_and_does_not_hammer_shopify(app):
    source = app.credentials()
    async with app.client(source) as client:
        await client.execute(SHOP_INFO)
        await app.control("POST", "/revoke")
        with pytest.raises(AuthError) as caught:
            await client.execute(SHOP_INFO)
        assert "The app is not installed on this shop." in str(caught.value)
        asked = app.counts()["token_400"]
        for _ in range(5):  # more jobs of paused flows: the dead answer is reused
            with pytest.raises(AuthError):
                await client.execute(SHOP_INFO)
        assert app.counts()["token_400"] == asked == 1
        # Re-installed: the next attempt after the quiet period gets a token again.
        await app.control("POST", "/install")
        source.dead_retry = NO_WAIT
        assert (await client.execute(SHOP_INFO))["shop"]["name"]
        assert source.status()["problem"] is None


async def test_the_authorization_code_grant_checks_state_hmac_and_shop(app):
    state = "nonce-123"
    url = authorize_url(
        app.url, CLIENT_ID, ["read_orders", "read_products"], "http://127.0.0.1:8766/cb", state
    )
    async with httpx.AsyncClient() as http:
        answer = await http.get(url, follow_redirects=False)
    assert answer.status_code == 302
    redirect = httpx.URL(answer.headers["location"])
    params = dict(redirect.params)
    assert {"code", "hmac", "host", "shop", "state", "timestamp"} <= set(params)
    shop_url = f"https://{params['shop']}"

    for forged, words in (
        ({**params, "state": "other"}, "state is not the one shopsync sent"),
        ({**params, "code": "another-code"}, "hmac does not verify"),
        ({**params, "hmac": "0" * 64}, "hmac does not verify"),
    ):
        with pytest.raises(AuthError, match=words):
            verify_callback(forged, secret=CLIENT_SECRET, state=state, shop_url=shop_url)
    with pytest.raises(AuthError, match=r"not 'other-shop\.myshopify\.com'"):
        verify_callback(
            params, secret=CLIENT_SECRET, state=state, shop_url="https://other-shop.myshopify.com"
        )

    code = verify_callback(params, secret=CLIENT_SECRET, state=state, shop_url=shop_url)
    token = await exchange_code(app.url, CLIENT_ID, CLIENT_SECRET, code)
    assert token.expires_at is None  # an offline token
    assert token.scopes == {"read_orders", "read_products"}
    with pytest.raises(AuthError, match="refused the authorization code"):
        await exchange_code(app.url, CLIENT_ID, CLIENT_SECRET, code)  # one use only

    store = MemoryShopifyTokenStore(token)
    async with app.client(StoredToken(store)) as client:
        assert (await client.execute(SHOP_INFO))["shop"]["name"]
        await app.control("POST", "/revoke")  # the merchant uninstalls the app
        with pytest.raises(AuthError) as caught:
            await client.execute(SHOP_INFO)
    assert "Run `shopsync auth shopify`" in caught.value.hint


async def test_a_legacy_static_token_still_works_and_a_refusal_says_which_file(app):
    async with app.client(StaticToken(STATIC_TOKEN)) as client:
        assert (await client.execute(SHOP_INFO))["shop"]["name"]
    async with app.client(StaticToken("shpat_wrong_token_00000000")) as client:
        with pytest.raises(AuthError) as caught:
            await client.execute(SHOP_INFO)
    assert "Invalid API key or access token" in str(caught.value)
    assert "shopify_access_token credential" in caught.value.hint
