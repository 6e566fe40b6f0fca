"""`shopsync auth shopify`: connect the shop the way `[shopify] auth` says, then resume flows.

* client_credentials: ask for a token now (proves the app is installed and the secret right);
* authorization_code: the install/authorization flow in a browser, like `shopsync auth exact`
  (loopback redirect or pasted URL; state, HMAC and shop of the callback checked);
* access_token: check the static token with one query.
Each stores what it got in the state database, lists access scopes the enabled flows still
lack, and resumes the flows that were paused because Shopify refused access.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import Any
from urllib.parse import parse_qs, urlparse

import anyio

from daemon.config import Settings, load_settings


def cmd_auth_shopify(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if settings.shopify is None:
        print("shopsync: there is no [shopify] section in the config", file=sys.stderr)
        return 2
    try:
        return anyio.run(_main, settings)
    except KeyboardInterrupt:
        return 130


async def _main(settings: Settings) -> int:
    from connectors.errors import ConnectorError
    from connectors.shopify.api import ShopifyAPI
    from connectors.shopify.auth import ShopifyToken, StaticToken, StoredToken
    from connectors.shopify.client import ShopifyClient
    from daemon.clients import shopify_auth
    from daemon.shopify_scopes import missing_scopes
    from state.db import Database
    from state.tokens import SqliteTokenStore

    s = settings.shopify
    assert s is not None
    db = await Database.open(settings.daemon.database_path)
    try:
        store = SqliteTokenStore(db, "shopify", ShopifyToken)
        try:
            if s.auth == "authorization_code":
                token = await _authorization_code(settings)
                await store.save(token)
                source: Any = StoredToken(store)
            elif s.auth == "client_credentials":
                source = shopify_auth(settings, db)
                token = await source.renew()
            else:
                assert s.access_token is not None
                source = StaticToken(s.access_token.get_secret_value())
                token = None
            async with ShopifyClient(s.shop_url, source, api_version=s.api_version) as client:
                granted = await ShopifyAPI(client).granted_scopes()
        except ConnectorError as exc:
            print(f"shopsync: {exc}", file=sys.stderr)
            if exc.hint:
                print(f"  {exc.hint}", file=sys.stderr)
            return 1
        expiry = (
            f"; token valid until {token.expires_at:%Y-%m-%d %H:%M} UTC, renewed automatically"
            if token is not None and token.expires_at
            else ""
        )
        print(f"Shopify connected ({s.auth}){expiry}.")
        print(f"Granted access scopes: {', '.join(sorted(granted)) or '(none)'}")
        lacking = missing_scopes(granted, settings)
        for line in lacking:
            print(f"  {line}")
        if lacking:
            print("Add them to the app's version in the Dev Dashboard and install it again.")
        resumed = await _resume_shopify_paused(db)
        if resumed:
            print(f"Resumed flows paused because Shopify refused access: {', '.join(resumed)}")
        return 0
    finally:
        await db.close()


async def _authorization_code(settings: Settings) -> Any:
    from connectors.shopify.oauth import authorize_url, exchange_code, verify_callback
    from daemon.shopify_scopes import needed

    s = settings.shopify
    assert s is not None and s.client_id and s.client_secret
    secret = s.client_secret.get_secret_value()
    scopes = s.scopes or sorted(needed(settings))
    state = secrets.token_urlsafe(16)
    print("Open this URL in a browser, logged in to the store, and approve shopsync:\n")
    print(f"  {authorize_url(s.shop_url, s.client_id, scopes, s.redirect_uri, state)}\n")
    params = await _wait_for_callback(s.redirect_uri)
    code = verify_callback(params, secret=secret, state=state, shop_url=s.shop_url)
    return await exchange_code(s.shop_url, s.client_id, secret, code)


def _params(url: str) -> dict[str, str]:
    query = urlparse(url).query or url
    return {k: v[0] for k, v in parse_qs(query).items()}


async def _wait_for_callback(redirect_uri: str) -> dict[str, str]:
    """The redirect's parameters, from our loopback listener or pasted by the operator."""
    found: list[dict[str, str]] = []
    arrived = anyio.Event()
    parsed = urlparse(redirect_uri)
    print(f"Waiting for Shopify's redirect on {parsed.hostname}:{parsed.port}, or paste the URL")
    print("your browser was sent to here and press Enter:")

    async def from_redirect(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        params = _params("?" + scope.get("query_string", b"").decode())
        ok = "code" in params
        if ok:
            found.append(params)
            arrived.set()
        text = b"shopsync: received, you can close this tab." if ok else b"no code in the URL"
        await send(
            {
                "type": "http.response.start",
                "status": 200 if ok else 400,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": text})

    from daemon.serving import running_server

    host, port = parsed.hostname or "127.0.0.1", parsed.port or 8766

    # running_server lets the listener shut down properly (its socket closed) once we have it.
    async def paste() -> None:
        try:
            line = await anyio.to_thread.run_sync(sys.stdin.readline, abandon_on_cancel=True)
        except OSError:  # no terminal to paste into: only the redirect can answer
            return
        if "code=" in line:
            found.append(_params(line.strip()))
            arrived.set()

    async with (
        running_server(from_redirect, host=host, port=port, lifespan="off"),
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(paste)
        await arrived.wait()
        tg.cancel_scope.cancel()
    return found[0]


async def _resume_shopify_paused(db: Any) -> list[str]:
    """Flows the worker paused on a Shopify AuthError (their reason starts `shopify:`)."""
    from state.store import Flows

    flows = Flows(db)
    resumed = []
    for name, reason in (await flows.paused()).items():
        if reason.lower().startswith("shopify:"):
            await flows.resume(name)
            resumed.append(name)
    return resumed


def add_command(auth: Any, add: Any) -> None:
    add(
        "shopify",
        cmd_auth_shopify,
        "connect the Shopify store as [shopify] auth says; resume flows paused for access",
        parent=auth,
    )
