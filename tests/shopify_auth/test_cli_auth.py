"""`shopsync auth shopify` with auth = "authorization_code": the browser's trip through Shopify
comes back to the loopback listener, the callback is checked, the token stored and used."""

from __future__ import annotations

import socket

import anyio
import httpx
import pytest

from connectors.shopify.auth import ShopifyToken
from daemon.cli import auth_shopify as cli_auth_shopify
from daemon.config import load_settings
from state.db import Database
from state.tokens import SqliteTokenStore
from tests.shopify_auth.conftest import CLIENT_ID, CLIENT_SECRET, sandbox_app

pytestmark = pytest.mark.anyio


async def _get_when_listening(http: httpx.AsyncClient, url: str) -> httpx.Response:
    """The CLI starts its listener right after printing the URL: retry until it is up."""
    for _ in range(400):
        try:
            return await http.get(url)
        except httpx.ConnectError:
            await anyio.sleep(0.05)
    raise AssertionError("the loopback listener never came up")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_auth_shopify_runs_the_authorization_code_flow_and_stores_the_token(
    tmp_path, monkeypatch
):
    from connectors.shopify import oauth

    printed: list[str] = []
    shown = anyio.Event()

    def authorize_url(*args: object) -> str:
        printed.append(oauth_authorize_url(*args))  # what the operator is told to open
        shown.set()
        return printed[-1]

    oauth_authorize_url = oauth.authorize_url
    monkeypatch.setattr(oauth, "authorize_url", authorize_url)
    port = _free_port()
    # The callback's `shop` must be the configured shop's host: here the sandbox's loopback.
    async with sandbox_app(shop_domain="127.0.0.1") as app:
        settings = load_settings(
            None,
            daemon={"state_dir": str(tmp_path)},
            shopify={
                "shop_url": app.url,
                "auth": "authorization_code",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": f"http://127.0.0.1:{port}/callback",
            },
            exact={"client_id": "c", "client_secret": "exact-secret-1"},
            mapping={"default_warehouse": "AMS"},
            gift_cards={"enabled": False},
        )
        result: list[int] = []

        async def run_cli() -> None:
            result.append(await cli_auth_shopify._main(settings))

        async def browser() -> None:
            # The operator opens the printed URL; Shopify redirects to our loopback listener.
            with anyio.fail_after(20):
                await shown.wait()
            async with httpx.AsyncClient(timeout=10) as http:
                back = await http.get(printed[0])
                with anyio.fail_after(20):
                    landed = await _get_when_listening(http, back.headers["location"])
            assert landed.status_code == 200

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_cli)
            tg.start_soon(browser)
        assert result == [0]
        granted = app.sandbox.auth.scopes
        assert "read_gift_cards" not in granted  # asked only for what enabled flows need
        db = await Database.open(settings.daemon.database_path)
        try:
            token = await SqliteTokenStore(db, "shopify", ShopifyToken).load()
        finally:
            await db.close()
        assert token is not None and token.expires_at is None
        assert app.counts()["grant_authorization_code"] == 1
